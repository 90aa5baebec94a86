"""Purging the trash: rows soft-deleted more than 90 days ago go for good, in batches, with an
audit entry per organization."""

import logging
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine

from tasks.cleanup import purge_deleted_records
from workspace.models import AuditAction, AuditLog, Comment, Project, Task
from workspace.services.cleanup import organization_purge_deleted
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    CommentFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # the job's run: 02:00 UTC
OLD = NOW - timedelta(days=91)
RECENT = NOW - timedelta(days=89)


@pytest.fixture(autouse=True)
def _now(huey_memory):
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def trash(organization):
    """Acme's trash, with rows past and within the retention period, and live rows."""
    with organization_scope(organization):
        # A project deleted 91 days ago, with its task (deleted with it) and a comment on it.
        old_project = ProjectFactory(organization=organization, deleted_at=OLD)
        old_project_task = TaskFactory(project=old_project, deleted_at=OLD)
        old_project_comment = CommentFactory(task=old_project_task)
        # A project deleted 89 days ago, with its task.
        recent_project = ProjectFactory(organization=organization, deleted_at=RECENT)
        recent_project_task = TaskFactory(project=recent_project, deleted_at=RECENT)

        live_project = ProjectFactory(organization=organization)
        # A task deleted 91 days ago: its comments go with it, deleted or not.
        old_task = TaskFactory(project=live_project, deleted_at=OLD)
        old_task_comments = [
            CommentFactory(task=old_task),
            CommentFactory(task=old_task),
            CommentFactory(task=old_task, deleted_at=NOW - timedelta(days=95)),
        ]
        recent_task = TaskFactory(project=live_project, deleted_at=RECENT)
        recent_task_comment = CommentFactory(task=recent_task)
        live_task = TaskFactory(project=live_project)
        old_comment = CommentFactory(task=live_task, deleted_at=OLD)
        recent_comment = CommentFactory(task=live_task, deleted_at=RECENT)
        live_comment = CommentFactory(task=live_task)
    return SimpleNamespace(**locals())


def exists(model, obj) -> bool:
    with organization_scope(obj.organization):
        return model.all_objects.filter(pk=obj.pk).exists()


def purge_entries(organization) -> list[AuditLog]:
    with organization_scope(organization):
        return list(AuditLog.objects.filter(action=AuditAction.PURGED))


def test_rows_deleted_more_than_90_days_ago_are_purged(organization, trash):
    with organization_scope(organization):
        counts = organization_purge_deleted(organization=organization)

    # Comments deleted themselves (91 and 95 days ago); tasks and projects deleted 91 days ago.
    assert counts == {"comments": 2, "tasks": 2, "projects": 1}
    for model, gone in [
        (Project, trash.old_project),
        (Task, trash.old_project_task),
        (Task, trash.old_task),
        (Comment, trash.old_comment),
        (Comment, trash.old_task_comments[2]),
    ]:
        assert not exists(model, gone), gone


def test_rows_deleted_89_days_ago_and_live_rows_are_kept(organization, trash):
    with organization_scope(organization):
        organization_purge_deleted(organization=organization)

    for model, kept in [
        (Project, trash.recent_project),
        (Task, trash.recent_project_task),
        (Task, trash.recent_task),
        (Comment, trash.recent_task_comment),
        (Comment, trash.recent_comment),
        (Project, trash.live_project),
        (Task, trash.live_task),
        (Comment, trash.live_comment),
    ]:
        assert exists(model, kept), kept


def test_exactly_90_days_is_still_kept(organization):
    with organization_scope(organization):
        task = TaskFactory(
            project=ProjectFactory(organization=organization), deleted_at=NOW - timedelta(days=90)
        )
        assert organization_purge_deleted(organization=organization) == {
            "comments": 0,
            "tasks": 0,
            "projects": 0,
        }
    assert exists(Task, task)


def test_purging_a_task_removes_its_comments(organization, trash):
    with organization_scope(organization):
        organization_purge_deleted(organization=organization)

    for comment in [*trash.old_task_comments, trash.old_project_comment]:
        assert not exists(Comment, comment)
    with organization_scope(organization):
        assert set(Comment.all_objects.values_list("pk", flat=True)) == {
            trash.recent_task_comment.pk,
            trash.recent_comment.pk,
            trash.live_comment.pk,
        }


