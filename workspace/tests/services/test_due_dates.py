"""One due-date rule for creating and editing tasks: any date from 2000 to 2100, past dates
included (they only earn a warning); dates outside that range are refused."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from workspace.models import Task, TaskStatus
from workspace.services.tasks import due_date_warning, task_create, task_update
from workspace.tests.factories import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
OUT_OF_RANGE = "Choose a due date between 2000 and 2100."


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def project(in_org):
    return ProjectFactory(organization=in_org)


def create(project, member, due_date) -> Task:
    return task_create(
        organization=project.organization,
        actor=member,
        project=project,
        title="Ship it",
        due_date=due_date,
    )


def edit(project, member, due_date) -> Task:
    task = TaskFactory(project=project)
    task_update(task=task, actor=member, data={"due_date": due_date})
    return task


WRITES = {"create": create, "edit": edit}


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize(
    "due_date",
    [date(2000, 1, 1), TODAY - timedelta(days=400), TODAY, date(2100, 12, 31)],
    ids=["first-allowed", "past", "today", "last-allowed"],
)
def test_dates_from_2000_to_2100_are_accepted(project, member, write, due_date):
    assert WRITES[write](project, member, due_date).due_date == due_date


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize(
    "due_date",
    [date(1900, 1, 1), date(1999, 12, 31), date(2101, 1, 1), date(9999, 12, 31)],
    ids=["1900", "1999", "2101", "9999"],
)
def test_dates_outside_2000_to_2100_are_refused_everywhere(project, member, write, due_date):
    with pytest.raises(ValidationError) as refused:
        WRITES[write](project, member, due_date)

    assert refused.value.message_dict == {"due_date": [OUT_OF_RANGE]}
    assert not Task.objects.filter(due_date=due_date).exists()


def test_a_past_due_date_of_an_open_task_earns_a_warning(project):
    task = TaskFactory(project=project, due_date=date(2026, 3, 9))

    assert due_date_warning(task) == "The due date, Mar 9, 2026, is in the past."


@pytest.mark.parametrize(
    ("due_date", "status"),
    [(None, TaskStatus.TODO), (TODAY, TaskStatus.TODO), (date(2026, 3, 9), TaskStatus.DONE)],
    ids=["no-date", "today", "done"],
)
def test_no_warning_otherwise(project, due_date, status):
    assert due_date_warning(TaskFactory(project=project, due_date=due_date, status=status)) is None
