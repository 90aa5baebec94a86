"""Delivering the outbox: one job per notification, and a sweep for what was not queued."""

import logging
from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from workspace.services.notifications import (
    TransientDeliveryError,
    deliver_in_scope,
    pending_notification_ids,
)

logger = logging.getLogger(__name__)

RETRIES = 3
RETRY_DELAY = 60  # seconds; doubled on every retry: 60, 120, 240
SWEEP_AFTER = timedelta(seconds=30)


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=2)
def deliver_notification(organization_id: int, notification_id: int) -> str:
    """Transient failures raise, so Huey retries with backoff; permanent ones are logged and the
    notification is marked failed by the service."""
    return deliver_in_scope(organization_id=organization_id, notification_id=notification_id)


@db_periodic_task(crontab(minute="*"))
@lock_task("deliver-pending-notifications")
def deliver_pending_notifications() -> dict[str, int]:
    """Every minute: deliver what is still pending (queued while Redis was down, or past its
    job's retries)."""
    outcome: dict[str, int] = {}
    for organization_id, notification_id in pending_notification_ids(older_than=SWEEP_AFTER):
        try:
            result = deliver_in_scope(
                organization_id=organization_id, notification_id=notification_id
            )
        except TransientDeliveryError:
            result = "retry-later"
        outcome[result] = outcome.get(result, 0) + 1
    if outcome:
        logger.info("outbox sweep: %s", outcome)
    return outcome
