from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.preferences import Channel, Topic
from workspace.models import (
    AuditAction,
    AuditLog,
    Notification,
    NotificationKind,
    Priority,
    ProjectStatus,
    Task,
    TaskStatus,
    Watch,
)
from workspace.services.bulk import (
    BULK_MAX,
    TooManyTasks,
    task_bulk_edit,
    task_bulk_queue,
    task_bulk_run,
    task_bulk_undo,
)
from workspace.services.tasks import StaleTaskError, task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
    WatchFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(in_org):
    return ProjectFactory(organization=in_org, name="Launch")


def _tasks(organization):
    return Task.objects.filter(organization=organization)


def _fresh(task) -> Task:
    return Task.all_objects.get(pk=task.pk)


def _email_on(membership, topic):
    user = membership.user
    user.notification_channels = {**(user.notification_channels or {}), topic: Channel.EMAIL}
    user.save()


def test_sets_the_field_of_every_selected_task_and_skips_those_already_there(
    project, member, in_org
):
    tasks = TaskFactory.create_batch(3, project=project, priority=Priority.LOW)
    already = TaskFactory(project=project, priority=Priority.HIGH)
    other = TaskFactory(project=project, priority=Priority.LOW)
    chosen = _tasks(in_org).filter(pk__in=[t.pk for t in [*tasks, already]])

    result = task_bulk_edit(
        organization=in_org, actor=member, tasks=chosen, field_name="priority", value=Priority.HIGH
    )

    assert (result.matched, result.changed) == (4, 3)
    assert result.skipped == {"already High": 1}
    assert {_fresh(t).priority for t in tasks} == {Priority.HIGH}
    assert _fresh(other).priority == Priority.LOW
    assert result.bulk.changed == 3


def test_moves_versions_and_marks_the_changed_field_so_open_editors_merge(project, member, in_org):
    task = TaskFactory(project=project, status=TaskStatus.TODO, priority=Priority.LOW)
    seen = _fresh(task).updated_at

    task_bulk_edit(
        organization=in_org,
        actor=member,
        tasks=_tasks(in_org),
        field_name="status",
        value=TaskStatus.DONE,
    )

    after = _fresh(task)
    assert after.updated_at > seen
    assert after.changed_since(seen) == {"status"}
    assert after.completed_at is not None
    # An editor opened before the bulk edit still saves another field...
    task_update(
        task=after, actor=member, data={"priority": Priority.HIGH}, expected_updated_at=seen
    )
    # ...but not the status it did not see change.
    with pytest.raises(StaleTaskError):
        task_update(
            task=_fresh(task),
            actor=member,
            data={"status": TaskStatus.IN_PROGRESS},
            expected_updated_at=seen,
        )


def test_writes_an_audit_entry_per_task_and_one_grouped_entry(project, member, in_org):
    tasks = TaskFactory.create_batch(3, project=project, status=TaskStatus.TODO)

    result = task_bulk_edit(
        organization=in_org,
        actor=member,
        tasks=_tasks(in_org),
        field_name="status",
        value=TaskStatus.IN_PROGRESS,
    )

    entries = AuditLog.objects.filter(organization=in_org, action=AuditAction.UPDATED)
    assert sorted(e.object_id for e in entries) == sorted(t.pk for t in tasks)
    assert {e.changed_fields["status"][1] for e in entries} == {"In progress"}
    assert {e.changed_fields["status"][0] for e in entries} == {"To do"}
    grouped = AuditLog.objects.get(organization=in_org, action=AuditAction.BULK_UPDATED)
    assert grouped.object_repr == "set the status of 3 tasks to In progress"
    assert grouped.object_id == result.bulk.pk
    assert grouped.actor == member.user


def test_ten_thousand_tasks_in_a_constant_number_of_queries(project, member, in_org):
    few = TaskFactory.create_batch(3, project=project, status=TaskStatus.TODO)
    Task.objects.bulk_create(
        [
            Task(
                organization=in_org,
                project=project,
                number=100 + n,
                title=f"Task {n}",
                status=TaskStatus.TODO,
                updated_at=timezone.now(),
            )
            for n in range(1, BULK_MAX + 1)
        ]
    )

    with CaptureQueriesContext(connection) as small:
        task_bulk_edit(
            organization=in_org,
            actor=member,
            tasks=_tasks(in_org).filter(pk__in=[t.pk for t in few]),
            field_name="status",
            value=TaskStatus.DONE,
        )
    with CaptureQueriesContext(connection) as large:
        result = task_bulk_edit(
            organization=in_org,
            actor=member,
            tasks=_tasks(in_org).exclude(pk__in=[t.pk for t in few]),
            field_name="status",
            value=TaskStatus.DONE,
        )

    assert result.changed == BULK_MAX
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(large.captured_queries) <= 12
    assert _tasks(in_org).filter(status=TaskStatus.DONE).count() == BULK_MAX + 3
    assert AuditLog.objects.filter(action=AuditAction.UPDATED).count() == BULK_MAX + 3


