from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from workspace.models import (
    Comment,
    Priority,
    Project,
    ProjectStatus,
    Task,
    TaskStatus,
)
from workspace.tests.factories import (
    CommentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
NOON = datetime(2026, 3, 10, 12, tzinfo=UTC)


@pytest.fixture
def project(in_org):
    return ProjectFactory(organization=in_org)


@pytest.fixture
def today():
    with time_machine.travel(NOON, tick=False):
        yield TODAY


def test_open_means_todo_or_in_progress(project):
    todo = TaskFactory(project=project, status=TaskStatus.TODO)
    doing = TaskFactory(project=project, status=TaskStatus.IN_PROGRESS)
    TaskFactory(project=project, status=TaskStatus.DONE)
    TaskFactory(project=project, status=TaskStatus.CANCELLED)

    assert set(Task.objects.open()) == {todo, doing}


def test_overdue_are_open_tasks_due_before_today(project, today):
    yesterday = today - timedelta(days=1)
    late = TaskFactory(project=project, due_date=yesterday)
    late_in_progress = TaskFactory(
        project=project, due_date=today - timedelta(days=30), status=TaskStatus.IN_PROGRESS
    )
    TaskFactory(project=project, due_date=today)  # due today: not late yet
    TaskFactory(project=project, due_date=today + timedelta(days=1))
    TaskFactory(project=project, due_date=None)
    TaskFactory(project=project, due_date=yesterday, status=TaskStatus.DONE)
    TaskFactory(project=project, due_date=yesterday, status=TaskStatus.CANCELLED)

    assert set(Task.objects.overdue()) == {late, late_in_progress}


def test_overdue_takes_the_day_to_compare_with(project, today):
    task = TaskFactory(project=project, due_date=today)

    assert list(Task.objects.overdue(today + timedelta(days=1))) == [task]
    assert list(Task.objects.overdue(today)) == []


@pytest.mark.parametrize(
    ("status", "days_from_today", "overdue"),
    [
        (TaskStatus.TODO, -1, True),
        (TaskStatus.IN_PROGRESS, -1, True),
        (TaskStatus.TODO, 0, False),
        (TaskStatus.TODO, 1, False),
        (TaskStatus.TODO, None, False),
        (TaskStatus.DONE, -1, False),
        (TaskStatus.CANCELLED, -1, False),
    ],
)
def test_task_is_overdue(today, status, days_from_today, overdue):
    due = None if days_from_today is None else today + timedelta(days=days_from_today)

    assert Task(status=status, due_date=due).is_overdue is overdue


def test_assigned_to_a_user(project, member, admin):
    mine = TaskFactory(project=project, assignee=member)
    TaskFactory(project=project, assignee=admin)
    TaskFactory(project=project, assignee=None)
    # The same person in another organization: not visible in this one.
    elsewhere = MembershipFactory(user=member.user)
    TaskFactory(project__organization=elsewhere.organization, assignee=elsewhere)

    assert list(Task.objects.assigned_to(member.user)) == [mine]


def test_for_list_loads_project_and_assignee_in_one_query(
    project, member, django_assert_num_queries
):
    TaskFactory.create_batch(3, project=project, assignee=member)

    with django_assert_num_queries(1):
        rows = [(t.project.name, t.assignee.user.name) for t in Task.objects.for_list()]

    assert rows == [(project.name, "Mia Member")] * 3


def test_ordering_by_priority_is_by_severity_not_by_name(project):
    for priority in (Priority.URGENT, Priority.LOW, Priority.HIGH, Priority.MEDIUM):
        TaskFactory(project=project, priority=priority)

    ascending = list(Task.objects.order_by("priority").values_list("priority", flat=True))
    descending = list(Task.objects.order_by("-priority").values_list("priority", flat=True))

    assert ascending == [Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.URGENT]
    assert descending == [Priority.URGENT, Priority.HIGH, Priority.MEDIUM, Priority.LOW]


def test_priority_keys():
    assert Priority.by_key("urgent") is Priority.URGENT
    assert Priority.by_key("High") is Priority.HIGH
    assert Priority.MEDIUM.key == "medium"
    assert Task(priority=Priority.LOW).priority_key == "low"
    assert Priority.key_choices() == [
        ("low", "Low"),
        ("medium", "Medium"),
        ("high", "High"),
        ("urgent", "Urgent"),
    ]
    with pytest.raises(KeyError):
        Priority.by_key("critical")


def test_active_projects(in_org):
    active = ProjectFactory(organization=in_org)
    ProjectFactory(organization=in_org, status=ProjectStatus.ARCHIVED)

    assert list(Project.objects.active()) == [active]


def test_with_task_counts_counts_open_and_done_live_tasks_of_each_project(in_org):
    busy, quiet, empty = (ProjectFactory(organization=in_org, name=n) for n in ("A", "B", "C"))
    for status in (TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED):
        TaskFactory(project=busy, status=status)
    TaskFactory(project=busy, status=TaskStatus.TODO, deleted_at=timezone.now())
    TaskFactory(project=busy, status=TaskStatus.DONE, deleted_at=timezone.now())
    TaskFactory.create_batch(2, project=quiet, status=TaskStatus.DONE)

    counts = {
        p.name: (p.open_count, p.done_count)
        for p in Project.objects.with_task_counts().filter(pk__in=[busy.pk, quiet.pk, empty.pk])
    }

    assert counts == {"A": (2, 1), "B": (0, 2), "C": (0, 0)}


def test_with_task_counts_stops_one_past_the_cap(in_org):
    project = ProjectFactory(organization=in_org)
    TaskFactory.create_batch(5, project=project, status=TaskStatus.TODO)
    TaskFactory.create_batch(2, project=project, status=TaskStatus.DONE)

    counted = Project.objects.with_task_counts(cap=3).get(pk=project.pk)

    assert (counted.open_count, counted.done_count) == (4, 2)


def _project(org, **kwargs):
    return ProjectFactory(organization=org, **kwargs)


def _task(org, **kwargs):
    return TaskFactory(project__organization=org, **kwargs)


def _comment(org, **kwargs):
    return CommentFactory(task__project__organization=org, **kwargs)


@pytest.mark.parametrize(
    ("model", "make"), [(Project, _project), (Task, _task), (Comment, _comment)]
)
def test_soft_deleted_rows_are_hidden_by_objects_and_kept_in_all_objects(in_org, model, make):
    live = make(in_org)
    deleted = make(in_org, deleted_at=timezone.now())
    make(OrganizationFactory(), deleted_at=timezone.now())  # another organization's

    assert list(model.objects.all()) == [live]
    assert model.all_objects.get(pk=deleted.pk).is_deleted
    assert set(model.all_objects.all()) == {live, deleted}
