"""Background bulk edits a member started, kept in their session so that the task lists show
their progress across reloads (web/views/bulk.py)."""

from workspace.models import BulkEdit

SESSION_JOBS = "bulk_jobs"


def remember_job(request, bulk: BulkEdit) -> None:
    jobs = request.session.get(SESSION_JOBS, [])
    request.session[SESSION_JOBS] = [*jobs, [bulk.organization_id, bulk.pk]][-5:]


def running_jobs(request, organization) -> list[int]:
    """The member's background bulk edits in ``organization`` not yet shown as finished."""
    return [pk for org, pk in request.session.get(SESSION_JOBS, []) if org == organization.pk]
