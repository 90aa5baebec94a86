"""Recording the audit log. Services call ``audit_record`` inside their own transaction, so an
entry exists exactly when the change it describes was committed.

Where a change came from (IP address, user agent) is request state: the web layer opens
``request_origin(...)`` around each request, and entries recorded inside it carry that origin.
Jobs record entries without an origin.
"""

import contextvars
from contextlib import contextmanager
from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from accounts.models import User
from workspace.models import AuditAction, AuditLog, Comment, Invitation, Membership, Organization

_origin: contextvars.ContextVar[dict | None] = contextvars.ContextVar("audit_origin", default=None)

USER_AGENT_MAX = AuditLog._meta.get_field("user_agent").max_length
REPR_MAX = AuditLog._meta.get_field("object_repr").max_length


@contextmanager
def request_origin(*, ip_address: str | None, user_agent: str):
    token = _origin.set(
        {"ip_address": ip_address, "user_agent": (user_agent or "")[:USER_AGENT_MAX]}
    )
    try:
        yield
    finally:
        _origin.reset(token)


def label(obj) -> str:
    """How an object is named in the log and its history views."""
    if isinstance(obj, Membership):
        return obj.user.display_name
    if isinstance(obj, User):
        return obj.display_name
    if isinstance(obj, Comment):
        return f"on #{obj.task.number}"
    if isinstance(obj, Invitation):
        return obj.email
    return str(obj)


def _readable(field: models.Field | None, value):
    if value is None or value == "":
        return None
    if isinstance(value, models.Model):
        return label(value)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)


def describe_changes(model: type[models.Model], changes: dict[str, tuple]) -> dict[str, list]:
    """``{field: (old, new)}`` as stored values -> ``{field: [old, new]}`` as people read them
    (names instead of ids, labels instead of codes)."""
    described = {}
    for name, (old, new) in changes.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if not getattr(field, "concrete", False):
            field = None  # a reverse relation or a derived name: values are shown as given
        described[name] = [_readable(field, old), _readable(field, new)]
    return described


def audit_record(
    *,
    organization: Organization | None,
    actor: User | Membership | None,
    action: AuditAction,
    target: models.Model | None = None,
    changed_fields: dict | None = None,
    object_repr: str | None = None,
) -> AuditLog:
    if isinstance(actor, Membership):
        actor = actor.user
    origin = _origin.get() or {}
    return AuditLog.objects.create(
        organization=organization,
        actor=actor,
        action=action,
        content_type=ContentType.objects.get_for_model(target) if target is not None else None,
        object_id=target.pk if target is not None else None,
        object_repr=(object_repr if object_repr is not None else label(target) if target else "")[
            :REPR_MAX
        ],
        changed_fields=changed_fields or {},
        ip_address=origin.get("ip_address"),
        user_agent=origin.get("user_agent", ""),
    )


def audit_record_many(
    *,
    organization: Organization,
    actor: User | Membership | None,
    action: AuditAction,
    targets: list[models.Model],
    changed_fields: dict | None = None,
) -> list[AuditLog]:
    """The same entry for each of ``targets``, inserted in one query (a member's removal
    unassigning their tasks)."""
    if isinstance(actor, Membership):
        actor = actor.user
    origin = _origin.get() or {}
    return AuditLog.objects.bulk_create(
        [
            AuditLog(
                organization=organization,
                actor=actor,
                action=action,
                content_type=ContentType.objects.get_for_model(target),
                object_id=target.pk,
                object_repr=label(target)[:REPR_MAX],
                changed_fields=changed_fields or {},
                ip_address=origin.get("ip_address"),
                user_agent=origin.get("user_agent", ""),
            )
            for target in targets
        ]
    )
