import csv
import json

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.vary import vary_on_headers
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from web.filters import AuditLogFilter
from web.htmx import wants_fragment
from web.mixins import OrganizationAdminMixin
from web.paginators import CappedCountPaginator
from web.tables.audit import AuditLogTable
from workspace import selectors
from workspace.task_export import safe_cell

CSV_COLUMNS = [
    "time",
    "actor",
    "actor_email",
    "action",
    "object_type",
    "object",
    "changes",
    "ip",
    "user_agent",
]


class Echo:
    """csv.writer target that hands each row back instead of buffering it."""

    def write(self, value):
        return value


def csv_rows(entries):
    writer = csv.writer(Echo())
    yield writer.writerow(CSV_COLUMNS)
    for entry in entries:
        yield writer.writerow(
            [
                entry.created_at.isoformat(),
                safe_cell(entry.actor.display_name) if entry.actor else "system",
                safe_cell(entry.actor.email) if entry.actor else "",
                entry.action,
                entry.object_type,
                safe_cell(entry.object_repr),
                safe_cell(json.dumps(entry.changed_fields, ensure_ascii=False))
                if entry.changed_fields
                else "",
                entry.ip_address or "",
                safe_cell(entry.user_agent),
            ]
        )


@method_decorator(vary_on_headers("HX-Request"), name="dispatch")
class ActivityView(OrganizationAdminMixin, SingleTableMixin, FilterView):
    """The organization's audit log for admins, filterable and exportable as CSV."""

    template_name = "web/activity.html"
    table_class = AuditLogTable
    filterset_class = AuditLogFilter
    strict = False
    per_page = 50

    def get_queryset(self):
        return selectors.audit_log_list(organization=self.organization)

    def get_table_pagination(self, table):
        """The table pages itself (the view does not page the list a second time), and counts
        no further than the task list does ("1-50 of more than 10,000")."""
        return {"per_page": self.per_page, "paginator_class": CappedCountPaginator}

    def get_table_kwargs(self):
        return {"field_names": selectors.custom_field_names(organization=self.organization)}

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["members"] = selectors.assignable_members(organization=self.organization)
        return kwargs

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "csv":
            return self.export_csv()
        return super().get(request, *args, **kwargs)

    def export_csv(self):
        filterset = self.get_filterset(self.get_filterset_class())
        entries = filterset.qs.iterator(chunk_size=2000)
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(csv_rows(entries), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{self.organization.slug}-activity-{stamp}.csv"'
        )
        return response

    def get_template_names(self):
        if wants_fragment(self.request):
            return [f"{self.template_name}#activity-table"]
        return [self.template_name]
