"""Labels (per organization, put on tasks) and checklists (ordered items of one task)."""

from django.db import models
from django.db.models.functions import Lower

from .base import TenantModel, TimeStampedModel, tenant_manager


class LabelColour(models.TextChoices):
    """A fixed palette: each colour's chip (static/src/tandem.css, "Labels") keeps text at a
    contrast of at least 4.5:1 on its background."""

    GREY = "grey", "Grey"
    RED = "red", "Red"
    ORANGE = "orange", "Orange"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    TEAL = "teal", "Teal"
    BLUE = "blue", "Blue"
    INDIGO = "indigo", "Indigo"
    PURPLE = "purple", "Purple"
    PINK = "pink", "Pink"


LABEL_NAME_MAX = 40


class Label(TenantModel, TimeStampedModel):
    name = models.CharField(max_length=LABEL_NAME_MAX)
    colour = models.CharField(max_length=10, choices=LabelColour.choices, default=LabelColour.GREY)
    description = models.CharField(max_length=200, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = [Lower("name"), "pk"]
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="label_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class TaskLabel(TenantModel):
    """A label on a task. Two indexes serve every read: (task, label), the unique constraint,
    for a task's labels and a filter probing row by row, and (label, task) for a filter
    starting from a rare label (the foreign keys' own single-column indexes would only
    duplicate them)."""

    task = models.ForeignKey(
        "workspace.Task", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="+", db_index=False)

    objects = tenant_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "label"], name="tasklabel_unique"),
        ]
        indexes = [models.Index(fields=["label", "task"], name="tasklabel_label_task")]


CHECKLIST_TEXT_MAX = 300
CHECKLIST_MAX_ITEMS = 100


class ChecklistItem(TenantModel, TimeStampedModel):
    """One line of a task's checklist. The task keeps the counts its rows show
    (``Task.checklist_done`` / ``checklist_total``), written with every change of its items."""

    task = models.ForeignKey(
        "workspace.Task", on_delete=models.CASCADE, related_name="checklist_items"
    )
    text = models.CharField(max_length=CHECKLIST_TEXT_MAX)
    done = models.BooleanField(default=False)
    assignee = models.ForeignKey(
        "workspace.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    position = models.PositiveIntegerField(default=0)

    objects = tenant_manager()

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["task", "position"], name="checklist_task_position")]

    def __str__(self) -> str:
        return self.text


class SavedViewKind(models.TextChoices):
    LIST = "list", "List"
    BOARD = "board", "Board"


SAVED_VIEW_QUERY_MAX = 2000


class SavedView(TenantModel, TimeStampedModel):
    """A named task list or board address (the organization's or a project's, and its query
    string: filters, sort, group-by, columns), kept for its owner or shared with the
    organization. The sidebar lists them by ``position``."""

    name = models.CharField(max_length=60)
    owner = models.ForeignKey(
        "workspace.Membership", on_delete=models.CASCADE, related_name="saved_views"
    )
    shared = models.BooleanField(default=False)
    kind = models.CharField(max_length=10, choices=SavedViewKind.choices, default="list")
    # A project's list or board (its custom-field columns and filters live there); none: the
    # organization's.
    project = models.ForeignKey(
        "workspace.Project", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    query = models.CharField(max_length=SAVED_VIEW_QUERY_MAX, blank=True)
    position = models.PositiveIntegerField(default=0)

    objects = tenant_manager()

    class Meta:
        ordering = ["-shared", "position", "pk"]
        indexes = [models.Index(fields=["organization", "owner"], name="savedview_org_owner")]

    def __str__(self) -> str:
        return self.name
