from datetime import date

import pytest

from workspace.models import Priority, TaskStatus
from workspace.task_import.values import date_of, moment_of, names_of, priority_of, status_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01", date(2026, 3, 1)),
        ("2026-03-01T23:30:00.000Z", date(2026, 3, 1)),
        ("2026-03-01 09:00", date(2026, 3, 1)),
        ("2026/3/1", date(2026, 3, 1)),
        ("01/Mar/26 12:00 AM", date(2026, 3, 1)),
        ("1 March 2026", date(2026, 3, 1)),
        ("Mar 1, 2026", date(2026, 3, 1)),
        ("Sept. 30 2026", date(2026, 9, 30)),
        ("03/01/2026", date(2026, 3, 1)),
        ("3/1/26", date(2026, 3, 1)),
        ("25/12/2026", date(2026, 12, 25)),
        ("2028-02-29", date(2028, 2, 29)),
        ("", None),
        ("   ", None),
    ],
)
def test_dates_in_the_forms_exports_use(text, expected):
    assert date_of(text) == expected


def test_numeric_dates_can_be_read_day_first():
    assert date_of("03/01/2026", day_first=True) == date(2026, 1, 3)
    assert date_of("01.02.2026", day_first=True) == date(2026, 2, 1)


@pytest.mark.parametrize("text", ["2026-02-30", "2027-02-29", "13/13/2026", "soon", "32 Mar 2026",
                                  "Smarch 1, 2026", "99999-01-01"])  # fmt: skip
def test_impossible_dates_are_refused_with_the_text(text):
    with pytest.raises(ValueError, match="is not a date we can read"):
        date_of(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("To Do", TaskStatus.TODO),
        ("Backlog", TaskStatus.TODO),
        ("In Progress", TaskStatus.IN_PROGRESS),
        ("Doing", TaskStatus.IN_PROGRESS),
        ("Done", TaskStatus.DONE),
        ("Resolved", TaskStatus.DONE),
        ("Won't Do", TaskStatus.CANCELLED),
        ("Canceled", TaskStatus.CANCELLED),
        ("Waiting for legal", None),
        ("", None),
    ],
)
def test_other_tools_statuses(text, expected):
    assert status_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Highest", Priority.URGENT),
        ("Blocker", Priority.URGENT),
        ("High", Priority.HIGH),
        ("Medium", Priority.MEDIUM),
        ("No priority", Priority.MEDIUM),
        ("Lowest", Priority.LOW),
        ("P2", Priority.HIGH),
        ("whenever", None),
    ],
)
def test_other_tools_priorities(text, expected):
    assert priority_of(text) == expected


def test_times_and_lists():
    assert moment_of("2026-11-05T10:00:00.000Z").isoformat() == "2026-11-05T10:00:00+00:00"
    assert moment_of("yesterday") is None
    assert names_of("Backend, Security;ops\n\nx") == ["Backend", "Security", "ops", "x"]
