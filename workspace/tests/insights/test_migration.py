"""Migration 0007 fills ``started_at`` of existing tasks from their status history."""

import importlib
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from workspace.models import Task, TaskStatus
from workspace.services.tasks import task_create, task_update
from workspace.tenancy import all_tenants, organization_scope
from workspace.tests.factories import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("workspace.migrations.0011_insights")


def at(day, hour=12):
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_started_at_is_the_first_move_to_in_progress_or_the_creation(organization, owner):
    with organization_scope(organization):
        project = ProjectFactory(organization=organization)

        def create(day, **fields):
            with time_machine.travel(at(day), tick=False):
                return task_create(
                    organization=organization, actor=owner, project=project, title="Task", **fields
                )

        def move(task, day, status):
            with time_machine.travel(at(day), tick=False):
                task_update(task=task, actor=owner, data={"status": status})

        twice = create(1)
        move(twice, 2, TaskStatus.IN_PROGRESS)
        move(twice, 3, TaskStatus.TODO)
        move(twice, 4, TaskStatus.IN_PROGRESS)
        move(twice, 5, TaskStatus.DONE)
        born_started = create(6, status=TaskStatus.IN_PROGRESS)
        move(born_started, 7, TaskStatus.DONE)
        never = create(8)
        move(never, 9, TaskStatus.DONE)
        untracked = TaskFactory(project=project, status=TaskStatus.IN_PROGRESS, created_at=at(10))
        Task.all_objects.update(started_at=None)

    historical = (
        MigrationExecutor(connection).loader.project_state(("workspace", "0011_insights")).apps
    )
    with all_tenants():
        migration.backfill_started_at(historical, None)
        started = dict(Task.all_objects.values_list("pk", "started_at"))

    assert started == {
        twice.pk: at(2),
        born_started.pk: at(6),
        never.pk: None,
        untracked.pk: at(10),
    }
