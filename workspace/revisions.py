"""Per-organization revisions, for reads cached exactly.

Each organization has a revision per topic, kept in the shared cache: ``TASKS`` (anything a
task list counts or shows) and ``DIRECTORY`` (its members, projects, labels and custom fields,
as choices and names). A change of a topic (``changed``, called for every save of the rows
behind it, see ``watch``) moves the revision at once and again when the change commits: a value
computed in between, from data the change had not yet committed, is left behind under the middle
revision. A read cached under the current revision (``cached``) is therefore never stale.

When the cache is down, reads are computed every time and nothing is stored."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

TASKS = "tasks"
DIRECTORY = "directory"
TOPICS = (TASKS, DIRECTORY)

REVISION_TIMEOUT = 7 * 24 * 3600
VALUE_TIMEOUT = 10 * 60  # unused values age out; used ones are recomputed at most this often

T = TypeVar("T")


# Revisions already read in this request (see ``remembered``), by cache key.
_seen: ContextVar[dict[str, int] | None] = ContextVar("revisions_seen", default=None)


def _key(organization_id: int, topic: str) -> str:
    return f"revision:{topic}:{organization_id}"


@contextmanager
def remembered() -> Iterator[None]:
    """Within the block (a request: OrganizationMiddleware), each revision is read from the
    cache once: a page's cached reads all use the revisions as they were when it first asked,
    and a change made in the block (``changed``) moves them for the rest of it too."""
    token = _seen.set({})
    try:
        yield
    finally:
        _seen.reset(token)


def current(organization_id: int, topic: str) -> int:
    """The topic's revision. A revision the cache lost starts anew at the current time (in
    nanoseconds), never at a value an earlier revision had."""
    key = _key(organization_id, topic)
    seen = _seen.get()
    if seen is not None and key in seen:
        return seen[key]
    if seen is None:
        value = cache.get(key)
    else:
        # A page that reads one of the organization's revisions mostly reads the others too:
        # one round trip reads them all.
        found = cache.get_many([_key(organization_id, other) for other in TOPICS])
        seen.update(found)
        value = found.get(key)
    if value is None:
        value = time.time_ns()
        if not cache.add(key, value, REVISION_TIMEOUT):
            value = cache.get(key) or value
    if seen is not None:
        seen[key] = value
    return value


def changed(organization_id: int, *topics: str) -> None:
    """The organization's ``topics`` change in the current transaction: move their revisions
    when it commits."""
    unknown = set(topics) - set(TOPICS)
    if unknown:
        raise ValueError(f"unknown topics: {sorted(unknown)}")

    seen = _seen.get()

    def move():
        stamp = time.time_ns()
        keys = {_key(organization_id, topic): stamp for topic in topics}
        cache.set_many(keys, REVISION_TIMEOUT)
        if seen is not None:
            seen.update(keys)

    move()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(move)


def cached(organization_id: int, topic: str, name: str, compute: Callable[[], T]) -> T:
    """``compute()``, or the value it returned under the topic's current revision. ``name``
    tells this read from the topic's other ones (include every argument of the read)."""
    key, value = peek(organization_id, topic, name)
    if value is None:
        value = compute()
        keep(key, value)
    return value


def peek(organization_id: int, topic: str, name: str) -> tuple[str, object | None]:
    """For a read that computes its value together with another one when it is missing: the
    key ``cached`` keeps ``name`` under at the topic's current revision, and the value kept
    there (None if none). ``keep(key, value)`` stores what was computed."""
    key = f"revision-value:{topic}:{organization_id}:{current(organization_id, topic)}:{name}"
    return key, cache.get(key)


def keep(key: str, value) -> None:
    cache.set(key, value, VALUE_TIMEOUT)


# --- What moves the revisions -------------------------------------------------------------------
# Every save or deletion of the rows behind a topic, through the ORM, moves it: services need not
# remember to. Writes that bypass model signals (QuerySet.update, bulk_create) call ``changed``
# themselves, or save a row that moves it (a project's deletion saves the project after updating
# its tasks).

SILENT_USER_FIELDS = {"last_login", "password"}


def _task_saved(sender, instance, **kwargs):
    changed(instance.organization_id, TASKS)


def _project_saved(sender, instance, **kwargs):
    changed(instance.organization_id, TASKS, DIRECTORY)


def _label_saved(sender, instance, **kwargs):
    # Label names are filter choices; a deleted label leaves its tasks (counts by label change).
    changed(instance.organization_id, TASKS, DIRECTORY)


def _custom_field_saved(sender, instance, **kwargs):
    # A project's fields are its list's columns, filters and sort keys.
    changed(instance.organization_id, DIRECTORY)


def _membership_saved(sender, instance, **kwargs):
    # Removing a member unassigns their tasks (in the database, without task signals).
    changed(instance.organization_id, TASKS, DIRECTORY)


def _user_saved(sender, instance, update_fields=None, created=False, **kwargs):
    if created or (update_fields is not None and set(update_fields) <= SILENT_USER_FIELDS):
        return
    from workspace.models import Membership
    from workspace.tenancy import all_tenants

    with all_tenants():  # a person's name shows in every organization they belong to
        organizations = list(
            Membership.objects.filter(user=instance).values_list("organization_id", flat=True)
        )
    for organization_id in organizations:
        changed(organization_id, DIRECTORY)


def watch() -> None:
    """Connect the receivers above (WorkspaceConfig.ready)."""
    from django.db.models.signals import post_delete, post_save

    from accounts.models import User
    from workspace.models import CustomField, Label, Membership, Project, Task

    for model, receiver in (
        (Task, _task_saved),
        (Project, _project_saved),
        (Membership, _membership_saved),
        (Label, _label_saved),
        (CustomField, _custom_field_saved),
    ):
        post_save.connect(receiver, sender=model, dispatch_uid=f"revisions.{model.__name__}.save")
        post_delete.connect(
            receiver, sender=model, dispatch_uid=f"revisions.{model.__name__}.delete"
        )
    post_save.connect(_user_saved, sender=User, dispatch_uid="revisions.User.save")
