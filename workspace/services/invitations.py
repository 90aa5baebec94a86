from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from workspace import permissions, signals
from workspace.audit import audit_record
from workspace.integrity import unless_taken
from workspace.models import (
    INVITATION_TTL,
    AuditAction,
    Invitation,
    Membership,
    NotificationKind,
    Organization,
    Role,
)
from workspace.services.members import membership_welcome
from workspace.services.notifications import announce_after_commit, notification_queue


class InvitationUnusable(Exception):
    """The invitation cannot be accepted any more (``reason``: expired, revoked, accepted)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class InvitationWrongUser(Exception):
    """Somebody signed in with another e-mail address tried to accept."""


def _send(invitation: Invitation) -> None:
    """Queue the invitation e-mail (a job sends it after commit)."""
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at", "updated_at"])
    notification = notification_queue(
        organization=invitation.organization,
        kind=NotificationKind.INVITATION,
        recipient_email=invitation.email,
        subject_id=invitation.pk,
        dedupe_key=f"invitation:{invitation.pk}:{invitation.sent_at.isoformat()}",
    )
    announce_after_commit(
        signals.invitation_sent,
        organization=invitation.organization,
        notifications=[notification],
        invitation_id=invitation.pk,
    )


@transaction.atomic
def invitation_create(
    *, organization: Organization, actor: Membership, email: str, role: str
) -> Invitation:
    if Role(role) not in permissions.assignable_roles(actor):
        raise PermissionDenied("You cannot invite people with this role.")
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already a member."})
    open_for_address = Invitation.objects.filter(organization=organization, email__iexact=email)
    open_for_address = open_for_address.open()
    pending = ValidationError(
        {"email": "This address already has a pending invitation. Resend it instead."}
    )
    existing = open_for_address.first()
    if existing is not None:
        if not existing.is_expired:
            raise pending
        existing.revoked_at = timezone.now()
        existing.save(update_fields=["revoked_at", "updated_at"])
    with unless_taken(open_for_address.exists, pending):
        invitation = Invitation.objects.create(
            organization=organization, email=email, role=role, invited_by=actor.user
        )
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditAction.MEMBER_INVITED,
        target=invitation,
        changed_fields={"role": [None, invitation.get_role_display()]},
    )
    _send(invitation)
    return invitation


@transaction.atomic
def invitation_resend(*, actor: Membership, invitation: Invitation) -> Invitation:
    """Send the invitation again, valid for another full period."""
    if not permissions.can_manage_invitation(actor, invitation):
        raise PermissionDenied("You cannot resend this invitation.")
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError("This invitation was already used or revoked.")
    invitation.expires_at = timezone.now() + INVITATION_TTL
    invitation.save(update_fields=["expires_at", "updated_at"])
    audit_record(
        organization=invitation.organization,
        actor=actor,
        action=AuditAction.INVITATION_RESENT,
        target=invitation,
    )
    _send(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> None:
    if not permissions.can_manage_invitation(actor, invitation):
        raise PermissionDenied("You cannot revoke this invitation.")
    if invitation.accepted_at or invitation.revoked_at:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        organization=invitation.organization,
        actor=actor,
        action=AuditAction.INVITATION_REVOKED,
        target=invitation,
    )


def invitation_matches_user(invitation: Invitation, user: User) -> bool:
    return invitation.email.lower() == user.email.lower()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the organization. Runs in the invitation's organization scope."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state != "pending":
        raise InvitationUnusable(invitation.state)
    if not invitation_matches_user(invitation, user):
        raise InvitationWrongUser(invitation.email)
    membership, joined = Membership.objects.get_or_create(
        organization_id=invitation.organization_id,
        user=user,
        defaults={"role": invitation.role, "last_visited_at": timezone.now()},
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    if joined:
        audit_record(
            organization=invitation.organization,
            actor=user,
            action=AuditAction.MEMBER_JOINED,
            target=membership,
            changed_fields={"role": [None, membership.get_role_display()]},
        )
        membership_welcome(membership=membership)
    return membership
