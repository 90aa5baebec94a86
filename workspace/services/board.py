"""The board: moving a task to another column and to a place in the manual order.

The manual order is one sequence per organization (``workspace.models.tasks.board_key``, read
highest first); every column shows its tasks in that order. A move writes the moved task only:
its grouped field through ``task_update`` (the same checks, audit entry and notifications as any
edit) and a new key between its new neighbours (``workspace.ranks``). Keys are unique per
organization: two moves to the same spot at once both succeed, the second one with another key.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery

from workspace import events, ranks, revisions, signals
from workspace.models import (
    Membership,
    Organization,
    Priority,
    Project,
    ProjectView,
    Task,
    TaskLayout,
    TaskStatus,
)
from workspace.models.tasks import board_key
from workspace.services.tasks import task_update

GROUPS = ("status", "assignee", "priority")
NONE = "none"  # the "Unassigned" column's value
# Moves take this advisory lock shared, the re-spacing job exclusively: keys are never
# rewritten under a move that is choosing one.
LOCK_CLASS = 7013
ATTEMPTS = 5
KEEP = object()  # a move that leaves the grouped field as it is


@dataclass(frozen=True)
class Move:
    """Where a task goes: the ``group`` field's new ``value`` (``KEEP``: leave it) and the task
    shown just above (``above``) or just below (``below``) the drop spot, by number. With
    neither, the task keeps its place in the order."""

    group: str
    value: object = KEEP
    above: int | None = None
    below: int | None = None


def column_value(group: str, raw: str, *, organization: Organization):
    """The field value a column's name stands for; ValidationError for anything else."""
    if group == "status":
        if raw in TaskStatus.values:
            return raw
    elif group == "priority":
        try:
            return Priority.by_key(raw).value
        except KeyError:
            pass
    elif group == "assignee":
        if raw == NONE:
            return None
        if raw.isascii() and raw.isdigit() and len(raw) < 19:
            member = Membership.objects.filter(organization=organization, pk=int(raw)).first()
            if member is not None:
                return member
    raise ValidationError("That column is not on this board.", code="column")


def _lock_for_moves(organization_id: int, *, exclusive: bool) -> None:
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [LOCK_CLASS, organization_id])


def _keys(organization_id: int):
    """Every task of the organization (deleted ones keep their keys) by board key."""
    return Task.all_objects.filter(organization=organization_id).alias(key=board_key())


def _neighbours(task: Task, number: int, *, lower: bool) -> tuple[str, str | None] | None:
    """The key of task ``number`` and the next key below it (``lower``) or above it in the
    whole organization's order, leaving ``task`` out: one query. None when it is gone."""
    others = _keys(task.organization_id).exclude(pk=task.pk)
    if lower:
        nearest = others.filter(key__lt=OuterRef("k")).order_by("-key")
    else:
        nearest = others.filter(key__gt=OuterRef("k")).order_by("key")
    nearest = nearest.annotate(nk=board_key()).values("nk")[:1]
    return (
        _keys(task.organization_id)
        .filter(number=number)
        .annotate(k=board_key())
        .annotate(near=Subquery(nearest))
        .values_list("k", "near")
        .first()
    )


def _top_bound(organization_id: int) -> str:
    """Tasks created from now on sort here: no placed key goes past it."""
    counter = (
        Organization.objects.filter(pk=organization_id).values_list("task_counter", flat=True).get()
    )
    return ranks.unplaced_key(counter + 1)


def _new_key(task: Task, move: Move) -> str | None:
    """A key for ``task`` right below ``move.above`` or right above ``move.below``, between
    that neighbour and the next task of the whole organization's order."""
    if move.above is None and move.below is None:
        return None
    found = _neighbours(task, move.above or move.below, lower=move.above is not None)
    if found is None:
        raise ValidationError("The card next to this spot is gone: reload the board.")
    if move.above is not None:
        high, low = found
    else:
        low, high = found
        if high is None:
            bound = _top_bound(task.organization_id)
            high = bound if bound > low else None
    key = ranks.key_between(low, high)
    if len(key) > ranks.RANK_MAX_LENGTH:  # only if the re-spacing job has not run for long
        signals.board_keys_long.send(sender=Task, organization_id=task.organization_id)
        raise ValidationError("This spot is crowded: the board is being tidied, try again soon.")
    return key


