"""The in-app inbox: who watches which task, and one thread of news per person and task."""

from django.db import models
from django.db.models import Q

from accounts.preferences import Topic

from .base import TenantModel, tenant_manager


class EventKind(models.TextChoices):
    ASSIGNED = "assigned", "Assigned to you"
    MENTIONED = "mentioned", "Mentioned you"
    COMMENTED = "commented", "Commented"
    STATUS_CHANGED = "status_changed", "Status changed"
    DUE_DATE_CHANGED = "due_date_changed", "Due date changed"
    COMPLETED = "completed", "Completed"
    DUE_TOMORROW = "due_tomorrow", "Due tomorrow"
    OVERDUE = "overdue", "Overdue"
    BULK_CHANGED = "bulk_changed", "Several tasks changed"

    @property
    def topic(self) -> Topic:
        """The preference (accounts.preferences.Topic) that decides how it is delivered."""
        return EVENT_TOPICS[self]


EVENT_TOPICS = {
    EventKind.ASSIGNED: Topic.ASSIGNED,
    EventKind.MENTIONED: Topic.MENTIONED,
    EventKind.COMMENTED: Topic.COMMENTS,
    EventKind.STATUS_CHANGED: Topic.CHANGES,
    EventKind.DUE_DATE_CHANGED: Topic.CHANGES,
    EventKind.COMPLETED: Topic.COMPLETED,
    EventKind.DUE_TOMORROW: Topic.REMINDERS,
    EventKind.OVERDUE: Topic.REMINDERS,
    # A bulk edit's own topic depends on what it changed (workspace.services.bulk._topic).
    EventKind.BULK_CHANGED: Topic.CHANGES,
}


class Watch(TenantModel):
    """A member follows a task: they hear about its comments and changes."""

    task = models.ForeignKey("workspace.Task", on_delete=models.CASCADE, related_name="watches")
    membership = models.ForeignKey(
        "workspace.Membership", on_delete=models.CASCADE, related_name="watches"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = tenant_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "membership"], name="watch_unique_member"),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} watches {self.task_id}"


class InboxItemQuerySet(models.QuerySet):
    def visible(self):
        """Items of tasks that are not in the trash (a restored task's thread comes back)."""
        return self.filter(task__deleted_at__isnull=True)

    def unread(self):
        return self.filter(read_at__isnull=True, archived_at__isnull=True)


RECENT_EVENTS_MAX = 5


class InboxItem(TenantModel):
    """One per member and task, updated with each new event (a thread, so a busy task does not
    flood the inbox). It holds what happened, never what the task says: the task's number and
    title are read from the task row when shown, so a renamed task shows its new title and a
    deleted one disappears.

    ``recent`` keeps the last few events, newest first, as ids and values only:
    ``{"kind", "actor" (user id or null), "at" (ISO time), "status"?, "due"?, "comment"?}``.
    """

    recipient = models.ForeignKey(
        "workspace.Membership", on_delete=models.CASCADE, related_name="inbox_items"
    )
    # The task it is about, or (``bulk``) the bulk edit that changed several of the member's
    # tasks at once: one item per person and bulk edit (its undo adds an event to it).
    task = models.ForeignKey(
        "workspace.Task", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    bulk = models.ForeignKey(
        "workspace.BulkEdit", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The latest event.
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_event_at = models.DateTimeField()
    recent = models.JSONField(default=list, blank=True)
    # Events since the member last read the item.
    unread_events = models.PositiveIntegerField(default=1)
    has_mention = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Null: unread. Marking unread clears it but keeps ``seen_until``.
    read_at = models.DateTimeField(null=True, blank=True)
    # Events up to this moment were read in the app: bundled e-mails leave them out.
    seen_until = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager(InboxItemQuerySet)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "task"], name="inbox_one_item_per_task"),
            models.UniqueConstraint(fields=["recipient", "bulk"], name="inbox_one_item_per_bulk"),
            models.CheckConstraint(
                condition=Q(task__isnull=False) | Q(bulk__isnull=False),
                name="inbox_item_about_something",
            ),
        ]
        indexes = [
            # The header's unread count.
            models.Index(
                fields=["recipient", "task"],
                name="inbox_unread",
                condition=Q(read_at__isnull=True, archived_at__isnull=True),
            ),
            # The inbox page, newest first.
            models.Index(
                fields=["recipient", "-last_event_at", "-id"],
                name="inbox_newest",
                condition=Q(archived_at__isnull=True),
            ),
            models.Index(
                fields=["recipient", "-last_event_at", "-id"],
                name="inbox_archived_newest",
                condition=Q(archived_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on task {self.task_id} for {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def event(self) -> EventKind:
        return EventKind(self.kind)


class ReminderRun(TenantModel):
    """The 09:00 reminders of one member for one day of their calendar were sent: the job never
    sends them twice, however often it runs."""

    membership = models.ForeignKey(
        "workspace.Membership", on_delete=models.CASCADE, related_name="reminder_runs"
    )
    local_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = tenant_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "local_date"], name="reminder_once_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"reminders of {self.membership_id} on {self.local_date}"
