from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .base import SoftDeleteModel, TenantModel, TimeStampedModel, tenant_manager


class TaskStatus(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (TaskStatus.TODO, TaskStatus.IN_PROGRESS)


class Priority(models.IntegerChoices):
    """Stored as numbers so that sorting by priority sorts by severity (and uses an index).
    URLs and forms speak the names (``Priority.by_key``)."""

    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"

    @property
    def key(self) -> str:
        return self.name.lower()

    @classmethod
    def by_key(cls, key: str) -> "Priority":
        return cls[key.upper()]

    @classmethod
    def key_choices(cls) -> list[tuple[str, str]]:
        return [(member.key, member.label) for member in cls]


ROW_FIELDS = (
    "organization",
    "number",
    "title",
    "status",
    "priority",
    "due_date",
    "created_at",
    "updated_at",  # the version an inline edit sends back
    "project__name",
    "project__slug",
    "assignee__user__name",
    "assignee__user__email",
)


class TaskQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today=None):
        """Open tasks whose due date has passed."""
        return self.open().filter(due_date__lt=today or timezone.localdate())

    def assigned_to(self, user):
        return self.filter(assignee__user=user)

    def for_list(self):
        """Everything a task row shows, in the same query."""
        return self.select_related("project", "assignee__user")

    def for_rows(self):
        """``for_list`` with only the columns a list row reads: a page of 50 rows skips the
        description, custom fields and timestamps it never shows (decoding them is most of the
        cost of fetching a page)."""
        return self.for_list().only(*ROW_FIELDS)

    def for_cards(self):
        """The few columns of the dashboard's short task lists (no joins)."""
        return self.only("organization", "number", "title", "status", "due_date")


class Task(TenantModel, TimeStampedModel, SoftDeleteModel):
    number = models.PositiveIntegerField(editable=False)
    project = models.ForeignKey("workspace.Project", on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    description = models.TextField(
        blank=True, max_length=20000, validators=[MaxLengthValidator(20000)]
    )
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.TODO)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.MEDIUM)
    due_date = models.DateField(null=True, blank=True)
    assignee = models.ForeignKey(
        "workspace.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the task first moved to "In progress" (kept when it moves back): cycle time starts
    # here and ends at ``completed_at``, its latest move to "Done".
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    custom_fields = models.JSONField(default=dict, blank=True)

    objects = tenant_manager(TaskQuerySet, include_deleted=False)
    all_objects = tenant_manager(TaskQuerySet)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="task_unique_number"),
        ]
        # Every list query filters by organization and hides deleted rows: indexes lead with
        # the organization and only cover live rows.
        indexes = [
            models.Index(
                fields=["organization", "status", "due_date"],
                name="task_org_status_due",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["organization", "assignee", "status"],
                name="task_org_assignee_status",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["organization", "project", "status"],
                name="task_org_project_status",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["organization", "-number"],
                name="task_org_number",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["organization", "due_date", "number"],
                name="task_org_due",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["organization", "priority", "number"],
                name="task_org_priority",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["organization", "created_at"],
                name="task_org_created",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["organization", "-updated_at"],
                name="task_org_updated",
                condition=Q(deleted_at__isnull=True),
            ),
            # Insights: the oldest work in progress, and finished tasks by completion time.
            models.Index(
                fields=["organization", "started_at"],
                name="task_org_started_open",
                condition=Q(deleted_at__isnull=True, status="in_progress"),
            ),
            models.Index(
                fields=["organization", "completed_at"],
                name="task_org_completed",
                condition=Q(deleted_at__isnull=True, status="done"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    @property
    def reference(self) -> str:
        return f"#{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < timezone.localdate()

    @property
    def priority_key(self) -> str:
        return Priority(self.priority).key

    def get_absolute_url(self) -> str:
        return reverse(
            "web:task-detail",
            kwargs={"org_slug": self.organization.slug, "number": self.number},
        )
