"""Bulk edits: one field set to one value on many tasks (or many tasks moved to the trash), as
one write: one transaction, a fixed number of queries however many tasks it changes, an audit
entry per task plus one grouped entry for the activity page, one e-mail per person it concerns
(not one per task), and an undo that puts every changed task back.

A bulk edit bypasses ``task_update`` (one query per task would not scale to 10,000) and so does
what it does by hand: it moves ``updated_at`` and stamps ``field_changed_at`` for the field it
changes (so open editors see the change as a conflict only on that field), keeps ``started_at``
and ``completed_at`` in step with the status, and moves the organization's task revision.
"""

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from accounts.preferences import Channel, Topic
from workspace import events, permissions, revisions, signals
from workspace.audit import REPR_MAX, _origin, audit_record, describe_changes
from workspace.models import (
    RECENT_EVENTS_MAX,
    AuditAction,
    AuditLog,
    BulkEdit,
    BulkField,
    BulkState,
    EventKind,
    InboxItem,
    Label,
    Membership,
    Notification,
    NotificationKind,
    Organization,
    Priority,
    Project,
    Task,
    TaskLabel,
    TaskStatus,
    Watch,
)
from workspace.services.labels import LABELS_PER_TASK_MAX
from workspace.services.notifications import announce_after_commit
from workspace.services.tasks import DUE_DATE_MAX, DUE_DATE_MIN

# Up to this many tasks a bulk edit runs at once, in one transaction (all or none).
BULK_MAX = 10_000
# An e-mail lists at most this many of the tasks it is about (and counts the rest).
EMAIL_TASKS_MAX = 20

COLUMNS = {
    BulkField.STATUS: "status",
    BulkField.PRIORITY: "priority",
    BulkField.ASSIGNEE: "assignee_id",
    BulkField.DUE_DATE: "due_date",
    BulkField.PROJECT: "project_id",
}
# Adding or removing one label: the task's label set changes (its "labels" field).
LABEL_FIELDS = (BulkField.LABELS_ADD, BulkField.LABELS_REMOVE)
SQL_TYPES = {
    BulkField.STATUS: "text",
    BulkField.PRIORITY: "smallint",
    BulkField.ASSIGNEE: "bigint",
    BulkField.DUE_DATE: "date",
    BulkField.PROJECT: "bigint",
}


class TooManyTasks(ValidationError):
    """More tasks match than one bulk edit changes at once."""


@dataclass
class BulkResult:
    bulk: BulkEdit | None
    matched: int
    changed: int
    skipped: dict[str, int] = field(default_factory=dict)  # why -> how many

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())


def _changes(field_name: str) -> str:
    """The task field a bulk edit of ``field_name`` changes (``Task.field_changed_at``)."""
    return "labels" if field_name in LABEL_FIELDS else field_name


def _stored(value):
    """A value as ``BulkEdit`` keeps it (JSON)."""
    if isinstance(value, date):
        return value.isoformat()
    return value


def _value_and_label(
    organization: Organization, field_name: str, value
) -> tuple[object, str, Project | Membership | None]:
    """The stored value the tasks get, how people read it, and the object it names."""
    if field_name == BulkField.STATUS:
        if value not in TaskStatus.values:
            raise ValidationError("Choose a valid status.")
        return value, TaskStatus(value).label, None
    if field_name == BulkField.PRIORITY:
        if value not in Priority.values:
            raise ValidationError("Choose a valid priority.")
        return int(value), Priority(value).label, None
    if field_name == BulkField.ASSIGNEE:
        if value is None:
            return None, "Unassigned", None
        if not isinstance(value, Membership) or value.organization_id != organization.pk:
            raise ValidationError("Choose a member of this organization.")
        return value.pk, value.user.display_name, value
    if field_name == BulkField.DUE_DATE:
        if value is None:
            return None, "no due date", None
        if not isinstance(value, date) or not DUE_DATE_MIN <= value <= DUE_DATE_MAX:
            raise ValidationError(
                f"Choose a due date between {DUE_DATE_MIN.year} and {DUE_DATE_MAX.year}."
            )
        return value, f"{value:%b} {value.day}, {value.year}", None
    if field_name == BulkField.PROJECT:
        if not isinstance(value, Project) or value.organization_id != organization.pk:
            raise ValidationError("Choose an active project of this organization.")
        # Locked like a single move (task_update): a concurrent archiving or deletion waits.
        project = Project.all_objects.select_for_update().filter(pk=value.pk).first()
        if project is None or project.is_deleted or not project.is_active:
            raise ValidationError(f"The project {value.name} is not active. Choose another one.")
        return project.pk, project.name, project
    if field_name in LABEL_FIELDS:
        if not isinstance(value, Label) or value.organization_id != organization.pk:
            raise ValidationError("Choose a label of this organization.")
        return value.pk, value.name, value
    raise ValidationError("Choose what to change.")


