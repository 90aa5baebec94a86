"""The audit log: every audited service records exactly one entry that says who did what to which
object (names and labels, not ids and codes), from where; failed or no-op calls record nothing;
and recorded entries can never be changed or removed."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from workspace.audit import audit_record, describe_changes, label, request_origin
from workspace.models import (
    AuditAction,
    AuditLog,
    FieldType,
    Invitation,
    Membership,
    Organization,
    Priority,
    Project,
    ProjectStatus,
    Role,
    Task,
    TaskStatus,
)
from workspace.services.comments import (
    comment_create,
    comment_delete,
    comment_restore,
    comment_update,
)
from workspace.services.invitations import (
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)
from workspace.services.members import membership_change_role, membership_leave, membership_remove
from workspace.services.organizations import (
    organization_change_slug,
    organization_create,
    organization_rename,
)
from workspace.services.projects import (
    custom_field_create,
    custom_field_delete,
    project_create,
    project_delete,
    project_restore,
    project_set_archived,
    project_update,
)
from workspace.services.sign_ins import sign_in_record
from workspace.services.tasks import (
    task_assign,
    task_create,
    task_delete,
    task_restore,
    task_update,
)
from workspace.tenancy import all_tenants, organization_scope
from workspace.tests.factories import (
    CommentFactory,
    CustomFieldFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


# -- helpers -----------------------------------------------------------------------------------


def _entry_ids() -> set[int]:
    with all_tenants():
        return set(AuditLog.objects.values_list("pk", flat=True))


def _entries_since(before: set[int]) -> list[AuditLog]:
    with all_tenants():
        return list(
            AuditLog.objects.exclude(pk__in=before)
            .select_related("actor", "content_type")
            .order_by("pk")
        )


def _user(who):
    return who.user if isinstance(who, Membership) else who


@dataclass
class Expected:
    """What an entry should say. ``target`` is ``(model, pk)``, captured before the action
    because deleting a row clears its instance's pk."""

    action: str
    actor: object
    organization: Organization | None
    target: tuple[type[models.Model], int] | None
    object_repr: str
    changed_fields: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "action": self.action,
            "actor": _user(self.actor),
            "organization_id": self.organization.pk if self.organization else None,
            "target": self.target,
            "object_repr": self.object_repr,
            "changed_fields": self.changed_fields,
        }


def _as_dict(entry: AuditLog) -> dict:
    return {
        "action": entry.action,
        "actor": entry.actor,
        "organization_id": entry.organization_id,
        "target": (entry.content_type.model_class(), entry.object_id)
        if entry.content_type_id
        else None,
        "object_repr": entry.object_repr,
        "changed_fields": entry.changed_fields,
    }


def _about(obj) -> tuple[type[models.Model], int]:
    return type(obj), obj.pk


@pytest.fixture
def w(in_org, owner, admin, member):
    """An organization with people, a project, a task, a comment and a pending invitation."""
    project = ProjectFactory(organization=in_org, name="Launch", slug="launch")
    task = TaskFactory(project=project, title="Fix sign-in", created_by=member.user)
    return SimpleNamespace(
        org=in_org,
        owner=owner,
        admin=admin,
        member=member,
        project=project,
        other_project=ProjectFactory(organization=in_org, name="Relaunch", slug="relaunch"),
        task=task,
        comment=CommentFactory(task=task, author=member.user, body="First draft"),
        invitation=InvitationFactory(
            organization=in_org, email="ivy@example.com", invited_by=admin.user
        ),
    )


# -- one entry per audited action -------------------------------------------------------------
#
# Each case arranges what it needs (factories record nothing) and returns ``act``: the service
# call under test, which returns the entry it should have recorded.

CASES = {}


def case(arrange):
    CASES[arrange.__name__] = arrange
    return arrange


def _today():
    return timezone.localdate()


@case
def organization_renamed(w):
    def act():
        organization_rename(organization=w.org, actor=w.admin, name="Acme Inc")
        return Expected(
            AuditAction.UPDATED,
            w.admin,
            w.org,
            _about(w.org),
            "Acme Inc",
            {"name": ["Acme", "Acme Inc"]},
        )

    return act


@case
def organization_slug_changed(w):
    def act():
        organization_change_slug(organization=w.org, actor=w.owner, slug="acme-inc")
        return Expected(
            AuditAction.UPDATED,
            w.owner,
            w.org,
            _about(w.org),
            "Acme",
            {"slug": ["acme", "acme-inc"]},
        )

    return act


@case
def member_promoted_to_admin(w):
    def act():
        membership_change_role(actor=w.admin, membership=w.member, role=Role.ADMIN)
        return Expected(
            AuditAction.ROLE_CHANGED,
            w.admin,
            w.org,
            _about(w.member),
            "Mia Member",
            {"role": ["Member", "Admin"]},
        )

    return act


