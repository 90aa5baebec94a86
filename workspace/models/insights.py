"""The insights snapshot: an organization's weekly aggregates, rebuilt by a job from its tasks
and their status history (see ``workspace.insights``), so that the insights page reads a few
hundred rows instead of every task. What changed since the snapshot is added when reading."""

from django.db import models

from .base import TenantModel, tenant_manager


class InsightKind(models.IntegerChoices):
    """What a row counts. Every kind but the header comes twice: per project (``project_ref``),
    and for all projects together (``project_ref`` empty), so that a page reads few rows."""

    # One per snapshot: when it was built and how (``meta``). Every snapshot has it.
    HEADER = 0, "header"
    # Per week and priority (every assignee together).
    WEEK = 1, "week"
    # Per week, assignee (empty: unassigned) and priority.
    WEEK_BY_ASSIGNEE = 2, "week by assignee"
    # At the snapshot: open tasks per assignee and priority.
    OPEN = 3, "open work"


class InsightCell(TenantModel):
    """One row of the snapshot. Stocks (``todo`` … ``cancelled``) are the tasks in each status at
    the end of ``week`` (at ``built_at`` for the week still running); flows (``created``,
    ``completed``, ``cycle``) happened during the week."""

    built_at = models.DateTimeField()
    kind = models.PositiveSmallIntegerField(choices=InsightKind.choices)
    week = models.DateField(null=True)  # the week's Monday, in the organization's time zone
    # Plain ids, not foreign keys: the snapshot is rebuilt, never cascaded into.
    project_ref = models.BigIntegerField(null=True)
    assignee_ref = models.BigIntegerField(null=True)
    priority = models.PositiveSmallIntegerField(null=True)
    todo = models.PositiveIntegerField(default=0)
    in_progress = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    # Cycle times (seconds) of the week's finished tasks that had been started, as text
    # ("3600,86400"; text costs nothing to read until it is used, where JSON is decoded per row).
    cycle = models.TextField(blank=True, default="")
    # OPEN rows: open tasks overdue on the snapshot's day, and those due in the days after it
    # ("2026-03-26:3;2026-03-27:1"), which become overdue as the days pass.
    overdue = models.PositiveIntegerField(default=0)
    due = models.TextField(blank=True, default="")
    meta = models.JSONField(null=True, blank=True)  # HEADER: how the snapshot was built

    objects = tenant_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "kind", "project_ref", "assignee_ref", "week"],
                name="insight_cell_lookup",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.week or ''}".strip()


class InsightTaskState(TenantModel):
    """What the snapshot counted for one task (its state when the snapshot was built), so that a
    task changed since can be taken out of the snapshot's numbers and counted as it is now."""

    task = models.OneToOneField(
        "workspace.Task", on_delete=models.CASCADE, related_name="insight_state"
    )
    built_at = models.DateTimeField()  # the snapshot that last wrote this row
    digest = models.BigIntegerField()  # of the fields below: compared to skip unchanged rows
    project_ref = models.BigIntegerField()
    assignee_ref = models.BigIntegerField(null=True)
    priority = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12)
    alive = models.BooleanField()
    due_date = models.DateField(null=True)
    started_at = models.DateTimeField(null=True)
    completed_at = models.DateTimeField(null=True)

    objects = tenant_manager()

    def __str__(self) -> str:
        return f"state of task {self.task_id}"
