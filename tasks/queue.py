"""Queueing jobs without ever failing the caller."""

import logging

logger = logging.getLogger(__name__)


def enqueue_safely(job, *args) -> bool:
    """Queue ``job(*args)``. When the queue (Redis) is unreachable, log it and return False: the
    caller's change is already committed and its outbox rows are delivered by the sweep."""
    try:
        job(*args)
    except Exception:
        logger.warning(
            "could not queue %s%s; the outbox sweep will deliver it", job.name, args, exc_info=True
        )
        return False
    return True
