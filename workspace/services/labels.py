"""Labels: the organization's set (managed by admins) and the labels on each task (set by any
member). Every write records its audit entry in the same transaction."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from workspace import events, permissions, revisions
from workspace.audit import audit_record, audit_record_many
from workspace.models import (
    LABEL_NAME_MAX,
    AuditAction,
    Label,
    LabelColour,
    Membership,
    Organization,
    Task,
    TaskLabel,
)

LABELS_PER_TASK_MAX = 20


def _clean(organization: Organization, *, name: str, colour: str, description: str, pk=None):
    name = " ".join((name or "").split())
    description = " ".join((description or "").split())
    errors = {}
    if not name:
        errors["name"] = "Give the label a name."
    elif len(name) > LABEL_NAME_MAX:
        errors["name"] = f"A label's name has at most {LABEL_NAME_MAX} characters."
    elif "," in name:
        errors["name"] = "A label's name cannot contain a comma."
    elif Label.objects.filter(organization=organization, name__iexact=name).exclude(pk=pk).exists():
        errors["name"] = f"There is already a label named {name}."
    if colour not in LabelColour.values:
        errors["colour"] = "Choose one of the colours offered."
    if len(description) > 200:
        errors["description"] = "A description has at most 200 characters."
    if errors:
        raise ValidationError(errors)
    return name, description


def _check(actor: Membership) -> None:
    if not permissions.can_manage_labels(actor):
        raise PermissionDenied("Only admins manage the organization's labels.")


def _saved(label: Label) -> None:
    """Save, turning the unique-name race into the form's message."""
    try:
        with transaction.atomic():
            label.save()
    except IntegrityError:
        raise ValidationError({"name": f"There is already a label named {label.name}."}) from None


@transaction.atomic
def label_create(
    *,
    organization: Organization,
    actor: Membership,
    name: str,
    colour: str = LabelColour.GREY,
    description: str = "",
) -> Label:
    _check(actor)
    name, description = _clean(organization, name=name, colour=colour, description=description)
    label = Label(organization=organization, name=name, colour=colour, description=description)
    _saved(label)
    audit_record(organization=organization, actor=actor, action=AuditAction.CREATED, target=label)
    return label


@transaction.atomic
def label_update(
    *, label: Label, actor: Membership, name: str, colour: str, description: str = ""
) -> dict:
    """Rename, recolour or describe a label; its tasks keep it."""
    _check(actor)
    name, description = _clean(
        label.organization, name=name, colour=colour, description=description, pk=label.pk
    )
    new = {"name": name, "colour": colour, "description": description}
    changes = {f: [getattr(label, f), v] for f, v in new.items() if getattr(label, f) != v}
    if not changes:
        return {}
    for field, (_, value) in changes.items():
        setattr(label, field, value)
    _saved(label)
    audit_record(
        organization=label.organization,
        actor=actor,
        action=AuditAction.UPDATED,
        target=label,
        changed_fields=changes,
    )
    events.publish(label.organization_id, "tasks")  # its chips on every task changed
    return changes


@transaction.atomic
def label_delete(*, label: Label, actor: Membership) -> int:
    """Delete a label: it leaves every task it was on, each with an audit entry. Returns how
    many tasks lost it."""
    _check(actor)
    organization = label.organization
    task_ids = list(
        TaskLabel.objects.filter(label=label).values_list("task_id", flat=True).order_by()
    )
    tasks = list(Task.all_objects.filter(pk__in=task_ids).select_for_update().order_by("pk"))
    if tasks:
        audit_record_many(
            organization=organization,
            actor=actor,
            action=AuditAction.UPDATED,
            targets=tasks,
            changed_fields={"labels": [label.name, None]},
        )
        TaskLabel.objects.filter(label=label).delete()
        for task in tasks:
            _stamp(task, "labels")
            _moved(task)
        Task.all_objects.bulk_update(tasks, ["updated_at", "field_changed_at"])
        revisions.changed(organization.pk, revisions.TASKS)
        events.publish(organization.pk, "tasks")
    audit_record(organization=organization, actor=actor, action=AuditAction.DELETED, target=label)
    label.delete()
    return len(tasks)


def _stamp(task: Task, field: str) -> None:
    """Record that ``field`` changes just past the task's current version (as task_update
    does): an editor that saw an older version learns that it changed."""
    stamp = (task.updated_at + timedelta(microseconds=1)).isoformat()
    task.field_changed_at = {**(task.field_changed_at or {}), field: stamp}


def _moved(task: Task) -> None:
    """A new version for a write that bypasses ``save`` (VersionField's rule: forward)."""
    task.updated_at = max(timezone.now(), task.updated_at + timedelta(microseconds=1))


def _names(labels) -> str | None:
    return ", ".join(label.name for label in labels) or None


@transaction.atomic
def task_labels_set(*, task: Task, actor: Membership, labels) -> tuple[list, list]:
    """Put exactly ``labels`` (labels of the task's organization) on the task. Returns
    ``(added, removed)``; an unchanged set writes nothing."""
    if actor.organization_id != task.organization_id:
        raise PermissionDenied("Not a member of this organization.")
    wanted = {label.pk: label for label in labels}
    if any(label.organization_id != task.organization_id for label in wanted.values()):
        raise ValidationError({"labels": "Choose labels of this organization."})
    if len(wanted) > LABELS_PER_TASK_MAX:
        raise ValidationError({"labels": f"A task has at most {LABELS_PER_TASK_MAX} labels."})
    locked = (
        Task.objects.select_for_update()
        .filter(pk=task.pk)
        .values_list("updated_at", "field_changed_at")
    )
    task.updated_at, task.field_changed_at = locked.get()
    current = list(
        Label.objects.filter(
            pk__in=TaskLabel.objects.filter(task=task).values("label_id")
        ).order_by(Lower("name"), "pk")
    )
    have = {label.pk for label in current}
    added = [wanted[pk] for pk in wanted if pk not in have]
    removed = [label for label in current if label.pk not in wanted]
    if not added and not removed:
        return [], []
    if removed:
        TaskLabel.objects.filter(task=task, label__in=removed).delete()
    TaskLabel.objects.bulk_create(
        [TaskLabel(organization_id=task.organization_id, task=task, label=new) for new in added]
    )
    after = sorted(
        [*(kept for kept in current if kept.pk in wanted), *added],
        key=lambda label: (label.name.lower(), label.pk),
    )
    _stamp(task, "labels")
    task.save(update_fields=["updated_at", "field_changed_at"])
    task.chips = [(label.name, label.colour) for label in after]
    audit_record(
        organization=task.organization,
        actor=actor,
        action=AuditAction.UPDATED,
        target=task,
        changed_fields={"labels": [_names(current), _names(after)]},
    )
    events.publish_task(task)
    return added, removed
