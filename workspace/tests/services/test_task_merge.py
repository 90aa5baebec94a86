"""Edits made from an older version of a task merge by field (task_update): a stale version only
conflicts on a field changed since, and then nothing of the edit is written."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from workspace.models import Priority, Task, TaskStatus, version_from_token, version_token
from workspace.services.tasks import StaleTaskError, task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory


def _fresh(task) -> Task:
    return Task.all_objects.get(pk=task.pk)


def _copy(task) -> Task:
    """The task as another person's editor loaded it."""
    return Task.objects.get(pk=task.pk)


@pytest.mark.django_db
class TestMerge:
    @pytest.fixture
    def task(self, in_org, member):
        return TaskFactory(project=ProjectFactory(organization=in_org), created_by=member.user)

    def test_edits_of_different_fields_from_one_version_both_land(self, task, member, admin):
        seen = task.updated_at
        task_update(task=_copy(task), actor=admin, data={"priority": Priority.URGENT})

        changes = task_update(
            task=task, actor=member, data={"status": TaskStatus.DONE}, expected_updated_at=seen
        )

        assert changes == {"status": (TaskStatus.TODO, TaskStatus.DONE)}
        fresh = _fresh(task)
        assert (fresh.priority, fresh.status) == (Priority.URGENT, TaskStatus.DONE)

    def test_the_same_field_changed_since_is_a_conflict_with_both_values(self, task, member, admin):
        seen = task.updated_at
        task_update(task=_copy(task), actor=admin, data={"status": TaskStatus.DONE})

        with pytest.raises(StaleTaskError) as error:
            task_update(
                task=task,
                actor=member,
                data={"status": TaskStatus.CANCELLED, "priority": Priority.LOW},
                expected_updated_at=seen,
            )

        assert error.value.conflicts == {"status": (TaskStatus.DONE, TaskStatus.CANCELLED)}
        assert error.value.task.status == TaskStatus.DONE  # the instance shows theirs
        fresh = _fresh(task)
        assert (fresh.status, fresh.priority) == (TaskStatus.DONE, Priority.MEDIUM)  # nothing else

    def test_asking_for_the_value_someone_else_already_set_is_no_conflict(
        self, task, member, admin
    ):
        seen = task.updated_at
        task_update(task=_copy(task), actor=admin, data={"status": TaskStatus.DONE})

        changes = task_update(
            task=task, actor=member, data={"status": TaskStatus.DONE}, expected_updated_at=seen
        )

        assert changes == {}

    def test_a_field_changed_before_the_version_seen_is_no_conflict(self, task, member, admin):
        task_update(task=_copy(task), actor=admin, data={"title": "Renamed before I looked"})
        seen = _fresh(task).updated_at

        changes = task_update(
            task=_copy(task), actor=member, data={"title": "My title"}, expected_updated_at=seen
        )

        assert changes == {"title": ("Renamed before I looked", "My title")}

    def test_my_next_edit_from_the_version_my_edit_produced_is_no_conflict(self, task, member):
        task_update(
            task=task,
            actor=member,
            data={"title": "First"},
            expected_updated_at=task.updated_at,
        )
        mine = task.updated_at

        changes = task_update(
            task=_copy(task), actor=member, data={"title": "Second"}, expected_updated_at=mine
        )

        assert changes == {"title": ("First", "Second")}

    def test_a_stale_instance_is_brought_up_to_date_before_comparing(self, task, member, admin):
        stale = _copy(task)
        task_update(task=_copy(task), actor=admin, data={"priority": Priority.HIGH})

        changes = task_update(task=stale, actor=member, data={"priority": Priority.HIGH})

        assert changes == {}  # already high: nothing to write, no bogus "medium -> high"

    def test_each_change_records_when_its_fields_changed(self, task, member):
        before = task.updated_at

        task_update(task=task, actor=member, data={"status": TaskStatus.IN_PROGRESS})

        stamps = _fresh(task).field_changed_at
        assert set(stamps) == {"status"}
        changed = datetime.fromisoformat(stamps["status"])
        assert before < changed <= _fresh(task).updated_at
        assert _fresh(task).changed_since(before) == {"status"}
        assert _fresh(task).changed_since(_fresh(task).updated_at) == set()

    def test_versions_move_forward_even_when_the_clock_goes_back(self, task, member, admin):
        first = task.updated_at
        with time_machine.travel(first - timedelta(hours=1), tick=False):
            task_update(task=_copy(task), actor=admin, data={"priority": Priority.LOW})
        second = _fresh(task).updated_at
        assert second > first

        with pytest.raises(StaleTaskError):
            task_update(
                task=task,
                actor=member,
                data={"priority": Priority.URGENT},
                expected_updated_at=first,
            )


def test_version_tokens_round_trip_exactly():
    moment = datetime(2026, 12, 1, 21, 53, 13, 735_176, tzinfo=UTC)

    assert version_from_token(version_token(moment)) == moment
    for garbled in ["", "yesterday", "12a", "-5", "1" * 20, "\uff19\uff19"]:
        with pytest.raises(ValueError, match="not a version"):
            version_from_token(garbled)


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_of_different_fields_from_one_version_both_land(organization):
    """Two people, two connections, the same version: both edits are saved."""
    member, admin = (
        MembershipFactory(organization=organization),
        MembershipFactory(organization=organization),
    )
    with organization_scope(organization):
        task = TaskFactory(project=ProjectFactory(organization=organization))
    seen = task.updated_at
    barrier = threading.Barrier(2)
    errors = []

    def edit(actor, data):
        try:
            with organization_scope(organization):
                copy = Task.objects.get(pk=task.pk)
                barrier.wait(timeout=10)
                task_update(task=copy, actor=actor, data=data, expected_updated_at=seen)
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=edit, args=(member, {"status": TaskStatus.IN_PROGRESS})),
        threading.Thread(target=edit, args=(admin, {"priority": Priority.URGENT})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    with organization_scope(organization):
        fresh = _fresh(task)
    assert (fresh.status, fresh.priority) == (TaskStatus.IN_PROGRESS, Priority.URGENT)
