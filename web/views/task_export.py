"""Downloading a task list (or board) view: every task its filters match, in its order.

``?export=csv`` streams the rows as they are read; ``?export=xlsx`` writes them through
openpyxl's write-only workbook (rows go to a temporary file, not memory) and sends the file.
"""

import csv
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook

from web.tables.tasks import export_order
from web.views.activity import Echo
from workspace import task_export

FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_lines(header: list[str], rows):
    writer = csv.writer(Echo())
    # A byte-order mark, so that spreadsheets open the UTF-8 file with the right characters.
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def xlsx_file(header: list[str], rows):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Tasks")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    workbook.save(handle)
    handle.seek(0)
    return handle


class TaskExportMixin:
    """For the task list views: ``?export=csv|xlsx`` downloads what the list shows, every page
    of it. The filter and sort are the list's own (``get_filterset``, the ``sort`` parameter)."""

    def get(self, request, *args, **kwargs):
        kind = request.GET.get("export")
        if kind in FORMATS:
            return self.export(kind)
        return super().get(request, *args, **kwargs)

    def export_project(self):
        return None

    def export_sort_fields(self) -> list:
        """The custom fields the list sorts by (``sort=cf_<id>``): a project's list only."""
        return []

    def export_name(self) -> str:
        scope = self.export_project().slug if self.export_project() else "tasks"
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return f"{self.organization.slug}-{slugify(scope) or 'tasks'}-{stamp}"

    def export(self, kind: str):
        filterset = self.get_filterset(self.get_filterset_class())
        tasks = export_order(
            filterset.qs, self.request.GET.get("sort"), fields=self.export_sort_fields()
        )
        fields = task_export.field_columns(
            organization=self.organization, project=self.export_project()
        )
        header = task_export.header(fields)
        rows = task_export.rows(tasks, fields, tz=timezone.get_current_timezone())
        name = self.export_name()
        if kind == "xlsx":
            return FileResponse(
                xlsx_file(header, rows),
                as_attachment=True,
                filename=f"{name}.xlsx",
                content_type=XLSX,
            )
        response = StreamingHttpResponse(
            csv_lines(header, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
