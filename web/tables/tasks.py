import django_tables2 as tables
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html

from web.inline import inline_field
from workspace.models import Task


class InlineColumn(tables.Column):
    """A column whose cell is an inline-edit form (rendered even when the value is empty)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_values", ())
        super().__init__(*args, **kwargs)


PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50


class TaskTable(tables.Table):
    number = tables.Column(verbose_name="#", order_by=("number",))
    title = InlineColumn(orderable=False, attrs={"td": {"class": "min-w-64 w-full"}})
    project = tables.Column(orderable=False, attrs={"td": {"class": "whitespace-nowrap"}})
    status = InlineColumn(orderable=False)
    priority = InlineColumn(order_by=("priority", "number"))
    assignee = InlineColumn(orderable=False)
    due_date = InlineColumn(verbose_name="Due")
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
        row_attrs = {
            "id": lambda record: f"task-{record.number}",
            "class": lambda record: "is-overdue" if record.is_overdue else "",
        }

    def __init__(self, *args, members, csrf_token, org_slug, field_error=None, **kwargs):
        """``field_error``: ``(field, message, submitted value or None)`` to show in a re-rendered
        row after a refused inline edit."""
        super().__init__(*args, **kwargs)
        self.members = members
        self.csrf_token = csrf_token
        self.org_slug = org_slug
        self.field_error = field_error

    def paginate(self, *args, per_page=None, **kwargs):
        """Page size comes from the query string: only the offered sizes are honoured."""
        per_page = per_page if per_page in PAGE_SIZES else DEFAULT_PAGE_SIZE
        return super().paginate(*args, per_page=per_page, **kwargs)

    def _inline(self, record, field):
        error = value = None
        if self.field_error and self.field_error[0] == field:
            _, error, value = self.field_error
        return inline_field(
            task=record,
            field=field,
            context="row",
            csrf_token=self.csrf_token,
            members=self.members,
            org_slug=self.org_slug,
            value=value,
            error=error,
        )

    def order_due_date(self, queryset, is_descending):
        due = (
            F("due_date").desc(nulls_last=True)
            if is_descending
            else F("due_date").asc(nulls_last=True)
        )
        return queryset.order_by(due, "-number" if is_descending else "number"), True

    def render_number(self, record):
        url = reverse(
            "web:task-detail", kwargs={"org_slug": self.org_slug, "number": record.number}
        )
        return format_html(
            '<a href="{}" class="font-mono text-slate-600">#{}</a>', url, record.number
        )

    def render_project(self, record):
        return format_html(
            '<a href="{}" class="text-slate-700">{}</a>',
            reverse(
                "web:project-detail",
                kwargs={"org_slug": self.org_slug, "project_slug": record.project.slug},
            ),
            record.project.name,
        )

    def render_title(self, record):
        return self._inline(record, "title")

    def render_status(self, record):
        return self._inline(record, "status")

    def render_priority(self, record):
        return self._inline(record, "priority")

    def render_assignee(self, record):
        return self._inline(record, "assignee")

    def render_due_date(self, record):
        return self._inline(record, "due_date")

    def render_created_at(self, value):
        return format_html(
            '<time datetime="{}" class="text-slate-500">{}</time>',
            value.isoformat(),
            value.strftime("%b %d"),
        )
