"""Bulk edits too large for one transaction (more than workspace.services.bulk.BULK_MAX tasks)."""

from huey.contrib.djhuey import db_task

from workspace.models import Organization
from workspace.services.bulk import task_bulk_run
from workspace.tenancy import organization_scope


@db_task()
def run_bulk_edit(organization_id: int, bulk_id: int) -> str:
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:  # deleted since
        return "gone"
    with organization_scope(organization):
        return task_bulk_run(bulk_id=bulk_id).state
