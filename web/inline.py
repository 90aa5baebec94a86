"""Inline-edit controls for a task's fields, shared by the task table and the detail page.

Built with ``format_html`` rather than a template per cell: a 50-row list renders hundreds of
them. Each control is a small form that posts one field through htmx and swaps back the row (in
lists) or the field panel (on the detail page); without JavaScript it is an ordinary form post.
"""

from django.urls import reverse
from django.utils.html import format_html, format_html_join

from workspace.models import Membership, Priority, Task, TaskStatus

TARGETS = {"row": "closest tr", "detail": "#task-fields"}
CONTROL = (
    "rounded-md border border-transparent bg-transparent px-1.5 py-1 "
    "hover:border-slate-300 focus:border-brand-500 focus:bg-white"
)


def _options(choices, selected) -> str:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, " selected" if str(value) == str(selected) else "", label)
            for value, label in choices
        ),
    )


def _select(name: str, label: str, choices, selected) -> str:
    return format_html(
        '<select name="{}" aria-label="{}" class="{} text-sm">{}</select>',
        name,
        label,
        CONTROL,
        _options(choices, selected),
    )


def _control(task: Task, field: str, members: list[Membership], value, context: str) -> str:
    ref = task.reference
    if field == "status":
        return _select("status", f"Status of {ref}", TaskStatus.choices, value or task.status)
    if field == "priority":
        return _select(
            "priority", f"Priority of {ref}", Priority.key_choices(), value or task.priority_key
        )
    if field == "assignee":
        choices = [("", "Unassigned"), *((m.pk, m.user.display_name) for m in members)]
        selected = value if value is not None else (task.assignee_id or "")
        return _select("assignee", f"Assignee of {ref}", choices, selected)
    if field == "due_date":
        current = (
            value if value is not None else (task.due_date.isoformat() if task.due_date else "")
        )
        return format_html(
            '<input type="date" name="due_date" value="{}" aria-label="Due date of {}" '
            'class="{} text-sm">',
            current,
            ref,
            CONTROL,
        )
    return format_html(
        '<input type="text" name="title" value="{}" aria-label="Title of {}" required '
        'minlength="3" maxlength="200" class="{} w-full font-medium text-slate-900 {}">',
        task.title if value is None else value,
        ref,
        CONTROL,
        "text-lg" if context == "detail" else "text-sm",
    )


def inline_field(
    *,
    task: Task,
    field: str,
    context: str,
    csrf_token: str,
    members: list[Membership],
    org_slug: str,
    value=None,
    error: str | None = None,
) -> str:
    if field == "assignee":
        url = reverse("web:task-assign", kwargs={"org_slug": org_slug, "number": task.number})
    else:
        url = reverse(
            "web:task-inline", kwargs={"org_slug": org_slug, "number": task.number, "field": field}
        )
    return format_html(
        '<form method="post" action="{url}" hx-post="{url}" hx-trigger="change, submit" '
        'hx-sync="this:drop" hx-target="{target}" hx-swap="outerHTML" data-inline="{field}">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
        '<input type="hidden" name="version" value="{version}">'
        '<input type="hidden" name="context" value="{context}">'
        "{control}"
        '<noscript><button type="submit" class="btn-secondary btn-sm">Save</button></noscript>'
        "{error}"
        "</form>",
        url=url,
        target=TARGETS[context],
        field=field,
        csrf=csrf_token,
        version=task.updated_at.isoformat(),
        context=context,
        control=_control(task, field, members, value, context),
        error=format_html('<p class="field-error" role="alert">{}</p>', error) if error else "",
    )
