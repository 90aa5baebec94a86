from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Func, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Collate, Concat, Lower, Upper
from django.urls import reverse
from django.utils import timezone

from workspace import markdown, ranks

from .base import SoftDeleteModel, TenantModel, TimeStampedModel, VersionField, tenant_manager


class TaskStatus(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (TaskStatus.TODO, TaskStatus.IN_PROGRESS)
DUE_SOON_DAYS = 2


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def version_token(moment: datetime) -> str:
    """A version as editors carry it: microseconds since 1970, exact (no float rounding)."""
    return str((moment - EPOCH) // MICROSECOND)


def version_from_token(token: str) -> datetime:
    """The inverse of ``version_token``; ValueError for anything else."""
    if not token or not token.isascii() or not token.isdigit() or len(token) > 19:
        raise ValueError("not a version")
    try:
        return EPOCH + int(token) * MICROSECOND
    except OverflowError:
        raise ValueError("not a version") from None


def _changed_after(changed: str, version: datetime) -> bool:
    """``changed``: an ISO time from ``Task.field_changed_at``."""
    try:
        return datetime.fromisoformat(changed) > version
    except (TypeError, ValueError):
        return True  # an unreadable record: assume it changed, never overwrite silently


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
    "checklist_done",
    "checklist_total",
)


def row_expressions() -> dict:
    """What a row reads besides its columns: ``label_chips``, the task's labels as
    ``"<colour>:<name>"``, in the same query as the row (a subquery on the (task, label)
    index; ``chips_of`` puts them in name order). Given to ``values()`` only, so that counts
    never compute it."""
    from .labels import TaskLabel

    chips = (
        TaskLabel.objects.filter(task_id=OuterRef("pk"))
        .order_by()
        .values_list(Concat("label__colour", Value(":"), "label__name"))
    )
    return {"label_chips": ArraySubquery(chips)}


def chips_of(label_chips) -> tuple[tuple[str, str], ...]:
    """``row_expressions``' ``label_chips`` as chips show them: ``(name, colour)`` by name."""
    pairs = (tuple(chip.split(":", 1)[::-1]) for chip in label_chips or ())
    return sorted_chips(pairs)


def sorted_chips(pairs) -> tuple[tuple[str, str], ...]:
    """``(name, colour)`` pairs in the order chips show them: by name."""
    return tuple(sorted(pairs, key=lambda pair: (pair[0].lower(), pair)))


def row_label_ids() -> dict:
    """A list row's labels as ``label_ids``, from the (task, label) index alone: their names
    and colours come from the organization's directory (``selectors.name_rows``)."""
    from .labels import TaskLabel

    ids = TaskLabel.objects.filter(task_id=OuterRef("pk")).order_by().values("label_id")
    return {"label_ids": ArraySubquery(ids)}


# What a list row reads, as plain values from the task table alone (with ``row_label_ids``).
# The names it shows (its project's, its assignee's, its labels') are added from the
# organization's directory by ``selectors.name_rows``; ``Task.from_row`` makes a task of both.
ROW_VALUES = (
    "number",
    "title",
    "status",
    "priority",
    "due_date",
    "created_at",
    "updated_at",
    "project_id",
    "assignee_id",
    "checklist_done",
    "checklist_total",
)
# What ``selectors.name_rows`` adds to each row.
ROW_NAMES = ("project_name", "assignee_name", "chips")


class UnplacedKey(Func):
    """``ranks.unplaced_key(number)`` in SQL (immutable, so it can be indexed)."""

    template = (
        f"('{ranks.UNPLACED_PREFIX}' || lpad((%(expressions)s)::text, {ranks.NUMBER_WIDTH}, '0')"
        f" || '{ranks.UNPLACED_SUFFIX}')"
    )
    output_field = models.CharField()


def board_key():
    """The key a task sorts by on the board (manual order, highest first): its rank once it
    was placed, else the key of its number (new tasks on top). Compared byte by byte."""
    return Collate(Coalesce(F("rank"), UnplacedKey(F("number"))), "C")


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
        """``for_list`` with only the columns a list row or card reads: a page of 50 rows skips
        the description and custom fields it never shows (decoding them is most of the cost of
        fetching a page)."""
        return self.for_list().only(*ROW_FIELDS)

    def board_order(self):
        """In the board's manual order (``board_key``, highest first); each row carries its key
        (``board_key``), the cursor of the next page."""
        return self.annotate(board_key=board_key()).order_by(F("board_key").desc())

    def row_values(self):
        """The ``ROW_VALUES`` of each task (dicts), its ``label_ids`` included (to be named:
        ``selectors.name_rows``)."""
        return self.values(*ROW_VALUES, **row_label_ids())


class Task(TenantModel, TimeStampedModel, SoftDeleteModel):
    number = models.PositiveIntegerField(editable=False)
    project = models.ForeignKey("workspace.Project", on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    description = models.TextField(
        blank=True, max_length=20000, validators=[MaxLengthValidator(20000)]
    )
    # ``description`` rendered from Markdown and sanitized when saved (workspace.markdown).
    description_html = models.TextField(blank=True, editable=False)
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
    labels = models.ManyToManyField(
        "workspace.Label", through="workspace.TaskLabel", related_name="tasks", blank=True
    )
    # The checklist's counts, kept by the checklist services: rows show "2/5" without reading
    # the items.
    checklist_done = models.PositiveSmallIntegerField(default=0, editable=False)
    checklist_total = models.PositiveSmallIntegerField(default=0, editable=False)
    # A repeating task: its series and its place in it (1 for the first).
    recurrence = models.ForeignKey(
        "workspace.Recurrence",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        editable=False,
    )
    occurrence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # The version editors send back (see VersionField).
    updated_at = VersionField()
    # The version at which each editable field last changed ({"status": "<ISO time>", ...}): an
    # edit made from an older version conflicts only on a field changed since (see task_update).
    field_changed_at = models.JSONField(default=dict, blank=True, editable=False)
    # Where the task was placed in the board's manual order (workspace.ranks); None until it is
    # first moved (it then sorts by its number: see ``board_key``).
    rank = models.CharField(
        max_length=ranks.RANK_MAX_LENGTH, null=True, blank=True, editable=False, db_collation="C"
    )

    objects = tenant_manager(TaskQuerySet, include_deleted=False)
    all_objects = tenant_manager(TaskQuerySet)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="task_unique_number"),
            # Two moves to the same spot never share a key: the second one picks another.
            models.UniqueConstraint(fields=["organization", "rank"], name="task_unique_rank"),
            models.UniqueConstraint(
                fields=["recurrence", "occurrence"],
                name="task_unique_occurrence",
                condition=Q(recurrence__isnull=False),
            ),
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
                fields=["organization", "created_at", "number"],
                name="task_org_created_number",
                condition=Q(deleted_at__isnull=True),
            ),
            # Sorting by title reads this index in order (the list sorts case-insensitively).
            models.Index(
                F("organization"),
                Upper("title"),
                F("number"),
                name="task_org_title",
                condition=Q(deleted_at__isnull=True),
            ),
            # Sorting by status, project or assignee walks the groups in their display order and
            # reads each group's newest tasks from one of these (web/paginators.py).
            models.Index(
                fields=["organization", "status", "number"],
                name="task_org_status_number",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["organization", "project", "number"],
                name="task_org_project_number",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["organization", "assignee", "number"],
                name="task_org_assignee_number",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["organization", "-updated_at"],
                name="task_org_updated",
                condition=Q(deleted_at__isnull=True),
            ),
            # The board: a move finds its neighbours in the whole organization's order (deleted
            # tasks keep their keys); each column reads its cards in order.
            models.Index(F("organization"), board_key(), name="task_org_board"),
            models.Index(
                F("organization"),
                F("status"),
                board_key(),
                name="task_org_status_board",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                F("organization"),
                F("project"),
                F("status"),
                board_key(),
                name="task_org_project_board",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                F("organization"),
                F("assignee"),
                board_key(),
                name="task_org_assignee_board",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(
                F("organization"),
                F("priority"),
                board_key(),
                name="task_org_priority_board",
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
    def description_rendered(self) -> str:
        """The stored rendering (rows written before Markdown are rendered on the fly)."""
        if self.description_html or not self.description:
            return self.description_html
        return markdown.render(self.description).html

    @property
    def priority_key(self) -> str:
        return Priority(self.priority).key

    @property
    def due_state(self) -> str:
        """How the due date reads: "overdue", "soon" (today or in the next DUE_SOON_DAYS days,
        while open), or "" (later, none, or closed)."""
        if self.due_date is None or not self.is_open:
            return ""
        days = (self.due_date - timezone.localdate()).days
        if days < 0:
            return "overdue"
        return "soon" if days <= DUE_SOON_DAYS else ""

    @property
    def chips(self) -> tuple[tuple[str, str], ...]:
        """The task's labels as its chips show them: ``(name, colour)`` by name. Rows are given
        theirs (``from_row``, one query per page); a saved task reads them once."""
        if not hasattr(self, "_chips"):
            self._chips = tuple(
                (label.name, label.colour) for label in self.labels.order_by(Lower("name"), "pk")
            )
        return self._chips

    @chips.setter
    def chips(self, value) -> None:
        self._chips = tuple(value)

    @property
    def checklist_progress(self) -> str:
        """ "2/5", or "" without a checklist."""
        if not self.checklist_total:
            return ""
        return f"{self.checklist_done}/{self.checklist_total}"

    @property
    def version(self) -> str:
        """The version editors send back with an edit (see ``version_token``)."""
        return version_token(self.updated_at)

    def changed_since(self, version) -> set[str]:
        """The fields changed after ``version`` (an ``updated_at`` an editor saw)."""
        if version is None or self.updated_at == version:
            return set()
        return {
            field
            for field, changed in (self.field_changed_at or {}).items()
            if _changed_after(changed, version)
        }

    @classmethod
    def from_row(cls, values: dict) -> "Task":
        """An unsaved task holding a list row's ``ROW_VALUES`` and ``ROW_NAMES``: enough to
        draw the row."""
        from accounts.models import User

        from .organizations import Membership
        from .projects import Project

        task = cls(
            number=values["number"],
            title=values["title"],
            status=values["status"],
            priority=values["priority"],
            due_date=values["due_date"],
            created_at=values["created_at"],
            updated_at=values["updated_at"],
            checklist_done=values["checklist_done"],
            checklist_total=values["checklist_total"],
        )
        task.chips = values["chips"]
        task.project = Project(pk=values["project_id"], name=values["project_name"])
        if values["assignee_id"] is not None:
            # The name is the member's display name already (``selectors.member_names``).
            user = User(name=values["assignee_name"])
            task.assignee = Membership(pk=values["assignee_id"], user=user)
        return task

    def get_absolute_url(self) -> str:
        return reverse(
            "web:task-detail",
            kwargs={"org_slug": self.organization.slug, "number": self.number},
        )
