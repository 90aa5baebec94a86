"""The inbox: telling members what happened to a task, in the app and (bundled) by e-mail.

``inbox_notify`` is the one way news reaches people. For each recipient it keeps one inbox item
per task, updated with the latest event, and, when they chose e-mail for the event's topic,
adds the event to their open e-mail bundle: an outbox row (``Notification``, kind ``inbox``)
that waits until its window closes (``User.email_bundle_minutes`` after its first event) and
then goes out as one e-mail, leaving out what the person read in the app meanwhile. Nobody is
ever told about their own actions, and only current members of the task's organization are
told anything.

Reading, archiving and marking all read are the member's own state: not audited.
"""

import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import JSONField, OuterRef, Q, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.preferences import Channel
from workspace import events, signals
from workspace.models import (
    RECENT_EVENTS_MAX,
    EventKind,
    InboxItem,
    Membership,
    Notification,
    NotificationKind,
    Task,
    Watch,
)
from workspace.services.notifications import announce_after_commit

# A bundle holds at most this many events; later ones in the same window are only counted.
BUNDLE_MAX_EVENTS = 100

_ITEM_FIELDS = [
    "kind",
    "actor",
    "last_event_at",
    "recent",
    "unread_events",
    "has_mention",
    "read_at",
    "archived_at",
]


def _recipients(
    task: Task, ids: set[int], kind: EventKind, *, watchers: bool, exclude: set[int]
) -> list[tuple[Membership, InboxItem | None]]:
    """The current, active members among ``ids`` (and the task's watchers if ``watchers``), but
    not ``exclude``, who want to hear about ``kind``, each with their inbox item about the task
    (None: none yet), in one query: the item comes as one JSON object (one correlated subquery
    rather than one per column, which cost more to build in the ORM than the rest of an inline
    edit). Their rows are locked (in id order), so concurrent events for the same person queue
    up instead of creating two items or two bundles."""
    who = Q(pk__in=ids)
    if watchers:
        who |= Q(pk__in=Watch.objects.filter(task=task).values("membership_id"))
    item = InboxItem.objects.filter(task=task, recipient=OuterRef("pk")).values(
        json=JSONObject(
            pk="pk",
            read_at="read_at",
            unread_events="unread_events",
            recent="recent",
            has_mention="has_mention",
        )
    )
    members = (
        Membership.objects.select_for_update(of=("self",))
        .filter(who, organization=task.organization_id, user__is_active=True)
        .exclude(pk__in=exclude)
        .select_related("user")
        .annotate(item=Subquery(item[:1], output_field=JSONField()))
        .order_by("pk")
    )
    return [
        (member, _found_item(member.item))
        for member in members
        if member.user.channel(kind.topic) != Channel.OFF
    ]


def _found_item(found: dict | None) -> InboxItem | None:
    if found is None:
        return None
    return InboxItem(
        pk=found["pk"],
        read_at=parse_datetime(found["read_at"]) if found["read_at"] else None,
        unread_events=found["unread_events"],
        recent=found["recent"] or [],
        has_mention=found["has_mention"],
    )


def _item(task: Task, membership: Membership, item: InboxItem | None) -> InboxItem:
    """The member's item about the task (as ``_recipients`` read it), or a new one."""
    if item is None:
        return InboxItem(
            organization_id=task.organization_id,
            recipient=membership,
            task=task,
            unread_events=0,
            recent=[],
        )
    item.organization_id = task.organization_id
    item.recipient = membership
    item.task = task
    item.recent = item.recent or []
    return item


def _bundle(task: Task, emailed: list[tuple[Membership, InboxItem]], event: dict, now):
    """Add the event to each person's open bundle, or open one. Returns the new bundles."""
    users = [m.user_id for m, _item in emailed]
    open_bundles = {
        n.recipient_id: n
        for n in Notification.objects.select_for_update()
        .pending()
        .filter(
            organization=task.organization_id,
            kind=NotificationKind.INBOX,
            recipient__in=users,
            attempts=0,
            claimed_until__isnull=True,
            next_attempt_at__gt=now,
        )
    }
    added, opened = [], []
    for membership, item in emailed:
        entry = {**event, "item": item.pk, "task": task.pk}
        bundle = open_bundles.get(membership.user_id)
        if bundle is not None:
            events = bundle.payload.setdefault("events", [])
            if len(events) < BUNDLE_MAX_EVENTS:
                events.append(entry)
            else:
                bundle.payload["more"] = bundle.payload.get("more", 0) + 1
            added.append(bundle)
            continue
        window = membership.user.email_bundle_minutes
        opened.append(
            Notification(
                organization_id=task.organization_id,
                kind=NotificationKind.INBOX,
                recipient=membership.user,
                recipient_email=membership.user.email,
                subject_id=task.pk,
                payload={"events": [entry]},
                dedupe_key=f"inbox:{membership.user_id}:{uuid.uuid4().hex}",
                next_attempt_at=now + timedelta(minutes=window) if window else None,
            )
        )
    Notification.objects.bulk_update(added, ["payload"])
    Notification.objects.bulk_create(opened)
    return opened


