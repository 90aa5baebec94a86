import uuid
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from workspace import events, markdown, permissions
from workspace.audit import audit_record, describe_changes
from workspace.custom_fields import clean_custom_values
from workspace.models import (
    AuditAction,
    CustomField,
    EventKind,
    Membership,
    Organization,
    Priority,
    Project,
    Task,
    TaskStatus,
)
from workspace.services.inbox import inbox_notify
from workspace.services.watching import watchers_add

EDITABLE_FIELDS = (
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "assignee",
    "project",
    "custom_fields",
)
TITLE_MIN_LENGTH = 3
# Due dates: one rule for creating and editing. Past dates are allowed (a warning says so).
DUE_DATE_MIN = date(2000, 1, 1)
DUE_DATE_MAX = date(2100, 12, 31)


class StaleTaskError(ValidationError):
    """The task changed after the editor loaded it, in a field this edit changes too: saving
    would overwrite a change its author never saw. ``task`` is the current task; ``conflicts``
    maps each such field to ``(theirs, mine)``: its current value and the one asked for."""

    def __init__(self, task: Task, conflicts: dict[str, tuple] | None = None):
        changed_at = timezone.localtime(task.updated_at).strftime("%H:%M:%S")
        super().__init__(
            f"Someone changed this task at {changed_at} after you opened it. "
            "The latest version is shown: check it and make your change again.",
            code="stale",
        )
        self.task = task
        self.conflicts = conflicts or {}


def allocate_numbers(organization: Organization, count: int = 1) -> int:
    """The first of the next ``count`` task numbers of the organization, reserved in one
    statement. The counter row stays locked until the creating transaction ends, so concurrent
    creations queue up and a rollback frees the numbers again: numbers are unique and gap-free."""
    table = Organization._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET task_counter = task_counter + %s WHERE id = %s "  # noqa: S608
            "RETURNING task_counter",
            [count, organization.pk],
        )
        return cursor.fetchone()[0] - count + 1