@pytest.mark.parametrize("batch_size", [1, 2, 3])
def test_a_small_batch_size_still_purges_everything_with_correct_counts(organization, batch_size):
    with organization_scope(organization):
        project = ProjectFactory(organization=organization)
        old_tasks = [TaskFactory(project=project, deleted_at=OLD) for _ in range(5)]
        kept = TaskFactory(project=project, deleted_at=RECENT)
        live = TaskFactory(project=project)
        for task in (kept, live):
            CommentFactory(task=task, deleted_at=OLD)
        old_projects = [ProjectFactory(organization=organization, deleted_at=OLD) for _ in range(4)]

        counts = organization_purge_deleted(organization=organization, batch_size=batch_size)

        assert counts == {"comments": 2, "tasks": 5, "projects": 4}
        assert not Task.all_objects.filter(pk__in=[t.pk for t in old_tasks]).exists()
        assert not Project.all_objects.filter(pk__in=[p.pk for p in old_projects]).exists()
        assert set(Task.all_objects.values_list("pk", flat=True)) == {kept.pk, live.pk}
        assert not Comment.all_objects.exists()
        [entry] = AuditLog.objects.filter(action=AuditAction.PURGED)
    assert entry.changed_fields == {"comments": [2, 0], "tasks": [5, 0], "projects": [4, 0]}


def test_one_purged_audit_entry_per_organization_with_the_counts(organization, trash):
    globex = OrganizationFactory(name="Globex")
    with organization_scope(globex):
        TaskFactory(project=ProjectFactory(organization=globex), deleted_at=OLD)
    quiet = OrganizationFactory(name="Quiet")
    with organization_scope(quiet):
        TaskFactory(project=ProjectFactory(organization=quiet), deleted_at=RECENT)

    totals = purge_deleted_records.call_local()

    assert totals == {"comments": 2, "tasks": 3, "projects": 1}
    [acme_entry] = purge_entries(organization)
    assert acme_entry.actor is None  # the system did it
    assert acme_entry.organization == organization
    assert acme_entry.object_repr == "trash older than 90 days"
    assert acme_entry.changed_fields == {
        "comments": [2, 0],
        "tasks": [2, 0],
        "projects": [1, 0],
    }
    assert acme_entry.created_at == NOW
    [globex_entry] = purge_entries(globex)
    assert globex_entry.changed_fields == {"tasks": [1, 0]}  # nothing to say about the rest
    assert purge_entries(quiet) == []  # nothing purged, nothing recorded


def test_running_the_job_twice_purges_once(organization, trash):
    first = purge_deleted_records.call_local()
    second = purge_deleted_records.call_local()

    assert first == {"comments": 2, "tasks": 2, "projects": 1}
    assert second == {"comments": 0, "tasks": 0, "projects": 0}
    assert len(purge_entries(organization)) == 1


def test_the_job_through_huey_purges_and_logs_what_it_did(organization, trash, caplog):
    with caplog.at_level(logging.INFO, logger="tasks.cleanup"):
        purge_deleted_records()  # queued: immediate mode runs it inline

    assert not exists(Task, trash.old_task)
    assert "purged soft-deleted rows: {'comments': 2, 'tasks': 2, 'projects': 1}" in caplog.text


def test_a_later_run_purges_what_has_aged_since(organization, trash):
    purge_deleted_records.call_local()

    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        totals = purge_deleted_records.call_local()

    # What was deleted 89 days ago: the project and its task, a task, a comment.
    assert totals == {"comments": 1, "tasks": 2, "projects": 1}
    assert not exists(Project, trash.recent_project)
    assert not exists(Comment, trash.recent_task_comment)
    assert exists(Task, trash.live_task)
    assert exists(Comment, trash.live_comment)
    assert len(purge_entries(organization)) == 2


def test_the_daily_job_also_reduces_old_long_texts_to_field_names(organization, caplog):
    from workspace.audit import audit_record

    with organization_scope(organization):
        task = TaskFactory(project=ProjectFactory(organization=organization))
        with time_machine.travel(OLD, tick=False):
            old = audit_record(
                organization=organization,
                actor=None,
                action=AuditAction.UPDATED,
                target=task,
                changed_fields={"description": ["Old plan", "New plan"], "title": ["A", "B"]},
            )
        recent = audit_record(
            organization=organization,
            actor=None,
            action=AuditAction.UPDATED,
            target=task,
            changed_fields={"description": ["Kept", "For now"]},
        )

    with caplog.at_level(logging.INFO, logger="tasks.cleanup"):
        purge_deleted_records.call_local()

    with organization_scope(organization):
        assert AuditLog.objects.get(pk=old.pk).changed_fields == {
            "description": None,
            "title": ["A", "B"],
        }
        assert AuditLog.objects.get(pk=recent.pk).changed_fields == {
            "description": ["Kept", "For now"]
        }
    assert "'redacted_texts': 1" in caplog.text
