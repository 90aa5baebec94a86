"""Live updates: what changed, announced after commit, with ids and never content.

Services call ``publish(organization_id, kind, **ids)`` inside their transaction; when it commits,
the event goes to every browser of the organization that has its stream open
(``/o/<org_slug>/events/``, ``web.views.events``), through Redis pub/sub when ``REDIS_URL`` is set
(every process and container sees it), in-process otherwise. A browser re-fetches what it shows
with its own session, so an event never carries what a member may not see: only the kind and ids
(project id, task number, membership id).

Kinds (a page region lists the ones it listens to, see README "Live updates"):

- ``task``: one task's fields, rank, labels or checklist changed, or it was created, deleted or
  restored (ids ``project``, ``task``).
- ``tasks``: many tasks changed at once (a project deleted or restored, a member removed, a bulk
  edit): every region showing tasks refreshes (optional id ``project``).
- ``comment``: a task's comments changed (``project``, ``task``).
- ``member``: the organization's members changed.
- ``project``: a project was created, renamed, archived, deleted or restored (``project``).
- ``inbox``: one member's inbox changed (``user``: the membership id); only that member's streams
  receive it.
- ``presence``: who has a task open changed (``task``).
- ``reset`` (sent by the stream itself, never published): events may have been missed (Redis was
  unreachable, a reconnection came too late to replay): refresh everything.
"""

from __future__ import annotations

import logging

from django.db import transaction

from workspace import broker

logger = logging.getLogger(__name__)

KINDS = frozenset({"task", "tasks", "comment", "member", "project", "inbox", "presence"})
ID_NAMES = frozenset({"project", "task", "user"})


def publish(organization_id: int, kind: str, **ids: int) -> None:
    """Announce ``kind`` (with ``ids``) to the organization's streams once the current
    transaction commits (at once outside one). A failure to deliver is logged, never raised:
    pages and writes do not depend on live updates."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind: {kind!r}")
    unknown = set(ids) - ID_NAMES
    if unknown:
        raise ValueError(f"unknown event ids: {sorted(unknown)}")
    event = {"kind": kind, **{name: int(value) for name, value in ids.items() if value is not None}}
    organization_id = int(organization_id)

    def send():
        broker.get().publish(organization_id, event)

    transaction.on_commit(send)


def publish_task(task, kind: str = "task") -> None:
    """The usual event of a task's change."""
    publish(task.organization_id, kind, project=task.project_id, task=task.number)


# --- Saves that publish by themselves ------------------------------------------------------------
# Comments, projects and memberships are saved by several services (and a project's deletion or a
# member's removal touches many tasks): every save or deletion publishes, services need not
# remember to. Tasks publish from their services (``publish_task``), with their number.


def _comment_saved(sender, instance, **kwargs):
    from workspace.models import Comment

    if not Comment.task.is_cached(instance):  # (a task's comments purged with it): no query
        publish(instance.organization_id, "comment")
        return
    task = instance.task
    publish(instance.organization_id, "comment", project=task.project_id, task=task.number)


def _project_saved(sender, instance, **kwargs):
    publish(instance.organization_id, "project", project=instance.pk)
    publish(instance.organization_id, "tasks", project=instance.pk)


def _membership_saved(sender, instance, update_fields=None, **kwargs):
    publish(instance.organization_id, "member")


def watch() -> None:
    """Connect the receivers above (WorkspaceConfig.ready)."""
    from django.db.models.signals import post_delete, post_save

    from workspace.models import Comment, Membership, Project

    for model, receiver in (
        (Comment, _comment_saved),
        (Project, _project_saved),
        (Membership, _membership_saved),
    ):
        post_save.connect(receiver, sender=model, dispatch_uid=f"events.{model.__name__}.save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"events.{model.__name__}.delete")
