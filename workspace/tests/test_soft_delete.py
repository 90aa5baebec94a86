"""Soft-deleted tasks (deleted on their own or with their project) are invisible to every read
people see, and only ``all_objects`` reaches them."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from workspace.models import Priority, Project, Task, TaskStatus
from workspace.selectors import comment_list, dashboard, project_list, task_list
from workspace.services.comments import comment_delete
from workspace.services.projects import project_delete
from workspace.services.tasks import task_delete
from workspace.tests.factories import CommentFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def project(in_org):
    return ProjectFactory(organization=in_org, name="Launch")


@pytest.fixture
def tasks(in_org, project, member, admin):
    """Live tasks and deleted twins that would match every read: assigned to the member, open,
    overdue, due this week, with "Invoice" in the title."""

    def make(project, title, **kwargs):
        return TaskFactory(
            project=project, title=title, assignee=member, created_by=member.user, **kwargs
        )

    live = {
        "overdue": make(project, "Invoice March", due_date=TODAY - timedelta(days=2)),
        "this_week": make(project, "Invoice April", due_date=TODAY + timedelta(days=3)),
        "done": make(project, "Invoice May", status=TaskStatus.DONE),
    }
    alone = [
        make(project, "Invoice deleted", due_date=TODAY - timedelta(days=1)),
        make(project, "Invoice deleted too", due_date=TODAY + timedelta(days=1)),
        make(project, "Invoice deleted done", status=TaskStatus.DONE),
    ]
    for task in alone:
        task_delete(task=task, actor=member)
    doomed = ProjectFactory(organization=in_org, name="Doomed")
    with_project = [
        make(doomed, "Invoice of a deleted project", due_date=TODAY - timedelta(days=3)),
        make(
            doomed,
            "Invoice due in the deleted project",
            due_date=TODAY,
            priority=Priority.URGENT,
            status=TaskStatus.IN_PROGRESS,
        ),
    ]
    project_delete(project=doomed, actor=admin)
    return live, alone + with_project, doomed


def test_task_list_hides_deleted_tasks(in_org, tasks):
    live, deleted, _ = tasks

    listed = task_list(organization=in_org)

    assert set(listed) == set(live.values())
    assert not listed.filter(pk__in=[t.pk for t in deleted]).exists()


def test_title_search_hides_deleted_tasks(in_org, tasks):
    live, _, _ = tasks

    found = task_list(organization=in_org).filter(title__icontains="invoice")

    assert set(found) == set(live.values())
    assert not task_list(organization=in_org).filter(title__icontains="deleted").exists()


def test_dashboard_counts_and_lists_only_live_tasks(tasks, member):
    live, _, _ = tasks

    data = dashboard(membership=member)

    assert data["my_open_count"] == 2
    assert data["overdue_count"] == 1

    def numbers(rows):
        return [row["number"] for row in rows]

    assert numbers(data["due_this_week"]) == [live["this_week"].number]
    assert numbers(data["my_open_tasks"]) == [live["overdue"].number, live["this_week"].number]
    assert set(numbers(data["recently_updated"])) == {t.number for t in live.values()}


def test_project_task_counts_leave_deleted_tasks_out(in_org, project, tasks):
    _, _, doomed = tasks

    counted = {p.pk: (p.open_count, p.done_count) for p in Project.all_objects.with_task_counts()}

    assert counted == {project.pk: (2, 1), doomed.pk: (0, 0)}
    assert [(p.name, p.open_count, p.done_count) for p in project_list(organization=in_org)] == [
        ("Launch", 2, 1)
    ]


def test_deleted_tasks_are_not_reachable_through_objects(in_org, tasks):
    _, deleted, _ = tasks

    assert not Task.objects.filter(pk__in=[t.pk for t in deleted]).exists()
    assert (
        not Task.objects.filter(organization=in_org)
        .overdue(TODAY)
        .filter(pk__in=[t.pk for t in deleted])
    )


def test_all_objects_reaches_deleted_tasks(in_org, tasks, member, admin):
    live, deleted, _ = tasks

    reached = Task.all_objects.filter(organization=in_org)

    assert set(reached) == set(live.values()) | set(deleted)
    assert {t.deleted_by for t in reached.filter(deleted_at__isnull=False)} == {
        member.user,
        admin.user,
    }
    assert all(t.is_deleted for t in reached.filter(pk__in=[t.pk for t in deleted]))


def test_deleted_comments_leave_the_task_page_but_not_all_objects(in_org, project, member):
    task = TaskFactory(project=project)
    kept = CommentFactory(task=task, author=member.user)
    gone = CommentFactory(task=task, author=member.user)

    comment_delete(comment=gone, actor=member)

    assert list(comment_list(task=task)) == [kept]
    assert set(type(gone).all_objects.filter(task=task)) == {kept, gone}
