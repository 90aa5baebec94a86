from datetime import date
from pathlib import Path

import pytest

from workspace.models import Priority, TaskStatus
from workspace.task_import import presets
from workspace.task_import.reading import read_table
from workspace.task_import.rows import People, Plan, distinct_values, plan_problems, tasks_of

FILES = Path(__file__).parent / "files"
ANA, BEN = 11, 12
PEOPLE = People([(ANA, "Ana Diaz", "ana@example.com"), (BEN, "Ben Ode", "ben@example.com")])


def outcome_of(name: str, **plan):
    table = read_table((FILES / name).read_bytes(), name)
    preset = presets.detect(table.headers)
    mapping = presets.suggest(table.headers, preset)
    return tasks_of(table, Plan(mapping=mapping, **plan), PEOPLE)


def test_a_jira_export_becomes_tasks_field_by_field():
    outcome = outcome_of("jira.csv", day_first=True)
    assert outcome.errors == []
    login, notes, ie = outcome.tasks
    assert (login.title, login.source_id, login.row) == ("Login page times out", "WEB-101", 2)
    assert login.description.startswith("Steps:\n1. open /login")
    assert (login.status, login.priority) == (TaskStatus.IN_PROGRESS, Priority.HIGH)
    assert login.due_date == date(2026, 11, 20)
    assert login.assignee_id == ANA
    assert login.labels == ["auth", "frontend"]
    assert (notes.status, notes.assignee_id, notes.labels) == (TaskStatus.DONE, BEN, ["docs"])
    assert (ie.status, ie.priority, ie.assignee_id) == (TaskStatus.CANCELLED, Priority.LOW, None)


def test_an_asana_task_completed_is_done_whatever_its_section():
    plan_tasks = outcome_of("asana.csv").tasks
    assert [t.status for t in plan_tasks] == [TaskStatus.TODO, TaskStatus.DONE, TaskStatus.TODO]
    assert [t.assignee_id for t in plan_tasks] == [ANA, BEN, None]
    assert plan_tasks[0].labels == ["planning", "team"]
    assert plan_tasks[0].due_date == date(2026, 12, 15)


def test_linear_people_by_e_mail_and_no_priority_as_medium():
    rate, dark, flaky = outcome_of("linear.csv").tasks
    assert (rate.priority, rate.assignee_id, rate.labels) == (
        Priority.URGENT,
        BEN,
        ["Backend", "Security"],
    )
    assert (dark.priority, dark.status) == (Priority.MEDIUM, TaskStatus.TODO)
    assert (flaky.assignee_id, flaky.status) == (ANA, TaskStatus.DONE)


def test_trello_cards_take_their_first_member_and_checklist():
    newsletter, logo, old = outcome_of("trello.json").tasks
    assert (newsletter.status, newsletter.assignee_id) == (TaskStatus.IN_PROGRESS, ANA)
    assert newsletter.checklist == [("Draft", True), ("Review", False)]
    assert newsletter.due_date == date(2026, 12, 7)
    assert (logo.status, old.status, old.assignee_id) == (TaskStatus.TODO, TaskStatus.DONE, BEN)


def test_the_people_chosen_values_override_the_guess():
    table = read_table(b"Title,State\nA,Waiting\nB,Done\n", "t.csv")
    plan = Plan(mapping=["title", "status"], statuses={"Waiting": TaskStatus.IN_PROGRESS})
    assert distinct_values(table, plan, "status") == ["Waiting", "Done"]
    assert [t.status for t in tasks_of(table, plan, PEOPLE).tasks] == [
        TaskStatus.IN_PROGRESS,
        TaskStatus.DONE,
    ]


def test_rows_that_cannot_become_tasks_say_where_and_why():
    data = (
        "Key,Title,Due,Owner\n"
        "1,,2026-01-01,\n"
        f"2,{'x' * 201},,\n"
        "3,Fine,31/31/2026,\n"
        "1,Again,,\n"
        "4,Kept,,Zoe Unknown\n"
    ).encode()
    table = read_table(data, "t.csv")
    outcome = tasks_of(table, Plan(mapping=presets.suggest(table.headers)), PEOPLE)
    assert [(e.row, e.column) for e in outcome.errors] == [
        (2, "Title"),
        (3, "Title"),
        (4, "Due"),
        (5, "Key"),
    ]
    assert outcome.errors[3].reason == "The same ID as row 2."
    assert [t.title for t in outcome.tasks] == ["Kept"]
    assert outcome.tasks[0].assignee_id is None
    assert outcome.unknown_people == ["Zoe Unknown"]


def test_a_plan_without_a_title_column_is_refused():
    assert plan_problems(Plan(mapping=["description"])) == [
        "Choose the column that holds the task titles."
    ]
    assert plan_problems(Plan(mapping=["title"])) == []


@pytest.mark.parametrize(
    ("members", "name", "found"),
    [
        ([(1, "Ana", "a@x.io"), (2, "Ana", "b@x.io")], "Ana", None),  # two Anas: nobody
        ([(1, "Ana", "a@x.io"), (2, "Ana", "b@x.io")], "B@X.IO", 2),
        ([(1, "", "sam@x.io")], "sam", 1),
        ([(1, "Ana Diaz", "a@x.io")], "  ana   diaz ", 1),
    ],
)
def test_people_are_found_by_e_mail_or_an_unambiguous_name(members, name, found):
    assert People(members).find(name) == found
