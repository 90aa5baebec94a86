"""The outbox: queueing notification e-mails with the change that causes them, and delivering
them once (see ``workspace.models.Notification``)."""

import logging
import smtplib
from datetime import UTC, date, datetime, time, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.unsubscribe import make_token
from workspace import markdown, selectors
from workspace.insights.report import finished_summary
from workspace.models import (
    Comment,
    InboxItem,
    Invitation,
    Membership,
    Notification,
    NotificationKind,
    Organization,
    Role,
    Task,
)
from workspace.notifications import absolute_url, build_templated_email
from workspace.tenancy import all_tenants, organization_scope

logger = logging.getLogger(__name__)

CLAIM = timedelta(minutes=5)
# Transient failures are retried with backoff (1 min doubling, at most hourly) for a day.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=1)


class TransientDeliveryError(Exception):
    """Sending failed in a way that may work later (network, a 4xx SMTP reply)."""


def is_transient(error: Exception) -> bool:
    """Worth trying again later: network trouble and 4xx SMTP replies (including greylisted
    recipients). 5xx replies and anything else are permanent."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    # Disconnects, refused or timed-out connections, DNS failures: all OSErrors.
    return isinstance(error, smtplib.SMTPServerDisconnected | OSError)


def _still_member(n: Notification) -> bool:
    return n.recipient is not None and (
        Membership.objects.filter(organization=n.organization, user=n.recipient).exists()
    )


def notification_queue(
    *,
    organization: Organization,
    kind: NotificationKind,
    recipient_email: str,
    dedupe_key: str,
    recipient: User | None = None,
    subject_id: int | None = None,
    payload: dict | None = None,
) -> Notification | None:
    """Record an e-mail to send. Returns None when this exact notification already exists."""
    notification, created = Notification.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "organization": organization,
            "kind": kind,
            "recipient_email": recipient_email,
            "recipient": recipient,
            "subject_id": subject_id,
            "payload": payload or {},
        },
    )
    return notification if created else None


def announce_after_commit(signal, *, organization: Organization, notifications, **ids) -> None:
    """Send a domain signal once the surrounding transaction commits, naming the outbox rows
    written with it (receivers queue their delivery)."""
    notification_ids = [n.pk for n in notifications if n is not None]
    transaction.on_commit(
        lambda: signal.send(
            sender=Notification,
            organization_id=organization.pk,
            notification_ids=notification_ids,
            **ids,
        )
    )


def _unsubscribe_url(user: User | None, kind: str) -> str | None:
    if user is None:
        return None
    return absolute_url(reverse("web:unsubscribe", kwargs={"token": make_token(user, kind)}))


def _compose_task_completed(n: Notification) -> EmailMultiAlternatives | None:
    """Queued before completions became inbox events (kept for rows still pending then)."""
    if n.recipient is None or not n.recipient.notify_by_email or not _still_member(n):
        return None
    task = Task.objects.select_related("project").filter(pk=n.subject_id).first()
    if task is None:  # deleted since
        return None
    return build_templated_email(
        template="task_completed",
        to=[n.recipient_email],
        context={
            "task": task,
            "organization": n.organization,
            "completed_by": n.payload.get("completed_by", "Someone"),
            "task_url": absolute_url(task.get_absolute_url()),
            "recipient": n.recipient,
        },
        unsubscribe_url=_unsubscribe_url(n.recipient, "notifications"),
    )


def _compose_welcome(n: Notification) -> EmailMultiAlternatives | None:
    membership = Membership.objects.select_related("user").filter(pk=n.subject_id).first()
    if membership is None:  # left or was removed since
        return None
    return build_templated_email(
        template="welcome",
        to=[n.recipient_email],
        context={
            "membership": membership,
            "organization": n.organization,
            "home_url": absolute_url(n.organization.get_absolute_url()),
        },
    )


def _compose_invitation(n: Notification) -> EmailMultiAlternatives | None:
    invitation = Invitation.objects.select_related("invited_by").filter(pk=n.subject_id).first()
    if invitation is None or invitation.state != "pending":
        return None
    return build_templated_email(
        template="invitation",
        to=[n.recipient_email],
        context={
            "invitation": invitation,
            "organization": n.organization,
            "inviter": invitation.invited_by,
            "accept_url": absolute_url(invitation.get_absolute_url()),
        },
    )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "no finished task was started"
    if seconds < 86400:
        return f"{max(seconds / 3600, 1):.0f} h"
    return f"{seconds / 86400:.1f} days"


def digest_insights(*, organization: Organization, period_start: date, period_end: date) -> dict:
    """The digest's throughput and median cycle time for its week (and the week before), by the
    insights page's definitions."""

    def week(start: date, end: date) -> dict:
        figures = finished_summary(
            organization=organization,
            start=datetime.combine(start, time.min, tzinfo=UTC),
            end=datetime.combine(end, time.min, tzinfo=UTC),
        )
        return {**figures, "cycle_median_label": _duration(figures["cycle_median"])}

    length = period_end - period_start
    return {
        **week(period_start, period_end),
        "previous": week(period_start - length, period_start),
    }


