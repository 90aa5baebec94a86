"""Every hour: the next occurrences of repeating tasks whose date has arrived in their
organization's time zone (series that repeat on schedule; the others repeat on completion)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from workspace.services.recurrence import recurrence_run_due

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="5"))
@lock_task("create-due-occurrences")
def create_due_occurrences() -> int:
    """Idempotent: running it twice creates nothing twice. Returns how many tasks it created."""
    created = recurrence_run_due()
    if created:
        logger.info("created %s occurrences of repeating tasks", created)
    return created
