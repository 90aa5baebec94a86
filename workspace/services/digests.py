from datetime import date, timedelta

from django.db import transaction

from workspace.models import Membership, Notification, NotificationKind, Organization, Role
from workspace.services.notifications import notification_queue

PERIOD = timedelta(days=7)


@transaction.atomic
def digest_queue(*, organization: Organization, period_end: date) -> list[Notification]:
    """Queue the digest of the week ending ``period_end`` for each admin and owner who wants it,
    once per person and week, and return the digest notifications of that week still pending."""
    period_start = period_end - PERIOD
    recipients = (
        Membership.objects.filter(
            organization=organization,
            role__in=[Role.ADMIN, Role.OWNER],
            user__is_active=True,
            user__receive_digest=True,
        )
        .select_related("user")
        .order_by("pk")
    )
    for membership in recipients:
        notification_queue(
            organization=organization,
            kind=NotificationKind.DIGEST,
            recipient=membership.user,
            recipient_email=membership.user.email,
            dedupe_key=f"digest:{organization.pk}:{period_end.isoformat()}:{membership.user_id}",
            payload={
                "period_start": period_start.isoformat(),
                "period_end": period_end.isoformat(),
            },
        )
    return list(
        Notification.objects.filter(
            organization=organization,
            kind=NotificationKind.DIGEST,
            payload__period_end=period_end.isoformat(),
        )
        .pending()
        .order_by("pk")
    )
