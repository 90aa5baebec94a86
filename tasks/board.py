"""The board's manual order: keys that grew long are re-spaced (after a move wrote one, and
nightly for any a failed queue missed)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from workspace.models import Organization, Task
from workspace.ranks import LONG_KEY
from workspace.services.board import board_respace
from workspace.tenancy import organization_scope

logger = logging.getLogger(__name__)


@db_task()
def respace_board_keys(organization_id: int) -> int:
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    with organization_scope(organization):
        respaced = board_respace(organization_id=organization.pk)
    if respaced:
        logger.info("re-spaced %s board keys of organization %s", respaced, organization_id)
    return respaced


@db_periodic_task(crontab(hour="3", minute="15"))
@lock_task("respace-board-keys")
def respace_all_board_keys() -> int:
    """Every organization with a key past ``LONG_KEY`` (the index on ranks finds them)."""
    total = 0
    for organization in Organization.objects.order_by("pk").iterator():
        with organization_scope(organization):
            if not Task.all_objects.filter(
                organization=organization, rank__regex=f"^.{{{LONG_KEY + 1},}}"
            ).exists():
                continue
            total += board_respace(organization_id=organization.pk)
    return total
