from django.conf import settings
from django.db import models

from .base import TenantModel, TimeStampedModel, tenant_manager


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Building"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class ExportQuerySet(models.QuerySet):
    def in_progress(self):
        return self.filter(status__in=[ExportStatus.PENDING, ExportStatus.RUNNING])


class OrganizationExport(TenantModel, TimeStampedModel):
    """One zip of everything an organization holds, built by a job for an owner. The file lives
    under ``TANDEM_EXPORT_ROOT``; its download link is signed and expires (``expires_at``),
    and the cleanup job deletes the file then."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    file_name = models.CharField(max_length=200, blank=True)  # relative to TANDEM_EXPORT_ROOT
    size = models.PositiveBigIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    objects = tenant_manager(ExportQuerySet)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Export {self.pk} of organization {self.organization_id}"

    @property
    def in_progress(self) -> bool:
        return self.status in (ExportStatus.PENDING, ExportStatus.RUNNING)
