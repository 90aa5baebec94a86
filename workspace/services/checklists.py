"""A task's checklist: ordered items added, ticked, renamed, moved and removed in place. Every
change locks the task, rewrites the counts its rows show (``checklist_done`` / ``_total``),
moves its version and records an audit entry on the task."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q

from workspace import events
from workspace.audit import audit_record
from workspace.models import (
    CHECKLIST_MAX_ITEMS,
    CHECKLIST_TEXT_MAX,
    AuditAction,
    ChecklistItem,
    Membership,
    Task,
)


def _member_of(actor: Membership, task: Task) -> None:
    if actor.organization_id != task.organization_id:
        raise PermissionDenied("Not a member of this organization.")


def _text(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError({"text": "Write what the item is."})
    if len(text) > CHECKLIST_TEXT_MAX:
        raise ValidationError({"text": f"An item has at most {CHECKLIST_TEXT_MAX} characters."})
    return text


def _assignee(task: Task, assignee: Membership | None) -> Membership | None:
    if assignee is not None and assignee.organization_id != task.organization_id:
        raise ValidationError({"assignee": "Choose a member of this organization."})
    return assignee


def _lock(task: Task) -> None:
    task.updated_at, task.field_changed_at = (
        Task.objects.select_for_update()
        .filter(pk=task.pk)
        .values_list("updated_at", "field_changed_at")
        .get()
    )


def _changed(task: Task, actor: Membership, change: list) -> None:
    """Recount, move the task's version and record ``change`` ([before, after])."""
    counts = ChecklistItem.objects.filter(task=task).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(done=True))
    )
    task.checklist_total, task.checklist_done = counts["total"], counts["done"]
    stamp = (task.updated_at + timedelta(microseconds=1)).isoformat()
    task.field_changed_at = {**(task.field_changed_at or {}), "checklist": stamp}
    task.save(update_fields=["checklist_total", "checklist_done", "updated_at", "field_changed_at"])
    audit_record(
        organization=task.organization,
        actor=actor,
        action=AuditAction.UPDATED,
        target=task,
        changed_fields={"checklist": change},
    )
    events.publish_task(task)


@transaction.atomic
def checklist_item_add(
    *, task: Task, actor: Membership, text: str, assignee: Membership | None = None
) -> ChecklistItem:
    _member_of(actor, task)
    _lock(task)
    text = _text(text)
    items = ChecklistItem.objects.filter(task=task)
    if items.count() >= CHECKLIST_MAX_ITEMS:
        raise ValidationError({"text": f"A checklist has at most {CHECKLIST_MAX_ITEMS} items."})
    last = items.order_by("-position").values_list("position", flat=True).first()
    item = ChecklistItem.objects.create(
        organization_id=task.organization_id,
        task=task,
        text=text,
        assignee=_assignee(task, assignee),
        position=0 if last is None else last + 1,
    )
    _changed(task, actor, [None, f"added “{text}”"])
    return item


@transaction.atomic
def checklist_item_update(
    *,
    item: ChecklistItem,
    actor: Membership,
    text: str | None = None,
    done: bool | None = None,
    assignee: Membership | bool | None = False,
) -> bool:
    """Change an item's text, its tick or its assignee (``False``: leave it). Returns whether
    anything changed."""
    task = item.task
    _member_of(actor, task)
    _lock(task)
    before = _item_line(item)
    fields = []
    if text is not None and _text(text) != item.text:
        item.text = _text(text)
        fields.append("text")
    if done is not None and done != item.done:
        item.done = done
        fields.append("done")
    if assignee is not False and getattr(assignee, "pk", None) != item.assignee_id:
        item.assignee = _assignee(task, assignee)
        fields.append("assignee")
    if not fields:
        return False
    item.save(update_fields=[*fields, "updated_at"])
    _changed(task, actor, [before, _item_line(item)])
    return True


def _item_line(item: ChecklistItem) -> str:
    line = f"{'☑' if item.done else '☐'} {item.text}"
    if item.assignee_id:
        line += f" ({item.assignee.user.display_name})"
    return line


@transaction.atomic
def checklist_item_move(*, item: ChecklistItem, actor: Membership, to: int) -> bool:
    """Put the item at position ``to`` (0 is first, clamped to the list); the others keep
    their order. Returns whether it moved."""
    task = item.task
    _member_of(actor, task)
    _lock(task)
    items = list(ChecklistItem.objects.filter(task=task).order_by("position", "pk"))
    current = next(n for n, other in enumerate(items) if other.pk == item.pk)
    to = max(0, min(to, len(items) - 1))
    if to == current:
        return False
    moving = items.pop(current)
    items.insert(to, moving)
    for position, other in enumerate(items):
        other.position = position
    ChecklistItem.objects.bulk_update(items, ["position"])
    _changed(task, actor, [f"“{item.text}” at {current + 1}", f"at {to + 1}"])
    return True


@transaction.atomic
def checklist_item_delete(*, item: ChecklistItem, actor: Membership) -> None:
    task = item.task
    _member_of(actor, task)
    _lock(task)
    item.delete()
    _changed(task, actor, [f"“{item.text}”", "removed"])
