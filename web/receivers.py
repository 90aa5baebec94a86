"""Reactions to allauth's events that involve the web session."""

from allauth.account.signals import user_signed_up
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.models import User
from workspace import selectors
from workspace.models import AuditAction
from workspace.services import invitations as services
from workspace.services.sign_ins import sign_in_record
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


# Sign-in audit. The request's address and user agent are attached by AuditOriginMiddleware.


@receiver(user_logged_in, dispatch_uid="web.record_sign_in")
def record_sign_in(sender, request, user, **kwargs):
    sign_in_record(action=AuditAction.LOGIN, user=user, identifier=user.email)


@receiver(user_logged_out, dispatch_uid="web.record_sign_out")
def record_sign_out(sender, request, user, **kwargs):
    if user is not None:
        sign_in_record(action=AuditAction.LOGOUT, user=user, identifier=user.email)


@receiver(user_login_failed, dispatch_uid="web.record_failed_sign_in")
def record_failed_sign_in(sender, credentials, request=None, **kwargs):
    identifier = str(credentials.get("email") or credentials.get("username") or "")[:200]
    account = User.objects.filter(email__iexact=identifier).first() if identifier else None
    sign_in_record(action=AuditAction.LOGIN_FAILED, user=account, identifier=identifier)