def _compose_digest(n: Notification) -> EmailMultiAlternatives | None:
    if n.recipient is None or not n.recipient.receive_digest:
        return None
    if not Membership.objects.filter(
        organization=n.organization, user=n.recipient, role__in=[Role.ADMIN, Role.OWNER]
    ).exists():
        return None
    summary = selectors.digest_summary(
        organization=n.organization,
        period_start=date.fromisoformat(n.payload["period_start"]),
        period_end=date.fromisoformat(n.payload["period_end"]),
    )
    for task in summary["top_overdue"]:
        task.url = absolute_url(task.get_absolute_url())
    return build_templated_email(
        template="digest",
        to=[n.recipient_email],
        context={
            "organization": n.organization,
            "summary": summary,
            "insights": digest_insights(
                organization=n.organization,
                period_start=summary["period_start"],
                period_end=summary["period_end"],
            ),
            "tasks_url": absolute_url(
                reverse("web:task-list", kwargs={"org_slug": n.organization.slug})
            ),
            "insights_url": absolute_url(
                reverse("web:insights", kwargs={"org_slug": n.organization.slug})
            ),
        },
        unsubscribe_url=_unsubscribe_url(n.recipient, "digest"),
    )


def _compose_organization_deleted(n: Notification) -> EmailMultiAlternatives | None:
    organization = n.organization
    if organization.deleted_at is None:  # restored before this was sent
        return None
    return build_templated_email(
        template="organization_deleted",
        to=[n.recipient_email],
        context={
            "organization": organization,
            "deleted_by": n.payload.get("deleted_by", "An owner"),
            "restorable_until": organization.restorable_until,
            "is_owner": n.payload.get("is_owner", False),
            "restore_url": absolute_url(
                reverse("web:org-restore", kwargs={"org_slug": organization.slug})
            ),
        },
    )


EXCERPT_LENGTH = 280


def _still_unread(event: dict, items: dict[int, InboxItem]) -> bool:
    """The event's inbox item still exists and the person has not read it since."""
    item = items.get(event.get("item"))
    if item is None:
        return False
    seen = item.seen_until
    return seen is None or seen < datetime.fromisoformat(event["at"])


def _compose_inbox(n: Notification) -> EmailMultiAlternatives | None:
    """One e-mail for the events of a bundle the person has not read in the app, grouped by
    task; tasks deleted since are left out. Nothing left to say: None (skipped)."""
    user = n.recipient
    if user is None or not user.notify_by_email:
        return None
    membership = Membership.objects.filter(organization=n.organization, user=user).first()
    if membership is None:  # left the organization since
        return None
    events = n.payload.get("events", [])
    items = {
        i.pk: i
        for i in InboxItem.objects.filter(
            recipient=membership, pk__in={e.get("item") for e in events}
        ).only("pk", "seen_until")
    }
    events = [e for e in events if _still_unread(e, items)]
    tasks = {
        t.pk: t
        for t in Task.objects.filter(pk__in={e["task"] for e in events}).select_related("project")
    }
    events = [e for e in events if e["task"] in tasks]
    if not events:
        return None
    actors = selectors.users_by_id(ids={e.get("actor") for e in events})
    comments = {
        c.pk: c
        for c in Comment.objects.filter(
            task__in=list(tasks), pk__in={e["comment"] for e in events if e.get("comment")}
        )
    }
    names = selectors.mention_names(
        organization=n.organization,
        ids={m for c in comments.values() for m in markdown.mentioned_ids(c.body)},
    )
    groups: dict[int, dict] = {}
    for event in events:
        task = tasks[event["task"]]
        group = groups.setdefault(
            task.pk,
            {"task": task, "url": absolute_url(task.get_absolute_url()), "events": []},
        )
        comment = comments.get(event.get("comment"))
        excerpt = markdown.as_plain_text(comment.body, names) if comment else ""
        group["events"].append(
            {
                "kind": event["kind"],
                "text": selectors.inbox_event_text(event, actors),
                "actor": selectors.actor_name(event.get("actor"), actors),
                "at": datetime.fromisoformat(event["at"]),
                "excerpt": excerpt[:EXCERPT_LENGTH]
                + ("…" if len(excerpt) > EXCERPT_LENGTH else ""),
            }
        )
    return build_templated_email(
        template="inbox",
        to=[n.recipient_email],
        context={
            "recipient": user,
            "organization": n.organization,
            "groups": list(groups.values()),
            "count": len(events),
            "more": n.payload.get("more", 0),
            "inbox_url": absolute_url(
                reverse("web:inbox", kwargs={"org_slug": n.organization.slug})
            ),
            "preferences_url": absolute_url(reverse("web:profile")) + "#notifications",
        },
        unsubscribe_url=_unsubscribe_url(user, "notifications"),
    )