def _write_items(items: list[InboxItem]) -> None:
    """Insert the new items and update the others in one statement (an upsert on the one item
    per member and task), which hands back every item's id. Under the recipients' row locks
    nobody else writes these items meanwhile, so the values computed from what was read stand."""
    for item in items:
        item.pk = None  # one INSERT for all: Django splits rows with and without ids
    InboxItem.objects.bulk_create(
        items,
        update_conflicts=True,
        unique_fields=["recipient", "task"],
        update_fields=_ITEM_FIELDS,
    )


def inbox_notify(
    *,
    task: Task,
    actor: Membership | None,
    kind: EventKind,
    recipients: Iterable[Membership | int | None] = (),
    watchers: bool = False,
    exclude: Iterable[int] = (),
    detail: dict | None = None,
) -> list[InboxItem]:
    """Tell ``recipients`` (memberships or their ids), and the task's watchers if ``watchers``,
    except ``exclude`` (ids), that ``kind`` happened to ``task``: ``actor`` did it (None: the
    system, e.g. a reminder), ``detail`` adds ids or values (a comment id, the new status, the
    due date), never text. Call inside the transaction of the change; the e-mails are queued
    when it commits. Returns the items written. A fixed number of queries, whoever is told."""
    kind = EventKind(kind)
    ids = {getattr(r, "pk", r) for r in recipients if r is not None}
    skip = set(exclude) | ({actor.pk} if actor is not None else set())
    if not (ids - skip) and not watchers:
        return []
    found = _recipients(task, ids - skip, kind, watchers=watchers, exclude=skip)
    if not found:
        return []
    members = [membership for membership, _found in found]
    now = timezone.now()
    event = {
        "kind": kind.value,
        "actor": actor.user_id if actor is not None else None,
        "at": now.isoformat(),
        **(detail or {}),
    }
    items = {}
    for membership, found_item in found:
        item = _item(task, membership, found_item)
        item.unread_events = (item.unread_events if item.read_at is None else 0) + 1
        item.kind = kind.value
        item.actor_id = event["actor"]
        item.last_event_at = now
        item.recent = [event, *(item.recent or [])][:RECENT_EVENTS_MAX]
        item.has_mention = item.has_mention or kind == EventKind.MENTIONED
        item.read_at = None
        item.archived_at = None  # news brings an archived thread back
        items[membership.pk] = item
    _write_items(list(items.values()))

    emailed = [(m, items[m.pk]) for m in members if m.user.channel(kind.topic) == Channel.EMAIL]
    opened = _bundle(task, emailed, event, now) if emailed else []
    announce_after_commit(
        signals.inbox_notified,
        organization=task.organization,
        # Bundles with a window are delivered when it closes; the others right away.
        notifications=[n for n in opened if n.next_attempt_at is None],
        scheduled=[[n.pk, n.next_attempt_at.isoformat()] for n in opened if n.next_attempt_at],
        membership_ids=[m.pk for m in members],
        task_id=task.pk,
    )
    for membership in members:
        events.publish(task.organization_id, "inbox", user=membership.pk)
    return list(items.values())


def _own(item: InboxItem, actor: Membership) -> None:
    if item.recipient_id != actor.pk:
        raise PermissionDenied("This is somebody else's inbox.")


@transaction.atomic
def inbox_item_mark(*, item: InboxItem, actor: Membership, read: bool) -> InboxItem:
    """Mark the actor's own item read (its events so far are left out of e-mails) or unread."""
    _own(item, actor)
    now = timezone.now()
    if read:
        item.read_at = item.read_at or now
        item.seen_until = now
        item.unread_events = 0
    else:
        item.read_at = None
    InboxItem.objects.filter(pk=item.pk).update(
        read_at=item.read_at, seen_until=item.seen_until, unread_events=item.unread_events
    )
    events.publish(actor.organization_id, "inbox", user=actor.pk)
    return item


@transaction.atomic
def inbox_item_archive(*, item: InboxItem, actor: Membership, archived: bool) -> InboxItem:
    """Archive the actor's own item (done with it: it counts as read) or bring it back."""
    _own(item, actor)
    now = timezone.now()
    if archived:
        item.archived_at = now
        item.read_at = item.read_at or now
        item.seen_until = now
        item.unread_events = 0
    else:
        item.archived_at = None
    InboxItem.objects.filter(pk=item.pk).update(
        archived_at=item.archived_at,
        read_at=item.read_at,
        seen_until=item.seen_until,
        unread_events=item.unread_events,
    )
    events.publish(actor.organization_id, "inbox", user=actor.pk)
    return item


@transaction.atomic
def inbox_mark_all_read(*, actor: Membership) -> int:
    """Every unread item of the actor in this organization becomes read. Returns how many."""
    now = timezone.now()
    count = InboxItem.objects.filter(
        organization=actor.organization_id, recipient=actor, read_at__isnull=True
    ).update(read_at=now, seen_until=now, unread_events=0)
    if count:
        events.publish(actor.organization_id, "inbox", user=actor.pk)
    return count


def inbox_mark_task_read(*, task: Task, actor: Membership) -> int:
    """The actor opened the task: their item about it (if unread) becomes read."""
    now = timezone.now()
    count = InboxItem.objects.filter(
        organization=task.organization_id, recipient=actor, task=task, read_at__isnull=True
    ).update(read_at=now, seen_until=now, unread_events=0)
    if count:
        events.publish(task.organization_id, "inbox", user=actor.pk)
    return count
