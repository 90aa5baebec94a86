"""Importing tasks from a file (CSV, XLSX, a Trello board) into one project, for admins.

The upload is read at once (a file that cannot be read is refused before anything is kept),
kept with the mapping people choose, checked row by row in a dry run, and imported in one
transaction: all valid rows or nothing, as they chose. Small files import during the request;
larger ones in a job (``tasks.imports``) that reports its progress through the cache. Tasks
imported with a source ID are remembered (``TaskSource``), so importing the same file again with
"skip existing" creates nothing twice.
"""

from dataclasses import asdict, dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from workspace import events, permissions, revisions, signals
from workspace.audit import REPR_MAX, label
from workspace.models import (
    AuditAction,
    AuditLog,
    ChecklistItem,
    CustomField,
    ImportStatus,
    Label,
    Membership,
    Organization,
    Project,
    ProjectStatus,
    Task,
    TaskImport,
    TaskLabel,
    TaskSource,
    TaskStatus,
    Watch,
)
from workspace.models.labels import CHECKLIST_MAX_ITEMS, LABEL_NAME_MAX
from workspace.services.labels import LABELS_PER_TASK_MAX, label_create
from workspace.services.projects import custom_field_create, project_create
from workspace.services.tasks import allocate_numbers
from workspace.task_import import presets
from workspace.task_import.reading import FileRefused, Table, read_table
from workspace.task_import.rows import (
    Outcome,
    People,
    Plan,
    new_fields,
    plan_problems,
    tasks_of,
)

IN_REQUEST_ROWS = 1000  # larger imports run as a job
BATCH = 1000
ERRORS_KEPT = 200


@dataclass(frozen=True)
class Choices:
    """What people chose for one import, besides the column mapping (``rows.Plan``)."""

    project_id: int | None = None
    new_project: str = ""  # a name: the project is created on the way
    skip_existing: bool = True
    valid_only: bool = False  # False: all rows or nothing


def _check(actor: Membership) -> None:
    if not permissions.can_manage_projects(actor):
        raise PermissionDenied("Only admins can import tasks.")


def task_import_upload(
    *, organization: Organization, actor: Membership, file_name: str, data: bytes
) -> TaskImport:
    """Keep a readable file with the mapping its headers suggest; ``ValidationError`` on
    ``file`` when it cannot be read."""
    _check(actor)
    try:
        table = read_table(data, file_name)
    except FileRefused as refused:
        raise ValidationError({"file": str(refused)}) from None
    preset = presets.detect(table.headers)
    return TaskImport.objects.create(
        organization=organization,
        requested_by=actor.user,
        file_name=file_name[:200],
        data=data,
        preset=preset.name if preset else "",
        rows=len(table.rows),
        plan={
            "mapping": presets.suggest(table.headers, preset),
            "day_first": preset.day_first if preset else False,
        },
    )


def table_of(task_import: TaskImport) -> Table:
    return read_table(bytes(task_import.data), task_import.file_name)


def plan_of(task_import: TaskImport) -> Plan:
    plan = task_import.plan or {}
    return Plan(
        mapping=list(plan.get("mapping") or []),
        statuses=dict(plan.get("statuses") or {}),
        priorities={key: int(value) for key, value in (plan.get("priorities") or {}).items()},
        day_first=bool(plan.get("day_first")),
    )


def choices_of(task_import: TaskImport) -> Choices:
    stored = (task_import.plan or {}).get("choices") or {}
    return Choices(**{key: stored[key] for key in asdict(Choices()) if key in stored})


def people_of(organization: Organization) -> People:
    return People(
        list(
            Membership.objects.filter(organization=organization, user__is_active=True).values_list(
                "pk", "user__name", "user__email"
            )
        )
    )


@dataclass
class DryRun:
    outcome: Outcome
    existing: int  # rows whose source ID the project already has
    problems: list[str]  # what keeps the import from running at all


