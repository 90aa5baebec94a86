"""The weekly digest: Mondays 08:00 UTC, one job per organization."""

from datetime import date

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from tasks.queue import enqueue_safely
from workspace.models import Organization
from workspace.services.digests import digest_queue
from workspace.services.notifications import TransientDeliveryError, deliver_in_scope
from workspace.tenancy import organization_scope


@db_periodic_task(crontab(day_of_week="1", hour="8", minute="0"))
@lock_task("schedule-weekly-digests")
def schedule_weekly_digests() -> int:
    period_end = timezone.now().date()  # TIME_ZONE is UTC
    count = 0
    for organization_id in Organization.objects.values_list("pk", flat=True):
        count += enqueue_safely(send_weekly_digest, organization_id, period_end.isoformat())
    return count


@db_task(retries=3, retry_delay=60, retry_backoff=2)
def send_weekly_digest(organization_id: int, period_end: str) -> dict[str, int]:
    """Queue one digest per admin and owner (once per week, however often this runs), then
    deliver them."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:  # deleted since it was scheduled
        return {}
    with organization_scope(organization):
        notifications = digest_queue(
            organization=organization, period_end=date.fromisoformat(period_end)
        )
    outcome: dict[str, int] = {}
    failed_transiently = False
    for notification in notifications:
        try:
            result = deliver_in_scope(
                organization_id=organization_id, notification_id=notification.pk
            )
        except TransientDeliveryError:
            failed_transiently, result = True, "retry"
        outcome[result] = outcome.get(result, 0) + 1
    if failed_transiently:
        raise TransientDeliveryError(f"digest delivery incomplete: {outcome}")
    return outcome
