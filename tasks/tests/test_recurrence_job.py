from datetime import date

import pytest
import time_machine

from tasks.recurrence import create_due_occurrences
from workspace.models import Task
from workspace.services.recurrence import recurrence_set
from workspace.tenancy import organization_scope
from workspace.tests.factories import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


def test_the_job_creates_due_occurrences_once(organization, member):
    with organization_scope(organization):
        project = ProjectFactory(organization=organization)
        task = TaskFactory(project=project, due_date=date(2026, 12, 1), created_by=member.user)
        recurrence_set(task=task, actor=member, frequency="weekly", trigger="schedule")

    with time_machine.travel("2026-12-08 09:00Z", tick=False):
        assert create_due_occurrences.call_local() == 1
        assert create_due_occurrences.call_local() == 0

    with organization_scope(organization):
        dues = list(
            Task.objects.filter(recurrence__isnull=False)
            .order_by("occurrence")
            .values_list("due_date", flat=True)
        )
    assert dues == [date(2026, 12, 1), date(2026, 12, 8)]