def _check_actor(organization: Organization, actor: Membership) -> None:
    if actor.organization_id != organization.pk or not actor.user.is_active:
        raise PermissionDenied("Only members of this organization change its tasks.")


def _next_version(rows: list[dict]) -> datetime:
    """A version past every one of ``rows`` (and not before now): see ``VersionField``."""
    stamp = timezone.now()
    latest = max((row["updated_at"] for row in rows), default=None)
    if latest is not None and stamp <= latest:
        stamp = latest + timedelta(microseconds=1)
    return stamp


def _audit_entries(
    *, organization, actor, action, rows, changes_for, content_type
) -> list[AuditLog]:
    origin = _origin.get() or {}
    return AuditLog.objects.bulk_create(
        [
            AuditLog(
                organization=organization,
                actor=actor.user,
                action=action,
                content_type=content_type,
                object_id=row["pk"],
                object_repr=f"#{row['number']} {row['title']}"[:REPR_MAX],
                changed_fields=changes_for(row),
                ip_address=origin.get("ip_address"),
                user_agent=origin.get("user_agent", ""),
            )
            for row in rows
        ]
    )


def _names(organization: Organization, field_name: str, ids) -> dict:
    """Objects named by stored ids (old assignees and projects), for the audit entries."""
    ids = {pk for pk in ids if pk is not None}
    if not ids:
        return {}
    if field_name == BulkField.ASSIGNEE:
        members = Membership.objects.filter(organization=organization, pk__in=ids)
        return {m.pk: m for m in members.select_related("user")}
    if field_name == BulkField.PROJECT:
        return {p.pk: p for p in Project.all_objects.filter(organization=organization, pk__in=ids)}
    return {}


def _readable(field_name: str, stored, names: dict):
    if field_name in (BulkField.ASSIGNEE, BulkField.PROJECT):
        return names.get(stored)
    return stored


def summary(bulk: BulkEdit, count: int | None = None, *, yours: bool = False) -> str:
    """How the action reads in the activity page and toasts ("set the status of 40 tasks to
    Done"); ``yours``: as the inbox tells one person ("... of 12 of your tasks ...")."""
    count = bulk.changed if count is None else count
    tasks = f"{count} task{'s' if count != 1 else ''}"
    if yours and bulk.field == BulkField.ASSIGNEE:
        return f"assigned {tasks} to you"
    if yours:
        tasks = f"{count} of your tasks" if count != 1 else "1 of your tasks"
    if bulk.field == BulkField.TRASH:
        return f"moved {tasks} to the trash"
    if bulk.field == BulkField.LABELS_ADD:
        return f"added the label {bulk.value_label} to {tasks}"
    if bulk.field == BulkField.LABELS_REMOVE:
        return f"removed the label {bulk.value_label} from {tasks}"
    return f"set the {bulk.get_field_display()} of {tasks} to {bulk.value_label}"


def _prepare(organization: Organization, actor: Membership, field_name: str, value):
    """The checked actor and value: ``(stored value, label, named object)``."""
    _check_actor(organization, actor)
    if field_name not in BulkField.values:
        raise ValidationError("Choose what to change.")
    if field_name == BulkField.TRASH:
        return None, "the trash", None
    return _value_and_label(organization, field_name, value)


def _reading(field_name: str) -> list[str]:
    """The task columns a bulk edit of ``field_name`` reads."""
    column = COLUMNS.get(field_name)
    reading = ["pk", "number", "title", "updated_at", "created_by_id"]
    if column:
        reading.append(column)
    if field_name == BulkField.STATUS:
        reading.extend(["started_at", "completed_at"])
    return reading


