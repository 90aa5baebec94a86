"""Restoring from the trash: a project comes back with exactly the tasks deleted with it; who may
restore what; what has to be restored first; and restoring something live changes nothing."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from workspace.models import AuditAction, AuditLog, Comment, Project, Role, Task
from workspace.permissions import UNDO_WINDOW
from workspace.selectors import audit_log_list, task_list
from workspace.services.comments import comment_delete, comment_restore
from workspace.services.projects import project_delete, project_restore
from workspace.services.tasks import task_delete, task_restore
from workspace.tests.factories import (
    CommentFactory,
    MembershipFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)


def _at(when):
    return time_machine.travel(when, tick=False)


@pytest.fixture
def project(in_org):
    return ProjectFactory(organization=in_org, name="Launch", slug="launch")


@pytest.fixture
def task(project, member):
    return TaskFactory(project=project, title="Fix sign-in", created_by=member.user)


@pytest.fixture
def comment(task, member):
    return CommentFactory(task=task, author=member.user, body="On it")


def _project(project) -> Project:
    return Project.all_objects.get(pk=project.pk)


def _task(task) -> Task:
    """As the restore views load it."""
    return Task.all_objects.select_related("project").get(pk=task.pk)


def _comment(comment) -> Comment:
    return Comment.all_objects.select_related("task").get(pk=comment.pk)


def _entries(organization) -> list[tuple[str, str, dict]]:
    """The organization's log, oldest first: (action, object type, changed fields)."""
    return [
        (e.action, e.object_type, e.changed_fields)
        for e in reversed(audit_log_list(organization=organization))
    ]


# -- projects ---------------------------------------------------------------------------------


def test_project_delete_and_restore_round_trips_exactly_its_tasks(
    in_org, project, admin, member, owner
):
    alpha = TaskFactory(project=project, title="Alpha", created_by=member.user)
    beta = TaskFactory(project=project, title="Beta", created_by=member.user)
    alone = TaskFactory(project=project, title="Deleted on its own", created_by=member.user)
    elsewhere = TaskFactory(project=ProjectFactory(organization=in_org), title="Elsewhere")
    with _at(T0):
        task_delete(task=alone, actor=member)
    with _at(T0 + timedelta(minutes=1)):
        project_delete(project=project, actor=admin)
        # Deleted in another project at the very same instant: not part of this deletion.
        task_delete(task=elsewhere, actor=admin)

    deleted_at = T0 + timedelta(minutes=1)
    assert (_project(project).deleted_at, _project(project).deleted_by) == (deleted_at, admin.user)
    for gone in (alpha, beta):
        assert (_task(gone).deleted_at, _task(gone).deleted_by) == (deleted_at, admin.user)
    assert (_task(alone).deleted_at, _task(alone).deleted_by) == (T0, member.user)
    assert list(task_list(organization=in_org)) == []

    with _at(T0 + timedelta(days=3)):
        restored = project_restore(project=_project(project), actor=owner)

    assert restored == 2
    assert (_project(project).deleted_at, _project(project).deleted_by) == (None, None)
    for back in (alpha, beta):
        assert (_task(back).deleted_at, _task(back).deleted_by) == (None, None)
    assert (_task(alone).deleted_at, _task(alone).deleted_by) == (T0, member.user)
    assert _task(elsewhere).deleted_at == deleted_at
    assert set(task_list(organization=in_org)) == {alpha, beta}
    assert _entries(in_org) == [
        (AuditAction.DELETED, "task", {}),
        (AuditAction.DELETED, "project", {"tasks": [2, None]}),
        (AuditAction.DELETED, "task", {}),
        (AuditAction.RESTORED, "project", {"tasks": [None, 2]}),
    ]


def test_a_task_deleted_before_its_project_can_be_restored_after_the_project(
    in_org, project, task, admin, member
):
    with _at(T0):
        task_delete(task=task, actor=member)
    with _at(T0 + timedelta(minutes=1)):
        project_delete(project=project, actor=admin)
        assert project_restore(project=_project(project), actor=admin) == 0

    task_restore(task=_task(task), actor=admin)

    assert list(task_list(organization=in_org)) == [task]