@case
def admin_made_owner(w):
    def act():
        membership_change_role(actor=w.owner, membership=w.admin, role=Role.OWNER)
        return Expected(
            AuditAction.ROLE_CHANGED,
            w.owner,
            w.org,
            _about(w.admin),
            "Adam Admin",
            {"role": ["Admin", "Owner"]},
        )

    return act


@case
def member_removed(w):
    target = _about(w.member)

    def act():
        membership_remove(actor=w.admin, membership=w.member)
        return Expected(
            AuditAction.MEMBER_REMOVED,
            w.admin,
            w.org,
            target,
            "Mia Member",
            {"role": ["Member", None]},
        )

    return act


@case
def member_left(w):
    target, user = _about(w.member), w.member.user

    def act():
        membership_leave(membership=w.member)
        return Expected(
            AuditAction.MEMBER_LEFT, user, w.org, target, "Mia Member", {"role": ["Member", None]}
        )

    return act


@case
def member_invited(w):
    def act():
        invitation = invitation_create(
            organization=w.org, actor=w.admin, email=" New@Example.com ", role=Role.ADMIN
        )
        return Expected(
            AuditAction.MEMBER_INVITED,
            w.admin,
            w.org,
            _about(invitation),
            "new@example.com",
            {"role": [None, "Admin"]},
        )

    return act


@case
def invitation_resent(w):
    def act():
        invitation_resend(actor=w.admin, invitation=w.invitation)
        return Expected(
            AuditAction.INVITATION_RESENT, w.admin, w.org, _about(w.invitation), "ivy@example.com"
        )

    return act


@case
def invitation_revoked(w):
    def act():
        invitation_revoke(actor=w.owner, invitation=w.invitation)
        return Expected(
            AuditAction.INVITATION_REVOKED, w.owner, w.org, _about(w.invitation), "ivy@example.com"
        )

    return act


@case
def invitation_accepted(w):
    ivy = UserFactory(email="Ivy@Example.com", name="Ivy Invitee")

    def act():
        membership = invitation_accept(invitation=w.invitation, user=ivy)
        return Expected(
            AuditAction.MEMBER_JOINED,
            ivy,
            w.org,
            _about(membership),
            "Ivy Invitee",
            {"role": [None, "Member"]},
        )

    return act


@case
def project_created(w):
    def act():
        project = project_create(organization=w.org, actor=w.member, name="Website", lead=w.admin)
        return Expected(AuditAction.CREATED, w.member, w.org, _about(project), "Website")

    return act


@case
def project_renamed_and_given_a_lead(w):
    def act():
        project_update(
            project=w.project, actor=w.admin, name=" Launch  2 ", description="", lead=w.member
        )
        return Expected(
            AuditAction.UPDATED,
            w.admin,
            w.org,
            _about(w.project),
            "Launch 2",
            {"name": ["Launch", "Launch 2"], "lead": [None, "Mia Member"]},
        )

    return act


@case
def project_description_written(w):
    def act():
        project_update(
            project=w.project, actor=w.member, name="Launch", description=" Goals ", lead=None
        )
        return Expected(
            AuditAction.UPDATED,
            w.member,
            w.org,
            _about(w.project),
            "Launch",
            {"description": [None, "Goals"]},
        )

    return act


@case
def project_lead_removed(w):
    project = ProjectFactory(organization=w.org, name="Ops", lead=w.admin, description="Run")

    def act():
        project_update(project=project, actor=w.member, name="Ops", description="Run", lead=None)
        return Expected(
            AuditAction.UPDATED,
            w.member,
            w.org,
            _about(project),
            "Ops",
            {"lead": ["Adam Admin", None]},
        )

    return act


@case
def project_archived(w):
    def act():
        project_set_archived(project=w.project, actor=w.admin, archived=True)
        return Expected(AuditAction.ARCHIVED, w.admin, w.org, _about(w.project), "Launch")

    return act


@case
def project_unarchived(w):
    project = ProjectFactory(organization=w.org, name="Old", status=ProjectStatus.ARCHIVED)

    def act():
        project_set_archived(project=project, actor=w.admin, archived=False)
        return Expected(AuditAction.UNARCHIVED, w.admin, w.org, _about(project), "Old")

    return act


@case
def project_deleted(w):
    TaskFactory(project=w.project)
    TaskFactory(project=w.project, deleted_at=timezone.now() - timedelta(days=1))  # not counted

    def act():
        project_delete(project=w.project, actor=w.admin)
        return Expected(
            AuditAction.DELETED, w.admin, w.org, _about(w.project), "Launch", {"tasks": [2, None]}
        )

    return act


@case
def project_restored(w):
    TaskFactory(project=w.project)
    project_delete(project=w.project, actor=w.admin)
    project = Project.all_objects.get(pk=w.project.pk)

    def act():
        project_restore(project=project, actor=w.owner)
        return Expected(
            AuditAction.RESTORED, w.owner, w.org, _about(project), "Launch", {"tasks": [None, 2]}
        )

    return act