def _read(tasks: QuerySet, field_name: str, stored) -> QuerySet:
    """The rows of ``tasks`` a bulk edit reads (locked, by id): for a label, whether each task
    has it and how many labels it has (two subqueries, not one query per task)."""
    tasks = tasks.select_for_update(of=("self",)).order_by("pk")
    if field_name in LABEL_FIELDS:
        on_task = TaskLabel.objects.filter(task=OuterRef("pk"))
        tasks = tasks.annotate(
            has_label=Exists(on_task.filter(label_id=stored)),
            label_count=Coalesce(
                Subquery(
                    on_task.order_by().values("task").annotate(n=Count("pk")).values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            ),
        )
        return tasks.values(*_reading(field_name), "has_label", "label_count")
    return tasks.values(*_reading(field_name))


def _partition(rows, *, actor, field_name, stored, label, stamp=None):
    """The rows the edit changes, and why the others are skipped (``Counter``). With ``stamp``
    (a background job's version), rows changed after the job began are skipped too."""
    column = COLUMNS.get(field_name)
    changing, skipped = [], Counter()
    for row in rows:
        if stamp is not None and row["updated_at"] >= stamp:
            skipped["changed while the change ran"] += 1
        elif field_name == BulkField.TRASH:
            if actor.is_admin or row["created_by_id"] == actor.user_id:
                changing.append(row)
            else:
                skipped["only admins and their creators delete tasks"] += 1
        elif field_name == BulkField.LABELS_ADD:
            if row["has_label"]:
                skipped[f"already had the label {label}"] += 1
            elif row["label_count"] >= LABELS_PER_TASK_MAX:
                skipped[f"already have {LABELS_PER_TASK_MAX} labels"] += 1
            else:
                changing.append(row)
        elif field_name == BulkField.LABELS_REMOVE:
            if row["has_label"]:
                changing.append(row)
            else:
                skipped[f"did not have the label {label}"] += 1
        elif row[column] == stored:
            skipped[f"already in {label}" if field_name == "project" else f"already {label}"] += 1
        else:
            changing.append(row)
    return changing, skipped


def _before(field_name: str, rows) -> list[list]:
    """What undo puts back, per task (see ``BulkEdit.before``)."""
    if field_name == BulkField.TRASH or field_name in LABEL_FIELDS:
        # Trash: restored from its batch; a label: taken off (or put back on) again.
        return [[row["pk"], None] for row in rows]
    column = COLUMNS[field_name]
    if field_name == BulkField.STATUS:
        return [
            [
                row["pk"],
                row[column],
                row["started_at"] and row["started_at"].isoformat(),
                row["completed_at"] and row["completed_at"].isoformat(),
            ]
            for row in rows
        ]
    return [[row["pk"], _stored(row[column])] for row in rows]


def _label_names(ids) -> dict[int, list[str]]:
    """The names of each task's labels (as the rows show them), in one query."""
    names: dict[int, list[str]] = {}
    on_tasks = (
        TaskLabel.objects.filter(task_id__in=ids)
        .order_by(Lower("label__name"), "label_id")
        .values_list("task_id", "label__name")
    )
    for task_id, name in on_tasks:
        names.setdefault(task_id, []).append(name)
    return names


def _relabel(*, organization, actor, rows, label_id: int, add: bool, stamp: datetime) -> None:
    """Put the label on (``add``) or take it off each of ``rows``, move their version, mark
    their labels as changed and write an audit entry per task (before and after, as a single
    edit of a task's labels records them): a fixed number of queries."""
    ids = [row["pk"] for row in rows]
    before = _label_names(ids)
    if add:
        TaskLabel.objects.bulk_create(
            [TaskLabel(organization=organization, task_id=pk, label_id=label_id) for pk in ids],
            ignore_conflicts=True,
        )
    else:
        TaskLabel.objects.filter(task_id__in=ids, label_id=label_id).delete()
    after = _label_names(ids)
    Task.all_objects.filter(pk__in=ids).update(
        updated_at=stamp,
        field_changed_at=RawSQL(
            "COALESCE(field_changed_at, '{}'::jsonb) || %s::jsonb",
            [json.dumps({"labels": stamp.isoformat()})],
        ),
    )
    _audit_entries(
        organization=organization,
        actor=actor,
        action=AuditAction.UPDATED,
        rows=rows,
        changes_for=lambda row: {
            "labels": [
                ", ".join(before.get(row["pk"], [])) or None,
                ", ".join(after.get(row["pk"], [])) or None,
            ]
        },
        content_type=ContentType.objects.get_for_model(Task),
    )


def _write(*, organization, actor, bulk: BulkEdit, rows, stored, named) -> None:
    """Change ``rows`` (locked) as ``bulk`` says, with an audit entry per task: a fixed number
    of queries however many rows."""
    field_name, stamp = bulk.field, bulk.stamp
    column = COLUMNS.get(field_name)
    ids = [row["pk"] for row in rows]
    content_type = ContentType.objects.get_for_model(Task)
    if field_name == BulkField.TRASH:
        Task.objects.filter(pk__in=ids).update(
            deleted_at=stamp, deleted_by=actor.user, deletion_batch=bulk.value, updated_at=stamp
        )
        _audit_entries(
            organization=organization,
            actor=actor,
            action=AuditAction.DELETED,
            rows=rows,
            changes_for=lambda row: {},
            content_type=content_type,
        )
    elif field_name in LABEL_FIELDS:
        _relabel(
            organization=organization,
            actor=actor,
            rows=rows,
            label_id=stored,
            add=field_name == BulkField.LABELS_ADD,
            stamp=stamp,
        )
    else:
        update = {
            column: stored,
            "updated_at": stamp,
            "field_changed_at": RawSQL(
                "COALESCE(field_changed_at, '{}'::jsonb) || %s::jsonb",
                [json.dumps({field_name: stamp.isoformat()})],
            ),
        }
        if field_name == BulkField.STATUS:
            if stored == TaskStatus.IN_PROGRESS:
                update["started_at"] = Coalesce(F("started_at"), Value(stamp))
            update["completed_at"] = stamp if stored == TaskStatus.DONE else None
        Task.objects.filter(pk__in=ids).update(**update)
        names = _names(organization, field_name, [row[column] for row in rows])
        new = named if named is not None else stored
        _audit_entries(
            organization=organization,
            actor=actor,
            action=AuditAction.UPDATED,
            rows=rows,
            changes_for=lambda row: describe_changes(
                Task, {field_name: (_readable(field_name, row[column], names), new)}
            ),
            content_type=content_type,
        )
    if field_name == BulkField.ASSIGNEE and stored is not None:
        # The new assignee watches the tasks, as with a single assignment.
        Watch.objects.bulk_create(
            [Watch(organization=organization, task_id=pk, membership_id=stored) for pk in ids],
            ignore_conflicts=True,
        )
    revisions.changed(organization.pk, revisions.TASKS)
    events.publish(organization.pk, "tasks")


def _finish(organization, actor, bulk: BulkEdit, rows) -> None:
    """The grouped entry of the activity page and the e-mails (once per person)."""
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditAction.BULK_UPDATED,
        target=bulk,
        object_repr=summary(bulk),
        changed_fields={"tasks": bulk.changed, bulk.field: [None, bulk.value_label]},
    )
    _notify(organization, actor, bulk, rows)


