"""Insights snapshots: every 10 minutes, rebuild those that are out of date (the organization's
tasks changed since, its day changed, or it has none), one job per organization."""

import logging

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, lock_task
from huey.exceptions import TaskLockedException

from tasks.queue import enqueue_safely
from workspace.models import Organization
from workspace.services.insights import insights_snapshot_build, organizations_due_for_snapshot
from workspace.tenancy import organization_scope

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/10"))
@lock_task("schedule-insight-snapshots")
def schedule_insight_snapshots() -> int:
    count = 0
    for organization_id in organizations_due_for_snapshot():
        count += enqueue_safely(build_insight_snapshot, organization_id)
    return count


@db_task(retries=1, retry_delay=60)
def build_insight_snapshot(organization_id: int) -> int:
    """Rebuild one organization's snapshot (once at a time per organization); returns its rows."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    try:
        with (
            HUEY.lock_task(f"insight-snapshot-{organization_id}"),
            organization_scope(organization),
        ):
            rollup = insights_snapshot_build(organization=organization)
    except TaskLockedException:
        logger.info("insights snapshot of organization %s is being built already", organization_id)
        return 0
    return len(rollup.cells)
