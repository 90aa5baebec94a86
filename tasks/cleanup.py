"""Daily 02:00 UTC: purge what stayed in the trash for more than 90 days."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from workspace.models import Organization
from workspace.services.cleanup import organization_purge_deleted
from workspace.tenancy import organization_scope

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="2", minute="0"))
@lock_task("purge-deleted-records")
def purge_deleted_records() -> dict[str, int]:
    totals: dict[str, int] = {}
    for organization in Organization.objects.order_by("pk").iterator():
        with organization_scope(organization):
            counts = organization_purge_deleted(organization=organization)
        for name, count in counts.items():
            totals[name] = totals.get(name, 0) + count
    logger.info("purged soft-deleted rows: %s", totals)
    return totals