@transaction.atomic
def task_bulk_edit(
    *,
    organization: Organization,
    actor: Membership,
    tasks: QuerySet,
    field_name: str,
    value=None,
) -> BulkResult:
    """Set ``field_name`` to ``value`` on every task of ``tasks`` (a queryset: its rows are
    read again inside ``organization``, so ids of another organization match nothing), or move
    them to the trash (``field_name="trash"``), all in this one transaction. Tasks that already
    have the value, or that the actor may not delete, are skipped and counted by reason. More
    than ``BULK_MAX`` tasks: ``TooManyTasks``, nothing written (``task_bulk_queue`` runs such
    an edit in the background)."""
    stored, label, named = _prepare(organization, actor, field_name, value)
    selected = _read(
        Task.objects.filter(organization=organization, pk__in=tasks.order_by().values("pk")),
        field_name,
        stored,
    )[: BULK_MAX + 1]
    rows = list(selected)
    if len(rows) > BULK_MAX:
        raise TooManyTasks(
            f"More than {BULK_MAX:,} tasks match: they are changed in the background.",
            code="too_many",
        )
    changing, skipped = _partition(
        rows, actor=actor, field_name=field_name, stored=stored, label=label
    )
    if not changing:
        return BulkResult(bulk=None, matched=len(rows), changed=0, skipped=dict(skipped))
    trash = field_name == BulkField.TRASH
    bulk = BulkEdit.objects.create(
        organization=organization,
        actor=actor,
        field=field_name,
        value=str(uuid.uuid4()) if trash else _stored(stored),
        value_label=label[:200],
        before=_before(field_name, changing),
        changed=len(changing),
        skipped=sum(skipped.values()),
        total=len(rows),
        progress=len(rows),
        stamp=_next_version(changing),
    )
    _write(
        organization=organization, actor=actor, bulk=bulk, rows=changing, stored=stored, named=named
    )
    _finish(organization, actor, bulk, changing)
    return BulkResult(bulk=bulk, matched=len(rows), changed=len(changing), skipped=dict(skipped))