@case
def custom_field_created(w):
    def act():
        created = custom_field_create(
            project=w.project, actor=w.member, name="Story points", field_type=FieldType.NUMBER
        )
        return Expected(
            AuditAction.CREATED, w.member, w.org, _about(created), "field Story points of Launch"
        )

    return act


@case
def custom_field_deleted(w):
    size = CustomFieldFactory(project=w.project, name="Size")
    target = _about(size)

    def act():
        custom_field_delete(field=size, actor=w.admin)
        return Expected(AuditAction.DELETED, w.admin, w.org, target, "field Size of Launch")

    return act


@case
def task_created(w):
    def act():
        task = task_create(
            organization=w.org, actor=w.member, project=w.project, title="  Write   the docs "
        )
        return Expected(
            AuditAction.CREATED, w.member, w.org, _about(task), f"#{task.number} Write the docs"
        )

    return act


def _task_updated(data, changed, *, before=None, actor="member"):
    """A case that changes ``w.task`` (after setting ``before`` on it) with ``data``."""

    def arrange(w):
        if before:
            Task.objects.filter(pk=w.task.pk).update(**before(w))
            w.task.refresh_from_db()

        def act():
            task_update(task=w.task, actor=getattr(w, actor), data=data(w))
            return Expected(
                AuditAction.UPDATED,
                getattr(w, actor),
                w.org,
                _about(w.task),
                str(Task.all_objects.get(pk=w.task.pk)),  # as it is called now
                changed(w),
            )

        return act

    return arrange


CASES["task_retitled"] = _task_updated(
    lambda w: {"title": "Fix sign-up"}, lambda w: {"title": ["Fix sign-in", "Fix sign-up"]}
)
CASES["task_described"] = _task_updated(
    lambda w: {"description": " Steps to reproduce "},
    lambda w: {"description": [None, "Steps to reproduce"]},
)
CASES["task_description_cleared"] = _task_updated(
    lambda w: {"description": ""},
    lambda w: {"description": ["Steps", None]},
    before=lambda w: {"description": "Steps"},
)
CASES["task_completed"] = _task_updated(
    lambda w: {"status": TaskStatus.DONE}, lambda w: {"status": ["To do", "Done"]}
)
CASES["task_cancelled_after_progress"] = _task_updated(
    lambda w: {"status": TaskStatus.CANCELLED},
    lambda w: {"status": ["In progress", "Cancelled"]},
    before=lambda w: {"status": TaskStatus.IN_PROGRESS},
)
CASES["task_made_urgent"] = _task_updated(
    lambda w: {"priority": Priority.URGENT}, lambda w: {"priority": ["Medium", "Urgent"]}
)
CASES["task_due_date_set"] = _task_updated(
    lambda w: {"due_date": _today() + timedelta(days=3)},
    lambda w: {"due_date": [None, (_today() + timedelta(days=3)).isoformat()]},
)
CASES["task_due_date_moved"] = _task_updated(
    lambda w: {"due_date": _today() + timedelta(days=9)},
    lambda w: {
        "due_date": [
            (_today() + timedelta(days=2)).isoformat(),
            (_today() + timedelta(days=9)).isoformat(),
        ]
    },
    before=lambda w: {"due_date": _today() + timedelta(days=2)},
)
CASES["task_assigned"] = _task_updated(
    lambda w: {"assignee": w.admin}, lambda w: {"assignee": [None, "Adam Admin"]}
)
CASES["task_reassigned"] = _task_updated(
    lambda w: {"assignee": w.member},
    lambda w: {"assignee": ["Adam Admin", "Mia Member"]},
    before=lambda w: {"assignee": w.admin},
)
CASES["task_unassigned"] = _task_updated(
    lambda w: {"assignee": None},
    lambda w: {"assignee": ["Adam Admin", None]},
    before=lambda w: {"assignee": w.admin},
)
CASES["task_moved_to_another_project"] = _task_updated(
    lambda w: {"project": w.other_project}, lambda w: {"project": ["Launch", "Relaunch"]}
)
CASES["task_changed_in_several_ways_with_unchanged_fields_left_out"] = _task_updated(
    lambda w: {
        "title": "Fix sign-in",
        "status": TaskStatus.IN_PROGRESS,
        "priority": Priority.HIGH,
        "assignee": w.member,
        "description": "",
    },
    lambda w: {
        "status": ["To do", "In progress"],
        "priority": ["Medium", "High"],
        "assignee": [None, "Mia Member"],
    },
    actor="admin",
)


