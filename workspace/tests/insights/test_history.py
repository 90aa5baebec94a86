"""Reading a task's past from the audit log, and weeks in an organization's time zone."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from workspace.insights.history import (
    END,
    MOVED,
    OWN,
    PROJECT,
    STATUS,
    Facts,
    segments,
    state_at,
    status_value,
)
from workspace.insights.weeks import day_start, local_date, recent_weeks, week_end, week_of
from workspace.models import TaskStatus

AUCKLAND = ZoneInfo("Pacific/Auckland")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    ("recorded", "status"),
    [
        ("To do", TaskStatus.TODO),
        ("In progress", TaskStatus.IN_PROGRESS),
        ("Done", TaskStatus.DONE),
        ("Cancelled", TaskStatus.CANCELLED),
        ("in_progress", TaskStatus.IN_PROGRESS),  # a raw value
        ("  in   PROGRESS ", TaskStatus.IN_PROGRESS),
        ("in-progress", TaskStatus.IN_PROGRESS),
        ("TODO", TaskStatus.TODO),
        ("Canceled", TaskStatus.CANCELLED),
        ("Completed", TaskStatus.DONE),
        ("Blocked", None),
        ("", None),
        (None, None),
        (3, None),
    ],
)
def test_recorded_statuses_are_read_back_by_label_or_value(recorded, status):
    assert status_value(recorded) == status


def t(day, hour=12):
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def facts(status=TaskStatus.DONE, *, alive=True, own_alive=True, project_alive=True, created=1):
    return Facts(
        pk=1,
        number=1,
        project=10,
        assignee=None,
        priority=2,
        status=status,
        alive=alive,
        own_alive=own_alive,
        project_alive=project_alive,
        created_at=t(created),
        started_at=None,
        completed_at=None,
        due_date=None,
    )


def test_a_task_s_state_is_undone_change_by_change_from_now():
    events = [
        (t(3), STATUS, TaskStatus.TODO, TaskStatus.IN_PROGRESS),
        (t(5), STATUS, TaskStatus.IN_PROGRESS, TaskStatus.DONE),
        (t(7), OWN, None, False),
        (t(9), OWN, None, True),
    ]
    points = segments(facts(), events, since=t(1, 0))

    assert state_at(points, t(1, 6)) is None  # not created yet
    assert state_at(points, t(2)) == (True, TaskStatus.TODO)
    assert state_at(points, t(3)) == (True, TaskStatus.TODO)  # a change counts after its instant
    assert state_at(points, t(4)) == (True, TaskStatus.IN_PROGRESS)
    assert state_at(points, t(6)) == (True, TaskStatus.DONE)
    assert state_at(points, t(8)) == (False, TaskStatus.DONE)  # deleted
    assert state_at(points, END) == (True, TaskStatus.DONE)  # restored


def test_a_task_deleted_with_its_project_is_gone_while_the_project_is():
    events = [(t(4), PROJECT, None, False), (t(6), PROJECT, None, True)]
    points = segments(facts(TaskStatus.TODO), events, since=t(1, 0))

    assert [state_at(points, t(day))[0] for day in (3, 5, 7)] == [True, False, True]


def test_a_project_s_deletion_before_the_task_moved_into_it_does_not_touch_the_task():
    events = [
        (t(3), PROJECT, None, False),
        (t(4), PROJECT, None, True),
        (t(5), MOVED, None, None),
    ]
    points = segments(facts(TaskStatus.TODO), events, since=t(1, 0))

    assert [state_at(points, t(day))[0] for day in (2, 3, 4, 5, 6)] == [True] * 5


def test_a_task_deleted_on_its_own_stays_deleted_through_its_project_s_restore():
    """Deleted on day 3, its project deleted on 5 and restored on 7 (without it: the project's
    restore brings back only what its deletion took), restored on its own on 9."""
    events = [
        (t(3), OWN, None, False),
        (t(5), PROJECT, None, False),
        (t(7), PROJECT, None, True),
        (t(9), OWN, None, True),
    ]
    points = segments(facts(TaskStatus.TODO), events, since=t(1, 0))

    assert [state_at(points, t(day))[0] for day in (2, 4, 6, 8, 10)] == [
        True,
        False,
        False,
        False,
        True,
    ]


def test_a_task_still_deleted_with_its_project_was_alive_before():
    task = facts(TaskStatus.TODO, alive=False, own_alive=True, project_alive=False)
    points = segments(task, [(t(4), PROJECT, None, False)], since=t(1, 0))

    assert state_at(points, t(3)) == (True, TaskStatus.TODO)
    assert state_at(points, END) == (False, TaskStatus.TODO)


def test_a_change_to_an_unknown_status_keeps_what_is_known():
    events = [(t(3), STATUS, None, TaskStatus.DONE)]  # the old value named no status
    points = segments(facts(), events, since=t(1, 0))

    assert state_at(points, t(2)) == (True, TaskStatus.DONE)


def test_history_before_the_oldest_instant_of_interest_is_not_needed():
    """A task created long ago: its state before ``since`` is what undoing the later changes
    gives; earlier entries are not read at all."""
    events = [(t(10), STATUS, TaskStatus.TODO, TaskStatus.DONE)]
    points = segments(facts(created=1), events, since=t(8, 0))

    assert points[0] == (t(8, 0), True, TaskStatus.TODO)
    assert state_at(points, t(9)) == (True, TaskStatus.TODO)


# --- Weeks --------------------------------------------------------------------------------------
def test_weeks_start_on_monday_at_local_midnight():
    # Monday Mar 2, 00:30 in Auckland is Sunday Mar 1, 11:30 UTC.
    moment = datetime(2026, 3, 1, 11, 30, tzinfo=UTC)

    assert week_of(moment, AUCKLAND) == date(2026, 3, 2)
    assert week_of(moment, UTC) == date(2026, 2, 23)
    assert week_of(moment, LOS_ANGELES) == date(2026, 2, 23)


def test_a_week_across_a_clock_change_is_an_hour_longer_or_shorter():
    # Auckland leaves daylight time on Sunday Apr 5, 2026; Los Angeles enters it on Mar 8.
    def length(week, tz):  # in real time (aware datetimes of one zone subtract as wall times)
        return week_end(week, tz).timestamp() - day_start(week, tz).timestamp()

    assert length(date(2026, 3, 30), AUCKLAND) == 7 * 86400 + 3600
    assert length(date(2026, 3, 2), LOS_ANGELES) == 7 * 86400 - 3600
    assert week_end(date(2026, 3, 30), AUCKLAND).astimezone(UTC) == datetime(
        2026, 4, 5, 12, 0, tzinfo=UTC
    )


@pytest.mark.parametrize("zone", ["America/Havana", "America/Santiago", "Asia/Beirut"])
def test_a_day_whose_midnight_is_skipped_starts_when_the_clock_jumps(zone):
    """Some zones move their clocks at midnight: that day still starts inside itself."""
    tz = ZoneInfo(zone)
    day = date(2026, 1, 1)
    for _ in range(366):
        start = day_start(day, tz)
        assert local_date(start, tz) == day
        assert local_date(start - timedelta(microseconds=1), tz) == day - timedelta(days=1)
        day += timedelta(days=1)


def test_recent_weeks_end_with_the_current_one():
    now = datetime(2026, 3, 25, 12, tzinfo=LOS_ANGELES)

    assert recent_weeks(now, LOS_ANGELES, 3) == [
        date(2026, 3, 9),
        date(2026, 3, 16),
        date(2026, 3, 23),
    ]