def test_restoring_an_empty_project(in_org, project, admin):
    project_delete(project=project, actor=admin)

    assert project_restore(project=_project(project), actor=admin) == 0

    assert _project(project).deleted_at is None
    assert _entries(in_org)[-1] == (AuditAction.RESTORED, "project", {"tasks": [None, 0]})


def test_deleting_a_project_again_from_a_stale_copy_keeps_its_tasks_restorable(
    in_org, project, admin
):
    """A double-submitted delete form: both requests loaded the live project before the first
    one committed. The second deletion must not re-stamp the project, or its tasks (stamped by
    the first) no longer match it and stay in the trash when it is restored."""
    tasks = {TaskFactory(project=project), TaskFactory(project=project)}
    first, second = Project.objects.get(pk=project.pk), Project.objects.get(pk=project.pk)
    with _at(T0):
        project_delete(project=first, actor=admin)
    with _at(T0 + timedelta(seconds=1)):
        project_delete(project=second, actor=admin)

    deletions = [e[:2] for e in _entries(in_org)]

    assert project_restore(project=_project(project), actor=admin) == 2
    assert set(task_list(organization=in_org)) == tasks
    assert deletions == [(AuditAction.DELETED, "project")]


@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.OWNER, True), (Role.ADMIN, True), (Role.MEMBER, False)]
)
def test_only_admins_restore_projects(in_org, project, task, admin, role, allowed):
    project_delete(project=project, actor=admin)
    actor = MembershipFactory(organization=in_org, role=role)
    entries = len(_entries(in_org))

    if allowed:
        assert project_restore(project=_project(project), actor=actor) == 1
        assert _project(project).deleted_at is None
        assert _task(task).deleted_at is None
        assert len(_entries(in_org)) == entries + 1
    else:
        with pytest.raises(PermissionDenied, match="Only admins can restore projects"):
            project_restore(project=_project(project), actor=actor)
        assert _project(project).deleted_at is not None
        assert _task(task).deleted_at is not None
        assert len(_entries(in_org)) == entries


# -- tasks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [0, 9, 10])
def test_the_deleter_can_undo_within_ten_minutes(in_org, task, member, minutes):
    assert timedelta(minutes=10) == UNDO_WINDOW
    with _at(T0):
        task_delete(task=task, actor=member)

    with _at(T0 + timedelta(minutes=minutes)):
        task_restore(task=_task(task), actor=member)

    assert (_task(task).deleted_at, _task(task).deleted_by) == (None, None)
    assert _entries(in_org)[-1][:2] == (AuditAction.RESTORED, "task")


@pytest.mark.parametrize(
    "later", [timedelta(minutes=11), timedelta(minutes=10, seconds=1), timedelta(days=2)]
)
def test_the_deleter_cannot_undo_after_ten_minutes(in_org, task, member, later):
    with _at(T0):
        task_delete(task=task, actor=member)

    with _at(T0 + later), pytest.raises(PermissionDenied, match="Only admins can restore"):
        task_restore(task=_task(task), actor=member)

    assert (_task(task).deleted_at, _task(task).deleted_by) == (T0, member.user)
    assert [e[0] for e in _entries(in_org)] == [AuditAction.DELETED]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_admins_restore_tasks_any_time(in_org, task, member, role):
    with _at(T0):
        task_delete(task=task, actor=member)
    admin = MembershipFactory(organization=in_org, role=role)

    with _at(T0 + timedelta(days=30)):
        task_restore(task=_task(task), actor=admin)

    assert _task(task).deleted_at is None
    entry = audit_log_list(organization=in_org).first()
    assert (entry.action, entry.actor, entry.object_id) == (
        AuditAction.RESTORED,
        admin.user,
        task.pk,
    )


def test_other_members_cannot_restore_a_task_even_right_away(in_org, task, member):
    with _at(T0):
        task_delete(task=task, actor=member)
    colleague = MembershipFactory(organization=in_org, role=Role.MEMBER)

    with _at(T0 + timedelta(minutes=1)), pytest.raises(PermissionDenied):
        task_restore(task=_task(task), actor=colleague)

    assert _task(task).deleted_at == T0


def test_the_creator_cannot_undo_an_admins_deletion(in_org, task, member, admin):
    with _at(T0):
        task_delete(task=task, actor=admin)

    with _at(T0 + timedelta(minutes=1)), pytest.raises(PermissionDenied):
        task_restore(task=_task(task), actor=member)

    assert _task(task).deleted_by == admin.user


