"""Board moves (workspace.services.board) and the manual order's keys (workspace.ranks)."""

import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workspace import ranks
from workspace.models import AuditAction, AuditLog, Priority, Task, TaskStatus
from workspace.services.board import KEEP, Move, board_respace, column_value, task_move
from workspace.services.tasks import StaleTaskError, task_create, task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


# --- keys ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, None),
        (None, "V"),
        ("V", None),
        ("a", "b"),
        ("a", "a1"),
        ("a0V", "a1"),
        ("1", "2"),
        (ranks.unplaced_key(9), ranks.unplaced_key(10)),
        ("zzz", None),
        (None, "01"),
    ],
)
def test_a_key_falls_between_its_neighbours(before, after):
    key = ranks.key_between(before, after)

    assert before is None or before < key
    assert after is None or key < after
    assert not key.endswith("0")  # room below it remains
    assert ranks.is_key(key)


def test_keys_at_one_spot_stay_ordered_and_grow_slowly():
    low, high = ranks.unplaced_key(1), ranks.unplaced_key(2)
    made = []
    for _ in range(300):
        high = ranks.key_between(low, high)
        made.append(high)

    assert made == sorted(made, reverse=True)
    assert len(set(made)) == 300
    assert len(made[-1]) < 100  # about one character per four placements


def test_keys_at_random_spots_keep_a_total_order():
    rng = random.Random(7)
    keys = sorted(ranks.unplaced_key(n) for n in range(1, 30))
    for _ in range(2000):
        at = rng.randrange(-1, len(keys))
        low = keys[at] if at >= 0 else None
        high = keys[at + 1] if at + 1 < len(keys) else None
        keys.insert(at + 1, ranks.key_between(low, high))
        assert low is None or low < keys[at + 1]
        assert high is None or keys[at + 1] < high

    assert keys == sorted(keys)


def test_keys_between_spreads_short_keys():
    keys = ranks.keys_between("a", "b", 500)

    assert keys == sorted(keys)
    assert len(set(keys)) == 500
    assert all("a" < key < "b" for key in keys)
    assert max(map(len, keys)) <= 3


def test_keys_cannot_be_made_out_of_order():
    with pytest.raises(ValueError, match="is not before"):
        ranks.key_between("b", "a")


# --- moves ---------------------------------------------------------------------------------------


@pytest.fixture
def board(organization, member):
    with organization_scope(organization):
        project = ProjectFactory(organization=organization)
        tasks = [
            task_create(organization=organization, actor=member, project=project, title=f"Card {n}")
            for n in range(1, 6)
        ]
    return project, tasks


def order(organization, **filters) -> list[int]:
    """Task numbers as a column shows them, top first."""
    with organization_scope(organization):
        return list(
            Task.objects.filter(organization=organization, **filters)
            .board_order()
            .values_list("number", flat=True)
        )


def reload(task):
    with organization_scope(task.organization):
        return Task.objects.get(pk=task.pk)


def move(task, actor, **kwargs):
    with organization_scope(task.organization):
        return task_move(task=reload(task), actor=actor, move=Move(**kwargs))


def test_new_tasks_come_first_newest_on_top(organization, board):
    assert order(organization) == [5, 4, 3, 2, 1]


def test_a_task_created_after_a_move_to_the_top_still_comes_first(organization, member, board):
    project, tasks = board
    move(tasks[0], member, group="status", below=5)
    assert order(organization) == [1, 5, 4, 3, 2]

    with organization_scope(organization):
        task_create(organization=organization, actor=member, project=project, title="Newest")

    assert order(organization) == [6, 1, 5, 4, 3, 2]


def test_moving_within_a_column_writes_the_moved_task_only(organization, member, board):
    _project, tasks = board
    before = {t.pk: reload(t).updated_at for t in tasks}

    changes = move(tasks[4], member, group="status", above=2)  # #5 goes below #2

    assert order(organization) == [4, 3, 2, 5, 1]
    assert set(changes) == {"rank"}
    after = {t.pk: reload(t).updated_at for t in tasks}
    assert [pk for pk in before if before[pk] != after[pk]] == [tasks[4].pk]
    assert [t.number for t in tasks if reload(t).rank] == [5]


def test_moves_to_either_end(organization, member, board):
    _project, tasks = board
    move(tasks[4], member, group="status", above=1)  # the bottom
    assert order(organization) == [4, 3, 2, 1, 5]
    move(tasks[0], member, group="status", below=4)  # the top
    assert order(organization) == [1, 4, 3, 2, 5]


def test_many_moves_to_one_spot_keep_the_order(organization, member, board):
    project, _tasks = board
    with organization_scope(organization):
        extra = [
            task_create(organization=organization, actor=member, project=project, title=f"More {n}")
            for n in range(40)
        ]
    # Each of them goes just below #5: the last one moved ends up right below it.
    for task in extra:
        move(task, member, group="status", above=5)

    shown = order(organization)
    assert shown[:1] == [5]
    assert shown[1 : 1 + len(extra)] == [t.number for t in reversed(extra)]
    assert shown[-4:] == [4, 3, 2, 1]


def test_moving_to_another_column_changes_the_field_with_its_audit_entry(
    organization, member, board
):
    _project, tasks = board

    changes = move(tasks[1], member, group="status", value=TaskStatus.IN_PROGRESS)

    task = reload(tasks[1])
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.field_changed_at.get("status")
    assert "status" in changes
    assert "rank" not in changes
    with organization_scope(organization):
        entry = AuditLog.objects.filter(object_id=task.pk, action=AuditAction.UPDATED).get()
    assert "status" in entry.changed_fields
    assert order(organization, status=TaskStatus.IN_PROGRESS) == [2]