# A background bulk edit changes this many tasks per transaction, and at most JOB_MAX tasks.
JOB_CHUNK = 1000
JOB_MAX = 200_000


@transaction.atomic
def task_bulk_queue(
    *,
    organization: Organization,
    actor: Membership,
    tasks: QuerySet,
    field_name: str,
    value=None,
) -> BulkEdit:
    """A bulk edit too large for one transaction, to run in the background
    (``task_bulk_run``, in chunks of ``JOB_CHUNK`` tasks, each its own transaction). The tasks
    are the ones ``tasks`` names now (inside ``organization``); tasks changed after the job
    began are left as they are (and counted as skipped)."""
    stored, label, _named = _prepare(organization, actor, field_name, value)
    ids = list(
        Task.objects.filter(organization=organization, pk__in=tasks.order_by().values("pk"))
        .order_by("pk")
        .values_list("pk", flat=True)[: JOB_MAX + 1]
    )
    if len(ids) > JOB_MAX:
        raise TooManyTasks(
            f"More than {JOB_MAX:,} tasks match: narrow the filter and try again.",
            code="too_many",
        )
    trash = field_name == BulkField.TRASH
    bulk = BulkEdit.objects.create(
        organization=organization,
        actor=actor,
        field=field_name,
        value=str(uuid.uuid4()) if trash else _stored(stored),
        value_label=label[:200],
        state=BulkState.QUEUED,
        task_ids=ids,
        total=len(ids),
        stamp=_next_version([]),
    )
    bulk_id = bulk.pk
    transaction.on_commit(
        lambda: signals.bulk_edit_queued.send(
            sender=BulkEdit, organization_id=organization.pk, bulk_id=bulk_id
        )
    )
    return bulk


def _named(organization: Organization, bulk: BulkEdit):
    if bulk.field == BulkField.ASSIGNEE and bulk.value is not None:
        return Membership.objects.select_related("user").get(pk=bulk.value)
    if bulk.field == BulkField.PROJECT:
        return Project.all_objects.get(pk=bulk.value)
    if bulk.field in LABEL_FIELDS:
        return Label.objects.filter(pk=bulk.value).first()
    return None


