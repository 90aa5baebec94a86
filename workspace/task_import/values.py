"""Reading one cell of an imported file as a value of ours: a date, a status, a priority.

Each reader returns the value, ``None`` for an empty cell, or raises ``ValueError`` with a
message for the user (the importer adds the row and the column).
"""

import re
from datetime import date, datetime

from workspace.models import Priority, TaskStatus

# Other tools' words for our statuses and priorities (compared case-insensitively, with
# punctuation and spaces ignored: "Won't do" is "wontdo").
STATUS_WORDS = {
    TaskStatus.TODO: (
        "todo backlog open new notstarted unstarted triage planned ready selectedfordevelopment "
        "incomplete"
    ),
    TaskStatus.IN_PROGRESS: "inprogress doing started active inreview review wip testing qa",
    TaskStatus.DONE: "done closed complete completed resolved fixed finished shipped",
    TaskStatus.CANCELLED: (
        "cancelled canceled wontdo wontfix duplicate rejected invalid abandoned declined"
    ),
}
PRIORITY_WORDS = {
    Priority.LOW: "low lowest minor trivial p4 4",
    Priority.MEDIUM: "medium normal nopriority none moderate p3 3 0",
    Priority.HIGH: "high major important p2 2",
    Priority.URGENT: "urgent highest critical blocker asap p1 p0 1",
}


def _word(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def _index(words: dict) -> dict[str, object]:
    return {word: value for value, text in words.items() for word in text.split()}


STATUS_INDEX = _index(STATUS_WORDS)
PRIORITY_INDEX = _index(PRIORITY_WORDS)


def status_of(text: str) -> str | None:
    """Our status for another tool's name of one, or None when nothing says which."""
    return STATUS_INDEX.get(_word(text)) if text.strip() else None


def priority_of(text: str) -> int | None:
    return PRIORITY_INDEX.get(_word(text)) if text.strip() else None


MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "jan january",
            "feb february",
            "mar march",
            "apr april",
            "may",
            "jun june",
            "jul july",
            "aug august",
            "sep sept september",
            "oct october",
            "nov november",
            "dec december",
        ),
        start=1,
    )
    for name in names.split()
}

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ].*)?")  # the text is casefolded
_YMD = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:\s.*)?")
_NUMERIC = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:[\s,t].*)?")
_NAMED = re.compile(r"(\d{1,2})[\s/-]([a-z]+)\.?[\s/-](\d{2}|\d{4})(?:[\s,].*)?")  # 01/Mar/26
_NAMED_FIRST = re.compile(r"([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})(?:[\s,].*)?")  # Mar 1, 2026


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def date_of(text: str, *, day_first: bool = False) -> date | None:
    """The calendar date a cell names, in the forms exports use: ISO 8601 (with or without a
    time: the date as written is kept), 2026/03/01, 01/Mar/26 (Jira), Mar 1, 2026, and numeric
    dates with slashes, dots or dashes, read month first (US) unless ``day_first``."""
    text = " ".join(text.split()).casefold()
    if not text:
        return None
    try:
        if match := _ISO.fullmatch(text) or _YMD.fullmatch(text):
            year, month, day = (int(part) for part in match.groups())
        elif match := _NAMED.fullmatch(text):
            day, month, year = int(match[1]), MONTHS.get(match[2]), _year(match[3])
        elif match := _NAMED_FIRST.fullmatch(text):
            month, day, year = MONTHS.get(match[1]), int(match[2]), int(match[3])
        elif match := _NUMERIC.fullmatch(text):
            first, second, year = int(match[1]), int(match[2]), _year(match[3])
            day, month = (first, second) if day_first else (second, first)
            if month > 12 and day <= 12:  # 25/12/2026 can only be day first
                day, month = month, day
        else:
            raise ValueError
        if month is None:
            raise ValueError
        return date(year, month, day)
    except (ValueError, OverflowError):
        raise ValueError(f"“{text[:40]}” is not a date we can read.") from None


def moment_of(text: str) -> datetime | None:
    """An ISO 8601 time (as Linear and Asana export them; ``Z`` accepted), or None."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def names_of(text: str) -> list[str]:
    """A list cell (labels, tags, members): split on commas, semicolons or new lines."""
    return [part.strip() for part in re.split(r"[,;\n]", text) if part.strip()]
