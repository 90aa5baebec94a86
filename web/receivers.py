"""Reactions to allauth's events that involve the web session."""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from workspace import selectors
from workspace.services import invitations as services
from workspace.tenancy import organization_scope

INVITATION_SESSION_KEY = "tandem_invitation_token"


@receiver(user_signed_up, dispatch_uid="web.accept_invitation_on_sign_up")
def accept_invitation_on_sign_up(sender, request, user, **kwargs):
    """Signing up through an invitation link accepts that invitation."""
    token = request.session.pop(INVITATION_SESSION_KEY, None) if request is not None else None
    if not token:
        return
    invitation = selectors.invitation_by_token(token=token)
    if (
        invitation is None
        or invitation.state != "pending"
        or not services.invitation_matches_user(invitation, user)
    ):
        return
    with organization_scope(invitation.organization):
        services.invitation_accept(invitation=invitation, user=user)
