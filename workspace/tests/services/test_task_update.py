from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from workspace.models import FieldType, Priority, ProjectStatus, Task, TaskStatus
from workspace.services.tasks import StaleTaskError, task_assign, task_delete, task_update
from workspace.tests.factories import (
    CustomFieldFactory,
    MembershipFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(in_org):
    return ProjectFactory(organization=in_org)


@pytest.fixture
def task(project, member):
    return TaskFactory(project=project, title="Old title", created_by=member.user)


def _fresh(task) -> Task:
    return Task.all_objects.get(pk=task.pk)


def test_returns_only_what_changed(task, member):
    changes = task_update(
        task=task,
        actor=member,
        data={"title": "New title", "priority": Priority.MEDIUM, "description": ""},
    )

    assert changes == {"title": ("Old title", "New title")}
    assert _fresh(task).title == "New title"


def test_unchanged_data_returns_nothing_and_writes_nothing(task, member):
    before = _fresh(task).updated_at

    changes = task_update(
        task=task,
        actor=member,
        data={"title": "  Old   title ", "status": TaskStatus.TODO, "assignee": None},
    )

    assert changes == {}
    assert _fresh(task).updated_at == before


def test_changing_several_fields(task, member, admin):
    changes = task_update(
        task=task,
        actor=member,
        data={"status": TaskStatus.IN_PROGRESS, "priority": Priority.URGENT, "assignee": admin},
    )

    assert changes == {
        "status": (TaskStatus.TODO, TaskStatus.IN_PROGRESS),
        "priority": (Priority.MEDIUM, Priority.URGENT),
        "assignee": (None, admin),
    }
    fresh = _fresh(task)
    assert (fresh.status, fresh.priority, fresh.assignee) == (
        TaskStatus.IN_PROGRESS,
        Priority.URGENT,
        admin,
    )


def test_completed_at_follows_the_done_status(task, member):
    task_update(task=task, actor=member, data={"status": TaskStatus.DONE})
    completed_at = _fresh(task).completed_at
    assert completed_at is not None

    task_update(task=task, actor=member, data={"title": "Renamed while done"})
    assert _fresh(task).completed_at == completed_at

    task_update(task=task, actor=member, data={"status": TaskStatus.IN_PROGRESS})
    assert _fresh(task).completed_at is None


def test_done_to_cancelled_clears_completed_at(task, member):
    task_update(task=task, actor=member, data={"status": TaskStatus.DONE})

    task_update(task=task, actor=member, data={"status": TaskStatus.CANCELLED})

    assert _fresh(task).completed_at is None


@time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False)
def test_due_date_in_the_past_is_allowed_on_update(task, member):
    last_week = date(2026, 3, 3)

    assert task_update(task=task, actor=member, data={"due_date": last_week}) == {
        "due_date": (None, last_week)
    }
    assert _fresh(task).due_date == last_week


def test_custom_fields_are_validated_on_update(task, member, project):
    CustomFieldFactory(project=project, key="points", field_type=FieldType.NUMBER)

    changes = task_update(task=task, actor=member, data={"custom_fields": {"points": "5"}})

    assert changes == {"custom_fields": ({}, {"points": 5})}
    assert _fresh(task).custom_fields == {"points": 5}


def test_stale_edit_is_refused_and_the_instance_refreshed(task, member):
    seen = task.updated_at
    task_update(task=Task.objects.get(pk=task.pk), actor=member, data={"title": "Their title"})

    with pytest.raises(StaleTaskError) as error:
        task_update(task=task, actor=member, data={"title": "My title"}, expected_updated_at=seen)

    assert isinstance(error.value, ValidationError)
    assert error.value.code == "stale"
    assert "Someone changed this task" in error.value.message
    assert error.value.task is task
    assert task.title == "Their title"
    assert task.updated_at == _fresh(task).updated_at
    assert _fresh(task).title == "Their title"


def test_edit_of_the_current_version_is_accepted(task, member):
    changes = task_update(
        task=task, actor=member, data={"title": "My title"}, expected_updated_at=task.updated_at
    )

    assert changes == {"title": ("Old title", "My title")}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "x", "priority": Priority.HIGH}, "title"),
        ({"status": "closed", "description": "New text"}, "status"),
        ({"priority": 7, "title": "A fine title"}, "priority"),
    ],
)
def test_a_refused_update_leaves_the_instance_and_the_row_unchanged(task, member, data, field):
    with pytest.raises(ValidationError) as error:
        task_update(task=task, actor=member, data=data)

    assert field in error.value.message_dict
    for instance in (task, _fresh(task)):
        assert instance.title == "Old title"
        assert instance.description == ""
        assert instance.status == TaskStatus.TODO
        assert instance.priority == Priority.MEDIUM


