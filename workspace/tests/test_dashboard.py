from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from workspace.models import Priority, Task, TaskStatus
from workspace.selectors import dashboard
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def project(in_org):
    return ProjectFactory(organization=in_org)


@pytest.fixture
def elsewhere(member):
    """The same person in another organization, with a task that would match everything."""
    membership = MembershipFactory(user=member.user)
    return TaskFactory(
        project__organization=membership.organization,
        assignee=membership,
        due_date=TODAY - timedelta(days=1),
    )


def _task(project, days=None, **kwargs):
    due = None if days is None else TODAY + timedelta(days=days)
    return TaskFactory(project=project, due_date=due, **kwargs)


def numbers(rows) -> list[int]:
    """Task numbers of dashboard rows (dicts of ROW_VALUES) or of tasks."""
    return [row["number"] if isinstance(row, dict) else row.number for row in rows]


def test_my_open_tasks_soonest_due_first_then_most_urgent(project, member, admin, elsewhere):
    later = _task(project, days=5, assignee=member)
    undated = _task(project, assignee=member, status=TaskStatus.IN_PROGRESS)
    soon_low = _task(project, days=1, assignee=member, priority=Priority.LOW)
    soon_urgent = _task(project, days=1, assignee=member, priority=Priority.URGENT)
    _task(project, days=1, assignee=member, status=TaskStatus.DONE)
    _task(project, days=1, assignee=member, status=TaskStatus.CANCELLED)
    _task(project, days=1, assignee=member, deleted_at=timezone.now())
    _task(project, days=1, assignee=admin)
    _task(project, days=1)

    data = dashboard(membership=member)

    assert numbers(data["my_open_tasks"]) == numbers([soon_urgent, soon_low, later, undated])
    assert data["my_open_count"] == 4


def test_my_open_tasks_are_limited_but_counted_in_full(project, member):
    TaskFactory.create_batch(4, project=project, assignee=member)

    data = dashboard(membership=member, limit=3)

    assert len(data["my_open_tasks"]) == 3
    assert data["my_open_count"] == 4


def test_overdue_count_covers_the_whole_organization(project, member, admin, elsewhere):
    _task(project, days=-1, assignee=admin)
    _task(project, days=-30, status=TaskStatus.IN_PROGRESS)
    _task(project, days=0)  # due today is not overdue
    _task(project, days=-1, status=TaskStatus.DONE)
    _task(project, days=-1, status=TaskStatus.CANCELLED)
    _task(project, days=-1, deleted_at=timezone.now())

    assert dashboard(membership=member)["overdue_count"] == 2


def test_due_this_week_is_today_to_six_days_ahead(project, member, elsewhere):
    last_day = _task(project, days=6)
    today = _task(project, days=0, priority=Priority.LOW)
    today_urgent = _task(project, days=0, priority=Priority.URGENT)
    _task(project, days=7)
    _task(project, days=-1)
    _task(project)
    _task(project, days=2, status=TaskStatus.DONE)
    _task(project, days=2, deleted_at=timezone.now())

    assert numbers(dashboard(membership=member)["due_this_week"]) == numbers(
        [today_urgent, today, last_day]
    )


def test_recently_updated_newest_first_without_deleted_tasks(project, member, elsewhere):
    tasks = TaskFactory.create_batch(3, project=project)
    deleted = TaskFactory(project=project, status=TaskStatus.DONE)
    for hours, task in enumerate([tasks[1], tasks[0], tasks[2], deleted]):
        Task.all_objects.filter(pk=task.pk).update(
            updated_at=timezone.now() - timedelta(hours=hours)
        )
    Task.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())

    assert numbers(dashboard(membership=member)["recently_updated"]) == numbers(
        [tasks[1], tasks[0], tasks[2]]
    )
    assert numbers(dashboard(membership=member, limit=2)["recently_updated"]) == numbers(
        [tasks[1], tasks[0]]
    )


def test_dashboard_takes_a_fixed_number_of_queries(
    project, member, admin, django_assert_num_queries
):
    for days in range(-2, 5):
        _task(project, days=days, assignee=member)
        _task(project, days=days, assignee=admin)

    # Three lists and two counts, and the names the cards show from the organization's
    # directory (one query, cached under its revision).
    with django_assert_num_queries(5 + 1):
        data = dashboard(membership=member)
        for key in ("my_open_tasks", "due_this_week", "recently_updated"):
            # Everything a dashboard card shows, loaded by those queries.
            assert [Task.from_row(row).due_state is not None for row in data[key]]
    with django_assert_num_queries(3):  # the counts and the directory, from the cache
        dashboard(membership=member)


def test_counts_stop_at_the_cap(project, member, monkeypatch):
    monkeypatch.setattr("workspace.selectors.SUMMARY_COUNT_CAP", 3)
    TaskFactory.create_batch(5, project=project, assignee=member)
    for days in (-1, -2, -3):
        _task(project, days=days)

    data = dashboard(membership=member)

    assert data["my_open_count"] == 4  # "more than 3": counting stopped there
    assert data["overdue_count"] == 3  # at the cap: still exact
    assert data["count_cap"] == 3
