from django.db import transaction

from accounts.models import User
from workspace.audit import audit_record
from workspace.models import SIGN_IN_ACTIONS, AuditAction, AuditLog


@transaction.atomic
def sign_in_record(*, action: AuditAction, user: User | None, identifier: str) -> AuditLog:
    """Record a sign-in, failed sign-in or sign-out. These belong to no organization. A failed
    attempt on an existing account names that account as the actor, so its owner sees it."""
    if action not in SIGN_IN_ACTIONS:
        raise ValueError(f"not a sign-in action: {action}")
    return audit_record(organization=None, actor=user, action=action, object_repr=identifier)