@pytest.mark.parametrize(
    "make_project",
    [
        lambda org: ProjectFactory(organization=org, status=ProjectStatus.ARCHIVED),
        lambda org: ProjectFactory(),
    ],
    ids=["archived", "other-organization"],
)
def test_moving_to_an_archived_or_foreign_project_is_refused(
    in_org, task, member, project, make_project
):
    with pytest.raises(ValidationError) as error:
        task_update(task=task, actor=member, data={"project": make_project(in_org)})

    assert list(error.value.message_dict) == ["project"]
    assert task.project == project
    assert _fresh(task).project == project


def test_refused_custom_fields_leave_the_instance_unchanged(task, member, project):
    CustomFieldFactory(project=project, key="points", field_type=FieldType.NUMBER)

    with pytest.raises(ValidationError):
        task_update(
            task=task, actor=member, data={"title": "New title", "custom_fields": {"points": "x"}}
        )

    assert (task.title, task.custom_fields) == ("Old title", {})


def test_only_changed_columns_are_written(task, member):
    a, b = Task.objects.get(pk=task.pk), Task.objects.get(pk=task.pk)

    task_update(task=a, actor=member, data={"title": "Title from A"})
    task_update(task=b, actor=member, data={"status": TaskStatus.IN_PROGRESS})

    fresh = _fresh(task)
    assert (fresh.title, fresh.status) == ("Title from A", TaskStatus.IN_PROGRESS)


def test_editing_a_stale_copy_keeps_the_completion_time(task, member):
    a, b = Task.objects.get(pk=task.pk), Task.objects.get(pk=task.pk)

    task_update(task=a, actor=member, data={"status": TaskStatus.DONE})
    task_update(task=b, actor=member, data={"title": "Title from B"})

    fresh = _fresh(task)
    assert (fresh.title, fresh.status) == ("Title from B", TaskStatus.DONE)
    assert fresh.completed_at == a.completed_at  # a done task keeps its completion time


@pytest.mark.parametrize("field", ["number", "completed_at", "created_by", "organization"])
def test_fields_that_are_not_editable_raise(task, member, field):
    with pytest.raises(ValueError, match=field):
        task_update(task=task, actor=member, data={"title": "New title", field: None})

    assert _fresh(task).title == "Old title"


def test_assign_and_unassign(task, member, admin):
    assert task_assign(task=task, actor=admin, assignee=member) == {"assignee": (None, member)}
    assert _fresh(task).assignee == member

    assert task_assign(task=task, actor=admin, assignee=member) == {}
    assert task_assign(task=task, actor=admin, assignee=None) == {"assignee": (member, None)}
    assert _fresh(task).assignee is None


def test_assignee_from_another_organization_is_refused(task, admin):
    with pytest.raises(ValidationError) as error:
        task_assign(task=task, actor=admin, assignee=MembershipFactory())

    assert error.value.message_dict == {"assignee": ["Choose a member of this organization."]}
    assert task.assignee is None
    assert _fresh(task).assignee is None


def test_stale_assignment_is_refused(task, member, admin):
    seen = task.updated_at
    task_assign(task=Task.objects.get(pk=task.pk), actor=admin, assignee=admin)

    with pytest.raises(StaleTaskError) as error:
        task_assign(task=task, actor=member, assignee=member, expected_updated_at=seen)

    assert error.value.conflicts == {"assignee": (admin, member)}
    assert _fresh(task).assignee == admin


@pytest.mark.parametrize("actor", ["member", "admin", "owner"])
def test_creator_and_admins_delete_a_task(request, task, actor):
    actor = request.getfixturevalue(actor)

    task_delete(task=task, actor=actor)

    assert not Task.objects.filter(pk=task.pk).exists()
    deleted = _fresh(task)
    assert deleted.deleted_at is not None
    assert deleted.deleted_by == actor.user


def test_other_members_cannot_delete_a_task(in_org, task):
    colleague = MembershipFactory(organization=in_org)

    with pytest.raises(PermissionDenied):
        task_delete(task=task, actor=colleague)

    assert Task.objects.filter(pk=task.pk).exists()
