import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from workspace import markdown, permissions
from workspace.audit import audit_record
from workspace.models import AuditAction, Comment, EventKind, Membership, Task
from workspace.services.inbox import inbox_notify
from workspace.services.watching import watchers_add


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something first."})
    return body


def _render(comment: Comment) -> list[int]:
    """Store the rendered body; return the members of the organization it mentions."""
    rendered = markdown.render(comment.body)
    comment.body_html = rendered.html
    if not rendered.mentions:
        return []
    return list(
        Membership.objects.filter(
            organization=comment.organization_id, pk__in=rendered.mentions
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def comment_create(*, task: Task, actor: Membership, body: str) -> Comment:
    """The author and everyone mentioned start watching; the mentioned hear about it as a
    mention, the other watchers as a comment."""
    comment = Comment(
        organization_id=task.organization_id, task=task, author=actor.user, body=_clean_body(body)
    )
    comment.full_clean(exclude=["organization", "task", "author"])
    mentioned = _render(comment)
    comment.save()
    audit_record(
        organization=task.organization, actor=actor, action=AuditAction.CREATED, target=comment
    )
    detail = {"comment": comment.pk}
    # The watchers so far, then the newly mentioned (a mention, not also a comment).
    inbox_notify(
        task=task,
        actor=actor,
        kind=EventKind.COMMENTED,
        watchers=True,
        exclude=mentioned,
        detail=detail,
    )
    if mentioned:
        inbox_notify(
            task=task, actor=actor, kind=EventKind.MENTIONED, recipients=mentioned, detail=detail
        )
    watchers_add(task=task, memberships=[actor, *mentioned], checked=True)
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, actor: Membership, body: str) -> Comment:
    if not permissions.can_change_comment(actor, comment):
        raise PermissionDenied("You can only edit your own comments.")
    body = _clean_body(body)
    if body == comment.body:
        return comment
    old = comment.body
    comment.body = body
    comment.edited_at = timezone.now()
    comment.full_clean(exclude=["organization", "task", "author"])
    before = set(markdown.mentioned_ids(old))
    added = [pk for pk in _render(comment) if pk not in before]
    comment.save(update_fields=["body", "body_html", "edited_at", "updated_at"])
    audit_record(
        organization=comment.organization,
        actor=actor,
        action=AuditAction.UPDATED,
        target=comment,
        changed_fields={"body": [old, body]},
    )
    if added:  # only the members this edit mentions for the first time
        watchers_add(task=comment.task, memberships=added, checked=True)
        inbox_notify(
            task=comment.task,
            actor=actor,
            kind=EventKind.MENTIONED,
            recipients=added,
            detail={"comment": comment.pk},
        )
    return comment


def _lock(comment: Comment) -> Comment:
    """Lock the comment's row and read its deletion state again under the lock (a concurrent
    delete or restore has then committed, and is seen, or waits for this one)."""
    current = Comment.all_objects.select_for_update().get(pk=comment.pk)
    comment.deleted_at, comment.deleted_by_id = current.deleted_at, current.deleted_by_id
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: Membership) -> None:
    if not permissions.can_change_comment(actor, comment):
        raise PermissionDenied("You can only delete your own comments.")
    if _lock(comment).deleted_at is not None:
        return  # already deleted
    comment.deleted_at = timezone.now()
    comment.deleted_by = actor.user
    comment.deletion_batch = uuid.uuid4()
    comment.save(update_fields=["deleted_at", "deleted_by", "deletion_batch", "updated_at"])
    audit_record(
        organization=comment.organization, actor=actor, action=AuditAction.DELETED, target=comment
    )


@transaction.atomic
def comment_restore(*, comment: Comment, actor: Membership) -> None:
    if not permissions.can_use_trash(actor):
        raise PermissionDenied("Only admins can restore comments.")
    if comment.deleted_at is None or _lock(comment).deleted_at is None:
        return
    if comment.task.deleted_at is not None:
        raise ValidationError(
            f"This comment belongs to the deleted task #{comment.task.number}: restore the task "
            "first."
        )
    comment.deleted_at = None
    comment.deleted_by = None
    comment.deletion_batch = None
    comment.save(update_fields=["deleted_at", "deleted_by", "deletion_batch", "updated_at"])
    audit_record(
        organization=comment.organization, actor=actor, action=AuditAction.RESTORED, target=comment
    )
