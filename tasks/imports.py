"""Task imports too large to run during the request (workspace.services.task_imports)."""

from huey.contrib.djhuey import db_task

from workspace.models import Organization
from workspace.services.task_imports import task_import_run
from workspace.tenancy import organization_scope


@db_task()
def run_task_import(organization_id: int, task_import_id: int, actor_id: int) -> str:
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:  # deleted since
        return "gone"
    with organization_scope(organization):
        return task_import_run(task_import_id=task_import_id, actor_id=actor_id).status
