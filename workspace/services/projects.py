import json
import uuid
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest, Now
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.text import slugify

from workspace import permissions, revisions
from workspace.audit import audit_record, describe_changes
from workspace.custom_fields import FieldText
from workspace.integrity import unless_taken, with_fresh_value
from workspace.models import (
    AuditAction,
    CustomField,
    FieldType,
    Membership,
    Organization,
    Project,
    Task,
)


def _unique_project_slug(organization: Organization, name: str, *, exclude_pk=None) -> str:
    base = slugify(name)[:50].strip("-") or "project"
    taken = set(
        Project.all_objects.filter(organization=organization, slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_lead(organization: Organization, lead: Membership | None) -> None:
    if lead is not None and lead.organization_id != organization.pk:
        raise ValidationError({"lead": "Choose a member of this organization."})


def _full_clean(project: Project) -> None:
    """Field rules (lengths, choices); relations were checked above."""
    project.full_clean(
        exclude=["organization", "lead", "created_by", "slug"],
        validate_unique=False,
        validate_constraints=False,
    )


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if len(name) < 2:
        raise ValidationError({"name": "Give the project a name of at least 2 characters."})
    return name


@transaction.atomic
def project_create(
    *,
    organization: Organization,
    actor: Membership,
    name: str,
    description: str = "",
    lead: Membership | None = None,
) -> Project:
    name = _clean_name(name)
    _check_lead(organization, lead)
    project = Project(
        organization=organization,
        name=name,
        description=description.strip(),
        lead=lead,
        created_by=actor.user,
    )
    _full_clean(project)

    def insert():
        # A project of the same name created at the same moment may take the slug first.
        project.slug = _unique_project_slug(organization, name)
        taken = Project.all_objects.filter(organization=organization, slug=project.slug).exists
        with unless_taken(taken):
            project.save()

    with_fresh_value(
        insert,
        ValidationError({"name": "Projects with this name are being created right now: retry."}),
    )
    audit_record(organization=organization, actor=actor, action=AuditAction.CREATED, target=project)
    return project


@transaction.atomic
def project_update(
    *, project: Project, actor: Membership, name: str, description: str, lead: Membership | None
) -> Project:
    _check_lead(project.organization, lead)
    old = {"name": project.name, "description": project.description, "lead": project.lead}
    project.name = _clean_name(name)
    project.description = description.strip()
    project.lead = lead
    _full_clean(project)
    changes = {f: (old[f], getattr(project, f)) for f in old if old[f] != getattr(project, f)}
    if not changes:
        return project
    project.save(update_fields=[*changes, "updated_at"])
    audit_record(
        organization=project.organization,
        actor=actor,
        action=AuditAction.UPDATED,
        target=project,
        changed_fields=describe_changes(Project, changes),
    )
    return project


@transaction.atomic
def project_set_archived(*, project: Project, actor: Membership, archived: bool) -> Project:
    if not permissions.can_manage_projects(actor):
        raise PermissionDenied("Only admins can archive projects.")
    status = "archived" if archived else "active"
    if project.status == status:
        return project
    project.status = status
    project.save(update_fields=["status", "updated_at"])
    audit_record(
        organization=project.organization,
        actor=actor,
        action=AuditAction.ARCHIVED if archived else AuditAction.UNARCHIVED,
        target=project,
    )
    return project


def _lock(project: Project) -> Project:
    """Lock the project's row until the transaction ends and read its deletion state again
    under the lock. Task creation and moves lock it too (workspace.services.tasks)."""
    current = Project.all_objects.select_for_update().get(pk=project.pk)
    project.deleted_at, project.deleted_by_id = current.deleted_at, current.deleted_by_id
    project.deletion_batch = current.deletion_batch
    return project


@transaction.atomic
def project_delete(*, project: Project, actor: Membership) -> None:
    """Soft-delete the project and its live tasks as one batch (so restoring the project brings
    back exactly those)."""
    if not permissions.can_manage_projects(actor):
        raise PermissionDenied("Only admins can delete projects.")
    # Under the project's lock no task can join the project; the tasks' own rows are locked by
    # the update, which skips a task whose own deletion committed first (it keeps its batch).
    if _lock(project).deleted_at is not None:
        return
    now, batch = timezone.now(), uuid.uuid4()
    tasks = Task.objects.filter(organization=project.organization_id, project=project).update(
        deleted_at=now, deleted_by=actor.user, deletion_batch=batch
    )
    project.deleted_at = now
    project.deleted_by = actor.user
    project.deletion_batch = batch
    project.save(update_fields=["deleted_at", "deleted_by", "deletion_batch", "updated_at"])
    audit_record(
        organization=project.organization,
        actor=actor,
        action=AuditAction.DELETED,
        target=project,
        changed_fields={"tasks": [tasks, None]},
    )


@transaction.atomic
def project_restore(*, project: Project, actor: Membership) -> int:
    """Bring the project back with the tasks that were deleted with it (its deletion batch),
    not the ones deleted on their own before. Returns how many tasks came back."""
    if not permissions.can_manage_projects(actor):
        raise PermissionDenied("Only admins can restore projects.")
    if project.deleted_at is None or _lock(project).deleted_at is None:
        return 0
    tasks = (
        Task.all_objects.filter(
            organization=project.organization_id,
            project=project,
            deletion_batch=project.deletion_batch,
        )
        .exclude(deletion_batch=None)
        .update(deleted_at=None, deleted_by=None, deletion_batch=None)
    )
    project.deleted_at = None
    project.deleted_by = None
    project.deletion_batch = None
    project.save(update_fields=["deleted_at", "deleted_by", "deletion_batch", "updated_at"])
    audit_record(
        organization=project.organization,
        actor=actor,
        action=AuditAction.RESTORED,
        target=project,
        changed_fields={"tasks": [None, tasks]},
    )
    return tasks


@transaction.atomic
def custom_field_create(
    *,
    project: Project,
    actor: Membership,
    name: str,
    field_type: str,
    options: list[str] | None = None,
    required: bool = False,
) -> CustomField:
    """Add a field to the project: any member of its organization may (as they may add
    projects); renaming, editing choices and removing are for admins."""
    if actor.organization_id != project.organization_id:
        raise PermissionDenied("Only members of the project's organization add its fields.")
    name = " ".join((name or "").split())
    key = slugify(name).replace("-", "_")[:60]
    if not key:
        raise ValidationError({"name": "Give the field a name."})
    existing = CustomField.objects.filter(project=project)
    duplicate = ValidationError({"name": "This project already has a field with this name."})
    if existing.filter(key=key).exists():
        raise duplicate
    cleaned_options = [o.strip() for o in options or [] if o.strip()]
    if field_type == FieldType.CHOICE:
        _refuse_duplicate_options(cleaned_options)
    field = CustomField(
        organization=project.organization,
        project=project,
        name=name,
        key=key,
        field_type=field_type,
        options=cleaned_options if field_type == FieldType.CHOICE else [],
        required=required,
        position=existing.count(),
    )
    field.full_clean(exclude=["organization", "project"])
    with unless_taken(existing.filter(key=key).exists, duplicate):
        field.save()
    audit_record(
        organization=project.organization,
        actor=actor,
        action=AuditAction.CREATED,
        target=field,
        object_repr=f"field {field.name} of {project.name}",
    )
    return field


def _refuse_duplicate_options(options: list[str]) -> None:
    seen = set()
    for option in options:
        if option.casefold() in seen:
            raise ValidationError({"options": f"“{option}” is listed twice: options must differ."})
        seen.add(option.casefold())


def option_changes(field: CustomField, options: list[tuple[str, str | None]]) -> dict:
    """What editing a choice field's ``options`` (``(current option, its new text or None
    to remove it)``, in order) does to the values tasks hold: ``{"renamed": {old: new},
    "removed": [old]}``."""
    renamed = {old: new for old, new in options if new is not None and new != old}
    removed = [old for old, new in options if new is None]
    return {"renamed": renamed, "removed": removed}


@transaction.atomic
def custom_field_update(
    *,
    field: CustomField,
    actor: Membership,
    name: str,
    required: bool = False,
    options: list[tuple[str, str | None]] | None = None,
    added: list[str] | None = None,
) -> dict:
    """Rename ``field`` and, for a choice field, edit its options: ``options`` pairs each
    current option with its new text (tasks holding it then hold the new text) or None (their
    value is cleared); ``added`` options come after. The field's key, and so every value, stays.
    Returns ``{field: [old, new]}`` of what changed (audited)."""
    if not permissions.can_manage_projects(actor) or actor.organization_id != field.organization_id:
        raise PermissionDenied("Only admins can change fields.")
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the field a name."})
    siblings = CustomField.objects.filter(project=field.project).exclude(pk=field.pk)
    if any(other.name.casefold() == name.casefold() for other in siblings):
        raise ValidationError({"name": "This project already has a field with this name."})
    new_options = list(field.options)
    changes = {"renamed": {}, "removed": []}
    if field.field_type == FieldType.CHOICE:
        pairs = list(options if options is not None else [(o, o) for o in field.options])
        if sorted(old for old, _ in pairs) != sorted(field.options):
            raise ValidationError({"options": "The options changed meanwhile: open it again."})
        pairs = [(old, new.strip() if new is not None else None) for old, new in pairs]
        pairs = [(old, new or None) for old, new in pairs]
        new_options = [new for _, new in pairs if new] + [
            o.strip() for o in added or [] if o.strip()
        ]
        if not new_options:
            raise ValidationError({"options": "A choice field needs at least one option."})
        _refuse_duplicate_options(new_options)
        changes = option_changes(field, pairs)
    old = {"name": field.name, "required": field.required, "options": list(field.options)}
    field.name, field.required, field.options = name, required, new_options
    field.full_clean(exclude=["organization", "project", "key"])
    field.save(update_fields=["name", "required", "options", "updated_at"])
    _rewrite_values(field, changes)
    changed = {
        key: [old[key], value]
        for key, value in (("name", name), ("required", required), ("options", new_options))
        if old[key] != value
    }
    if changed:
        audit_record(
            organization=field.organization,
            actor=actor,
            action=AuditAction.UPDATED,
            target=field,
            object_repr=f"field {field.name} of {field.project.name}",
            changed_fields={
                key: [", ".join(v) if isinstance(v, list) else v for v in values]
                for key, values in changed.items()
            },
        )
    return changed


def _rewrite_values(field: CustomField, changes: dict) -> None:
    """Tasks of the field's project holding a renamed option get its new text; those holding a
    removed one lose the value. One UPDATE each, which moves their versions (and stamps the
    custom fields as changed, see ``task_update``) so open editors and cached rows follow."""
    tasks = Task.all_objects.filter(project=field.project)
    stamp = timezone.now()
    moved = {
        "updated_at": Greatest(Now(), F("updated_at") + timedelta(microseconds=1)),
        "field_changed_at": RawSQL(
            "COALESCE(field_changed_at, '{}'::jsonb) || %s::jsonb",
            [json.dumps({"custom_fields": stamp.isoformat()})],
        ),
    }
    touched = 0
    renamed = changes["renamed"]
    if renamed:
        # One CASE for every rename, so that swapping two options' texts swaps their tasks.
        whens = " ".join("WHEN %s THEN %s::text" for _ in renamed)
        params = [field.key, field.key, *(text for pair in renamed.items() for text in pair)]
        touched += tasks.filter(In(FieldText(field.key), list(renamed))).update(
            custom_fields=RawSQL(  # noqa: S611 - placeholders only; the texts are parameters
                "jsonb_set(custom_fields, ARRAY[%s::text], "
                f"to_jsonb(CASE custom_fields ->> %s {whens} END))",
                params,
            ),
            **moved,
        )
    if changes["removed"]:
        touched += tasks.filter(In(FieldText(field.key), changes["removed"])).update(
            custom_fields=RawSQL("custom_fields - %s::text", [field.key]), **moved
        )
    if touched:
        revisions.changed(field.organization_id, revisions.TASKS)


@transaction.atomic
def custom_field_delete(*, field: CustomField, actor: Membership) -> None:
    """Values already stored on tasks stay in their JSON; the field stops being shown."""
    if not permissions.can_manage_projects(actor):
        raise PermissionDenied("Only admins can remove fields.")
    audit_record(
        organization=field.organization,
        actor=actor,
        action=AuditAction.DELETED,
        target=field,
        object_repr=f"field {field.name} of {field.project.name}",
    )
    field.delete()