def task_move(
    *, task: Task, actor: Membership, move: Move, expected_updated_at: datetime | None = None
) -> dict[str, tuple]:
    """Move ``task`` as ``move`` says; returns the field changes (``task_update``'s), plus
    ``"rank"`` when its place changed. ``StaleTaskError`` when someone else changed the grouped
    field since ``expected_updated_at``; ValidationError for a refused value or a neighbour
    that is gone; ``Task.DoesNotExist`` when the task was deleted meanwhile. All or nothing; a
    move to another column that keeps its place is exactly a ``task_update``."""
    if actor.organization_id != task.organization_id:
        raise PermissionDenied("Only members of the organization can move its tasks.")
    if move.group not in GROUPS:
        raise ValidationError("Group the board by status, assignee or priority.")
    changing = move.value is not KEEP and getattr(task, move.group) != move.value
    placing = move.above is not None or move.below is not None
    if not placing:
        if not changing:
            return {}
        return task_update(
            task=task,
            actor=actor,
            data={move.group: move.value},
            expected_updated_at=expected_updated_at,
        )
    with transaction.atomic():
        return _place(task, actor, move, changing, expected_updated_at)


def _place(task, actor, move, changing, expected_updated_at) -> dict[str, tuple]:
    _lock_for_moves(task.organization_id, exclusive=False)
    if not changing and not Task.objects.select_for_update().filter(pk=task.pk).exists():
        raise Task.DoesNotExist(f"{task.reference} was deleted.")
    key = _new_key(task, move)  # before anything is written
    changes = {}
    if changing:  # task_update locks the row (and refuses a stale change)
        changes = task_update(
            task=task,
            actor=actor,
            data={move.group: move.value},
            expected_updated_at=expected_updated_at,
        )
    for attempt in range(ATTEMPTS):
        if key is None or key == task.rank:
            break
        old = task.rank
        try:
            with transaction.atomic():  # a savepoint: a key taken meanwhile is picked again
                task.rank = key
                task.save(update_fields=["rank", "updated_at"])
        except IntegrityError:
            task.rank = old
            if attempt == ATTEMPTS - 1:
                raise ValidationError(
                    "Too many people are moving cards here at once: try again."
                ) from None
            key = _new_key(task, move)
            continue
        changes["rank"] = (old, key)
        events.publish_task(task)
        if len(key) > ranks.LONG_KEY:
            transaction.on_commit(
                partial(
                    signals.board_keys_long.send,
                    sender=Task,
                    organization_id=task.organization_id,
                )
            )
        break
    return changes


@transaction.atomic
def board_respace(*, organization_id: int) -> int:
    """Give short keys to the tasks whose key grew long, keeping the order: each run of tasks
    with keys past ``ranks.SHORT_KEY`` (next to each other in the order) that holds one past
    ``ranks.LONG_KEY`` gets keys spread evenly between the short keys around it. Returns how
    many tasks got a new key; other rows are untouched."""
    _lock_for_moves(organization_id, exclusive=True)
    rows = (
        _keys(organization_id)
        .annotate(k=board_key())
        .order_by("key")
        .values_list("pk", "rank", "k")
        .iterator(chunk_size=5000)
    )
    runs: list[tuple[str | None, list[int], str | None]] = []
    low: str | None = None
    run: list[int] = []
    long = False  # a run is rewritten only when one of its keys is past LONG_KEY
    for pk, rank, key in rows:
        if rank is not None and len(rank) > ranks.SHORT_KEY:
            run.append(pk)
            long = long or len(rank) > ranks.LONG_KEY
            continue
        if long:
            runs.append((low, run, key))
        run, long = [], False
        low = key
    if long:
        runs.append((low, run, _top_bound(organization_id)))
    if not runs:
        return 0
    moved = [pk for _low, pks, _high in runs for pk in pks]
    # Free the old keys first: a new one may equal an old one of the same run.
    Task.all_objects.filter(pk__in=moved).update(rank=None)
    updates = []
    for low, pks, high in runs:
        for pk, key in zip(pks, ranks.keys_between(low, high, len(pks)), strict=True):
            updates.append(Task(pk=pk, rank=key))
    Task.all_objects.bulk_update(updates, ["rank"], batch_size=1000)
    transaction.on_commit(lambda: revisions.changed(organization_id, revisions.TASKS))
    return len(updates)


def project_layout_remember(*, project: Project, actor: Membership, layout: str) -> None:
    """Open ``project`` as ``layout`` (list or board) for ``actor`` from now on (one query)."""
    if project.organization_id != actor.organization_id:
        raise PermissionDenied("Only members of the organization can choose how it shows.")
    if layout not in TaskLayout.values:
        raise ValidationError("Show tasks as a list or a board.")
    ProjectView.objects.bulk_create(
        [
            ProjectView(
                organization_id=project.organization_id,
                project=project,
                membership=actor,
                layout=layout,
            )
        ],
        update_conflicts=True,
        unique_fields=["membership", "project"],
        update_fields=["layout", "updated_at"],
    )
