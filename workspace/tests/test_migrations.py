"""The migration that introduced deletion batches gives rows deleted before it their batch: a
project and the tasks deleted with it (same moment) share one, so restoring the project still
brings them back."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("workspace", "0007_task_versions_and_sort_indexes")]
AFTER = [("workspace", "0008_data_integrity_and_lifecycle")]
WHEN = datetime(2026, 1, 5, 12, tzinfo=UTC)
EARLIER = datetime(2026, 1, 4, 12, tzinfo=UTC)


def test_rows_deleted_before_batches_get_theirs():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    organization = old.get_model("workspace", "Organization").objects.create(
        name="Acme", slug="acme"
    )
    project = old.get_model("workspace", "Project").objects.create(
        organization=organization, name="Launch", slug="launch", deleted_at=WHEN
    )
    Task = old.get_model("workspace", "Task")
    with_project = Task.objects.create(
        organization=organization, project=project, number=1, title="With it", deleted_at=WHEN
    )
    on_its_own = Task.objects.create(
        organization=organization, project=project, number=2, title="Alone", deleted_at=EARLIER
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    batches = {
        row["title"]: row["deletion_batch"]
        for row in new.get_model("workspace", "Task").objects.values("title", "deletion_batch")
    }
    project_batch = new.get_model("workspace", "Project").objects.get(pk=project.pk).deletion_batch

    assert project_batch is not None
    assert batches[with_project.title] == project_batch
    assert batches[on_its_own.title] not in (None, project_batch)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
