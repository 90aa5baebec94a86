"""Every 15 minutes: the 09:00 reminders of everyone for whom 09:00 has passed today, in their
own time zone (one job per organization; each member is reminded once per local day)."""

import logging
from collections import defaultdict
from datetime import date

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from tasks.queue import enqueue_safely
from workspace.models import Membership, Organization
from workspace.services.reminders import reminders_due, reminders_send
from workspace.tenancy import organization_scope

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/15"))
@lock_task("send-due-reminders")
def send_due_reminders() -> int:
    """Queue the reminders that are due now. Returns how many members they are for."""
    by_organization: dict[int, list[list]] = defaultdict(list)
    for organization_id, membership_id, local_date in reminders_due(now=timezone.now()):
        by_organization[organization_id].append([membership_id, local_date.isoformat()])
    for organization_id, members in by_organization.items():
        enqueue_safely(send_reminders, organization_id, members)
    return sum(len(members) for members in by_organization.values())


@db_task(retries=2, retry_delay=60)
def send_reminders(organization_id: int, members: list[list]) -> dict[str, int]:
    """``members``: [membership id, local date] pairs of one organization."""
    organization = Organization.objects.get(pk=organization_id)
    totals = {"members": 0, "due_tomorrow": 0, "overdue": 0}
    with organization_scope(organization):
        for membership_id, local_date in members:
            membership = Membership.objects.select_related("user").filter(pk=membership_id).first()
            if membership is None:  # left the organization since
                continue
            sent = reminders_send(membership=membership, local_date=date.fromisoformat(local_date))
            if sent is None:
                continue
            totals["members"] += 1
            totals["due_tomorrow"] += sent["due_tomorrow"]
            totals["overdue"] += sent["overdue"]
    logger.info("reminders for organization %s: %s", organization_id, totals)
    return totals