def test_more_than_the_limit_changes_nothing(project, member, in_org, monkeypatch):
    monkeypatch.setattr("workspace.services.bulk.BULK_MAX", 2)
    tasks = TaskFactory.create_batch(3, project=project, priority=Priority.LOW)

    with pytest.raises(TooManyTasks, match="More than 2 tasks match"):
        task_bulk_edit(
            organization=in_org,
            actor=member,
            tasks=_tasks(in_org),
            field_name="priority",
            value=Priority.URGENT,
        )

    assert {_fresh(t).priority for t in tasks} == {Priority.LOW}


def test_all_or_nothing_when_a_write_fails(project, member, in_org, monkeypatch):
    tasks = TaskFactory.create_batch(3, project=project, priority=Priority.LOW)

    def broken(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr("workspace.services.bulk.audit_record", broken)
    with pytest.raises(RuntimeError):
        task_bulk_edit(
            organization=in_org,
            actor=member,
            tasks=_tasks(in_org),
            field_name="priority",
            value=Priority.URGENT,
        )

    assert {_fresh(t).priority for t in tasks} == {Priority.LOW}
    assert not AuditLog.objects.filter(action=AuditAction.UPDATED).exists()


def test_ids_of_another_organization_are_ignored(project, member, in_org):
    mine = TaskFactory(project=project, priority=Priority.LOW)
    elsewhere = OrganizationFactory()
    with organization_scope(elsewhere):
        theirs = TaskFactory(project=ProjectFactory(organization=elsewhere), priority=Priority.LOW)
        foreign = Task.objects.filter(pk=theirs.pk)

    result = task_bulk_edit(
        organization=in_org,
        actor=member,
        tasks=Task.objects.filter(pk__in=[mine.pk, theirs.pk]),
        field_name="priority",
        value=Priority.URGENT,
    )
    none = task_bulk_edit(
        organization=in_org, actor=member, tasks=foreign, field_name="priority", value=1
    )

    assert (result.matched, result.changed) == (1, 1)
    assert (none.matched, none.changed, none.bulk) == (0, 0, None)
    with organization_scope(elsewhere):
        assert Task.objects.get(pk=theirs.pk).priority == Priority.LOW


def test_a_member_of_another_organization_is_refused(project, in_org):
    TaskFactory(project=project)
    outsider = MembershipFactory()

    with pytest.raises(PermissionDenied):
        task_bulk_edit(
            organization=in_org,
            actor=outsider,
            tasks=_tasks(in_org),
            field_name="status",
            value=TaskStatus.DONE,
        )


def test_trash_skips_tasks_a_member_may_not_delete(project, member, admin, in_org):
    own = TaskFactory(project=project, created_by=member.user)
    not_own = TaskFactory(project=project, created_by=admin.user)

    result = task_bulk_edit(
        organization=in_org, actor=member, tasks=_tasks(in_org), field_name="trash"
    )

    assert result.changed == 1
    assert result.skipped == {"only admins and their creators delete tasks": 1}
    assert _fresh(own).deleted_at is not None
    assert _fresh(not_own).deleted_at is None
    assert AuditLog.objects.filter(action=AuditAction.DELETED, object_id=own.pk).exists()


def test_undo_restores_every_task_to_its_own_prior_value(project, member, in_org):
    low = TaskFactory(project=project, priority=Priority.LOW)
    medium = TaskFactory(project=project, priority=Priority.MEDIUM)
    result = task_bulk_edit(
        organization=in_org,
        actor=member,
        tasks=_tasks(in_org),
        field_name="priority",
        value=Priority.URGENT,
    )

    undone = task_bulk_undo(bulk=result.bulk, actor=member)

    assert undone.changed == 2
    assert _fresh(low).priority == Priority.LOW
    assert _fresh(medium).priority == Priority.MEDIUM
    assert AuditLog.objects.filter(action=AuditAction.BULK_UNDONE).count() == 1
    with pytest.raises(ValidationError, match="already undone"):
        task_bulk_undo(bulk=result.bulk, actor=member)


def test_undo_keeps_a_field_someone_changed_since(project, member, admin, in_org):
    kept = TaskFactory(project=project, status=TaskStatus.TODO)
    restored = TaskFactory(project=project, status=TaskStatus.IN_PROGRESS)
    result = task_bulk_edit(
        organization=in_org,
        actor=member,
        tasks=_tasks(in_org),
        field_name="status",
        value=TaskStatus.DONE,
    )
    task_update(task=_fresh(kept), actor=admin, data={"status": TaskStatus.CANCELLED})

    undone = task_bulk_undo(bulk=result.bulk, actor=member)

    assert undone.skipped == {"changed again since": 1}
    assert _fresh(kept).status == TaskStatus.CANCELLED
    back = _fresh(restored)
    assert back.status == TaskStatus.IN_PROGRESS
    assert back.completed_at is None


def test_undo_of_dates_assignees_projects_and_the_trash(project, member, admin, in_org):
    other = ProjectFactory(organization=in_org, name="Other")
    task = TaskFactory(
        project=project, due_date=date(2030, 1, 2), assignee=admin, created_by=member.user
    )
    steps = [
        ("due_date", date(2031, 5, 6)),
        ("assignee", member),
        ("project", other),
        ("trash", None),
    ]
    for field_name, value in steps:
        result = task_bulk_edit(
            organization=in_org,
            actor=member,
            tasks=Task.all_objects.filter(pk=task.pk),
            field_name=field_name,
            value=value,
        )
        assert result.changed == 1, field_name
        task_bulk_undo(bulk=result.bulk, actor=member)

    back = _fresh(task)
    assert (back.due_date, back.assignee, back.project, back.deleted_at) == (
        date(2030, 1, 2),
        admin,
        project,
        None,
    )


def test_only_its_author_for_a_while_or_an_admin_undoes(project, member, admin, in_org):
    TaskFactory(project=project, priority=Priority.LOW)
    someone = MembershipFactory(organization=in_org)
    result = task_bulk_edit(
        organization=in_org,
        actor=member,
        tasks=_tasks(in_org),
        field_name="priority",
        value=Priority.HIGH,
    )

    with pytest.raises(PermissionDenied):
        task_bulk_undo(bulk=result.bulk, actor=someone)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        with pytest.raises(PermissionDenied):
            task_bulk_undo(bulk=result.bulk, actor=member)
        assert task_bulk_undo(bulk=result.bulk, actor=admin).changed == 1


def test_archived_projects_and_bad_values_are_refused(project, member, in_org):
    TaskFactory(project=project)
    archived = ProjectFactory(organization=in_org, status=ProjectStatus.ARCHIVED)
    outsider = MembershipFactory()
    cases = [
        ("project", archived, "not active"),
        ("assignee", outsider, "member of this organization"),
        ("status", "nope", "valid status"),
        ("priority", 9, "valid priority"),
        ("due_date", date(1990, 1, 1), "between"),
        ("title", "x", "what to change"),
    ]
    for field_name, value, message in cases:
        with pytest.raises(ValidationError, match=message):
            task_bulk_edit(
                organization=in_org,
                actor=member,
                tasks=_tasks(in_org),
                field_name=field_name,
                value=value,
            )


def test_notifications_fan_in_one_email_per_person(project, member, admin, in_org):
    watcher = MembershipFactory(organization=in_org, user__name="Wendy Watcher")
    quiet = MembershipFactory(organization=in_org)
    _email_on(watcher, Topic.CHANGES)
    tasks = TaskFactory.create_batch(5, project=project, status=TaskStatus.TODO)
    for task in tasks:
        WatchFactory(task=task, membership=watcher)
        WatchFactory(task=task, membership=quiet)  # in-app only (the default for changes)
        WatchFactory(task=task, membership=member)  # the actor is never told

    with CaptureQueriesContext(connection) as five:
        task_bulk_edit(
            organization=in_org,
            actor=member,
            tasks=_tasks(in_org),
            field_name="status",
            value=TaskStatus.IN_PROGRESS,
        )

    bulk_mails = Notification.objects.filter(kind=NotificationKind.BULK)
    assert [n.recipient for n in bulk_mails] == [watcher.user]
    payload = bulk_mails[0].payload
    assert payload["count"] == 5
    assert payload["summary"] == "set the status of 5 tasks to In progress"
    assert payload["numbers"] == sorted(t.number for t in tasks)
    assert len(five.captured_queries) <= 14


def test_bulk_assignment_tells_the_assignee_once_and_makes_them_watch(
    project, member, admin, in_org
):
    tasks = TaskFactory.create_batch(4, project=project)

    task_bulk_edit(
        organization=in_org, actor=member, tasks=_tasks(in_org), field_name="assignee", value=admin
    )

    assert {_fresh(t).assignee for t in tasks} == {admin}
    assert Watch.objects.filter(membership=admin).count() == 4
    mails = Notification.objects.filter(kind=NotificationKind.BULK)
    assert [(n.recipient, n.payload["count"]) for n in mails] == [(admin.user, 4)]


def test_the_email_goes_out_once_with_the_task_links(
    project, member, admin, in_org, mailoutbox, django_capture_on_commit_callbacks
):
    TaskFactory.create_batch(2, project=project)

    with django_capture_on_commit_callbacks(execute=True):
        task_bulk_edit(
            organization=in_org,
            actor=member,
            tasks=_tasks(in_org),
            field_name="assignee",
            value=admin,
        )

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [admin.user.email]
    assert "set the assignee of 2 tasks to Adam Admin" in mail.subject
    assert f"/o/{in_org.slug}/tasks/" in mail.body


def test_a_background_edit_runs_in_chunks_and_can_be_undone(project, member, in_org, monkeypatch):
    monkeypatch.setattr("workspace.services.bulk.JOB_CHUNK", 2)
    tasks = TaskFactory.create_batch(5, project=project, priority=Priority.LOW)
    bulk = task_bulk_queue(
        organization=in_org,
        actor=member,
        tasks=_tasks(in_org),
        field_name="priority",
        value=Priority.HIGH,
    )
    assert (bulk.state, bulk.total, bulk.progress) == ("queued", 5, 0)
    late = tasks[4]
    task_update(task=_fresh(late), actor=member, data={"title": "Edited while it ran"})

    done = task_bulk_run(bulk_id=bulk.pk)

    assert (done.state, done.progress, done.changed, done.skipped) == ("done", 5, 4, 1)
    assert [_fresh(t).priority for t in tasks] == [Priority.HIGH] * 4 + [Priority.LOW]
    grouped = AuditLog.objects.get(action=AuditAction.BULK_UPDATED)
    assert grouped.object_repr == "set the priority of 4 tasks to High"
    assert task_bulk_run(bulk_id=bulk.pk).changed == 4  # a second run does nothing
    task_bulk_undo(bulk=done, actor=member)
    assert {_fresh(t).priority for t in tasks} == {Priority.LOW}


def test_a_queued_edit_is_refused_undo_until_done_and_stops_without_its_actor(
    project, member, admin, in_org
):
    TaskFactory.create_batch(2, project=project, created_by=member.user)
    bulk = task_bulk_queue(
        organization=in_org, actor=member, tasks=_tasks(in_org), field_name="trash"
    )

    with pytest.raises(ValidationError, match="still running"):
        task_bulk_undo(bulk=bulk, actor=admin)
    member.delete()

    assert task_bulk_run(bulk_id=bulk.pk).state == "failed"
    assert not Task.all_objects.filter(deleted_at__isnull=False).exists()


def test_background_edits_of_every_field(project, member, admin, in_org):
    other = ProjectFactory(organization=in_org)
    task = TaskFactory(project=project, created_by=member.user)
    for field_name, value in [
        ("assignee", admin),
        ("project", other),
        ("due_date", date(2030, 3, 4)),
        ("status", TaskStatus.DONE),
        ("trash", None),
    ]:
        bulk = task_bulk_queue(
            organization=in_org,
            actor=member,
            tasks=Task.objects.filter(pk=task.pk),
            field_name=field_name,
            value=value,
        )
        assert task_bulk_run(bulk_id=bulk.pk).changed == 1, field_name

    after = _fresh(task)
    assert (after.assignee, after.project, after.due_date, after.status) == (
        admin,
        other,
        date(2030, 3, 4),
        TaskStatus.DONE,
    )
    assert after.deleted_at is not None


def test_more_than_a_job_takes_is_refused(project, member, in_org, monkeypatch):
    monkeypatch.setattr("workspace.services.bulk.JOB_MAX", 1)
    TaskFactory.create_batch(2, project=project)

    with pytest.raises(TooManyTasks, match="More than 1 tasks"):
        task_bulk_queue(
            organization=in_org,
            actor=member,
            tasks=_tasks(in_org),
            field_name="status",
            value=TaskStatus.DONE,
        )
