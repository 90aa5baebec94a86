"""The export jobs: building on request, and the hourly sweep (expired files, stuck requests)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tasks.exports import build_organization_export, sweep_exports
from workspace.models import ExportStatus, OrganizationExport
from workspace.services.exports import export_path
from workspace.tenancy import organization_scope

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.TANDEM_EXPORT_ROOT = tmp_path / "exports"


def pending(organization, owner, **fields):
    with organization_scope(organization):
        return OrganizationExport.objects.create(
            organization=organization, requested_by=owner.user, **fields
        )


def fresh(export):
    with organization_scope(export.organization):
        return OrganizationExport.objects.get(pk=export.pk)


def test_the_job_builds_the_export(organization, owner):
    export = pending(organization, owner)

    assert build_organization_export.call_local(organization.pk, export.pk) == "done"
    assert export_path(fresh(export)).exists()


def test_a_deleted_organization_is_not_exported(organization, owner):
    export = pending(organization, owner)
    organization.deleted_at = timezone.now()
    organization.save()

    assert build_organization_export.call_local(organization.pk, export.pk) == "gone"


def test_the_sweep_deletes_expired_files_and_builds_stuck_requests(organization, owner):
    built = pending(organization, owner)
    build_organization_export.call_local(organization.pk, built.pk)
    path = export_path(fresh(built))
    with time_machine.travel(timezone.now() - timedelta(hours=1)):
        stuck = pending(organization, owner)  # queued while Redis was down

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        outcome = sweep_exports.call_local()

    assert outcome == {"expired": 1, "requeued": 1}
    assert not path.exists()
    assert fresh(built).status == ExportStatus.EXPIRED
    assert fresh(stuck).status == ExportStatus.DONE
