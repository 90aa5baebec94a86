"""Watching tasks. The creator, the assignee, everyone who comments and everyone mentioned
watch a task automatically; any member can watch or unwatch it themselves.

Watching is a member's own subscription, like marking their inbox read: it is not written to the
organization's audit log."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction

from workspace import events
from workspace.models import Membership, Task, Watch


def _ids(memberships: Iterable[Membership | int | None]) -> set[int]:
    return {getattr(m, "pk", m) for m in memberships if m is not None}


def watchers_add(
    *, task: Task, memberships: Iterable[Membership | int | None], checked: bool = False
) -> None:
    """Make these members of the task's organization watch it (watching twice is watching).
    Others are ignored, unless the caller says it ``checked`` they are all members of it (the
    actor, a validated assignee, mentions resolved in the organization)."""
    ids = _ids(memberships)
    if ids and not checked:
        ids = set(
            Membership.objects.filter(organization=task.organization_id, pk__in=ids).values_list(
                "pk", flat=True
            )
        )
    if not ids:
        return
    Watch.objects.bulk_create(
        [
            Watch(organization_id=task.organization_id, task=task, membership_id=pk)
            for pk in sorted(ids)
        ],
        ignore_conflicts=True,
    )


def watcher_ids(*, task: Task) -> set[int]:
    """Membership ids of the task's watchers."""
    return set(Watch.objects.filter(task=task).values_list("membership_id", flat=True))


@transaction.atomic
def task_watch(*, task: Task, actor: Membership, watching: bool) -> bool:
    """The actor starts or stops watching the task. Any member may, for themselves only."""
    if actor.organization_id != task.organization_id:
        raise PermissionDenied("Only members of the task's organization can watch it.")
    if watching:
        watchers_add(task=task, memberships=[actor])
    else:
        Watch.objects.filter(task=task, membership=actor).delete()
    events.publish_task(task)
    return watching