def test_the_creator_cannot_undo_a_task_deleted_with_its_project(
    in_org, project, task, member, admin
):
    """The project's deletion stamped the task with the admin as its deleter."""
    with _at(T0):
        project_delete(project=project, actor=admin)

    with _at(T0 + timedelta(minutes=1)), pytest.raises(PermissionDenied):
        task_restore(task=_task(task), actor=member)

    assert _task(task).deleted_by == admin.user


def test_a_task_of_a_deleted_project_is_restored_with_the_project_not_alone(
    in_org, project, task, admin
):
    project_delete(project=project, actor=admin)
    entries = len(_entries(in_org))

    with pytest.raises(ValidationError) as error:
        task_restore(task=_task(task), actor=admin)

    assert error.value.messages == [
        f"#{task.number} belongs to the deleted project Launch: restore the project instead."
    ]
    assert _task(task).deleted_at is not None
    assert len(_entries(in_org)) == entries


def test_a_task_deleted_before_its_project_cannot_be_undone_while_the_project_is_deleted(
    in_org, project, task, member, admin
):
    with _at(T0):
        task_delete(task=task, actor=member)
    with _at(T0 + timedelta(minutes=1)):
        project_delete(project=project, actor=admin)

    with _at(T0 + timedelta(minutes=2)), pytest.raises(ValidationError, match="restore the"):
        task_restore(task=_task(task), actor=member)

    assert _task(task).deleted_at == T0


# -- comments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("owner", True), ("admin", True), ("author", False), ("colleague", False)],
)
def test_only_admins_restore_comments(in_org, comment, member, owner, admin, who, allowed):
    comment_delete(comment=comment, actor=member)
    actor = {
        "owner": owner,
        "admin": admin,
        "author": member,
        "colleague": MembershipFactory(organization=in_org),
    }[who]

    if allowed:
        comment_restore(comment=_comment(comment), actor=actor)
        assert (_comment(comment).deleted_at, _comment(comment).deleted_by) == (None, None)
        assert _entries(in_org)[-1][:2] == (AuditAction.RESTORED, "comment")
    else:
        with pytest.raises(PermissionDenied, match="Only admins can restore comments"):
            comment_restore(comment=_comment(comment), actor=actor)
        assert _comment(comment).deleted_by == member.user
        assert _entries(in_org)[-1][:2] == (AuditAction.DELETED, "comment")


def test_a_comment_of_a_deleted_task_waits_for_the_task(in_org, task, comment, member, admin):
    comment_delete(comment=comment, actor=member)
    task_delete(task=task, actor=admin)
    entries = len(_entries(in_org))

    with pytest.raises(ValidationError) as error:
        comment_restore(comment=_comment(comment), actor=admin)

    assert error.value.messages == [
        f"This comment belongs to the deleted task #{task.number}: restore the task first."
    ]
    assert _comment(comment).deleted_at is not None
    assert len(_entries(in_org)) == entries

    task_restore(task=_task(task), actor=admin)
    comment_restore(comment=_comment(comment), actor=admin)

    assert _comment(comment).deleted_at is None


# -- restoring what is not deleted ------------------------------------------------------------


def test_restoring_live_rows_changes_and_records_nothing(in_org, project, task, comment, admin):
    versions = (
        _project(project).updated_at,
        _task(task).updated_at,
        _comment(comment).updated_at,
    )

    assert project_restore(project=_project(project), actor=admin) == 0
    assert task_restore(task=_task(task), actor=admin) is None
    assert comment_restore(comment=_comment(comment), actor=admin) is None

    assert versions == (
        _project(project).updated_at,
        _task(task).updated_at,
        _comment(comment).updated_at,
    )
    assert not AuditLog.objects.exists()


def test_restoring_twice_records_once(in_org, project, task, admin):
    project_delete(project=project, actor=admin)
    assert project_restore(project=_project(project), actor=admin) == 1

    assert project_restore(project=_project(project), actor=admin) == 0

    assert [e[0] for e in _entries(in_org)] == [AuditAction.DELETED, AuditAction.RESTORED]
    assert _task(task).deleted_at is None