def task_bulk_run(*, bulk_id: int) -> BulkEdit:
    """Run a queued bulk edit, chunk by chunk; ``progress`` counts the tasks done so far (the
    list shows it). Safe to run again: it resumes after the last committed chunk."""
    with transaction.atomic():
        bulk = BulkEdit.objects.select_for_update().get(pk=bulk_id)
        if bulk.state not in (BulkState.QUEUED, BulkState.RUNNING):
            return bulk
        bulk.state = BulkState.RUNNING
        bulk.save(update_fields=["state"])
    organization = bulk.organization
    actor = Membership.objects.select_related("user").filter(pk=bulk.actor_id).first()
    if actor is None:  # left the organization since
        BulkEdit.objects.filter(pk=bulk.pk).update(state=BulkState.FAILED)
        bulk.state = BulkState.FAILED
        return bulk
    named = _named(organization, bulk)
    if bulk.field in LABEL_FIELDS and named is None:  # the label was deleted since
        BulkEdit.objects.filter(pk=bulk.pk).update(state=BulkState.FAILED)
        bulk.state = BulkState.FAILED
        return bulk
    stored = named.pk if named is not None else bulk.value
    if bulk.field == BulkField.DUE_DATE and stored is not None:
        stored = date.fromisoformat(stored)
    ids = bulk.task_ids or []
    while bulk.progress < len(ids):
        chunk = ids[bulk.progress : bulk.progress + JOB_CHUNK]
        with transaction.atomic():
            rows = list(
                _read(
                    Task.objects.filter(organization=organization, pk__in=chunk),
                    bulk.field,
                    stored,
                )
            )
            changing, skipped = _partition(
                rows,
                actor=actor,
                field_name=bulk.field,
                stored=stored,
                label=bulk.value_label,
                stamp=bulk.stamp,
            )
            if changing:
                _write(
                    organization=organization,
                    actor=actor,
                    bulk=bulk,
                    rows=changing,
                    stored=stored,
                    named=named,
                )
            bulk.before = [*bulk.before, *_before(bulk.field, changing)]
            bulk.changed += len(changing)
            bulk.skipped += sum(skipped.values()) + len(chunk) - len(rows)
            bulk.progress += len(chunk)
            bulk.save(update_fields=["before", "changed", "skipped", "progress"])
    with transaction.atomic():
        bulk.state = BulkState.DONE
        bulk.save(update_fields=["state"])
        if bulk.changed:
            changed = {entry[0] for entry in bulk.before}
            rows = list(
                Task.all_objects.filter(organization=organization, pk__in=changed)
                .order_by("pk")
                .values("pk", "number")
            )
            _finish(organization, actor, bulk, rows)
    return bulk


def _topic(bulk: BulkEdit) -> Topic:
    if bulk.field == BulkField.ASSIGNEE:
        return Topic.ASSIGNED
    if bulk.field == BulkField.STATUS and bulk.value == TaskStatus.DONE:
        return Topic.COMPLETED
    return Topic.CHANGES


def _inbox(organization, actor, bulk: BulkEdit, told: list, counts, numbers, *, undo: bool):
    """One inbox item per person about the whole action (not one per task): "Ada set the
    status of 12 of your tasks to Done". Its undo adds an event to the same item. Two queries
    (three for an undo), however many people and tasks."""
    now = timezone.now()
    existing = {}
    if undo:
        existing = {
            item.recipient_id: item
            for item in InboxItem.objects.filter(bulk=bulk, recipient__in=[m.pk for m in told])
        }
    created, updated = [], []
    for membership in told:
        theirs = sorted(numbers[pk] for pk in counts[membership.pk])
        event = {
            "kind": EventKind.BULK_CHANGED.value,
            "actor": actor.user_id,
            "at": now.isoformat(),
            "summary": ("undid: " if undo else "") + summary(bulk, len(theirs), yours=True),
            "numbers": theirs[:EMAIL_TASKS_MAX],
            "count": len(theirs),
        }
        item = existing.get(membership.pk)
        if item is None:
            item = InboxItem(
                organization=organization, recipient=membership, bulk=bulk, unread_events=0
            )
            created.append(item)
        else:
            updated.append(item)
        item.unread_events = (item.unread_events if item.read_at is None else 0) + 1
        item.kind = EventKind.BULK_CHANGED.value
        item.actor_id = actor.user_id
        item.last_event_at = now
        item.recent = [event, *(item.recent or [])][:RECENT_EVENTS_MAX]
        item.read_at = None
        item.archived_at = None
    InboxItem.objects.bulk_create(created)
    InboxItem.objects.bulk_update(
        updated,
        ["kind", "actor", "last_event_at", "recent", "unread_events", "read_at", "archived_at"],
    )
    for membership in told:
        events.publish(organization.pk, "inbox", user=membership.pk)