def task_import_check(
    *, task_import: TaskImport, actor: Membership, plan: Plan, choices: Choices
) -> DryRun:
    """Store the plan and say what importing with it would do, writing no task."""
    _check(actor)
    if task_import.status != ImportStatus.MAPPING:
        raise ValidationError("This file was imported already: upload it again to re-import.")
    task_import.plan = {**asdict(plan), "choices": asdict(choices)}
    task_import.save(update_fields=["plan", "updated_at"])
    table = table_of(task_import)
    project = _chosen_project(task_import.organization, choices)
    fields = fields_of(project)
    outcome = tasks_of(table, plan, people_of(task_import.organization), fields)
    problems = plan_problems(plan, table.headers, fields)
    if project is None and not choices.new_project.strip():
        problems.append("Choose the project to import into, or name a new one.")
    existing = 0
    if project is not None:
        keys = {task.source_id for task in outcome.tasks if task.source_id}
        existing = TaskSource.objects.filter(project=project, key__in=keys).count()
        if existing and not choices.skip_existing:
            problems.append(
                f"{existing} rows were imported into {project.name} before: choose "
                "“Skip tasks imported before”, or import into another project."
            )
    if outcome.errors and not choices.valid_only:
        problems.append(
            f"{len(outcome.errors)} rows cannot be imported: fix the file, or choose to import "
            "only the valid rows."
        )
    return DryRun(outcome=outcome, existing=existing, problems=problems)


def fields_of(project: Project | None) -> dict[str, CustomField]:
    """The project's custom fields by id (as the mapping names them)."""
    if project is None:
        return {}
    return {str(field.pk): field for field in CustomField.objects.filter(project=project)}


def _chosen_project(organization: Organization, choices: Choices) -> Project | None:
    if choices.project_id is None:
        return None
    return Project.objects.filter(
        organization=organization, pk=choices.project_id, status=ProjectStatus.ACTIVE
    ).first()


def task_import_start(*, task_import: TaskImport, actor: Membership) -> bool:
    """Import with the stored plan: now (True) when the file is small, else queue the job
    (False). Refused with ``ValidationError`` while the dry run finds problems."""
    plan, choices = plan_of(task_import), choices_of(task_import)
    check = task_import_check(task_import=task_import, actor=actor, plan=plan, choices=choices)
    if check.problems:
        raise ValidationError(check.problems)
    if task_import.rows <= IN_REQUEST_ROWS:
        task_import_run(task_import_id=task_import.pk, actor_id=actor.pk)
        return True
    task_import.status = ImportStatus.QUEUED
    task_import.save(update_fields=["status", "updated_at"])
    transaction.on_commit(
        lambda: signals.task_import_queued.send(
            sender=TaskImport,
            organization_id=task_import.organization_id,
            task_import_id=task_import.pk,
            actor_id=actor.pk,
        )
    )
    return False


def _label_key(name: str) -> str:
    return " ".join(name.split())[:LABEL_NAME_MAX].casefold()


def _labels(organization: Organization, actor: Membership, rows) -> dict[str, Label]:
    """The organization's labels for the names the rows use (by name, any case); the missing
    ones are created (grey, as a new label is)."""
    names = {}
    for row in rows:
        for name in row.labels:
            if _label_key(name):
                names.setdefault(_label_key(name), " ".join(name.split())[:LABEL_NAME_MAX])
    found = {
        label.name.casefold(): label
        for label in Label.objects.filter(organization=organization).annotate(
            lowered=Lower("name")
        ).filter(lowered__in=list(names))
    }  # fmt: skip
    for key, name in names.items():
        if key not in found:
            found[key] = label_create(organization=organization, actor=actor, name=name)
    return found


def progress_key(task_import_id: int) -> str:
    return f"task-import:{task_import_id}:progress"


def progress_of(task_import: TaskImport) -> int:
    if task_import.status == ImportStatus.DONE:
        return 100
    return int(cache.get(progress_key(task_import.pk)) or 0)


def task_import_run(*, task_import_id: int, actor_id: int) -> TaskImport:
    """Create the tasks (the job, or the request for a small file). Every task gets a
    "created" history entry naming the file; the importer watches what they import."""
    task_import = TaskImport.objects.select_related("organization").get(pk=task_import_id)
    actor = Membership.objects.select_related("user").get(pk=actor_id)
    organization = task_import.organization
    try:
        with transaction.atomic():
            task_import = TaskImport.objects.select_for_update().get(pk=task_import.pk)
            if task_import.status not in (ImportStatus.MAPPING, ImportStatus.QUEUED):
                return task_import
            _check(actor)
            _import(task_import, actor, organization)
    except ValidationError as refused:
        TaskImport.objects.filter(pk=task_import.pk).update(
            status=ImportStatus.FAILED, message=" ".join(refused.messages)[:300]
        )
        task_import.refresh_from_db()
        return task_import
    revisions.changed(organization.pk, revisions.TASKS)
    events.publish(organization.pk, "tasks")
    task_import.refresh_from_db()
    return task_import