def _compose_bulk(n: Notification) -> EmailMultiAlternatives | None:
    """One e-mail about a bulk action, however many of the person's tasks it changed."""
    user = n.recipient
    if user is None or not user.notify_by_email or not _still_member(n):
        return None
    slug = n.organization.slug
    numbers = n.payload.get("numbers", [])
    count = n.payload.get("count", len(numbers))
    return build_templated_email(
        template="bulk",
        to=[n.recipient_email],
        context={
            "recipient": user,
            "organization": n.organization,
            "actor": n.payload.get("actor", "Someone"),
            "summary": n.payload.get("summary", ""),
            "count": count,
            "more": max(0, count - len(numbers)),
            "tasks": [
                {
                    "number": number,
                    "url": absolute_url(
                        reverse("web:task-detail", kwargs={"org_slug": slug, "number": number})
                    ),
                }
                for number in numbers
            ],
            "preferences_url": absolute_url(reverse("web:profile")) + "#notifications",
        },
        unsubscribe_url=_unsubscribe_url(user, "notifications"),
    )


COMPOSERS = {
    NotificationKind.INBOX: _compose_inbox,
    NotificationKind.BULK: _compose_bulk,
    NotificationKind.TASK_COMPLETED: _compose_task_completed,
    NotificationKind.WELCOME: _compose_welcome,
    NotificationKind.INVITATION: _compose_invitation,
    NotificationKind.DIGEST: _compose_digest,
    NotificationKind.ORGANIZATION_DELETED: _compose_organization_deleted,
}


def _claim(notification_id: int) -> Notification | None:
    """Take the row for one delivery attempt, or None when it is done or being delivered."""
    now = timezone.now()
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("organization", "recipient")
            .filter(pk=notification_id)
            .first()
        )
        if n is None or n.sent_at or n.failed_at or n.skipped_at:
            return None
        if n.claimed_until and n.claimed_until > now:
            return None
        n.attempts += 1
        n.claimed_until = now + CLAIM
        n.save(update_fields=["attempts", "claimed_until"])
    return n


def _finish(n: Notification, **fields) -> None:
    Notification.objects.filter(pk=n.pk).update(claimed_until=None, **fields)


def notification_deliver(*, notification_id: int) -> str:
    """Send one notification, at most once. Returns what happened: "sent", "skipped" (nothing to
    say any more, or the recipient opted out), "failed" (a permanent error, logged), or "busy"
    (already done or being delivered). Raises TransientDeliveryError when a retry may work.

    Runs in the notification's organization scope (jobs enter it)."""
    n = _claim(notification_id)
    if n is None:
        return "busy"
    try:
        if (
            n.organization.deleted_at is not None
            and n.kind != NotificationKind.ORGANIZATION_DELETED
        ):
            message = None  # nothing else is said about a deleted organization
        else:
            # Dates and times in the e-mail are the recipient's.
            with timezone.override(n.recipient.tzinfo if n.recipient else UTC):
                message = COMPOSERS[n.kind](n)
        if message is None:
            _finish(n, skipped_at=timezone.now())
            return "skipped"
        message.send()
    except Exception as error:
        if is_transient(error) and timezone.now() - n.created_at < GIVE_UP_AFTER:
            backoff = min(FIRST_RETRY * 2 ** (n.attempts - 1), LONGEST_RETRY)
            _finish(
                n,
                last_error=f"{type(error).__name__}: {error}"[:2000],
                next_attempt_at=timezone.now() + backoff,
            )
            raise TransientDeliveryError(str(error)) from error
        logger.error(
            "notification %s (%s to %s) failed for good",
            n.pk,
            n.kind,
            n.recipient_email,
            exc_info=True,
        )
        _finish(n, failed_at=timezone.now(), last_error=f"{type(error).__name__}: {error}"[:2000])
        return "failed"
    _finish(n, sent_at=timezone.now(), last_error="", next_attempt_at=None)
    return "sent"


def pending_notification_ids(*, older_than: timedelta, limit: int = 500) -> list[tuple[int, int]]:
    """(organization id, notification id) of rows still waiting and due, across all
    organizations: the sweep that delivers what could not be queued or ran out of job retries."""
    now = timezone.now()
    with all_tenants():
        return list(
            Notification.objects.due(now)
            .filter(created_at__lte=now - older_than)
            .order_by("created_at")
            .values_list("organization_id", "pk")[:limit]
        )


def deliver_in_scope(*, organization_id: int, notification_id: int) -> str:
    # A deleted organization's members are still told that it was deleted.
    organization = Organization.all_objects.get(pk=organization_id)
    with organization_scope(organization):
        return notification_deliver(notification_id=notification_id)
