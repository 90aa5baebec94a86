"""Which column of an imported file holds which of our fields.

Presets know the CSV exports of Jira, Asana and Linear and the table ``reading`` makes of a
Trello board; any other file is mapped by header names (ours and common synonyms). The mapping
is a suggestion: people change it before importing.
"""

import re
from dataclasses import dataclass

# The fields a column can be mapped to, as the mapping form offers them.
FIELDS = {
    "source_id": "Source ID (to skip tasks imported before)",
    "title": "Title",
    "description": "Description",
    "status": "Status",
    "priority": "Priority",
    "assignee": "Assignee (name or e-mail)",
    "assignee_email": "Assignee e-mail",
    "due_date": "Due date",
    "completed": "Completed (a date or yes/no)",
    "labels": "Labels",
    "checklist": "Checklist items",
}
IGNORE = ""


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    columns: dict[str, str]  # header (compared loosely) -> field
    signature: tuple[str, ...]  # headers that identify the tool's export
    day_first: bool = False  # how it writes numeric dates


def _key(header: str) -> str:
    """A header compared loosely: case, spaces, punctuation and a repeat number ignored."""
    return re.sub(r"[^0-9a-z]", "", re.sub(r"\s*\(\d+\)$", "", header).casefold())


PRESETS = {
    preset.name: preset
    for preset in (
        Preset(
            "jira",
            "Jira (CSV export)",
            {
                "Issue key": "source_id",
                "Summary": "title",
                "Description": "description",
                "Status": "status",
                "Priority": "priority",
                "Assignee": "assignee",
                "Due date": "due_date",
                "Resolved": "completed",
                "Labels": "labels",
            },
            signature=("Issue key", "Summary"),
        ),
        Preset(
            "asana",
            "Asana (CSV export)",
            {
                "Task ID": "source_id",
                "Name": "title",
                "Notes": "description",
                "Section/Column": "status",
                "Assignee": "assignee",
                "Assignee Email": "assignee_email",
                "Due Date": "due_date",
                "Completed At": "completed",
                "Tags": "labels",
            },
            signature=("Task ID", "Name", "Notes"),
        ),
        Preset(
            "linear",
            "Linear (CSV export)",
            {
                "ID": "source_id",
                "Title": "title",
                "Description": "description",
                "Status": "status",
                "Priority": "priority",
                "Assignee": "assignee",
                "Due Date": "due_date",
                "Completed": "completed",
                "Labels": "labels",
            },
            signature=("ID", "Title", "Team"),
        ),
        Preset(
            "trello",
            "Trello (board JSON export)",
            {
                "Card ID": "source_id",
                "Card Name": "title",
                "Card Description": "description",
                "List": "status",
                "Members": "assignee",
                "Due Date": "due_date",
                "Labels": "labels",
                "Checklist": "checklist",
            },
            signature=("Card ID", "Card Name", "List"),
        ),
    )
}

# Any other file: our own export's headers and common words for each field.
SYNONYMS = {
    "source_id": ("Number", "ID", "Key", "Issue ID", "Task ID", "External ID"),
    "title": ("Title", "Name", "Summary", "Task", "Subject", "Card name"),
    "description": ("Description", "Notes", "Details", "Body", "Content"),
    "status": ("Status", "State", "Stage", "Column", "List", "Section"),
    "priority": ("Priority", "Importance", "Severity"),
    "assignee": ("Assignee", "Assigned to", "Owner", "Responsible", "Member"),
    "assignee_email": ("Assignee e-mail", "Assignee email", "Owner email"),
    "due_date": ("Due date", "Due", "Deadline", "Due on", "Target date"),
    "completed": ("Completed", "Completed at", "Done at", "Resolved", "Closed at"),
    "labels": ("Labels", "Label", "Tags", "Tag", "Categories"),
    "checklist": ("Checklist", "Subtasks"),
}
SYNONYM_INDEX = {
    _key(phrase): field_name
    for field_name, phrases in SYNONYMS.items()
    for phrase in (*phrases, FIELDS[field_name])
}
SINGLE = {field for field in FIELDS if field not in ("labels", "checklist")}


def detect(headers: list[str]) -> Preset | None:
    """The tool whose export has these headers, if any."""
    keys = {_key(header) for header in headers}
    for preset in PRESETS.values():
        if all(_key(header) in keys for header in preset.signature):
            return preset
    return None


def suggest(headers: list[str], preset: Preset | None = None) -> list[str]:
    """A field (or ``IGNORE``) for each column. A field that takes one value is given to its
    first column only; labels and checklists take every column mapped to them (Jira repeats
    "Labels" once per label)."""
    lookup = (
        {_key(header): field for header, field in preset.columns.items()}
        if preset is not None
        else SYNONYM_INDEX
    )
    taken: set[str] = set()
    mapping = []
    for header in headers:
        field_name = lookup.get(_key(header), IGNORE)
        if field_name in SINGLE and field_name in taken:
            field_name = IGNORE
        taken.add(field_name)
        mapping.append(field_name)
    return mapping
