from html import escape

import django_tables2 as tables
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from web.inline import InlineControls
from web.paginators import CappedCountPaginator, KeysFirstQuerysetData
from workspace.models import Task

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50


class TaskTable(tables.Table):
    """The task list. django-tables2 owns the columns, sorting and pagination; the rows are
    built by ``row_html`` in one pass (a list page has hundreds of inline-edit controls, too many
    to render cell by cell through templates)."""

    number = tables.Column(verbose_name="#", order_by=("number",))
    title = tables.Column(orderable=False)
    project = tables.Column(orderable=False)
    status = tables.Column(orderable=False)
    priority = tables.Column(order_by=("priority", "number"))
    assignee = tables.Column(orderable=False)
    due_date = tables.Column(verbose_name="Due")
    created_at = tables.Column(verbose_name="Created", order_by=("created_at", "number"))

    class Meta:
        model = Task
        fields = (
            "number",
            "title",
            "project",
            "status",
            "priority",
            "assignee",
            "due_date",
            "created_at",
        )
        order_by = ("-number",)
        empty_text = "No tasks match these filters."

    def __init__(self, data, *args, members, csrf_token, org_slug, field_error=None, **kwargs):
        """``field_error``: ``(field, message, submitted value or None)`` to show in a re-rendered
        row after a refused inline edit."""
        if isinstance(data, QuerySet):
            # Numbers are unique per organization and end every ordering (see order_by below).
            data = KeysFirstQuerysetData(data, key="number")
        super().__init__(data, *args, **kwargs)
        self.controls = InlineControls(
            org_slug=org_slug, csrf_token=csrf_token, members=members, context="row"
        )
        # "/o/<org>/p/": project pages are "<this><slug>/" (checked against reverse() in tests).
        self.projects_url = reverse("web:org-home", kwargs={"org_slug": org_slug}) + "p/"
        self.field_error = field_error

    def paginate(self, *args, per_page=None, **kwargs):
        """Page size comes from the query string: only the offered sizes are honoured."""
        per_page = per_page if per_page in PAGE_SIZES else DEFAULT_PAGE_SIZE
        kwargs.setdefault("paginator_class", CappedCountPaginator)
        return super().paginate(*args, per_page=per_page, **kwargs)

    def order_due_date(self, queryset, is_descending):
        due = (
            F("due_date").desc(nulls_last=True)
            if is_descending
            else F("due_date").asc(nulls_last=True)
        )
        return queryset.order_by(due, "-number" if is_descending else "number"), True

    def _field(self, task, field):
        if self.field_error and self.field_error[0] == field:
            _, error, value = self.field_error
            return self.controls.field(task, field, value=value, error=error)
        return self.controls.field(task, field)

    def row_html(self, task: Task) -> SafeString:
        controls = self.controls
        assignee = (
            self._field(task, "assignee")
            if self.field_error and self.field_error[0] == "assignee"
            else controls.assignee_opener(task)
        )
        created = task.created_at
        cells = (
            f'<a href="{controls.tasks_url}{task.number}/" class="font-mono text-slate-600">'
            f"#{task.number}</a>",
            self._field(task, "title"),
            f'<a href="{self.projects_url}{task.project.slug}/" class="text-slate-700">'
            f"{escape(task.project.name)}</a>",
            self._field(task, "status"),
            self._field(task, "priority"),
            assignee,
            self._field(task, "due_date"),
            f'<time datetime="{created.isoformat()}" class="text-slate-500">'
            f"{created.strftime('%b %d')}</time>",
        )
        widths = ("", " min-w-64 w-full", " whitespace-nowrap", "", "", "", "", "")
        overdue = ' class="is-overdue"' if task.is_overdue else ""
        body = "".join(
            f'<td class="px-3 py-1.5 align-middle{width}">{cell}</td>'
            for width, cell in zip(widths, cells, strict=True)
        )
        return mark_safe(f'<tr id="task-{task.number}"{overdue}>{body}</tr>')  # noqa: S308

    def render_body(self) -> SafeString:
        return mark_safe("".join(self.row_html(row.record) for row in self.paginated_rows))  # noqa: S308
