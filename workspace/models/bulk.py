"""Bulk edits: one change applied to many tasks at once, kept so that it can be undone."""

from django.db import models

from .base import TenantModel, tenant_manager


class BulkField(models.TextChoices):
    STATUS = "status", "status"
    PRIORITY = "priority", "priority"
    ASSIGNEE = "assignee", "assignee"
    DUE_DATE = "due_date", "due date"
    PROJECT = "project", "project"
    TRASH = "trash", "trash"
    LABELS_ADD = "labels_add", "labels (added)"
    LABELS_REMOVE = "labels_remove", "labels (removed)"


class BulkState(models.TextChoices):
    DONE = "done", "done"
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    FAILED = "failed", "failed"


class BulkEdit(TenantModel):
    """One bulk action by one member: which field it set to which value on which tasks, and
    each changed task's value before (``before``: ``[[task id, stored value], ...]``), which
    its undo puts back. ``value`` is the stored value (an id for assignee and project, an ISO
    date, a status code, a priority number, null for "none")."""

    actor = models.ForeignKey(
        "workspace.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    field = models.CharField(max_length=16, choices=BulkField.choices)
    value = models.JSONField(null=True, blank=True)
    value_label = models.CharField(max_length=200, blank=True)
    before = models.JSONField(default=list, blank=True)
    changed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # The version the changed tasks were given: undo restores a task only if the field was
    # not changed again after it.
    stamp = models.DateTimeField()
    # Edits of more than BULK_MAX tasks run in the background (workspace.services.bulk): the
    # tasks named when it was asked for, and how many of them are done.
    state = models.CharField(max_length=8, choices=BulkState.choices, default=BulkState.DONE)
    task_ids = models.JSONField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    progress = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"], name="bulk_org_created")]

    @property
    def is_running(self) -> bool:
        return self.state in (BulkState.QUEUED, BulkState.RUNNING)

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.progress * 100 // self.total)

    def __str__(self) -> str:
        return f"set {self.field} of {self.changed} tasks"
