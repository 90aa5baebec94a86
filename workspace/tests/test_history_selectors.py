"""Reading the audit log back: a task's history, the organization's log, a user's recent
sign-ins and the trash."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django_scopes.exceptions import ScopeError

from accounts.tests.factories import UserFactory
from workspace.audit import audit_record
from workspace.models import AuditAction, Task
from workspace.selectors import audit_log_list, recent_sign_ins, task_history, trash
from workspace.services.comments import comment_create, comment_delete, comment_update
from workspace.services.projects import project_create, project_delete
from workspace.services.sign_ins import sign_in_record
from workspace.services.tasks import task_create, task_delete, task_update
from workspace.tenancy import all_tenants, organization_scope
from workspace.tests.factories import (
    CommentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)


class Clock:
    """Moves time forward a minute per ``tick()`` so every entry has its own timestamp."""

    def __init__(self):
        self.now = T0
        self.traveller = time_machine.travel(T0, tick=False)
        self.frozen = self.traveller.start()

    def tick(self):
        self.now += timedelta(minutes=1)
        self.frozen.move_to(self.now)

    def stop(self):
        self.traveller.stop()


@pytest.fixture
def clock():
    clock = Clock()
    yield clock
    clock.stop()


@pytest.fixture
def project(in_org):
    return ProjectFactory(organization=in_org, name="Launch", slug="launch")


def _summary(entries) -> list[tuple]:
    return [
        (e.action, e.content_type.model if e.content_type_id else None, e.object_id)
        for e in entries
    ]


# -- task_history -----------------------------------------------------------------------------


@pytest.fixture
def history(in_org, project, member, admin, clock):
    """A task with entries of its own and of two comments (one deleted), among entries of
    another task, the project and another organization."""
    task = task_create(organization=in_org, actor=member, project=project, title="Fix sign-in")
    neighbour = task_create(organization=in_org, actor=admin, project=project, title="Neighbour")
    clock.tick()
    first = comment_create(task=task, actor=member, body="On it")
    clock.tick()
    task_update(task=task, actor=member, data={"status": "in_progress"})
    clock.tick()
    comment_create(task=neighbour, actor=member, body="Not this one")
    second = comment_create(task=task, actor=admin, body="Typo")
    clock.tick()
    comment_delete(comment=second, actor=admin)
    clock.tick()
    task_update(task=neighbour, actor=admin, data={"title": "Neighbour, renamed"})
    project_create(organization=in_org, actor=admin, name="Other")
    comment_update(comment=first, actor=member, body="Done")
    clock.tick()

    other_org = OrganizationFactory()
    with organization_scope(other_org):
        stranger = MembershipFactory(organization=other_org)
        stranger_task = TaskFactory(project=ProjectFactory(organization=other_org))
        comment_create(task=stranger_task, actor=stranger, body="Elsewhere")
        # An entry of another organization that names this very task: still not its history.
        audit_record(
            organization=other_org, actor=stranger, action=AuditAction.UPDATED, target=task
        )
    return task, first, second


def test_task_history_interleaves_task_and_comment_entries_newest_first(history):
    task, first, second = history

    assert _summary(task_history(task=task)) == [
        (AuditAction.UPDATED, "comment", first.pk),
        (AuditAction.DELETED, "comment", second.pk),
        (AuditAction.CREATED, "comment", second.pk),
        (AuditAction.UPDATED, "task", task.pk),
        (AuditAction.CREATED, "comment", first.pk),
        (AuditAction.CREATED, "task", task.pk),
    ]


def test_task_history_keeps_what_people_read(history, member):
    task, *_ = history

    newest, *_, oldest = task_history(task=task)

    assert (newest.actor, newest.object_repr, newest.changed_fields) == (
        member.user,
        f"on #{task.number}",
        {"body": ["On it", "Done"]},
    )
    assert (oldest.actor, oldest.object_repr) == (member.user, f"#{task.number} Fix sign-in")


def test_task_history_is_limited_to_the_newest(history):
    task, first, second = history

    assert _summary(task_history(task=task, limit=2)) == [
        (AuditAction.UPDATED, "comment", first.pk),
        (AuditAction.DELETED, "comment", second.pk),
    ]


def test_task_history_of_a_deleted_task(history, admin):
    task, *_ = history
    task_delete(task=task, actor=admin)

    entries = task_history(task=Task.all_objects.get(pk=task.pk))

    assert _summary(entries[:1]) == [(AuditAction.DELETED, "task", task.pk)]
    assert len(entries) == 7


def test_entries_at_the_same_instant_come_newest_recorded_first(in_org, project, member, clock):
    task = task_create(organization=in_org, actor=member, project=project, title="Same time")
    task_update(task=task, actor=member, data={"title": "Same time 2"})
    task_update(task=task, actor=member, data={"title": "Same time 3"})

    entries = task_history(task=task)

    assert [e.changed_fields.get("title", [None, None])[1] for e in entries] == [
        "Same time 3",
        "Same time 2",
        None,
    ]
    assert [e.pk for e in entries] == sorted((e.pk for e in entries), reverse=True)


# -- audit_log_list ---------------------------------------------------------------------------


def test_audit_log_list_is_the_organizations_entries_newest_first(history, in_org, member):
    sign_in_record(action=AuditAction.LOGIN, user=member.user, identifier="mia")

    entries = list(audit_log_list(organization=in_org))

    assert {e.organization_id for e in entries} == {in_org.pk}
    assert AuditAction.LOGIN not in {e.action for e in entries}
    assert [(e.created_at, e.pk) for e in entries] == sorted(
        ((e.created_at, e.pk) for e in entries), reverse=True
    )
    assert len(entries) == 10


# -- recent_sign_ins --------------------------------------------------------------------------


def test_recent_sign_ins_are_the_users_own_newest_first(in_org, member, admin, clock):
    user = member.user
    sign_in_record(action=AuditAction.LOGIN, user=user, identifier=user.email)
    clock.tick()
    sign_in_record(action=AuditAction.LOGIN_FAILED, user=user, identifier=user.email)
    clock.tick()
    sign_in_record(action=AuditAction.LOGIN, user=admin.user, identifier=admin.user.email)
    sign_in_record(action=AuditAction.LOGIN_FAILED, user=None, identifier=user.email.upper())
    clock.tick()
    task_create(
        organization=in_org,
        actor=member,
        project=ProjectFactory(organization=in_org),
        title="An organization event",
    )
    audit_record(organization=None, actor=user, action=AuditAction.UPDATED)  # not a sign-in
    clock.tick()
    sign_in_record(action=AuditAction.LOGOUT, user=user, identifier=user.email)

    events = recent_sign_ins(user=user)

    assert [(e.action, e.created_at) for e in events] == [
        (AuditAction.LOGOUT, T0 + timedelta(minutes=4)),
        (AuditAction.LOGIN_FAILED, T0 + timedelta(minutes=1)),
        (AuditAction.LOGIN, T0),
    ]
    assert {e.actor for e in events} == {user}


def test_recent_sign_ins_are_limited(member, clock):
    for _ in range(12):
        sign_in_record(action=AuditAction.LOGIN, user=member.user, identifier="mia")
        clock.tick()

    default = recent_sign_ins(user=member.user)
    three = recent_sign_ins(user=member.user, limit=3)

    assert len(default) == 10
    assert three == default[:3]
    assert three[0].created_at == T0 + timedelta(minutes=11)


def test_recent_sign_ins_need_no_organization_scope(user):
    sign_in_record(action=AuditAction.LOGIN, user=user, identifier=user.email)

    [event] = recent_sign_ins(user=user)

    assert (event.action, event.organization_id, event.object_repr) == (
        AuditAction.LOGIN,
        None,
        user.email,
    )


def test_a_user_without_sign_ins_has_none(user):
    sign_in_record(action=AuditAction.LOGIN, user=UserFactory(), identifier="someone")

    assert recent_sign_ins(user=user) == []


# -- trash ------------------------------------------------------------------------------------


def test_trash_lists_the_organizations_deleted_rows_newest_first(
    in_org, project, member, admin, clock
):
    live_task = TaskFactory(project=project, created_by=member.user)
    old_task = TaskFactory(project=project, created_by=member.user)
    doomed = ProjectFactory(organization=in_org, name="Doomed")
    doomed_task = TaskFactory(project=doomed)
    live_comment = CommentFactory(task=live_task, author=member.user)
    gone_comment = CommentFactory(task=live_task, author=member.user)

    task_delete(task=old_task, actor=member)
    clock.tick()
    comment_delete(comment=gone_comment, actor=member)
    clock.tick()
    project_delete(project=doomed, actor=admin)

    other_org = OrganizationFactory()
    with organization_scope(other_org):
        TaskFactory(project=ProjectFactory(organization=other_org), deleted_at=T0)
        ProjectFactory(organization=other_org, deleted_at=T0)
        CommentFactory(task=TaskFactory(project__organization=other_org), deleted_at=T0)

    bin_ = trash(organization=in_org)

    assert bin_["projects"] == [doomed]
    assert bin_["tasks"] == [doomed_task, old_task]
    assert bin_["comments"] == [gone_comment]
    assert [t.deleted_by for t in bin_["tasks"]] == [admin.user, member.user]
    assert bin_["projects"][0].deleted_by == admin.user
    assert bin_["comments"][0].deleted_by == member.user
    assert live_comment not in bin_["comments"]


def test_trash_is_limited(in_org, project, admin, clock):
    tasks = [TaskFactory(project=project) for _ in range(3)]
    for task in tasks:
        task_delete(task=task, actor=admin)
        clock.tick()

    assert trash(organization=in_org, limit=2)["tasks"] == [tasks[2], tasks[1]]


def test_an_empty_trash(in_org, project):
    TaskFactory(project=project)

    assert trash(organization=in_org) == {"projects": [], "tasks": [], "comments": []}


def test_trash_needs_the_organization_scope(organization):
    with pytest.raises(ScopeError):
        trash(organization=organization)
    with all_tenants():
        assert trash(organization=organization)["tasks"] == []
