"""Inline-edit controls for a task's fields, shared by the task table and the detail page.

Each control is a small form that posts one field through htmx and swaps back the row (in lists)
or the field panel (on the detail page); without JavaScript it is an ordinary form post.

A 50-row list renders hundreds of these, so ``InlineControls`` prepares everything that does not
depend on the task once (URL prefix, CSRF token, the option lists for each selected value) and
then builds each control with plain string formatting. Every value that comes from a user is
escaped here; the result is marked safe once.
"""

from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from workspace.models import Priority, Task, TaskStatus

TARGETS = {"row": "closest tr", "detail": "#task-fields"}
CONTROL = "inline-control"  # see static/src/tandem.css
FIELDS = ("title", "status", "priority", "due_date", "assignee")


def _options(choices, selected) -> str:
    selected = str(selected)
    return "".join(
        f'<option value="{escape(str(value))}"{" selected" if str(value) == selected else ""}>'
        f"{escape(str(label))}</option>"
        for value, label in choices
    )


class InlineControls:
    def __init__(self, *, org_slug: str, csrf_token: str, members, context: str):
        """``members``: a list, or a callable returning it (only the assignee select needs it)."""
        self.tasks_url = reverse("web:task-list", kwargs={"org_slug": org_slug})
        self.csrf = escape(csrf_token)
        self.members = members
        self.context = context
        self.target = TARGETS[context]
        self._status = {v: _options(TaskStatus.choices, v) for v in TaskStatus.values}
        self._priority = {p.key: _options(Priority.key_choices(), p.key) for p in Priority}
        self._assignees: dict[str, str] = {}

    # --- URLs (must match web/urls.py; tested against reverse()) ---------------------------------

    def url(self, task: Task, field: str) -> str:
        if field == "assignee":
            return f"{self.tasks_url}{task.number}/assign/"
        return f"{self.tasks_url}{task.number}/inline/{field}/"

    def edit_url(self, task: Task) -> str:
        return f"{self.tasks_url}{task.number}/edit/"

    # --- controls -------------------------------------------------------------------------------

    def _assignee_options(self, selected) -> str:
        key = str(selected or "")
        if key not in self._assignees:
            members = self.members() if callable(self.members) else self.members
            choices = [("", "Unassigned"), *((m.pk, m.user.display_name) for m in members)]
            self._assignees[key] = _options(choices, key)
        return self._assignees[key]

    def _select(self, name: str, label: str, options: str) -> str:
        return (
            f'<select name="{name}" aria-label="{escape(label)}" class="{CONTROL} text-sm">'
            f"{options}</select>"
        )

    def _control(self, task: Task, field: str, value) -> str:
        ref = task.reference
        if field == "status":
            current = value or task.status
            options = self._status.get(current) or _options(TaskStatus.choices, current)
            return self._select("status", f"Status of {ref}", options)
        if field == "priority":
            current = value or task.priority_key
            options = self._priority.get(current) or _options(Priority.key_choices(), current)
            return self._select("priority", f"Priority of {ref}", options)
        if field == "assignee":
            current = value if value is not None else (task.assignee_id or "")
            return self._select("assignee", f"Assignee of {ref}", self._assignee_options(current))
        if field == "due_date":
            if value is None:
                value = task.due_date.isoformat() if task.due_date else ""
            return (
                f'<input type="date" name="due_date" value="{escape(str(value))}" '
                f'aria-label="Due date of {ref}" class="{CONTROL} text-sm">'
            )
        size = "text-lg" if self.context == "detail" else "text-sm"
        title = task.title if value is None else str(value)
        return (
            f'<input type="text" name="title" value="{escape(title)}" aria-label="Title of {ref}" '
            f'required minlength="3" maxlength="200" '
            f'class="{CONTROL} w-full font-medium text-slate-900 {size}">'
        )

    def field(self, task: Task, field: str, *, value=None, error: str | None = None) -> SafeString:
        """The form editing ``field`` of ``task``; ``value`` shows a refused input as typed."""
        url = self.url(task, field)
        error_html = f'<p class="field-error" role="alert">{escape(error)}</p>' if error else ""
        return mark_safe(  # noqa: S308 - every dynamic value above is escaped
            f'<form method="post" action="{url}" hx-post="{url}" hx-trigger="change, submit" '
            f'hx-sync="this:drop" hx-target="{self.target}" hx-swap="outerHTML" '
            f'data-inline="{field}">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{self.csrf}">'
            f'<input type="hidden" name="version" value="{task.updated_at.isoformat()}">'
            f'<input type="hidden" name="context" value="{self.context}">'
            f"{self._control(task, field, value)}"
            '<noscript><button type="submit" class="btn-secondary btn-sm">Save</button></noscript>'
            f"{error_html}</form>"
        )

    def assignee_opener(self, task: Task) -> SafeString:
        """In list rows the assignee is a button that loads the select on demand (a row with a
        whole member list each would make long lists heavy); without JavaScript it leads to the
        task's edit page."""
        name = task.assignee.user.display_name if task.assignee else "Unassigned"
        url = self.url(task, "assignee")
        return mark_safe(  # noqa: S308 - name is escaped
            f'<a href="{self.edit_url(task)}" hx-get="{url}?context={self.context}" '
            f'hx-target="this" hx-swap="outerHTML" role="button" '
            f'aria-label="Assignee of {task.reference}: {escape(name)}. Change" '
            f'class="{CONTROL} inline-flex items-center gap-1 text-sm text-slate-700 no-underline '
            f'hover:no-underline" data-assignee="{task.assignee_id or ""}">'
            f'{escape(name)}<span aria-hidden="true" class="text-slate-400">▾</span></a>'
        )