def test_moving_by_assignee_and_priority(organization, member, board):
    _project, tasks = board
    with organization_scope(organization):
        other = MembershipFactory(organization=organization)
        assignee = column_value("assignee", str(other.pk), organization=organization)
        high = column_value("priority", "high", organization=organization)
        unassigned = column_value("assignee", "none", organization=organization)
    move(tasks[0], member, group="assignee", value=assignee)
    move(tasks[0], member, group="priority", value=high)
    assert reload(tasks[0]).assignee_id == other.pk
    assert reload(tasks[0]).priority == Priority.HIGH
    move(tasks[0], member, group="assignee", value=unassigned)
    assert reload(tasks[0]).assignee_id is None


def test_column_values_from_elsewhere_are_refused(organization):
    stranger = MembershipFactory()
    with organization_scope(organization), pytest.raises(ValidationError):
        column_value("assignee", str(stranger.pk), organization=organization)
    for group, raw in [("status", "nope"), ("priority", "max"), ("project", "1")]:
        with pytest.raises(ValidationError):
            column_value(group, raw, organization=organization)


def test_a_member_of_another_organization_cannot_move(organization, board):
    _project, tasks = board
    outsider = MembershipFactory(organization=OrganizationFactory())

    with pytest.raises(PermissionDenied):
        move(tasks[0], outsider, group="status", value=TaskStatus.DONE)
    assert reload(tasks[0]).status == TaskStatus.TODO


def test_a_stale_move_of_a_changed_field_is_a_conflict(organization, member, admin, board):
    _project, tasks = board
    seen = reload(tasks[0]).updated_at
    with organization_scope(organization):
        task_update(task=reload(tasks[0]), actor=admin, data={"status": TaskStatus.DONE})

    with organization_scope(organization), pytest.raises(StaleTaskError):
        task_move(
            task=reload(tasks[0]),
            actor=member,
            move=Move(group="status", value=TaskStatus.IN_PROGRESS, below=5),
            expected_updated_at=seen,
        )
    assert reload(tasks[0]).status == TaskStatus.DONE


def test_a_deleted_neighbour_is_refused(organization, member, board):
    _project, tasks = board
    with pytest.raises(ValidationError):
        move(tasks[0], member, group="status", above=999)


def test_a_move_of_a_deleted_task_is_refused(organization, member, board):
    _project, tasks = board
    task = reload(tasks[0])
    with organization_scope(organization):
        Task.objects.filter(pk=task.pk).update(deleted_at=task.created_at)
        with pytest.raises(Task.DoesNotExist):
            task_move(task=task, actor=member, move=Move(group="status", value=KEEP, above=3))


def test_a_move_costs_a_constant_number_of_queries(organization, member, board):
    project, tasks = board
    with organization_scope(organization):
        for n in range(30):
            TaskFactory(project=project, organization=organization, title=f"Padding {n}")
        task = reload(tasks[0])
        with CaptureQueriesContext(connection) as queries:
            task_move(
                task=task,
                actor=member,
                move=Move(group="status", value=TaskStatus.IN_PROGRESS, above=3),
            )
    assert len(queries) <= 25


# --- re-spacing -------------------------------------------------------------------------------


def test_respacing_shortens_long_keys_and_keeps_the_order(organization, member, board):
    project, _tasks = board
    with organization_scope(organization):
        extra = [
            task_create(organization=organization, actor=member, project=project, title=f"Deep {n}")
            for n in range(120)
        ]
    for task in extra:
        move(task, member, group="status", above=3)
    shown = order(organization)
    with organization_scope(organization):
        longest = max(
            len(r) for r in Task.objects.exclude(rank=None).values_list("rank", flat=True)
        )
        untouched = {
            t.pk: t.rank for t in Task.objects.exclude(rank=None) if len(t.rank) <= ranks.SHORT_KEY
        }
        assert longest > ranks.LONG_KEY

        respaced = board_respace(organization_id=organization.pk)

        assert respaced > 0
        after = dict(Task.objects.exclude(rank=None).values_list("pk", "rank"))
    assert order(organization) == shown
    assert max(map(len, after.values())) <= ranks.SHORT_KEY + 4
    assert all(after[pk] == rank for pk, rank in untouched.items())
    with organization_scope(organization):
        assert board_respace(organization_id=organization.pk) == 0


def test_the_respacing_job_runs_after_a_long_key_is_written(
    organization, member, board, django_capture_on_commit_callbacks
):
    """Jobs run at once in tests: a move that writes a long key has it re-spaced on commit."""
    project, _tasks = board
    with organization_scope(organization):
        extra = [
            task_create(organization=organization, actor=member, project=project, title=f"Job {n}")
            for n in range(150)
        ]
    for task in extra:
        with django_capture_on_commit_callbacks(execute=True):
            move(task, member, group="status", above=3)

    with organization_scope(organization):
        keys = list(Task.objects.exclude(rank=None).values_list("rank", flat=True))
    assert len(keys) == 150
    assert max(map(len, keys)) <= ranks.LONG_KEY + 1
    assert order(organization)[:3] == [5, 4, 3]
    assert order(organization)[3:-2] == [t.number for t in reversed(extra)]