@case
def task_custom_field_filled_in(w):
    CustomFieldFactory(project=w.project, key="points", field_type=FieldType.NUMBER)

    def act():
        task_update(task=w.task, actor=w.member, data={"custom_fields": {"points": "5"}})
        return Expected(
            AuditAction.UPDATED,
            w.member,
            w.org,
            _about(w.task),
            f"#{w.task.number} Fix sign-in",
            {"custom_fields": [{}, {"points": 5}]},
        )

    return act


@case
def task_assigned_with_task_assign(w):
    def act():
        task_assign(task=w.task, actor=w.owner, assignee=w.member)
        return Expected(
            AuditAction.UPDATED,
            w.owner,
            w.org,
            _about(w.task),
            f"#{w.task.number} Fix sign-in",
            {"assignee": [None, "Mia Member"]},
        )

    return act


@case
def task_deleted(w):
    def act():
        task_delete(task=w.task, actor=w.member)
        return Expected(
            AuditAction.DELETED, w.member, w.org, _about(w.task), f"#{w.task.number} Fix sign-in"
        )

    return act


@case
def task_restored_by_an_admin(w):
    task = TaskFactory(
        project=w.project,
        title="Old bug",
        deleted_at=timezone.now() - timedelta(days=3),
        deleted_by=w.member.user,
    )

    def act():
        task_restore(task=task, actor=w.admin)
        return Expected(
            AuditAction.RESTORED, w.admin, w.org, _about(task), f"#{task.number} Old bug"
        )

    return act


@case
def task_deletion_undone_by_its_deleter(w):
    task_delete(task=w.task, actor=w.member)

    def act():
        task_restore(task=w.task, actor=w.member)
        return Expected(
            AuditAction.RESTORED, w.member, w.org, _about(w.task), f"#{w.task.number} Fix sign-in"
        )

    return act


@case
def comment_created(w):
    def act():
        comment = comment_create(task=w.task, actor=w.admin, body=" Looks good ")
        return Expected(
            AuditAction.CREATED, w.admin, w.org, _about(comment), f"on #{w.task.number}"
        )

    return act


@case
def comment_edited(w):
    def act():
        comment_update(comment=w.comment, actor=w.member, body=" Second draft ")
        return Expected(
            AuditAction.UPDATED,
            w.member,
            w.org,
            _about(w.comment),
            f"on #{w.task.number}",
            {"body": ["First draft", "Second draft"]},
        )

    return act


@case
def comment_deleted(w):
    def act():
        comment_delete(comment=w.comment, actor=w.member)
        return Expected(
            AuditAction.DELETED, w.member, w.org, _about(w.comment), f"on #{w.task.number}"
        )

    return act


@case
def comment_restored(w):
    comment_delete(comment=w.comment, actor=w.member)

    def act():
        comment_restore(comment=w.comment, actor=w.admin)
        return Expected(
            AuditAction.RESTORED, w.admin, w.org, _about(w.comment), f"on #{w.task.number}"
        )

    return act


def _sign_in(action, *, known: bool):
    def arrange(w):
        user = w.member.user if known else None
        identifier = w.member.user.email if known else "nobody@example.com"

        def act():
            sign_in_record(action=action, user=user, identifier=identifier)
            return Expected(action, user, None, None, identifier)

        return act

    return arrange


CASES["signed_in"] = _sign_in(AuditAction.LOGIN, known=True)
CASES["failed_to_sign_in_to_an_account"] = _sign_in(AuditAction.LOGIN_FAILED, known=True)
CASES["failed_to_sign_in_without_an_account"] = _sign_in(AuditAction.LOGIN_FAILED, known=False)
CASES["signed_out"] = _sign_in(AuditAction.LOGOUT, known=True)


@pytest.mark.parametrize("arrange", list(CASES.values()), ids=list(CASES))
def test_every_audited_action_records_exactly_one_entry(w, arrange):
    act = arrange(w)
    before = _entry_ids()

    expected = act()

    entries = _entries_since(before)
    assert len(entries) == 1, [_as_dict(e) for e in entries]
    assert _as_dict(entries[0]) == expected.as_dict()


def test_creating_an_organization_records_its_creation_and_the_owner_joining(user):
    before = _entry_ids()

    organization = organization_create(name="Globex", owner=user)

    created, joined = _entries_since(before)
    with organization_scope(organization):
        membership = Membership.objects.get(user=user)
    assert (
        _as_dict(created)
        == Expected(
            AuditAction.CREATED, user, organization, _about(organization), "Globex"
        ).as_dict()
    )
    assert (
        _as_dict(joined)
        == Expected(
            AuditAction.MEMBER_JOINED,
            user,
            organization,
            _about(membership),
            "Ada Lovelace",
            {"role": [None, "Owner"]},
        ).as_dict()
    )