def _notify(
    organization: Organization, actor: Membership, bulk: BulkEdit, rows, *, undo: bool = False
) -> None:
    """Tell each person the action concerns once, whatever the number of tasks: the new
    assignee (for an assignment), else the watchers of the changed tasks, each told how many
    of their tasks changed, never the actor. One inbox item each (unless they turned the topic
    off) and one e-mail each (if they chose e-mail for it). Its undo (``undo``) tells the same
    people, once each, that it was undone."""
    ids = [row["pk"] for row in rows]
    if bulk.field == BulkField.ASSIGNEE:
        if bulk.value is None or bulk.value == actor.pk:
            return
        counts = {bulk.value: ids}
    elif bulk.field in (BulkField.STATUS, BulkField.DUE_DATE):
        counts: dict[int, list[int]] = {}
        watches = (
            Watch.objects.filter(organization=organization, task_id__in=ids)
            .exclude(membership=actor)
            .values_list("membership_id", "task_id")
        )
        for membership_id, task_id in watches:
            counts.setdefault(membership_id, []).append(task_id)
    else:
        return
    if not counts:
        return
    topic = _topic(bulk)
    numbers = {row["pk"]: row["number"] for row in rows}
    members = list(
        Membership.objects.filter(
            organization=organization, pk__in=list(counts), user__is_active=True
        ).select_related("user")
    )
    told = [m for m in members if m.user.channel(topic) != Channel.OFF]
    if told:
        _inbox(organization, actor, bulk, told, counts, numbers, undo=undo)
    outbox = []
    for membership in members:
        if membership.user.channel(topic) != Channel.EMAIL:
            continue
        theirs = sorted(numbers[pk] for pk in counts[membership.pk])
        outbox.append(
            Notification(
                organization=organization,
                kind=NotificationKind.BULK,
                recipient=membership.user,
                recipient_email=membership.user.email,
                subject_id=bulk.pk,
                payload={
                    "actor": actor.user.display_name,
                    "summary": ("undid: " if undo else "") + summary(bulk, len(theirs)),
                    "numbers": theirs[:EMAIL_TASKS_MAX],
                    "count": len(theirs),
                },
                dedupe_key=f"bulk{'-undo' if undo else ''}:{bulk.pk}:{membership.user_id}",
            )
        )
    Notification.objects.bulk_create(outbox)
    announce_after_commit(
        signals.inbox_notified,
        organization=organization,
        notifications=outbox,
        scheduled=[],
        membership_ids=[],
        task_id=None,
    )


def _restore_values(bulk: BulkEdit, rows: list[list], stamp: datetime) -> None:
    """Put each task's old value back in one statement (``rows``: ``before`` entries)."""
    field_name = BulkField(bulk.field)
    table = Task._meta.db_table
    column = COLUMNS[field_name]
    sql_type = SQL_TYPES[field_name]
    ids = [row[0] for row in rows]
    old = [None if row[1] is None else str(row[1]) for row in rows]
    changed_at = json.dumps({field_name.value: stamp.isoformat()})
    extra, params = "", [stamp, changed_at]
    unnest = "unnest(%s::bigint[], %s::text[])"
    values = "v(id, old)"
    if field_name == BulkField.STATUS:
        extra = ", started_at = v.started::timestamptz, completed_at = v.completed::timestamptz"
        unnest = "unnest(%s::bigint[], %s::text[], %s::text[], %s::text[])"
        values = "v(id, old, started, completed)"
    params += [ids, old]
    if field_name == BulkField.STATUS:
        params += [[row[2] for row in rows], [row[3] for row in rows]]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {column} = v.old::{sql_type}, updated_at = %s, "  # noqa: S608
            f"field_changed_at = COALESCE(t.field_changed_at, '{{}}'::jsonb) || %s::jsonb"
            f"{extra} FROM {unnest} AS {values} WHERE t.id = v.id",
            params,
        )


