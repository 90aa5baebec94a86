"""The task import job, and the sweep that queues again imports Redis never received."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tasks.imports import run_task_import, sweep_task_imports
from workspace.models import ImportStatus, Task, TaskImport
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def queued(organization, admin, project, title="Imported"):
    with organization_scope(organization):
        return TaskImport.objects.create(
            organization=organization,
            requested_by=admin.user,
            file_name="tasks.csv",
            data=f"Title\n{title}\n".encode(),
            rows=1,
            status=ImportStatus.QUEUED,
            plan={"mapping": ["title"], "choices": {"project_id": project.pk}},
        )


def fresh(task_import):
    with organization_scope(task_import.organization):
        return TaskImport.objects.get(pk=task_import.pk)


@pytest.fixture
def project(organization):
    with organization_scope(organization):
        return ProjectFactory(organization=organization)


def test_the_job_imports_a_queued_file(organization, admin, project):
    task_import = queued(organization, admin, project)
    assert run_task_import.call_local(organization.pk, task_import.pk, admin.pk) == "done"
    with organization_scope(organization):
        assert list(Task.objects.values_list("title", flat=True)) == ["Imported"]
    # Run again (a second delivery of the job): nothing more.
    assert run_task_import.call_local(organization.pk, task_import.pk, admin.pk) == "done"
    with organization_scope(organization):
        assert Task.objects.count() == 1


def test_the_sweep_runs_imports_stuck_in_the_queue_and_only_those(organization, admin, project):
    with time_machine.travel(timezone.now() - timedelta(minutes=30)):
        stuck = queued(organization, admin, project, "Stuck")
        leaver = MembershipFactory(organization=organization, role="admin")
        orphan = queued(organization, leaver, project, "Orphan")
    recent = queued(organization, admin, project, "Recent")
    with organization_scope(organization):
        leaver.delete()

    assert sweep_task_imports.call_local() == 1

    assert fresh(stuck).status == ImportStatus.DONE
    assert fresh(recent).status == ImportStatus.QUEUED  # its job may still be on its way
    assert fresh(orphan).status == ImportStatus.QUEUED
    with organization_scope(organization):
        assert list(Task.objects.values_list("title", flat=True)) == ["Stuck"]