def _validate(task: Task, *, creating: bool, project_changed: bool = False) -> None:
    """The task rules. A task must go into an active project of its organization; tasks already
    in a project that was archived later can still be edited (and closed)."""
    errors: dict[str, str] = {}
    task.title = " ".join((task.title or "").split())
    if len(task.title) < TITLE_MIN_LENGTH:
        errors["title"] = f"The title needs at least {TITLE_MIN_LENGTH} characters."
    project = task.project
    placing = creating or project_changed
    if project is None or project.organization_id != task.organization_id:
        errors["project"] = "Choose an active project of this organization."
    elif placing and project.is_deleted:
        errors["project"] = f"The project {project.name} was deleted. Choose another project."
    elif placing and not project.is_active:
        errors["project"] = f"The project {project.name} is archived. Choose an active project."
    if task.assignee is not None and task.assignee.organization_id != task.organization_id:
        errors["assignee"] = "Choose a member of this organization."
    if task.due_date is not None and not DUE_DATE_MIN <= task.due_date <= DUE_DATE_MAX:
        errors["due_date"] = (
            f"Choose a due date between {DUE_DATE_MIN.year} and {DUE_DATE_MAX.year}."
        )
    if task.status not in TaskStatus.values:
        errors["status"] = "Choose a valid status."
    if task.priority not in Priority.values:
        errors["priority"] = "Choose a valid priority."
    if errors:
        raise ValidationError(errors)
    try:
        task.full_clean(
            exclude=[
                "organization",
                "project",
                "assignee",
                "created_by",
                "number",
                "custom_fields",
            ],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


def due_date_warning(task: Task) -> str | None:
    """What to tell whoever just saved an open task due in the past (it is allowed)."""
    if task.is_open and task.due_date is not None and task.due_date < timezone.localdate():
        due = task.due_date
        return f"The due date, {due:%b} {due.day}, {due.year}, is in the past."
    return None


def _mentioned(task: Task, ids) -> list[int]:
    """Membership ids among ``ids`` that belong to the task's organization."""
    if not ids:
        return []
    return list(
        Membership.objects.filter(organization=task.organization_id, pk__in=ids).values_list(
            "pk", flat=True
        )
    )


def _lock_project(project: Project | None) -> Project | None:
    """The project row, locked until the transaction ends and read again under the lock.

    A task goes into a project (created or moved there) only under this lock: a concurrent
    deletion or archiving of the project either finished before (and the task is refused) or
    waits until the task is committed (and then takes it along). A project of another
    organization is not found here and is returned as given, for ``_validate`` to refuse."""
    if project is None:
        return None
    locked = Project.all_objects.select_for_update().filter(pk=project.pk).first()
    return locked or project


def _render_description(task: Task) -> tuple[int, ...]:
    rendered = markdown.render(task.description)
    task.description_html = rendered.html
    return rendered.mentions


def _definitions(project: Project) -> list[CustomField]:
    return list(CustomField.objects.filter(project=project))


def _track_completion(task: Task, old_status: str | None) -> None:
    """``started_at``: the first move to "In progress" (kept afterwards); ``completed_at``: the
    latest move to "Done" (cleared when the task leaves it). Cycle time runs between them."""
    if task.status == TaskStatus.IN_PROGRESS and task.started_at is None:
        task.started_at = timezone.now()
    if task.status == TaskStatus.DONE and old_status != TaskStatus.DONE:
        task.completed_at = timezone.now()
    elif task.status != TaskStatus.DONE:
        task.completed_at = None


@transaction.atomic
def task_create(
    *,
    organization: Organization,
    actor: Membership,
    project: Project,
    title: str,
    description: str = "",
    status: str = TaskStatus.TODO,
    priority: int = Priority.MEDIUM,
    due_date=None,
    assignee: Membership | None = None,
    custom_fields: dict | None = None,
) -> Task:
    project = _lock_project(project)
    task = Task(
        organization=organization,
        project=project,
        title=title,
        description=(description or "").strip(),
        status=status,
        priority=priority,
        due_date=due_date,
        assignee=assignee,
        created_by=actor.user,
    )
    _validate(task, creating=True)
    task.custom_fields = clean_custom_values(_definitions(project), custom_fields or {})
    _track_completion(task, None)
    mentions = _mentioned(task, _render_description(task))
    task.number = allocate_numbers(organization)
    task.save()
    audit_record(organization=organization, actor=actor, action=AuditAction.CREATED, target=task)
    events.publish_task(task)
    # The creator, the assignee and everyone mentioned watch it.
    watchers_add(task=task, memberships=[actor, assignee, *mentions], checked=True)
    if assignee is not None:
        inbox_notify(task=task, actor=actor, kind=EventKind.ASSIGNED, recipients=[assignee])
    if mentions:
        inbox_notify(task=task, actor=actor, kind=EventKind.MENTIONED, recipients=mentions)
    return task


def _lock_current(task: Task) -> None:
    """Lock the task's row for the rest of the transaction and make sure ``task`` holds what is
    stored now (it may have been loaded before another edit committed)."""
    version = (
        Task.objects.select_for_update()
        .filter(pk=task.pk)
        .values_list("updated_at", flat=True)
        .get()
    )
    if version != task.updated_at:
        task.refresh_from_db()


@transaction.atomic
def task_update(
    *,
    task: Task,
    actor: Membership,
    data: dict,
    expected_updated_at: datetime | None = None,
) -> dict[str, tuple]:
    """Apply ``data`` (a subset of EDITABLE_FIELDS) and return ``{field: (old, new)}`` for what
    actually changed. Only changed columns are written.

    ``expected_updated_at`` is the version the editor saw. Edits of different fields merge: if
    the task changed since that version, only a field of ``data`` that was changed since, to a
    value other than the one asked for, is a conflict, and any conflict raises
    ``StaleTaskError`` (``task`` then holds the current values) before anything is written.
    ``None`` skips the check (jobs, imports); views never pass it.
    On a validation error the instance keeps its previous values."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    _lock_current(task)
    if expected_updated_at is not None:
        changed = task.changed_since(expected_updated_at)
        conflicts = {
            field: (getattr(task, field), value)
            for field, value in data.items()
            if field in changed and getattr(task, field) != value
        }
        if conflicts:
            raise StaleTaskError(task, conflicts)

    old = {field: getattr(task, field) for field in data}
    if "project" in data and data["project"] != task.project:
        data = {**data, "project": _lock_project(data["project"])}
    try:
        for field, value in data.items():
            setattr(task, field, value)
        if "description" in data:
            task.description = (task.description or "").strip()
        _validate(
            task, creating=False, project_changed=old.get("project", task.project) != task.project
        )
        if "custom_fields" in data:
            task.custom_fields = clean_custom_values(
                _definitions(task.project), data["custom_fields"]
            )
    except ValidationError:
        for field, value in old.items():
            setattr(task, field, value)
        raise
    changes = {
        field: (old[field], getattr(task, field))
        for field in data
        if old[field] != getattr(task, field)
    }
    if not changes:
        return {}
    # The new version is at least a microsecond past the current one (VersionField): stamping
    # the changed fields just past the current version puts them after every version anyone
    # saw before this edit, and not after the version this edit produces.
    stamp = (task.updated_at + timedelta(microseconds=1)).isoformat()
    task.field_changed_at = {**(task.field_changed_at or {}), **dict.fromkeys(changes, stamp)}
    written = [*changes, "updated_at", "field_changed_at"]
    if "status" in changes:
        _track_completion(task, old["status"])
        written.extend(["started_at", "completed_at"])
    new_mentions = []
    if "description" in changes:
        before = set(markdown.mentioned_ids(old["description"]))
        mentions = _render_description(task)
        new_mentions = _mentioned(task, [m for m in mentions if m not in before])
        written.append("description_html")
    task.save(update_fields=written)
    audit_record(
        organization=task.organization,
        actor=actor,
        action=AuditAction.UPDATED,
        target=task,
        changed_fields=describe_changes(Task, changes),
    )
    events.publish_task(task)
    _announce_changes(task, actor, changes, new_mentions)
    if "status" in changes and task.status == TaskStatus.DONE and task.recurrence_id:
        from workspace.services.recurrence import on_task_completed

        on_task_completed(task)  # a repeating task's next occurrence
    return changes


def _announce_changes(task: Task, actor: Membership, changes: dict, new_mentions) -> None:
    """Who hears about an update: a new assignee and newly mentioned members (who start
    watching), and the watchers about status and due date changes."""
    assignee = task.assignee if "assignee" in changes else None
    watchers_add(task=task, memberships=[assignee, *new_mentions], checked=True)
    if assignee is not None:
        inbox_notify(task=task, actor=actor, kind=EventKind.ASSIGNED, recipients=[assignee])
    if new_mentions:
        inbox_notify(task=task, actor=actor, kind=EventKind.MENTIONED, recipients=new_mentions)
    if "status" in changes:
        done = task.status == TaskStatus.DONE
        inbox_notify(
            task=task,
            actor=actor,
            kind=EventKind.COMPLETED if done else EventKind.STATUS_CHANGED,
            watchers=True,
            detail={"status": task.status},
        )
    if "due_date" in changes:
        due = task.due_date.isoformat() if task.due_date else None
        inbox_notify(
            task=task,
            actor=actor,
            kind=EventKind.DUE_DATE_CHANGED,
            watchers=True,
            detail={"due": due},
        )


def task_assign(
    *, task: Task, actor: Membership, assignee: Membership | None, expected_updated_at=None
) -> dict[str, tuple]:
    return task_update(
        task=task,
        actor=actor,
        data={"assignee": assignee},
        expected_updated_at=expected_updated_at,
    )


def _lock(task: Task) -> Task:
    """Lock the task's row until the transaction ends and read its deletion state again under
    the lock: a concurrent delete or restore (of the task or of its project) has then either
    committed, and is seen, or waits for this one."""
    current = Task.all_objects.select_for_update().get(pk=task.pk)
    task.deleted_at, task.deleted_by_id = current.deleted_at, current.deleted_by_id
    task.deletion_batch = current.deletion_batch
    return task


@transaction.atomic
def task_delete(*, task: Task, actor: Membership) -> None:
    if not permissions.can_delete_task(actor, task):
        raise PermissionDenied("Only admins and the task's creator can delete it.")
    if _lock(task).deleted_at is not None:
        return  # already deleted (a double submit, or with its project)
    task.deleted_at = timezone.now()
    task.deleted_by = actor.user
    task.deletion_batch = uuid.uuid4()
    task.save(update_fields=["deleted_at", "deleted_by", "deletion_batch", "updated_at"])
    audit_record(
        organization=task.organization, actor=actor, action=AuditAction.DELETED, target=task
    )
    events.publish_task(task)


@transaction.atomic
def task_restore(*, task: Task, actor: Membership) -> None:
    """Bring a deleted task back (its project must not be in the trash)."""
    if task.deleted_at is None or _lock(task).deleted_at is None:
        return
    if not permissions.can_restore_task(actor, task):
        raise PermissionDenied("Only admins can restore this task.")
    if task.project.deleted_at is not None:
        raise ValidationError(
            f"{task.reference} belongs to the deleted project {task.project.name}: "
            "restore the project instead."
        )
    task.deleted_at = None
    task.deleted_by = None
    task.deletion_batch = None
    task.save(update_fields=["deleted_at", "deleted_by", "deletion_batch", "updated_at"])
    audit_record(
        organization=task.organization, actor=actor, action=AuditAction.RESTORED, target=task
    )
    events.publish_task(task)
