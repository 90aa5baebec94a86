from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from workspace.models import FieldType, Priority, ProjectStatus, Task, TaskStatus
from workspace.services.tasks import task_create
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    CustomFieldFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)


@pytest.fixture
def project(in_org):
    return ProjectFactory(organization=in_org)


@pytest.fixture
def create(in_org, member, project):
    def _create(**kwargs):
        kwargs.setdefault("title", "Write the report")
        kwargs.setdefault("project", project)
        return task_create(organization=in_org, actor=member, **kwargs)

    return _create


def _errors(create, **kwargs) -> dict:
    with pytest.raises(ValidationError) as error:
        create(**kwargs)
    return error.value.message_dict


def test_create_stores_the_task(create, project, member, admin):
    task = create(
        title="  Write   the report ",
        description="  Numbers for Q1\n",
        priority=Priority.HIGH,
        assignee=admin,
    )

    task = Task.objects.get(pk=task.pk)
    assert task.title == "Write the report"
    assert task.description == "Numbers for Q1"
    assert task.project == project
    assert task.priority == Priority.HIGH
    assert task.status == TaskStatus.TODO
    assert task.assignee == admin
    assert task.created_by == member.user
    assert task.completed_at is None
    assert task.custom_fields == {}


@pytest.mark.parametrize("title", ["", "   ", "ab", "  ab  ", None])
def test_title_needs_three_characters_after_trimming(create, title):
    assert _errors(create, title=title) == {"title": ["The title needs at least 3 characters."]}
    assert not Task.objects.exists()


def test_title_is_measured_after_collapsing_whitespace(create):
    assert create(title="  a   b ").title == "a b"  # 3 characters: enough


def test_title_longer_than_200_characters_is_refused(create):
    assert list(_errors(create, title="x" * 201)) == ["title"]


def test_description_longer_than_20000_characters_is_refused(create):
    assert list(_errors(create, description="x" * 20001)) == ["description"]
    assert not Task.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("status", "closed"), ("priority", 9)])
def test_unknown_status_or_priority_is_refused(create, field, value):
    assert list(_errors(create, **{field: value})) == [field]


@time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False)
def test_a_past_due_date_is_allowed_on_creation_as_on_edits(create):
    """One rule everywhere (see test_due_dates.py): a past date is a warning, not an error."""
    assert create(due_date=TODAY - timedelta(days=1)).due_date == TODAY - timedelta(days=1)
    assert create(due_date=TODAY).due_date == TODAY


def test_assignee_from_another_organization_is_refused(create):
    stranger = MembershipFactory()

    assert _errors(create, assignee=stranger) == {
        "assignee": ["Choose a member of this organization."]
    }


@pytest.mark.parametrize(
    ("make_project", "message"),
    [
        (
            lambda org: ProjectFactory(organization=org, name="Old", status=ProjectStatus.ARCHIVED),
            "The project Old is archived. Choose an active project.",
        ),
        (
            lambda org: ProjectFactory(organization=org, name="Gone", deleted_at=timezone.now()),
            "The project Gone was deleted. Choose another project.",
        ),
        (lambda org: ProjectFactory(), "Choose an active project of this organization."),
    ],
    ids=["archived", "deleted", "other-organization"],
)
def test_project_must_be_active_and_of_this_organization(in_org, create, make_project, message):
    assert _errors(create, project=make_project(in_org)) == {"project": [message]}
    assert not Task.all_objects.exists()


def test_all_problems_are_reported_at_once(create):
    errors = _errors(create, title="x", assignee=MembershipFactory(), project=ProjectFactory())

    assert set(errors) == {"title", "assignee", "project"}


def test_numbers_are_sequential_per_organization(create, member):
    other = OrganizationFactory()
    other_member = MembershipFactory(organization=other)
    other_project = ProjectFactory(organization=other)

    first, second = create(), create()
    with organization_scope(other):
        elsewhere = task_create(
            organization=other, actor=other_member, project=other_project, title="Their task"
        )
    third = create()

    assert [first.number, second.number, third.number] == [1, 2, 3]
    assert elsewhere.number == 1


def test_a_refused_task_uses_no_number(create):
    _errors(create, title="")

    assert create().number == 1


def test_completed_at_is_set_when_created_done(create):
    before = timezone.now()

    done = create(status=TaskStatus.DONE)
    cancelled = create(status=TaskStatus.CANCELLED)

    assert done.completed_at >= before
    assert Task.objects.get(pk=done.pk).completed_at == done.completed_at
    assert cancelled.completed_at is None


def test_custom_fields_are_validated_and_stored(create, project):
    CustomFieldFactory(project=project, key="points", field_type=FieldType.NUMBER)
    CustomFieldFactory(
        project=project, key="size", field_type=FieldType.CHOICE, options=["S", "M", "L"]
    )
    CustomFieldFactory(project=project, key="note", field_type=FieldType.TEXT)

    task = create(custom_fields={"points": "3", "size": "M", "note": "  "})

    assert Task.objects.get(pk=task.pk).custom_fields == {"points": 3, "size": "M"}


def test_invalid_custom_fields_are_refused(create, project):
    CustomFieldFactory(
        project=project, name="Size", key="size", field_type=FieldType.CHOICE, options=["S"]
    )
    CustomFieldFactory(project=project, name="Team", key="team", required=True)

    assert _errors(create, custom_fields={"size": "XL"}) == {
        "custom_fields": ["Size: Select one of the options.", "Team: this field is required."]
    }
    assert not Task.objects.exists()


def test_custom_fields_of_another_project_are_unknown(create, in_org):
    CustomFieldFactory(project=ProjectFactory(organization=in_org), key="points")

    assert _errors(create, custom_fields={"points": "3"}) == {
        "custom_fields": ["Unknown field “points”."]
    }