def test_accepting_when_already_a_member_records_no_join(w):
    ivy = UserFactory(email="ivy@example.com", name="Ivy Invitee")
    existing = MembershipFactory(organization=w.org, user=ivy)
    before = _entry_ids()

    membership = invitation_accept(invitation=w.invitation, user=ivy)

    assert membership == existing
    assert Invitation.objects.get(pk=w.invitation.pk).accepted_by == ivy
    assert _entries_since(before) == []


def test_object_repr_is_cut_to_the_column_length(w):
    task = task_create(organization=w.org, actor=w.member, project=w.project, title="x" * 200)
    with all_tenants():
        entry = AuditLog.objects.get(action=AuditAction.CREATED, object_id=task.pk)

    assert entry.object_repr == f"#{task.number} {'x' * 200}"[:200]
    assert len(entry.object_repr) == 200


def test_a_long_sign_in_identifier_is_cut_to_the_column_length(w):
    entry = sign_in_record(action=AuditAction.LOGIN_FAILED, user=None, identifier="y" * 250)

    with all_tenants():
        assert AuditLog.objects.get(pk=entry.pk).object_repr == "y" * 200


def test_entries_outlive_the_rows_and_people_they_name(w):
    before = _entry_ids()
    task_delete(task=w.task, actor=w.member)
    [entry] = _entries_since(before)

    w.member.user.delete()

    with all_tenants():
        entry = AuditLog.objects.get(pk=entry.pk)
    assert entry.actor is None
    assert entry.object_repr == f"#{w.task.number} Fix sign-in"


# -- describe_changes and label ---------------------------------------------------------------


def test_describe_changes_speaks_names_and_labels(w):
    due = timezone.localdate()
    assert describe_changes(
        Task,
        {
            "assignee": (None, w.admin),
            "status": (TaskStatus.TODO, TaskStatus.DONE),
            "priority": (Priority.MEDIUM, Priority.URGENT),
            "due_date": (due, None),
            "project": (w.project, w.other_project),
            "description": ("", "Now with steps"),
            "custom_fields": ({}, {"points": 5}),
        },
    ) == {
        "assignee": [None, "Adam Admin"],
        "status": ["To do", "Done"],
        "priority": ["Medium", "Urgent"],
        "due_date": [due.isoformat(), None],
        "project": ["Launch", "Relaunch"],
        "description": [None, "Now with steps"],
        "custom_fields": [{}, {"points": 5}],
    }


@pytest.mark.parametrize(
    ("model", "name", "real_field"),
    [
        (Task, "tasks", "title"),  # no such name on a task
        (Project, "tasks", "name"),  # a reverse relation: what a project deletion counts
        (Task, "comments", "title"),  # a reverse relation too
    ],
)
def test_describe_changes_keeps_names_that_are_no_model_field_as_they_are(
    w, model, name, real_field
):
    """Counts and other derived values, like the ``{"tasks": [n, None]}`` of a project deletion,
    go through unchanged next to real fields."""
    changes = {name: (3, None), real_field: ("Before", "")}

    assert describe_changes(model, changes) == {name: [3, None], real_field: ["Before", None]}


def test_describe_changes_reads_stored_codes_too(w):
    """Values loaded from the database are plain codes, not enum members."""
    assert describe_changes(Task, {"status": ("in_progress", "cancelled"), "priority": (1, 3)}) == {
        "status": ["In progress", "Cancelled"],
        "priority": ["Low", "High"],
    }


def test_labels(w):
    nameless = UserFactory(name="", email="grace.h@example.com")

    assert label(w.member) == "Mia Member"
    assert label(w.member.user) == "Mia Member"
    assert label(nameless) == "grace.h"
    assert label(w.comment) == f"on #{w.task.number}"
    assert label(w.invitation) == "ivy@example.com"
    assert label(w.task) == f"#{w.task.number} Fix sign-in"
    assert label(w.project) == "Launch"
    assert label(w.org) == "Acme"


# -- nothing changed, nothing recorded ----------------------------------------------------------

