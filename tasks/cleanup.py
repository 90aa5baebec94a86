"""Retention: the trash (daily 02:00 UTC, 90 days) and deleted organizations (daily 02:30 UTC,
30 days after their deletion)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from workspace.models import Organization
from workspace.services.cleanup import (
    organization_purge,
    organization_purge_deleted,
    organization_redact_old_texts,
    organizations_due_for_purge,
)
from workspace.tenancy import organization_scope

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="2", minute="0"))
@lock_task("purge-deleted-records")
def purge_deleted_records() -> dict[str, int]:
    totals: dict[str, int] = {}
    for organization in Organization.objects.order_by("pk").iterator():
        with organization_scope(organization):
            counts = organization_purge_deleted(organization=organization)
            redacted = organization_redact_old_texts(organization=organization)
        if redacted:
            counts["redacted_texts"] = redacted
        for name, count in counts.items():
            totals[name] = totals.get(name, 0) + count
    logger.info("purged soft-deleted rows: %s", totals)
    return totals


@db_periodic_task(crontab(hour="2", minute="30"))
@lock_task("purge-deleted-organizations")
def purge_deleted_organizations() -> int:
    """Organizations deleted more than 30 days ago go, with every row they own."""
    purged = 0
    for organization_id in organizations_due_for_purge():
        organization = Organization.all_objects.get(pk=organization_id)
        with organization_scope(organization):
            counts = organization_purge(organization=organization)
        logger.info("purged deleted organization %s: %s", organization_id, counts)
        purged += 1
    return purged