def _import(task_import: TaskImport, actor: Membership, organization: Organization) -> None:
    plan, choices = plan_of(task_import), choices_of(task_import)
    project = _chosen_project(organization, choices)
    if project is None and not choices.new_project.strip():
        raise ValidationError("The project to import into no longer exists.")
    table, fields = table_of(task_import), fields_of(project)
    outcome = tasks_of(table, plan, people_of(organization), fields)
    problems = plan_problems(plan, table.headers, fields)
    if outcome.errors and not choices.valid_only:
        problems.append(f"{len(outcome.errors)} rows cannot be imported.")
    if problems:
        raise ValidationError(problems)
    if project is None:
        project = project_create(organization=organization, actor=actor, name=choices.new_project)
    for definition in new_fields(table, plan).values():
        custom_field_create(
            project=project, actor=actor, name=definition.name, field_type=definition.field_type
        )
    existing = set(
        TaskSource.objects.filter(
            project=project, key__in=[t.source_id for t in outcome.tasks if t.source_id]
        ).values_list("key", flat=True)
    )
    if existing and not choices.skip_existing:
        raise ValidationError(f"{len(existing)} rows were imported into {project.name} before.")
    rows = [t for t in outcome.tasks if not t.source_id or t.source_id not in existing]
    now = timezone.now()
    labels = _labels(organization, actor, rows)
    first = allocate_numbers(organization, len(rows)) if rows else 0
    task_type = ContentType.objects.get_for_model(Task)
    for offset in range(0, len(rows), BATCH):
        batch = rows[offset : offset + BATCH]
        tasks = Task.objects.bulk_create(
            [
                Task(
                    organization=organization,
                    project=project,
                    number=first + offset + n,
                    title=row.title,
                    description=row.description,
                    status=row.status,
                    priority=row.priority,
                    due_date=row.due_date,
                    custom_fields=row.custom_fields,
                    assignee_id=row.assignee_id,
                    created_by=actor.user,
                    started_at=now if row.status == TaskStatus.IN_PROGRESS else None,
                    completed_at=now if row.status == TaskStatus.DONE else None,
                    checklist_total=len(row.checklist[:CHECKLIST_MAX_ITEMS]),
                    checklist_done=sum(done for _t, done in row.checklist[:CHECKLIST_MAX_ITEMS]),
                )
                for n, row in enumerate(batch)
            ]
        )
        TaskSource.objects.bulk_create(
            [
                TaskSource(
                    organization=organization,
                    task=task,
                    project=project,
                    key=row.source_id,
                    task_import=task_import,
                )
                for task, row in zip(tasks, batch, strict=True)
                if row.source_id
            ]
        )
        AuditLog.objects.bulk_create(
            [
                AuditLog(
                    organization=organization,
                    actor=actor.user,
                    action=AuditAction.CREATED,
                    content_type=task_type,
                    object_id=task.pk,
                    object_repr=label(task)[:REPR_MAX],
                    changed_fields={"imported_from": task_import.file_name},
                )
                for task in tasks
            ]
        )
        Watch.objects.bulk_create(
            [Watch(organization=organization, task=task, membership=actor) for task in tasks],
            ignore_conflicts=True,
        )
        TaskLabel.objects.bulk_create(
            [
                TaskLabel(organization=organization, task=task, label=labels[key])
                for task, row in zip(tasks, batch, strict=True)
                for key in list(dict.fromkeys(_label_key(name) for name in row.labels))[
                    :LABELS_PER_TASK_MAX
                ]
                if key in labels
            ],
            ignore_conflicts=True,
        )
        ChecklistItem.objects.bulk_create(
            [
                ChecklistItem(
                    organization=organization, task=task, text=text, done=done, position=position
                )
                for task, row in zip(tasks, batch, strict=True)
                for position, (text, done) in enumerate(row.checklist[:CHECKLIST_MAX_ITEMS])
            ]
        )
        cache.set(progress_key(task_import.pk), int(100 * (offset + len(batch)) / len(rows)), 3600)
    task_import.status = ImportStatus.DONE
    task_import.project = project
    task_import.created = len(rows)
    task_import.skipped = len(outcome.tasks) - len(rows)
    task_import.failed = len(outcome.errors)
    task_import.errors = [asdict(error) for error in outcome.errors[:ERRORS_KEPT]]
    task_import.data = b""  # the file is not kept once imported
    task_import.finished_at = now
    task_import.save()
