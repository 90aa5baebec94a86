"""The insights snapshot job: which organizations it rebuilds, one at a time each."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tasks.insights import build_insight_snapshot, schedule_insight_snapshots
from workspace.models import InsightCell, InsightKind
from workspace.services.tasks import task_update
from workspace.tenancy import all_tenants, organization_scope
from workspace.tests.factories import OrganizationFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


def snapshots() -> dict[int, object]:
    with all_tenants():
        return dict(
            InsightCell.objects.filter(kind=InsightKind.HEADER).values_list(
                "organization_id", "built_at"
            )
        )


def test_the_schedule_builds_the_snapshots_that_are_due(huey_memory, organization, owner):
    other = OrganizationFactory()
    with organization_scope(organization):
        task = TaskFactory(project=ProjectFactory(organization=organization))

    assert schedule_insight_snapshots.call_local() == 2  # neither had one
    built = snapshots()
    assert set(built) == {organization.pk, other.pk}

    assert schedule_insight_snapshots.call_local() == 0  # nothing changed since
    with organization_scope(organization):
        task_update(task=task, actor=owner, data={"status": "done"})
    assert schedule_insight_snapshots.call_local() == 1
    assert snapshots()[other.pk] == built[other.pk]
    assert snapshots()[organization.pk] > built[organization.pk]


def test_a_build_already_running_for_the_organization_is_not_started_twice(
    huey_memory, organization, caplog
):
    with huey_memory.lock_task(f"insight-snapshot-{organization.pk}"):
        assert build_insight_snapshot.call_local(organization.pk) == 0
    assert "being built already" in caplog.text
    assert snapshots() == {}

    assert build_insight_snapshot.call_local(organization.pk) == 0  # nothing to count yet
    assert set(snapshots()) == {organization.pk}


def test_a_build_for_an_organization_that_is_gone_does_nothing(huey_memory):
    assert build_insight_snapshot.call_local(999_999) == 0


def test_the_command_builds_every_snapshot_or_those_named(organization):
    other = OrganizationFactory(slug="globex")
    out = StringIO()

    call_command("build_insights", "globex", stdout=out)
    assert set(snapshots()) == {other.pk}
    assert "globex: 0 rows, 0 tasks" in out.getvalue()

    call_command("build_insights", stdout=StringIO())
    assert set(snapshots()) == {organization.pk, other.pk}

    with pytest.raises(CommandError, match="No organization at: nowhere"):
        call_command("build_insights", "globex", "nowhere")
