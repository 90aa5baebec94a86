"""From a read table and the mapping people chose to the tasks it describes, row by row.

Nothing is written here: ``tasks_of`` says, for every row, the task it would create or why it
cannot (row number, column, reason), so that a dry run and the import itself agree.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.text import slugify

from workspace.custom_fields import clean_custom_value
from workspace.models import CustomField, FieldType, Priority, TaskStatus
from workspace.task_import import values
from workspace.task_import.presets import FIELDS
from workspace.task_import.reading import Table

CUSTOM = "custom:"  # a mapping to a custom field: "custom:<field id>"
NEW_FIELD = "new_field"  # a mapping to a custom field the import creates, named as the column
TITLE_MAX = 200
SOURCE_ID_MAX = 200
NO = {"", "false", "no", "0", "n"}


@dataclass(frozen=True)
class Plan:
    """What people chose on the mapping page."""

    mapping: list[str]  # a field (presets.FIELDS) or IGNORE for each column
    statuses: dict[str, str] = field(default_factory=dict)  # their status -> ours
    priorities: dict[str, int] = field(default_factory=dict)  # their priority -> ours
    day_first: bool = False

    def column(self, name: str) -> int | None:
        return self.mapping.index(name) if name in self.mapping else None

    def columns(self, name: str) -> list[int]:
        return [i for i, mapped in enumerate(self.mapping) if mapped == name]


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class TaskData:
    row: int
    title: str
    description: str = ""
    status: str = TaskStatus.TODO
    priority: int = Priority.MEDIUM
    due_date: date | None = None
    assignee_id: int | None = None  # a membership
    source_id: str = ""
    labels: list[str] = field(default_factory=list)
    checklist: list[tuple[str, bool]] = field(default_factory=list)  # (text, done)
    custom_fields: dict = field(default_factory=dict)


@dataclass
class Outcome:
    tasks: list[TaskData]
    errors: list[RowError]
    unknown_people: list[str]  # named in the file, matching no member: left unassigned


class People:
    """Members found by e-mail, or by display name when exactly one member has it."""

    def __init__(self, members: list[tuple[int, str, str]]):  # (membership id, name, e-mail)
        self.by_email = {email.casefold(): pk for pk, _name, email in members}
        by_name: dict[str, list[int]] = {}
        for pk, name, email in members:
            for key in {name.casefold(), email.split("@", 1)[0].casefold()} - {""}:
                by_name.setdefault(key, []).append(pk)
        self.by_name = {key: pks[0] for key, pks in by_name.items() if len(set(pks)) == 1}

    def find(self, name: str, email: str = "") -> int | None:
        for text in (email, name):
            text = text.strip().casefold()
            if "@" in text and text in self.by_email:
                return self.by_email[text]
        return self.by_name.get(" ".join(name.split()).casefold())


DONE_MARKS = ("[x] ", "[X] ", "[✓] ", "☑ ", "✓ ")
OPEN_MARKS = ("[ ] ", "[] ", "☐ ", "- ", "* ")
CHECKLIST_TEXT_MAX = 300


def checklist_item(line: str) -> tuple[str, bool]:
    """A checklist line as exports write it: "[x] Done thing", "[ ] Open thing" or the text
    alone (open)."""
    line = line.strip()
    for mark in DONE_MARKS:
        if line.startswith(mark):
            return line[len(mark) :].strip()[:CHECKLIST_TEXT_MAX], True
    for mark in OPEN_MARKS:
        if line.startswith(mark):
            return line[len(mark) :].strip()[:CHECKLIST_TEXT_MAX], False
    return line[:CHECKLIST_TEXT_MAX], False


def distinct_values(table: Table, plan: Plan, name: str) -> list[str]:
    """The different values of the column mapped to ``name``, in the order they appear."""
    column = plan.column(name)
    if column is None:
        return []
    return list(dict.fromkeys(row[column].strip() for row in table.rows if row[column].strip()))


def custom_columns(plan: Plan) -> dict[int, str]:
    """Columns mapped to a custom field: column -> the field's id (as text)."""
    return {
        column: mapped.removeprefix(CUSTOM)
        for column, mapped in enumerate(plan.mapping)
        if mapped.startswith(CUSTOM)
    }


def _field_type(cells: list[str], day_first: bool) -> str:
    """What a new field's values are: numbers, dates, or else text."""
    if not cells:
        return FieldType.TEXT
    try:
        for cell in cells:
            Decimal(cell.replace(",", ""))
        return FieldType.NUMBER
    except InvalidOperation:
        pass
    try:
        for cell in cells:
            values.date_of(cell, day_first=day_first)
        return FieldType.DATE
    except ValueError:
        return FieldType.TEXT


