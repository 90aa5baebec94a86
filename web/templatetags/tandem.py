"""Template helpers for Tandem's own markup."""

import json
from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.dateformat import format as format_date

from workspace import markdown as markdown_text

register = template.Library()

UNDO_PREFIX = "undo:"

# How a changed field is named in history and the activity log.
FIELD_LABELS = {"due_date": "due date", "custom_fields": "custom fields", "lead": "lead"}
# Fields whose values are too long to show: only "changed" is said.
LONG_FIELDS = {"description", "body"}


@register.filter
def capped(count: int, cap: int) -> str:
    """A count taken with a cap: "1,000+" once it went past it."""
    return f"{cap:,}+" if count > cap else f"{count:,}"


@register.filter
def short_date(value) -> str:
    """A date as lists show it: "Dec 3", with the year when it is not this year ("Dec 3, 2027").
    Times are read in the current time zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    if not isinstance(value, date):
        return str(value)
    if value.year == timezone.localdate().year:
        return format_date(value, "M j")
    return format_date(value, "M j, Y")


@register.filter
def custom_value(value, field_type: str = "") -> str:
    """A custom field's stored value as people read it: a date as lists show dates, a number
    with its digits grouped ("12,500.5"), a choice or text as it is. Empty is "" ."""
    if value is None or value == "" or isinstance(value, dict | list):
        return ""
    if field_type == "date" and isinstance(value, str):
        try:
            return short_date(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return number_format(value, use_l10n=True, force_grouping=True)
    return str(value)


@register.filter
def bound(form, name: str):
    """``form[name]``: the bound field of a name held in a variable."""
    return form[name]


@register.filter
def initial_hidden(bound_field):
    """The hidden ``initial-*`` input of a field that remembers the value the form was opened
    with (``show_hidden_initial``), or nothing."""
    if not bound_field.field.show_hidden_initial:
        return ""
    return bound_field.as_hidden(only_initial=True)


@register.filter
def undo_url(message) -> str:
    """The restore URL a message offers as "Undo" (see ``undo_message``), or ""."""
    for tag in (getattr(message, "extra_tags", "") or "").split():
        if tag.startswith(UNDO_PREFIX):
            return tag[len(UNDO_PREFIX) :]
    return ""


def _show(value) -> str:
    if value in (None, "", {}, []):
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@register.filter
def change_lines(changed_fields) -> list[dict]:
    """``{"status": ["To do", "Done"]}`` -> rows a template prints as "status: To do → Done"."""
    lines = []
    for field, values in (changed_fields or {}).items():
        old, new = [*values, None, None][:2] if isinstance(values, list) else (None, values)
        lines.append(
            {
                "field": FIELD_LABELS.get(field, field.replace("_", " ")),
                "long": field in LONG_FIELDS,
                "old": _show(old),
                "new": _show(new),
            }
        )
    return lines


@register.filter
def markdown(html: str, mention_names: dict | None) -> str:
    """Stored, sanitized Markdown HTML (``Comment.body_rendered``, ``Task.description_rendered``)
    for a page: mentions show the current names of ``mention_names`` (membership id -> name),
    everything is cleaned again on the way out."""
    return markdown_text.display(html, mention_names or {})