@transaction.atomic
def task_bulk_undo(*, bulk: BulkEdit, actor: Membership) -> BulkResult:
    """Put every task the bulk edit changed back to its value before, except tasks whose field
    was changed again since (counted as skipped). Whoever made the edit may undo it for
    ``permissions.UNDO_WINDOW``; admins at any time."""
    organization = actor.organization
    _check_actor(organization, actor)
    if bulk.organization_id != organization.pk:
        raise PermissionDenied("Not found.")
    bulk = BulkEdit.objects.select_for_update().get(pk=bulk.pk)
    mine = bulk.actor_id == actor.pk and timezone.now() - bulk.created_at <= (
        permissions.UNDO_WINDOW
    )
    if not (actor.is_admin or mine):
        raise PermissionDenied("Only its author (for a few minutes) or an admin undoes it.")
    if bulk.undone_at is not None:
        raise ValidationError("This change was already undone.")
    if bulk.is_running:
        raise ValidationError("This change is still running: undo it once it is done.")
    trash = bulk.field == BulkField.TRASH
    relabel = bulk.field in LABEL_FIELDS
    if relabel and not Label.objects.filter(pk=bulk.value).exists():
        raise ValidationError("The label was deleted since: there is nothing to undo.")
    by_id = {row[0]: row for row in bulk.before}
    current = list(
        Task.all_objects.filter(organization=organization, pk__in=list(by_id))
        .select_for_update(of=("self",))
        .order_by("pk")
        .values(
            "pk",
            "number",
            "title",
            "updated_at",
            "field_changed_at",
            "deleted_at",
            "deletion_batch",
            "project__deleted_at",
            *([COLUMNS[bulk.field]] if bulk.field in COLUMNS else []),
        )
    )
    stamp_text = bulk.stamp.isoformat()
    restoring, skipped = [], Counter()
    for row in current:
        if trash:
            if str(row["deletion_batch"]) != bulk.value:
                skipped["restored or deleted again since"] += 1
            elif row["project__deleted_at"] is not None:
                skipped["their project is in the trash"] += 1
            else:
                restoring.append(row)
        elif row["deleted_at"] is not None:
            skipped["in the trash"] += 1
        elif (row["field_changed_at"] or {}).get(_changes(bulk.field)) != stamp_text:
            skipped["changed again since"] += 1
        else:
            restoring.append(row)
    skipped_gone = len(by_id) - len(current)
    if skipped_gone:
        skipped["deleted for good"] += skipped_gone
    now = timezone.now()
    if restoring:
        stamp = _next_version(restoring)
        ids = [row["pk"] for row in restoring]
        content_type = ContentType.objects.get_for_model(Task)
        if trash:
            Task.all_objects.filter(pk__in=ids).update(
                deleted_at=None, deleted_by=None, deletion_batch=None, updated_at=stamp
            )
            _audit_entries(
                organization=organization,
                actor=actor,
                action=AuditAction.RESTORED,
                rows=restoring,
                changes_for=lambda row: {},
                content_type=content_type,
            )
        elif relabel:
            _relabel(
                organization=organization,
                actor=actor,
                rows=restoring,
                label_id=bulk.value,
                add=bulk.field == BulkField.LABELS_REMOVE,
                stamp=stamp,
            )
        else:
            _restore_values(bulk, [by_id[pk] for pk in ids], stamp)
            column = COLUMNS[bulk.field]
            names = _names(
                organization,
                bulk.field,
                [bulk.value, *(by_id[pk][1] for pk in ids)],
            )
            _audit_entries(
                organization=organization,
                actor=actor,
                action=AuditAction.UPDATED,
                rows=restoring,
                changes_for=lambda row: describe_changes(
                    Task,
                    {
                        bulk.field: (
                            _readable(bulk.field, _typed(bulk.field, row[column]), names),
                            _readable(bulk.field, _typed(bulk.field, by_id[row["pk"]][1]), names),
                        )
                    },
                ),
                content_type=content_type,
            )
        revisions.changed(organization.pk, revisions.TASKS)
        events.publish(organization.pk, "tasks")
    bulk.undone_at = now
    bulk.save(update_fields=["undone_at"])
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditAction.BULK_UNDONE,
        target=bulk,
        object_repr=f"undid: {summary(bulk)}",
        changed_fields={"tasks": len(restoring)},
    )
    if restoring:
        _notify(organization, actor, bulk, restoring, undo=True)
    return BulkResult(bulk=bulk, matched=len(by_id), changed=len(restoring), skipped=dict(skipped))


def _typed(field_name: str, stored):
    if field_name == BulkField.DUE_DATE and isinstance(stored, str):
        return date.fromisoformat(stored)
    return stored
