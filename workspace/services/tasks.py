from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from workspace import permissions, signals
from workspace.audit import audit_record, describe_changes
from workspace.custom_fields import clean_custom_values
from workspace.models import (
    AuditAction,
    CustomField,
    Membership,
    NotificationKind,
    Organization,
    Priority,
    Project,
    Task,
    TaskStatus,
)
from workspace.services.notifications import announce_after_commit, notification_queue

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


class StaleTaskError(ValidationError):
    """The task changed after the editor loaded it; saving would overwrite that change."""

    def __init__(self, task: Task):
        changed_at = timezone.localtime(task.updated_at).strftime("%H:%M:%S")
        super().__init__(
            f"Someone changed this task at {changed_at} after you opened it. "
            "The latest version is shown: check it and make your change again.",
            code="stale",
        )
        self.task = task


def _allocate_number(organization: Organization) -> int:
    """Next task number of the organization. The counter row stays locked until the creating
    transaction ends, so concurrent creations queue up and a rollback frees the number again:
    numbers are unique and gap-free."""
    table = Organization._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET task_counter = task_counter + 1 WHERE id = %s "  # noqa: S608
            "RETURNING task_counter",
            [organization.pk],
        )
        return cursor.fetchone()[0]


def _validate(task: Task, *, creating: bool, project_changed: bool = False) -> None:
    """The task rules. A task must go into an active project of its organization; tasks already
    in a project that was archived later can still be edited (and closed)."""
    errors: dict[str, str] = {}
    task.title = " ".join((task.title or "").split())
    if len(task.title) < TITLE_MIN_LENGTH:
        errors["title"] = f"The title needs at least {TITLE_MIN_LENGTH} characters."
    project = task.project
    placing = creating or project_changed
    if (
        project is None
        or project.organization_id != task.organization_id
        or (placing and (not project.is_active or project.is_deleted))
    ):
        errors["project"] = "Choose an active project of this organization."
    if task.assignee is not None and task.assignee.organization_id != task.organization_id:
        errors["assignee"] = "Choose a member of this organization."
    if creating and task.due_date is not None and task.due_date < timezone.localdate():
        errors["due_date"] = "The due date cannot be in the past."
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


def _announce_completion(task: Task, actor: Membership) -> None:
    """The task became done: queue an e-mail for its assignee and its creator (not for whoever
    completed it), once per completion."""
    recipients = {}
    if task.assignee is not None:
        recipients[task.assignee.user_id] = task.assignee.user
    if task.created_by is not None:
        recipients[task.created_by_id] = task.created_by
    recipients.pop(actor.user_id, None)
    members = set(
        Membership.objects.filter(
            organization=task.organization_id, user_id__in=list(recipients)
        ).values_list("user_id", flat=True)
    )
    recipients = {pk: user for pk, user in recipients.items() if pk in members}
    completion = task.completed_at.isoformat()
    notifications = [
        notification_queue(
            organization=task.organization,
            kind=NotificationKind.TASK_COMPLETED,
            recipient=user,
            recipient_email=user.email,
            subject_id=task.pk,
            dedupe_key=f"task_completed:{task.pk}:{completion}:{user.pk}",
            payload={"completed_by": actor.user.display_name},
        )
        for user in recipients.values()
        if user.is_active
    ]
    announce_after_commit(
        signals.task_completed,
        organization=task.organization,
        notifications=notifications,
        task_id=task.pk,
        completed_by_id=actor.user_id,
    )


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
    task.number = _allocate_number(organization)
    task.save()
    audit_record(organization=organization, actor=actor, action=AuditAction.CREATED, target=task)
    if task.status == TaskStatus.DONE:
        _announce_completion(task, actor)
    return task


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

    With ``expected_updated_at`` (the version the editor saw), a task changed since then raises
    ``StaleTaskError`` (with ``task`` refreshed) instead of silently overwriting the newer change.
    On a validation error the instance keeps its previous values."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked = Task.objects.select_for_update().filter(pk=task.pk)
    current_version = locked.values_list("updated_at", flat=True).get()
    if expected_updated_at is not None and current_version != expected_updated_at:
        task.refresh_from_db()
        raise StaleTaskError(task)

    old = {field: getattr(task, field) for field in data}
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
    written = [*changes, "updated_at"]
    if "status" in changes:
        _track_completion(task, old["status"])
        written.extend(["started_at", "completed_at"])
    task.save(update_fields=written)
    audit_record(
        organization=task.organization,
        actor=actor,
        action=AuditAction.UPDATED,
        target=task,
        changed_fields=describe_changes(Task, changes),
    )
    if "status" in changes and task.status == TaskStatus.DONE:
        _announce_completion(task, actor)
    return changes


def task_assign(
    *, task: Task, actor: Membership, assignee: Membership | None, expected_updated_at=None
) -> dict[str, tuple]:
    return task_update(
        task=task,
        actor=actor,
        data={"assignee": assignee},
        expected_updated_at=expected_updated_at,
    )


@transaction.atomic
def task_delete(*, task: Task, actor: Membership) -> None:
    if not permissions.can_delete_task(actor, task):
        raise PermissionDenied("Only admins and the task's creator can delete it.")
    if Task.all_objects.select_for_update().filter(pk=task.pk, deleted_at__isnull=False).exists():
        return  # already deleted (a double submit, or with its project)
    task.deleted_at = timezone.now()
    task.deleted_by = actor.user
    task.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit_record(
        organization=task.organization, actor=actor, action=AuditAction.DELETED, target=task
    )


@transaction.atomic
def task_restore(*, task: Task, actor: Membership) -> None:
    """Bring a deleted task back (its project must not be in the trash)."""
    if task.deleted_at is None:
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
    task.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit_record(
        organization=task.organization, actor=actor, action=AuditAction.RESTORED, target=task
    )
