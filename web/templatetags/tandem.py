"""Template helpers for Tandem's own markup."""

import json
import re
from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.formats import number_format

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


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _custom_shown(value) -> str:
    """A custom field's value in history: dates and numbers as lists show them."""
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return custom_value(value, "date") or "—"
    return custom_value(value) or "—"


def _custom_lines(values, field_names: dict) -> list[dict]:
    """``custom_fields: [old, new]`` (two ``{key: value}``) -> a line per changed field, named
    as the project names it now (``field_names``: key -> name), or after its key when the
    field is gone."""
    old, new = [*values, None, None][:2] if isinstance(values, list) else (None, values)
    old = old if isinstance(old, dict) else {}
    new = new if isinstance(new, dict) else {}
    lines = []
    for key in sorted({*old, *new}, key=lambda key: (str(field_names.get(key, key)), key)):
        if old.get(key) == new.get(key):
            continue
        name = field_names.get(key) or str(key).replace("_", " ").capitalize()
        lines.append(
            {
                "field": name,
                "long": False,
                "old": _custom_shown(old.get(key)),
                "new": _custom_shown(new.get(key)),
            }
        )
    return lines


@register.filter
def change_lines(changed_fields, field_names=None) -> list[dict]:
    """``{"status": ["To do", "Done"]}`` -> rows a template prints as "status: To do → Done".
    Custom fields get a line each, named from ``field_names`` (key -> name)."""
    lines = []
    for field, values in (changed_fields or {}).items():
        if field == "custom_fields":
            lines.extend(_custom_lines(values, field_names or {}))
            continue
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
