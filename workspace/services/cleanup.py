"""Purging what stayed in the trash past the retention period."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from workspace.audit import audit_record
from workspace.models import AuditAction, Comment, Organization, Project, Task

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