NO_OPS = {
    "task_update_with_the_same_values": lambda w: task_update(
        task=w.task,
        actor=w.member,
        data={
            "title": "  Fix   sign-in ",
            "status": TaskStatus.TODO,
            "priority": Priority.MEDIUM,
            "assignee": None,
            "description": "  ",
            "project": w.project,
        },
    ),
    "task_assign_to_the_current_assignee": lambda w: task_assign(
        task=w.task, actor=w.member, assignee=None
    ),
    "project_update_with_the_same_values": lambda w: project_update(
        project=w.project, actor=w.admin, name=" Launch ", description=" ", lead=None
    ),
    "project_unarchive_of_an_active_project": lambda w: project_set_archived(
        project=w.project, actor=w.admin, archived=False
    ),
    "organization_rename_to_its_name": lambda w: organization_rename(
        organization=w.org, actor=w.admin, name="Acme"
    ),
    "organization_change_slug_to_its_slug": lambda w: organization_change_slug(
        organization=w.org, actor=w.owner, slug="acme"
    ),
    "role_change_to_the_same_role": lambda w: membership_change_role(
        actor=w.admin, membership=w.member, role=Role.MEMBER
    ),
    "comment_update_with_the_same_body": lambda w: comment_update(
        comment=w.comment, actor=w.member, body="  First draft\n"
    ),
    "invitation_revoke_of_a_revoked_invitation": lambda w: invitation_revoke(
        actor=w.admin,
        invitation=InvitationFactory(organization=w.org, revoked_at=timezone.now()),
    ),
    "invitation_revoke_of_an_accepted_invitation": lambda w: invitation_revoke(
        actor=w.admin,
        invitation=InvitationFactory(organization=w.org, accepted_at=timezone.now()),
    ),
    "project_restore_of_a_live_project": lambda w: project_restore(
        project=w.project, actor=w.admin
    ),
    "task_restore_of_a_live_task": lambda w: task_restore(task=w.task, actor=w.admin),
    "comment_restore_of_a_live_comment": lambda w: comment_restore(
        comment=w.comment, actor=w.admin
    ),
}


@pytest.mark.parametrize("call", list(NO_OPS.values()), ids=list(NO_OPS))
def test_a_call_that_changes_nothing_records_nothing(w, call):
    before = _entry_ids()

    call(w)

    assert _entries_since(before) == []


def test_a_no_op_task_update_leaves_the_row_alone(w):
    before = Task.objects.get(pk=w.task.pk).updated_at

    task_update(task=w.task, actor=w.member, data={"title": "Fix sign-in"})

    assert Task.objects.get(pk=w.task.pk).updated_at == before


# -- failed calls record nothing --------------------------------------------------------------

FAILURES = {
    "task_create_with_a_short_title": (
        ValidationError,
        lambda w: task_create(organization=w.org, actor=w.member, project=w.project, title="x"),
    ),
    "task_create_in_an_archived_project": (
        ValidationError,
        lambda w: task_create(
            organization=w.org,
            actor=w.member,
            project=ProjectFactory(organization=w.org, status=ProjectStatus.ARCHIVED),
            title="Nope",
        ),
    ),
    "task_create_due_before_2000": (
        ValidationError,
        lambda w: task_create(
            organization=w.org,
            actor=w.member,
            project=w.project,
            title="Too late",
            due_date=date(1999, 12, 31),
        ),
    ),
    "task_update_with_a_short_title": (
        ValidationError,
        lambda w: task_update(task=w.task, actor=w.member, data={"title": "x"}),
    ),
    "task_assign_to_a_stranger": (
        ValidationError,
        lambda w: task_assign(task=w.task, actor=w.member, assignee=MembershipFactory()),
    ),
    "task_delete_by_somebody_else": (
        PermissionDenied,
        lambda w: task_delete(task=w.task, actor=MembershipFactory(organization=w.org)),
    ),
    "project_create_without_a_name": (
        ValidationError,
        lambda w: project_create(organization=w.org, actor=w.member, name=" "),
    ),
    "project_update_with_a_stranger_as_lead": (
        ValidationError,
        lambda w: project_update(
            project=w.project,
            actor=w.admin,
            name="Launch",
            description="",
            lead=MembershipFactory(),
        ),
    ),
    "project_archive_by_a_member": (
        PermissionDenied,
        lambda w: project_set_archived(project=w.project, actor=w.member, archived=True),
    ),
    "project_delete_by_a_member": (
        PermissionDenied,
        lambda w: project_delete(project=w.project, actor=w.member),
    ),
    "custom_field_create_with_a_taken_name": (
        ValidationError,
        lambda w: (
            CustomFieldFactory(project=w.project, name="Size", key="size"),
            custom_field_create(
                project=w.project, actor=w.member, name="size", field_type=FieldType.TEXT
            ),
        ),
    ),
    "custom_field_create_of_a_choice_without_options": (
        ValidationError,
        lambda w: custom_field_create(
            project=w.project, actor=w.member, name="Stage", field_type=FieldType.CHOICE
        ),
    ),
    "comment_create_without_a_body": (
        ValidationError,
        lambda w: comment_create(task=w.task, actor=w.member, body="  "),
    ),
    "comment_update_to_nothing": (
        ValidationError,
        lambda w: comment_update(comment=w.comment, actor=w.member, body=""),
    ),
    "comment_update_by_somebody_else": (
        PermissionDenied,
        lambda w: comment_update(comment=w.comment, actor=w.admin, body="Mine now"),
    ),
    "invitation_create_for_a_member": (
        ValidationError,
        lambda w: invitation_create(
            organization=w.org, actor=w.admin, email=w.member.user.email, role=Role.MEMBER
        ),
    ),
    "invitation_create_for_a_pending_invitee": (
        ValidationError,
        lambda w: invitation_create(
            organization=w.org, actor=w.admin, email="IVY@example.com", role=Role.MEMBER
        ),
    ),
    "invitation_create_of_an_owner_by_an_admin": (
        PermissionDenied,
        lambda w: invitation_create(
            organization=w.org, actor=w.admin, email="boss@example.com", role=Role.OWNER
        ),
    ),
    "invitation_resend_of_a_revoked_invitation": (
        ValidationError,
        lambda w: invitation_resend(
            actor=w.admin,
            invitation=InvitationFactory(organization=w.org, revoked_at=timezone.now()),
        ),
    ),
    "invitation_revoke_by_a_member": (
        PermissionDenied,
        lambda w: invitation_revoke(actor=w.member, invitation=w.invitation),
    ),
    "last_owner_demoting_themselves": (
        ValidationError,
        lambda w: membership_change_role(actor=w.owner, membership=w.owner, role=Role.ADMIN),
    ),
    "last_owner_leaving": (ValidationError, lambda w: membership_leave(membership=w.owner)),
    "member_removing_somebody": (
        PermissionDenied,
        lambda w: membership_remove(actor=w.member, membership=w.admin),
    ),
    "organization_rename_by_a_member": (
        PermissionDenied,
        lambda w: organization_rename(organization=w.org, actor=w.member, name="Mine"),
    ),
    "organization_change_slug_to_a_reserved_slug": (
        ValidationError,
        lambda w: organization_change_slug(organization=w.org, actor=w.owner, slug="admin"),
    ),
    "organization_change_slug_to_another_organizations_slug": (
        ValidationError,
        lambda w: organization_change_slug(
            organization=w.org, actor=w.owner, slug=OrganizationFactory().slug
        ),
    ),
    "project_restore_by_a_member": (
        PermissionDenied,
        lambda w: project_restore(
            project=ProjectFactory(organization=w.org, deleted_at=timezone.now()), actor=w.member
        ),
    ),
    "comment_restore_by_its_author": (
        PermissionDenied,
        lambda w: comment_restore(
            comment=CommentFactory(
                task=w.task,
                author=w.member.user,
                deleted_at=timezone.now(),
                deleted_by=w.member.user,
            ),
            actor=w.member,
        ),
    ),
    "sign_in_record_of_an_organization_action": (
        ValueError,
        lambda w: sign_in_record(action=AuditAction.CREATED, user=w.member.user, identifier="x"),
    ),
}


