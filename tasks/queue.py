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


def schedule_safely(job, args: tuple, eta) -> bool:
    """Queue ``job(*args)`` to run at ``eta`` (an aware datetime); like ``enqueue_safely``, a
    queue that is down is logged and the outbox sweep delivers the row once it is due."""
    try:
        job.schedule(args=args, eta=eta)
    except Exception:
        logger.warning(
            "could not schedule %s%s; the outbox sweep will deliver it",
            job.name,
            args,
            exc_info=True,
        )
        return False
    return True
