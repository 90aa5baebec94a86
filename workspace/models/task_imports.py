from django.conf import settings
from django.db import models

from .base import TenantModel, TimeStampedModel, tenant_manager


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", "Waiting for its mapping"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Nothing imported"


class TaskImport(TenantModel, TimeStampedModel):
    """One file an admin imports into a project: the upload itself (kept in the database, so
    that any web container or job worker can read it, and emptied once imported), the mapping
    they chose (``plan``), and the outcome."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=200)
    data = models.BinaryField(default=bytes)
    preset = models.CharField(max_length=20, blank=True)
    plan = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.MAPPING
    )
    project = models.ForeignKey(
        "workspace.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # the first ones: row, column, reason
    message = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.file_name}"

    @property
    def in_progress(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)


class TaskSource(TenantModel):
    """Where an imported task came from: its ID in the file (the source tool's key), unique
    per project, so that importing the same file again can skip what is already there."""

    task = models.OneToOneField("workspace.Task", on_delete=models.CASCADE, related_name="source")
    project = models.ForeignKey("workspace.Project", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    task_import = models.ForeignKey(
        TaskImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = tenant_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "key"], name="tasksource_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → task {self.task_id}"