@pytest.mark.parametrize(("error", "call"), list(FAILURES.values()), ids=list(FAILURES))
def test_a_refused_call_records_nothing(w, error, call):
    before = _entry_ids()

    with pytest.raises(error):
        call(w)

    assert _entries_since(before) == []


def test_a_change_that_fails_after_its_entry_takes_the_entry_with_it(w):
    """The entry is written in the change's transaction: if the change fails, neither stays."""
    before = _entry_ids()

    with (
        mock.patch.object(Membership, "delete", side_effect=RuntimeError("database gone")),
        pytest.raises(RuntimeError),
    ):
        membership_remove(actor=w.admin, membership=w.member)

    assert _entries_since(before) == []
    assert Membership.objects.filter(pk=w.member.pk).exists()


def test_a_change_whose_entry_cannot_be_written_is_rolled_back(w):
    with (
        mock.patch(
            "workspace.services.tasks.audit_record", side_effect=RuntimeError("database gone")
        ),
        pytest.raises(RuntimeError),
    ):
        task_update(task=w.task, actor=w.member, data={"title": "Never saved"})

    assert Task.objects.get(pk=w.task.pk).title == "Fix sign-in"


# -- where a change came from -----------------------------------------------------------------


def test_entries_inside_request_origin_carry_the_address_and_user_agent(w):
    before = _entry_ids()

    with request_origin(ip_address="203.0.113.7", user_agent="Firefox/140"):
        task_update(task=w.task, actor=w.member, data={"title": "Fix sign-up"})
        sign_in_record(action=AuditAction.LOGIN, user=w.member.user, identifier="mia")

    entries = _entries_since(before)
    assert [(e.ip_address, e.user_agent) for e in entries] == [("203.0.113.7", "Firefox/140")] * 2


def test_user_agent_is_cut_to_300_characters(w):
    agent = "Mozilla/5.0 " + "x" * 500

    with request_origin(ip_address="2001:db8::1", user_agent=agent):
        entry = sign_in_record(action=AuditAction.LOGIN, user=w.member.user, identifier="mia")

    with all_tenants():
        entry = AuditLog.objects.get(pk=entry.pk)
    assert entry.user_agent == agent[:300]
    assert entry.ip_address == "2001:db8::1"


