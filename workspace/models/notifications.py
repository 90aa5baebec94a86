from django.conf import settings
from django.db import models
from django.db.models import Q

from .base import TenantModel, tenant_manager


class NotificationKind(models.TextChoices):
    TASK_COMPLETED = "task_completed", "Task completed"
    WELCOME = "welcome", "Welcome"
    INVITATION = "invitation", "Invitation"
    DIGEST = "digest", "Weekly digest"
    ORGANIZATION_DELETED = "organization_deleted", "Organization deleted"
    # Inbox events bundled into one e-mail per person and window (payload["events"]).
    INBOX = "inbox", "Task updates"
    # One e-mail per person about a bulk action (however many of their tasks it changed).
    BULK = "bulk", "Bulk changes"


class NotificationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(sent_at__isnull=True, failed_at__isnull=True, skipped_at__isnull=True)

    def due(self, now):
        """Pending and not waiting for a retry."""
        return self.pending().filter(
            models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now)
        )


class Notification(TenantModel):
    """An e-mail the domain owes somebody: the outbox.

    Rows are written in the same transaction as the change that causes them, so a notification
    exists exactly when its cause was committed, whether or not the job queue was reachable then.
    A job delivers each row once (``dedupe_key`` keeps one row per cause and recipient; delivery
    locks the row and checks ``sent_at``), and a periodic sweep delivers whatever is left pending.
    """

    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    recipient_email = models.EmailField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The object the e-mail is about (task, membership, invitation), loaded fresh on delivery.
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A delivery in progress holds the row until then, so a second job does not send it again.
    claimed_until = models.DateTimeField(null=True, blank=True)
    # After a transient failure: not before then (backoff), so the sweep does not hammer a
    # server that is down.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager(NotificationQuerySet)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                name="notification_pending",
                condition=Q(sent_at__isnull=True, failed_at__isnull=True, skipped_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_email}"
