"""Small helpers for the one-view-one-template htmx style."""

from django.template.response import TemplateResponse
from django_htmx.http import trigger_client_event


def wants_fragment(request) -> bool:
    """An htmx request that swaps part of a page (boosted requests want whole pages)."""
    return bool(request.htmx) and not request.htmx.boosted


def render_fragment(request, template: str, partial: str, context: dict, *, status=200, event=None):
    response = TemplateResponse(request, f"{template}#{partial}", context, status=status)
    if event:
        trigger_client_event(response, event)
    return response