def new_fields(table: Table, plan: Plan) -> dict[int, CustomField]:
    """The custom fields the import creates (unsaved), by column: named as the column, of the
    type its values all have."""
    fields = {}
    for column in plan.columns(NEW_FIELD):
        name = table.headers[column][:60]
        cells = [row[column].strip() for row in table.rows if row[column].strip()]
        fields[column] = CustomField(
            name=name,
            key=slugify(name).replace("-", "_")[:60] or f"column_{column + 1}",
            field_type=_field_type(cells, plan.day_first),
        )
    return fields


def plan_problems(plan: Plan, headers=(), fields: dict[str, CustomField] | None = None):
    """What keeps the plan from importing at all. ``fields``: the target project's custom
    fields by id (text); a column mapped to another project's field is a problem."""
    problems = []
    if plan.column("title") is None:
        problems.append("Choose the column that holds the task titles.")
    taken = {field.key for field in (fields or {}).values()}
    for column in plan.columns(NEW_FIELD):
        name = headers[column] if column < len(headers) else f"Column {column + 1}"
        key = slugify(name).replace("-", "_")[:60]
        if key in taken:
            problems.append(
                f"The project already has a field named “{name}”: choose it for that column."
            )
        taken.add(key)
    for column, field_id in custom_columns(plan).items():
        if field_id not in (fields or {}):
            name = headers[column] if column < len(headers) else f"Column {column + 1}"
            problems.append(
                f"“{name}” is mapped to a custom field of another project: import into that "
                "project, or choose another field for it."
            )
    return problems


def tasks_of(
    table: Table, plan: Plan, people: People, fields: dict[str, CustomField] | None = None
) -> Outcome:
    """``fields``: the target project's custom fields by id (text), for the columns mapped to
    them (see ``plan_problems`` for columns mapped to other fields)."""
    fields = fields or {}
    customs = {c: fields[f] for c, f in custom_columns(plan).items() if f in fields}
    customs.update(new_fields(table, plan))
    tasks, errors, unknown = [], [], {}
    first_row_of: dict[str, int] = {}
    headers = table.headers

    def cell(cells, name) -> str:
        column = plan.column(name)
        return cells[column].strip() if column is not None else ""

    for number, cells in zip(table.row_numbers, table.rows, strict=True):
        problems = []

        def refuse(name, reason, problems=problems, number=number):
            column = plan.column(name)
            shown = headers[column] if column is not None else FIELDS[name]
            problems.append(RowError(number, shown, reason))

        title = " ".join(cell(cells, "title").split())
        if not title:
            refuse("title", "The title is empty.")
        elif len(title) > TITLE_MAX:
            refuse("title", f"The title is longer than {TITLE_MAX} characters.")
        task = TaskData(row=number, title=title, description=cell(cells, "description"))

        if raw := cell(cells, "status"):
            task.status = plan.statuses.get(raw) or values.status_of(raw) or TaskStatus.TODO
        completed = cell(cells, "completed")
        if completed.casefold() not in NO and task.status != TaskStatus.CANCELLED:
            task.status = TaskStatus.DONE
        if raw := cell(cells, "priority"):
            task.priority = plan.priorities.get(raw) or values.priority_of(raw) or Priority.MEDIUM
        if raw := cell(cells, "due_date"):
            try:
                task.due_date = values.date_of(raw, day_first=plan.day_first)
            except ValueError as error:
                refuse("due_date", str(error))

        name, email = cell(cells, "assignee"), cell(cells, "assignee_email")
        if "," in name:  # several people (a Trello card's members): the first is assigned
            name = values.names_of(name)[0]
        if name or email:
            task.assignee_id = people.find(name, email)
            if task.assignee_id is None:
                unknown.setdefault(email or name, None)

        task.source_id = cell(cells, "source_id")
        if len(task.source_id) > SOURCE_ID_MAX:
            refuse("source_id", f"The ID is longer than {SOURCE_ID_MAX} characters.")
        elif (
            task.source_id
            and (earlier := first_row_of.setdefault(task.source_id, number)) != number
        ):
            refuse("source_id", f"The same ID as row {earlier}.")
        task.labels = list(
            dict.fromkeys(
                label
                for column in plan.columns("labels")
                for label in values.names_of(cells[column])
            )
        )
        task.checklist = [
            checklist_item(line)
            for column in plan.columns("checklist")
            for line in cells[column].split("\n")
            if checklist_item(line)[0]
        ]
        for column, definition in customs.items():
            raw = cells[column].strip()
            if not raw:
                continue
            try:
                value = raw
                if definition.field_type == FieldType.DATE:
                    value = values.date_of(raw, day_first=plan.day_first)
                task.custom_fields[definition.key] = clean_custom_value(definition, value)
            except ValueError as error:
                problems.append(RowError(number, headers[column], str(error)))
        filled = {definition.key for definition in customs.values()} & set(task.custom_fields)
        for definition in fields.values():
            if definition.required and definition.key not in filled:
                problems.append(RowError(number, definition.name, "This field is required."))
        if problems:
            errors.extend(problems)
        else:
            tasks.append(task)
    return Outcome(tasks=tasks, errors=errors, unknown_people=list(unknown))
