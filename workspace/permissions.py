"""Who may do what to whom inside an organization. Services enforce these rules; views and
templates use them to decide what to show."""

from datetime import timedelta

from django.utils import timezone

from .models import Membership, Role


def assignable_roles(actor: Membership) -> list[Role]:
    """Roles the actor may give to somebody (by invitation or role change)."""
    if actor.is_owner:
        return [Role.MEMBER, Role.ADMIN, Role.OWNER]
    if actor.is_admin:
        return [Role.MEMBER, Role.ADMIN]
    return []


def can_manage_members(actor: Membership) -> bool:
    return actor.is_admin


def can_manage_invitation(actor: Membership, invitation) -> bool:
    """Resend or revoke: only an invitation the actor could have sent (admins do not revive or
    cancel an owner's invitation)."""
    return can_manage_members(actor) and Role(invitation.role) in assignable_roles(actor)


def can_change_role(actor: Membership, target: Membership) -> bool:
    """Admins manage members and admins; only owners touch owners."""
    return actor.is_admin and (actor.is_owner or target.role != Role.OWNER)


def can_remove(actor: Membership, target: Membership) -> bool:
    """Removing yourself is leaving, a separate action."""
    return target.pk != actor.pk and can_change_role(actor, target)


def can_rename_organization(actor: Membership) -> bool:
    return actor.is_admin


def can_change_slug(actor: Membership) -> bool:
    return actor.is_owner


def can_delete_organization(actor: Membership) -> bool:
    """Delete, restore and export the whole organization."""
    return actor.is_owner


def can_manage_projects(actor: Membership) -> bool:
    """Archive, unarchive and delete projects."""
    return actor.is_admin


def can_delete_task(actor: Membership, task) -> bool:
    return actor.is_admin or task.created_by_id == actor.user_id


UNDO_WINDOW = timedelta(minutes=10)


def can_use_trash(actor: Membership) -> bool:
    """See everything deleted in the organization and restore it."""
    return actor.is_admin


def can_restore_task(actor: Membership, task) -> bool:
    """Admins restore from the trash; whoever deleted a task can undo that for a short while."""
    if actor.is_admin:
        return True
    return (
        task.deleted_by_id == actor.user_id
        and task.deleted_at is not None
        and timezone.now() - task.deleted_at <= UNDO_WINDOW
    )


def can_change_comment(actor: Membership, comment) -> bool:
    """Comments are edited and deleted by their author only."""
    return comment.author_id == actor.user_id


def can_manage_labels(actor: Membership) -> bool:
    """Create, rename, recolour and delete the organization's labels (any member labels tasks)."""
    return actor.is_admin
