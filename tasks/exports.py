"""Organization exports: building one when an owner asks, and an hourly sweep that deletes the
files of expired links and queues again what could not be queued (Redis down)."""

import logging
from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from tasks.queue import enqueue_safely
from workspace.models import ExportStatus, Organization, OrganizationExport
from workspace.services.exports import export_build, exports_expire
from workspace.tenancy import all_tenants, organization_scope

logger = logging.getLogger(__name__)

STUCK_AFTER = timedelta(minutes=10)


@db_task()
def build_organization_export(organization_id: int, export_id: int) -> str:
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:  # deleted since
        return "gone"
    with organization_scope(organization):
        return export_build(export_id=export_id).status


@db_periodic_task(crontab(minute="15"))
@lock_task("sweep-exports")
def sweep_exports() -> dict[str, int]:
    now = timezone.now()
    with all_tenants():
        expired_in = set(
            OrganizationExport.objects.filter(status=ExportStatus.DONE, expires_at__lte=now)
            .values_list("organization_id", flat=True)
            .distinct()
        )
        stuck = list(
            OrganizationExport.objects.filter(
                status=ExportStatus.PENDING, created_at__lte=now - STUCK_AFTER
            ).values_list("organization_id", "pk")
        )
    outcome = {"expired": 0, "requeued": 0}
    for organization in Organization.all_objects.filter(pk__in=expired_in):
        with organization_scope(organization):
            outcome["expired"] += exports_expire(organization=organization, now=now)
    for organization_id, export_id in stuck:
        outcome["requeued"] += enqueue_safely(build_organization_export, organization_id, export_id)
    if any(outcome.values()):
        logger.info("export sweep: %s", outcome)
    return outcome
