"""Deleting one's account: what it takes across every organization the person belongs to.

Runs outside any organization scope (from the profile), so it reads across tenants, limited to
the person's own memberships and the rows that name them."""

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.text import get_text_list

from accounts.models import ERASED_NAME, User
from accounts.services import erased_email, user_erase
from workspace.audit import audit_record
from workspace.models import (
    SIGN_IN_ACTIONS,
    AuditAction,
    AuditLog,
    Invitation,
    Membership,
    Notification,
    Organization,
    Role,
)
from workspace.services.members import membership_unassign_tasks
from workspace.tenancy import all_tenants, organization_scope


def organizations_blocking_deletion(*, user: User) -> list[Organization]:
    """Live organizations the user is the last owner of: they need another owner (or to be
    deleted) before the account can go."""
    with all_tenants():
        other_owners = Membership.objects.filter(
            organization=OuterRef("organization"), role=Role.OWNER
        ).exclude(user=user)
        owned_alone = Membership.objects.filter(
            user=user, role=Role.OWNER, organization__deleted_at__isnull=True
        ).filter(~Exists(other_owners))
        return list(
            Organization.objects.filter(pk__in=owned_alone.values("organization")).order_by("name")
        )


def _replace_in(value, identifiers: set[str], placeholder: str):
    """``value`` with every string equal to one of ``identifiers`` (case-insensitively)
    replaced, inside lists and dicts too."""
    if isinstance(value, str):
        return placeholder if value.lower() in identifiers else value
    if isinstance(value, list):
        return [_replace_in(item, identifiers, placeholder) for item in value]
    if isinstance(value, dict):
        return {key: _replace_in(item, identifiers, placeholder) for key, item in value.items()}
    return value


def _mentioning(queryset, field: str, identifiers: set[str]):
    """Rows whose JSON ``field`` holds one of ``identifiers`` as a string value."""
    text = Cast(field, TextField())
    mentions = Q()
    for identifier in identifiers:
        mentions |= Q(json_text__icontains=json.dumps(identifier, ensure_ascii=False))
    return queryset.annotate(json_text=text).filter(mentions)


def _forget_in_audit_log(*, user: User, organization_ids: list[int], identifiers: set[str]) -> None:
    """The entries keep what happened; who did it becomes "Deleted user" (the erased account),
    and the person's name, address, IP address and browser leave them."""
    entries = AuditLog.objects.filter(organization_id__in=organization_ids)
    entries.filter(actor=user).redact(ip_address=None, user_agent="")
    named = Q()
    for identifier in identifiers:
        named |= Q(object_repr__iexact=identifier)
    entries.filter(named).redact(object_repr=ERASED_NAME)
    for entry in _mentioning(entries, "changed_fields", identifiers):
        entries.filter(pk=entry.pk).redact(
            changed_fields=_replace_in(entry.changed_fields, identifiers, ERASED_NAME)
        )
    # Sign-ins belong to no organization: the account's, and failed attempts with its address.
    AuditLog.objects.filter(organization__isnull=True, action__in=SIGN_IN_ACTIONS).filter(
        Q(actor=user) | Q(object_repr__iexact=user.email)
    ).erase()


def _forget_in_outbox_and_invitations(*, user: User, identifiers: set[str]) -> None:
    Notification.objects.filter(Q(recipient=user) | Q(recipient_email__iexact=user.email)).delete()
    for notification in _mentioning(Notification.objects.all(), "payload", identifiers):
        Notification.objects.filter(pk=notification.pk).update(
            payload=_replace_in(notification.payload, identifiers, ERASED_NAME)
        )
    invitations = Invitation.objects.filter(email__iexact=user.email)
    invitations.open().update(revoked_at=timezone.now())
    invitations.update(email=erased_email(user))


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """Delete the user's account, after they typed their password again.

    Refused while they are the last owner of a live organization. They leave every
    organization (their tasks are unassigned, with history); their comments, tasks and history
    stay, attributed to "Deleted user"; their name and e-mail address leave the audit log, the
    outbox and invitations; their sign-in history and sessions are deleted; the account is
    erased (accounts.services.user_erase)."""
    if not user.check_password(password or ""):
        raise ValidationError({"password": "That is not your password."})
    with all_tenants():
        # Lock the person's memberships: a concurrent role change cannot make them the last
        # owner after the check.
        memberships = list(
            Membership.objects.select_for_update(of=("self",))
            .select_related("organization")
            .filter(user=user)
            .order_by("pk")
        )
    blocking = organizations_blocking_deletion(user=user)
    if blocking:
        names = get_text_list([o.name for o in blocking], "and")
        raise ValidationError(
            f"You are the last owner of {names}. Make someone else an owner there, or delete "
            f"{'that organization' if len(blocking) == 1 else 'those organizations'}, before "
            "you delete your account.",
            code="last_owner",
        )
    identifiers = {value.lower() for value in (user.name, user.display_name, user.email) if value}
    for membership in memberships:
        membership.user = user
        with organization_scope(membership.organization):
            membership_unassign_tasks(membership=membership, actor=user)
            audit_record(
                organization=membership.organization,
                actor=user,
                action=AuditAction.MEMBER_LEFT,
                target=membership,
                changed_fields={"role": [membership.get_role_display(), None]},
            )
            membership.delete()
    with all_tenants():
        _forget_in_audit_log(
            user=user,
            organization_ids=[m.organization_id for m in memberships],
            identifiers=identifiers,
        )
        _forget_in_outbox_and_invitations(user=user, identifiers=identifiers)
    user_erase(user=user)
