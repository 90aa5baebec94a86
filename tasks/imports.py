"""Task imports too large to run during the request (workspace.services.task_imports), and a
sweep that queues again the ones that could not be queued (Redis down)."""

import logging
from datetime import timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from tasks.queue import enqueue_safely
from workspace.models import ImportStatus, Membership, Organization, TaskImport
from workspace.services.task_imports import task_import_run
from workspace.tenancy import all_tenants, organization_scope

logger = logging.getLogger(__name__)

STUCK_AFTER = timedelta(minutes=10)


@db_task()
def run_task_import(organization_id: int, task_import_id: int, actor_id: int) -> str:
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:  # deleted since
        return "gone"
    with organization_scope(organization):
        return task_import_run(task_import_id=task_import_id, actor_id=actor_id).status


@db_periodic_task(crontab(minute="*/10"))
@lock_task("sweep-task-imports")
def sweep_task_imports() -> int:
    """Queue again the imports that have waited in the queue for more than ten minutes (their
    job never reached Redis). Running one twice imports nothing twice: the run locks the import
    and does nothing once it is no longer queued."""
    with all_tenants():
        stuck = list(
            TaskImport.objects.filter(
                status=ImportStatus.QUEUED, updated_at__lte=timezone.now() - STUCK_AFTER
            ).values_list("organization_id", "pk", "requested_by_id")
        )
        actors = {
            (membership.organization_id, membership.user_id): membership.pk
            for membership in Membership.objects.filter(
                organization_id__in={org for org, _pk, _user in stuck},
                user_id__in={user for _org, _pk, user in stuck},
            )
        }
    queued = 0
    for organization_id, import_id, user_id in stuck:
        actor = actors.get((organization_id, user_id))
        if actor is not None:  # the importer left: the import waits for nobody
            queued += enqueue_safely(run_task_import, organization_id, import_id, actor)
    if queued:
        logger.info("task import sweep: %s queued again", queued)
    return queued
