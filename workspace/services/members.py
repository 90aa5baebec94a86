from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from workspace import events, permissions, signals
from workspace.audit import audit_record, audit_record_many, describe_changes
from workspace.models import AuditAction, Membership, NotificationKind, Role, Task
from workspace.services.notifications import announce_after_commit, notification_queue


def membership_welcome(*, membership: Membership) -> None:
    """Announce a new member and queue their welcome e-mail (sent by a job after commit)."""
    notification = notification_queue(
        organization=membership.organization,
        kind=NotificationKind.WELCOME,
        recipient=membership.user,
        recipient_email=membership.user.email,
        subject_id=membership.pk,
        dedupe_key=f"welcome:{membership.pk}",
    )
    announce_after_commit(
        signals.member_joined,
        organization=membership.organization,
        notifications=[notification],
        membership_id=membership.pk,
    )


LAST_OWNER_MESSAGE = "An organization needs at least one owner. Make someone else an owner first."


def _ensure_another_owner_remains(membership: Membership) -> None:
    """Raise if ``membership`` is the organization's last owner.

    Locks the owners' rows so two owners demoting each other at once cannot both succeed.
    """
    if membership.role != Role.OWNER:
        return
    owners = list(
        Membership.objects.filter(organization_id=membership.organization_id)
        .owners()
        .select_for_update()
        .values_list("pk", flat=True)
    )
    if owners == [membership.pk]:
        raise ValidationError(LAST_OWNER_MESSAGE, code="last_owner")


@transaction.atomic
def membership_change_role(*, actor: Membership, membership: Membership, role: str) -> Membership:
    role = Role(role)
    if not permissions.can_change_role(actor, membership) or role not in (
        permissions.assignable_roles(actor)
    ):
        raise PermissionDenied("You cannot give this role.")
    if membership.role == role:
        return membership
    if role != Role.OWNER:
        _ensure_another_owner_remains(membership)
    old = membership.get_role_display()
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit_record(
        organization=membership.organization,
        actor=actor,
        action=AuditAction.ROLE_CHANGED,
        target=membership,
        changed_fields={"role": [old, role.label]},
    )
    return membership


def membership_unassign_tasks(*, membership: Membership, actor) -> int:
    """Unassign every task of the member who is leaving (live or in the trash), with an entry in
    each task's history, instead of letting the database clear them silently. ``actor``: the
    membership or user doing it (``None`` for the system). Returns how many were unassigned."""
    tasks = list(
        Task.all_objects.filter(organization=membership.organization_id, assignee=membership)
        .only("pk", "organization", "number", "title")
        .order_by("pk")
    )
    if not tasks:
        return 0
    Task.all_objects.filter(pk__in=[task.pk for task in tasks]).update(
        assignee=None, updated_at=timezone.now()
    )
    audit_record_many(
        organization=membership.organization,
        actor=actor,
        action=AuditAction.UPDATED,
        targets=tasks,
        changed_fields=describe_changes(Task, {"assignee": (membership, None)}),
    )
    events.publish(membership.organization_id, "tasks")
    return len(tasks)


@transaction.atomic
def membership_remove(*, actor: Membership, membership: Membership) -> None:
    """Remove a member; their tasks are unassigned, each with a history entry."""
    if not permissions.can_remove(actor, membership):
        raise PermissionDenied("You cannot remove this member.")
    _ensure_another_owner_remains(membership)
    membership_unassign_tasks(membership=membership, actor=actor)
    audit_record(
        organization=membership.organization,
        actor=actor,
        action=AuditAction.MEMBER_REMOVED,
        target=membership,
        changed_fields={"role": [membership.get_role_display(), None]},
    )
    membership.delete()


@transaction.atomic
def membership_leave(*, membership: Membership) -> None:
    _ensure_another_owner_remains(membership)
    membership_unassign_tasks(membership=membership, actor=membership)
    audit_record(
        organization=membership.organization,
        actor=membership,
        action=AuditAction.MEMBER_LEFT,
        target=membership,
        changed_fields={"role": [membership.get_role_display(), None]},
    )
    membership.delete()
