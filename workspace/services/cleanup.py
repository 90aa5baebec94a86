"""Purging what stayed in the trash past the retention period, and deleted organizations past
their restore window."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from workspace.audit import audit_record
from workspace.models import (
    ORGANIZATION_RESTORE_WINDOW,
    AuditAction,
    AuditLog,
    Comment,
    CustomField,
    Invitation,
    Membership,
    Notification,
    Organization,
    OrganizationExport,
    OrganizationSlugAlias,
    Project,
    Task,
)
from workspace.services.exports import export_delete_file

RETENTION = timedelta(days=90)
BATCH_SIZE = 500

# Children first, so that each batch deletes only the rows it counts.
PURGED_MODELS = (("comments", Comment), ("tasks", Task), ("projects", Project))


def _purge_batches(model, organization: Organization, cutoff, batch_size: int) -> int:
    purged = 0
    while True:
        with transaction.atomic():
            ids = list(
                model.all_objects.filter(organization=organization, deleted_at__lt=cutoff)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return purged
            # Comments of a purged task go with it even if they were never deleted themselves.
            model.all_objects.filter(pk__in=ids).delete()
            purged += len(ids)


def organization_purge_deleted(
    *,
    organization: Organization,
    now=None,
    retention: timedelta = RETENTION,
    batch_size: int = BATCH_SIZE,
) -> dict[str, int]:
    """Hard-delete rows soft-deleted more than ``retention`` ago, in batches, and record what was
    purged in the audit log (nothing is recorded when nothing was purged). Runs in the
    organization's scope."""
    cutoff = (now or timezone.now()) - retention
    counts = {
        name: _purge_batches(model, organization, cutoff, batch_size)
        for name, model in PURGED_MODELS
    }
    if any(counts.values()):
        audit_record(
            organization=organization,
            actor=None,
            action=AuditAction.PURGED,
            object_repr=f"trash older than {retention.days} days",
            changed_fields={name: [count, 0] for name, count in counts.items() if count},
        )
    return counts


# Everything an organization owns, children first, so that each batch deletes only its own rows.
ORGANIZATION_ROWS = (
    ("comments", Comment),
    ("tasks", Task),
    ("custom_fields", CustomField),
    ("exports", OrganizationExport),
    ("projects", Project),
    ("invitations", Invitation),
    ("notifications", Notification),
    ("audit_entries", AuditLog),
    ("memberships", Membership),
    ("former_addresses", OrganizationSlugAlias),
)


def organizations_due_for_purge(*, now=None) -> list[int]:
    cutoff = (now or timezone.now()) - ORGANIZATION_RESTORE_WINDOW
    return list(
        Organization.all_objects.filter(deleted_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def organization_purge(*, organization: Organization, batch_size: int = BATCH_SIZE) -> dict:
    """Hard-delete a deleted organization with every row it owns, in batches (its audit log
    included: that is what erasure means), and leave one entry outside any organization that
    says it happened. Refuses an organization that is not deleted or still restorable."""
    if organization.restorable_until is None or organization.restorable_until > timezone.now():
        raise ValueError(f"organization {organization.pk} is not due for purging")
    for export in OrganizationExport._base_manager.filter(organization=organization):
        export_delete_file(export)
    counts = {}
    for name, model in ORGANIZATION_ROWS:
        rows = model._base_manager.filter(organization=organization)
        purged = 0
        while ids := list(rows.order_by("pk").values_list("pk", flat=True)[:batch_size]):
            with transaction.atomic():
                model._base_manager.filter(pk__in=ids).delete()
            purged += len(ids)
        if purged:
            counts[name] = purged
    description = f"organization {organization.name} (/o/{organization.slug}/)"
    with transaction.atomic():
        Organization.all_objects.filter(pk=organization.pk).delete()
        audit_record(
            organization=None,
            actor=None,
            action=AuditAction.PURGED,
            object_repr=description,
            changed_fields={name: [count, 0] for name, count in counts.items()},
        )
    return counts


# Long texts the audit log records in full while they can still be restored (comment bodies,
# descriptions): after the purge window only the field names stay, so that erasing them (a
# deleted comment purged, a deleted account) really erases them.
LONG_TEXT_FIELDS = ("body", "description")


def organization_redact_old_texts(
    *, organization: Organization, now=None, retention: timedelta = RETENTION
) -> int:
    """Reduce the long texts of entries older than ``retention`` to their field names. Runs in
    the organization's scope; returns how many entries were redacted."""
    cutoff = (now or timezone.now()) - retention
    holding_text = Q()
    for name in LONG_TEXT_FIELDS:
        holding_text |= Q(**{f"changed_fields__{name}__isnull": False}) & ~Q(
            **{f"changed_fields__{name}": None}
        )
    entries = AuditLog.objects.filter(organization=organization, created_at__lt=cutoff)
    redacted = 0
    for entry in entries.filter(holding_text).only("pk", "changed_fields").iterator():
        changed = {
            name: (None if name in LONG_TEXT_FIELDS else values)
            for name, values in entry.changed_fields.items()
        }
        redacted += entries.filter(pk=entry.pk).redact(changed_fields=changed)
    return redacted
