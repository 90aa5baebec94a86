"""Saved views: a list or board address kept under a name, personal (anyone) or shared with
the organization (admins). Each write checks who may make it."""

from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from workspace import revisions
from workspace.models import SAVED_VIEW_QUERY_MAX, Membership, Project, SavedView, SavedViewKind

NAME_MAX = 60
VIEWS_MAX = 50  # per member, and shared per organization
# What a view remembers of an address: everything but the page it was on.
DROPPED_PARAMETERS = {"page"}


def clean_query(query: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query or "", keep_blank_values=False)]
    return urlencode([(k, v) for k, v in pairs if k not in DROPPED_PARAMETERS])


def _name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the view a name."})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"A view's name has at most {NAME_MAX} characters."})
    return name


def can_change(actor: Membership, view: SavedView) -> bool:
    """Shared views are the admins'; personal ones their owner's."""
    if view.organization_id != actor.organization_id:
        return False
    return actor.is_admin if view.shared else view.owner_id == actor.pk


def _siblings(view: SavedView):
    views = SavedView.objects.filter(organization=view.organization_id, shared=view.shared)
    return views if view.shared else views.filter(owner=view.owner_id)


def _changed(view: SavedView) -> None:
    revisions.changed(view.organization_id, revisions.DIRECTORY)


@transaction.atomic
def saved_view_create(
    *,
    actor: Membership,
    name: str,
    query: str,
    kind: str = "list",
    shared: bool = False,
    project: Project | None = None,
) -> SavedView:
    """Save a list or board address; ``project``: that project's list or board (a live project
    of the actor's organization)."""
    if shared and not actor.is_admin:
        raise PermissionDenied("Only admins share views with the organization.")
    if kind not in SavedViewKind.values:
        raise ValidationError({"kind": "A view is a list or a board."})
    if project is not None and (
        project.organization_id != actor.organization_id or project.is_deleted
    ):
        raise ValidationError({"project": "Choose a project of this organization."})
    query = clean_query(query)
    if len(query) > SAVED_VIEW_QUERY_MAX:
        raise ValidationError({"name": "This view has too many filters to save."})
    view = SavedView(
        organization_id=actor.organization_id,
        owner=actor,
        name=_name(name),
        shared=shared,
        kind=kind,
        project=project,
        query=query,
    )
    siblings = _siblings(view)
    if siblings.count() >= VIEWS_MAX:
        raise ValidationError({"name": f"There are already {VIEWS_MAX} views here."})
    if siblings.filter(name__iexact=view.name).exists():
        raise ValidationError({"name": f"There is already a view named {view.name}."})
    view.position = (siblings.aggregate(last=Max("position"))["last"] or 0) + 1
    view.save()
    _changed(view)
    return view


def _check(actor: Membership, view: SavedView) -> None:
    if not can_change(actor, view):
        raise PermissionDenied(
            "Only admins change shared views." if view.shared else "This view is not yours."
        )


@transaction.atomic
def saved_view_rename(*, view: SavedView, actor: Membership, name: str) -> SavedView:
    _check(actor, view)
    name = _name(name)
    if _siblings(view).filter(name__iexact=name).exclude(pk=view.pk).exists():
        raise ValidationError({"name": f"There is already a view named {name}."})
    view.name = name
    view.save(update_fields=["name", "updated_at"])
    _changed(view)
    return view


@transaction.atomic
def saved_view_move(*, view: SavedView, actor: Membership, step: int) -> bool:
    """Move the view ``step`` places up (negative) or down among its siblings."""
    _check(actor, view)
    views = list(_siblings(view).select_for_update().order_by("position", "pk"))
    here = next(n for n, other in enumerate(views) if other.pk == view.pk)
    to = max(0, min(here + step, len(views) - 1))
    if to == here:
        return False
    views.insert(to, views.pop(here))
    for position, other in enumerate(views, 1):
        other.position = position
    SavedView.objects.bulk_update(views, ["position"])
    _changed(view)
    return True


@transaction.atomic
def saved_view_delete(*, view: SavedView, actor: Membership) -> None:
    _check(actor, view)
    view.delete()
    _changed(view)
