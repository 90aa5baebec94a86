"""Tasks as spreadsheet rows: what a list or board view downloads (CSV or XLSX).

Every matching task, not only the page on screen: the rows are read as plain values in chunks
(``QuerySet.iterator``), so an export of 100k tasks never holds more than one chunk in memory.
Custom fields get one column each, named as people read them; fields of different projects that
share a name share a column. Cells that a spreadsheet would run as a formula are neutralised.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Case, OuterRef, QuerySet, Value, When
from django.db.models.functions import Concat

from accounts.models import User
from workspace.models import ChecklistItem, CustomField, FieldType, Priority, TaskStatus
from workspace.models.tasks import chips_of, row_expressions

CHUNK = 2000

COLUMNS = (
    "Number",
    "Title",
    "Description",
    "Project",
    "Status",
    "Priority",
    "Assignee",
    "Assignee e-mail",
    "Due date",
    "Labels",
    "Checklist",
    "Checklist progress",
    "Created",
    "Updated",
    "Completed",
)

VALUES = (
    "number",
    "title",
    "description",
    "project_id",
    "project__name",
    "status",
    "priority",
    "assignee__user__name",
    "assignee__user__email",
    "due_date",
    "created_at",
    "updated_at",
    "completed_at",
    "custom_fields",
    "checklist_done",
    "checklist_total",
)
DONE_MARK, OPEN_MARK = "[x] ", "[ ] "  # how a checklist cell writes each item's state

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
STATUS_LABELS = dict(TaskStatus.choices)
PRIORITY_LABELS = dict(Priority.choices)


def safe_cell(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ (or a tab or carriage return) as
    formulas: such a cell is exported with a leading apostrophe, which shows it as text."""
    return f"'{value}" if value[:1] in FORMULA_STARTS else value


@dataclass(frozen=True)
class FieldColumns:
    """The custom-field columns of an export: their headers, and where each project's field
    keys go among them."""

    headers: tuple[str, ...]
    places: dict[int, dict[str, tuple[int, str]]]  # project id -> key -> (column, type)

    @classmethod
    def of(cls, definitions: Iterable[CustomField]) -> "FieldColumns":
        headers: list[str] = []
        index: dict[str, int] = {}
        places: dict[int, dict[str, tuple[int, str]]] = {}
        for field in definitions:
            column = index.setdefault(field.name.casefold(), len(headers))
            if column == len(headers):
                headers.append(field.name)
            places.setdefault(field.project_id, {})[field.key] = (column, field.field_type)
        return cls(headers=tuple(headers), places=places)

    def cells(self, project_id: int, values: dict) -> list[str]:
        cells = [""] * len(self.headers)
        for key, (column, field_type) in self.places.get(project_id, {}).items():
            value = values.get(key) if isinstance(values, dict) else None
            if value is not None and value != "":
                cells[column] = _field_text(value, field_type)
        return cells


def _field_text(value, field_type: str) -> str:
    if field_type == FieldType.NUMBER and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return safe_cell(str(value))


def _progress(done: int, total: int) -> str:
    return f"{done}/{total}" if total else ""


def _moment(value, tz) -> str:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else ""


def field_columns(*, organization, project=None) -> FieldColumns:
    """The custom-field columns for an export of the organization's tasks (or one project's)."""
    definitions = CustomField.objects.filter(organization=organization).order_by(
        "project__name", "position", "pk"
    )
    if project is not None:
        definitions = definitions.filter(project=project)
    return FieldColumns.of(definitions.only("project_id", "name", "key", "field_type"))


def header(fields: FieldColumns) -> list[str]:
    return [*COLUMNS, *fields.headers]


def _expressions() -> dict:
    """Each task's labels and checklist lines, read with the row (subqueries on the (task,
    label) and (task, position) indexes), so that an export is one query per chunk."""
    return {
        **row_expressions(),
        "checklist_lines": ArraySubquery(
            ChecklistItem.objects.filter(task_id=OuterRef("pk"))
            .order_by("position", "pk")
            .values_list(
                Concat(
                    Case(When(done=True, then=Value(DONE_MARK)), default=Value(OPEN_MARK)),
                    "text",
                )
            )
        ),
    }


def rows(tasks: QuerySet, fields: FieldColumns, *, tz=UTC) -> Iterator[list]:
    """One list of cells per task of ``tasks`` (already filtered and ordered by the caller),
    read in chunks. Dates and times are ISO 8601, times in ``tz`` with its offset (the reader's
    time zone: the rows are read after the view returned, so it is passed in)."""
    for task in tasks.values(*VALUES, **_expressions()).iterator(chunk_size=CHUNK):
        assignee_email = task["assignee__user__email"] or ""
        assignee = (
            User.name_for(task["assignee__user__name"] or "", assignee_email)
            if assignee_email
            else ""
        )
        yield [
            task["number"],
            safe_cell(task["title"]),
            safe_cell(task["description"]),
            safe_cell(task["project__name"]),
            STATUS_LABELS.get(task["status"], task["status"]),
            PRIORITY_LABELS.get(task["priority"], ""),
            safe_cell(assignee),
            safe_cell(assignee_email),
            task["due_date"].isoformat() if task["due_date"] else "",
            safe_cell(", ".join(name for name, _colour in chips_of(task["label_chips"]))),
            safe_cell("\n".join(task["checklist_lines"] or ())),
            f"{task['checklist_done']}/{task['checklist_total']}"
            if task["checklist_total"]
            else "",
            _moment(task["created_at"], tz),
            _moment(task["updated_at"], tz),
            _moment(task["completed_at"], tz),
            *fields.cells(task["project_id"], task["custom_fields"]),
        ]