@pytest.mark.parametrize(("ip_address", "user_agent"), [(None, None), (None, ""), ("::1", None)])
def test_a_missing_address_or_user_agent_is_stored_as_null_or_blank(w, ip_address, user_agent):
    with request_origin(ip_address=ip_address, user_agent=user_agent):
        entry = audit_record(organization=w.org, actor=w.member, action=AuditAction.UPDATED)

    entry = AuditLog.objects.get(pk=entry.pk)
    assert (entry.ip_address, entry.user_agent) == (ip_address, "")


def test_entries_outside_request_origin_have_no_origin(w):
    before = _entry_ids()
    with request_origin(ip_address="203.0.113.7", user_agent="Firefox/140"):
        pass

    task_update(task=w.task, actor=w.member, data={"title": "Fix sign-up"})
    sign_in_record(action=AuditAction.LOGOUT, user=w.member.user, identifier="mia")

    entries = _entries_since(before)
    assert len(entries) == 2
    assert [(e.ip_address, e.user_agent) for e in entries] == [(None, "")] * 2


def test_request_origins_nest_and_unwind(w):
    with request_origin(ip_address="198.51.100.1", user_agent="outer"):
        with request_origin(ip_address="198.51.100.2", user_agent="inner"):
            inner = audit_record(organization=w.org, actor=w.member, action=AuditAction.UPDATED)
        outer = audit_record(organization=w.org, actor=w.member, action=AuditAction.UPDATED)
    none = audit_record(organization=w.org, actor=w.member, action=AuditAction.UPDATED)

    def origin(entry):
        entry = AuditLog.objects.get(pk=entry.pk)
        return entry.ip_address, entry.user_agent

    assert origin(inner) == ("198.51.100.2", "inner")
    assert origin(outer) == ("198.51.100.1", "outer")
    assert origin(none) == (None, "")


def test_request_origin_is_reset_when_the_body_raises(w):
    with (
        pytest.raises(RuntimeError),
        request_origin(ip_address="198.51.100.1", user_agent="agent"),
    ):
        raise RuntimeError

    entry = audit_record(organization=w.org, actor=w.member, action=AuditAction.UPDATED)
    assert (entry.ip_address, entry.user_agent) == (None, "")


# -- append-only ------------------------------------------------------------------------------


def _tamper_save(entry, org):
    entry.object_repr = "tampered"
    entry.save()


def _tamper_save_fields(entry, org):
    entry.changed_fields = {}
    entry.save(update_fields=["changed_fields"])


def _tamper_update_in_scope(entry, org):
    AuditLog.objects.filter(pk=entry.pk).update(object_repr="tampered")


def _tamper_delete_in_scope(entry, org):
    AuditLog.objects.filter(pk=entry.pk).delete()


def _tamper_update_everything(entry, org):
    with all_tenants():
        AuditLog.objects.all().update(actor=None)


def _tamper_delete_everything(entry, org):
    with all_tenants():
        AuditLog.objects.all().delete()


def _tamper_bulk_update(entry, org):
    entry.object_repr = "tampered"
    AuditLog.objects.bulk_update([entry], ["object_repr"])


def _tamper_related_update(entry, org):
    org.audit_entries.update(object_repr="tampered")


def _tamper_related_delete(entry, org):
    org.audit_entries.all().delete()


def _tamper_related_clear(entry, org):
    org.audit_entries.clear()


@pytest.mark.parametrize(
    "tamper",
    [
        _tamper_save,
        _tamper_save_fields,
        lambda entry, org: entry.delete(),
        _tamper_update_in_scope,
        _tamper_delete_in_scope,
        _tamper_update_everything,
        _tamper_delete_everything,
        _tamper_bulk_update,
        _tamper_related_update,
        _tamper_related_delete,
        _tamper_related_clear,
    ],
    ids=[
        "save",
        "save_update_fields",
        "delete",
        "queryset_update",
        "queryset_delete",
        "update_across_tenants",
        "delete_across_tenants",
        "bulk_update",
        "related_manager_update",
        "related_manager_delete",
        "related_manager_clear",
    ],
)
def test_recorded_entries_cannot_be_changed_or_removed(w, tamper):
    task_update(task=w.task, actor=w.member, data={"status": TaskStatus.DONE})
    entry = AuditLog.objects.get(action=AuditAction.UPDATED)
    with all_tenants():
        stored = list(AuditLog.objects.order_by("pk").values())

    # A savepoint, as a real caller's transaction would be: bulk_update's own atomic block
    # would otherwise leave the test's transaction unusable.
    with pytest.raises(PermissionError, match="append-only"), transaction.atomic():
        tamper(entry, w.org)

    with all_tenants():
        assert list(AuditLog.objects.order_by("pk").values()) == stored
    assert stored[0]["changed_fields"] == {"status": ["To do", "Done"]}


def test_new_entries_can_still_be_added(w):
    entry = AuditLog(organization=w.org, actor=w.admin.user, action=AuditAction.UPDATED)
    entry.save()

    assert AuditLog.objects.get(pk=entry.pk).actor == w.admin.user
