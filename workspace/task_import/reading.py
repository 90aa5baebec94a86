"""Reading an uploaded file into a table of text cells: CSV in any common encoding and separator,
XLSX, or a Trello board's JSON export.

Whatever comes in, the result is a header and rows of strings, or ``FileRefused`` with a message
that names the row (numbered as a spreadsheet shows them: the header is row 1).
"""

import codecs
import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_CELL = 10_000
MAX_COLUMNS = 500
SEPARATORS = ",;\t|"
SNIFF_BYTES = 64 * 1024


class FileRefused(ValueError):
    """The file cannot be read; ``str(error)`` tells the user why (and where)."""


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]  # each as long as ``headers``
    row_numbers: list[int]  # each row's number in the file (empty rows skipped)
    source: str  # "csv", "xlsx" or "trello"
    notes: list[str] = field(default_factory=list)  # what was assumed (encoding, separator)


def read_table(data: bytes, filename: str = "") -> Table:
    """The table in ``data`` (an upload's bytes), by its content more than its name."""
    if len(data) > MAX_BYTES:
        raise FileRefused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if not data.strip():
        raise FileRefused("The file is empty.")
    name = filename.lower()
    if data[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        return _read_xlsx(data)
    text, encoding = decode(data)
    if name.endswith(".json") or text.lstrip()[:1] == "{":
        return _read_trello(text)
    return _read_csv(text, encoding)


def decode(data: bytes) -> tuple[str, str]:
    """The text of ``data`` and the encoding it was read in: a byte-order mark decides; then
    UTF-8 if it is valid; then UTF-16 if every other byte is NUL; then Windows-1252 (what
    spreadsheets on Windows write), and Latin-1 for the bytes that one leaves undefined."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                raise FileRefused(
                    f"The file starts as {encoding.upper()} but is not valid {encoding.upper()}."
                ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:4096]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        try:
            return data.decode("utf-16-le"), "utf-16-le"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _separator(text: str) -> str:
    sample = text[:SNIFF_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        pass
    first = sample.split("\n", 1)[0]
    counts = {sep: first.count(sep) for sep in SEPARATORS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(text: str, encoding: str) -> Table:
    if "\x00" in text:
        raise FileRefused("The file contains NUL characters: it is not a text (CSV) file.")
    separator = _separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    lines: list[tuple[int, list[str]]] = []
    try:
        # Rows are numbered as a spreadsheet opens the file: a cell with new lines is one row.
        for number, cells in enumerate(reader, start=1):
            lines.append((number, cells))
            if len(lines) > MAX_ROWS + 1:
                raise FileRefused(f"The file has more than {MAX_ROWS:,} rows.")
    except csv.Error as error:
        raise FileRefused(f"Line {reader.line_num}: the file is not valid CSV ({error}).") from None
    notes = [f"Read as {encoding.upper()}", f"separated by {_separator_name(separator)}"]
    return _table(lines, "csv", notes)


def _separator_name(separator: str) -> str:
    return {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}[separator]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise FileRefused("The file is not a readable Excel (XLSX) workbook.") from None
    try:
        sheet = workbook.worksheets[0]
        lines = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            lines.append((number, [_cell(value) for value in values]))
            if len(lines) > MAX_ROWS + 1:
                raise FileRefused(f"The file has more than {MAX_ROWS:,} rows.")
    finally:
        workbook.close()
    return _table(lines, "xlsx", [f"Read the first sheet, “{sheet.title}”"])


def _table(lines: list[tuple[int, list[str]]], source: str, notes: list[str]) -> Table:
    """Header and rows from the file's lines: empty lines skipped, headers made unique, rows
    padded to the header's length; refused when a cell is too long or a row too wide."""
    lines = [(n, cells) for n, cells in lines if any(cell.strip() for cell in cells)]
    if not lines:
        raise FileRefused("The file has no rows.")
    (header_row, raw_headers), body = lines[0], lines[1:]
    if not body:
        raise FileRefused("The file has a header row but no tasks below it.")
    while raw_headers and not raw_headers[-1].strip():
        raw_headers = raw_headers[:-1]
    if len(raw_headers) > MAX_COLUMNS:
        raise FileRefused(f"Row {header_row}: more than {MAX_COLUMNS} columns.")
    headers = unique_headers(raw_headers)
    rows, numbers = [], []
    for number, cells in body:
        extra = [cell for cell in cells[len(headers) :] if cell.strip()]
        if extra:
            raise FileRefused(
                f"Row {number}: {len(headers) + len(extra)} cells but only "
                f"{len(headers)} column headers."
            )
        for column, cell in enumerate(cells[: len(headers)]):
            if len(cell) > MAX_CELL:
                raise FileRefused(
                    f"Row {number}, column “{headers[column]}”: longer than "
                    f"{MAX_CELL:,} characters."
                )
        rows.append([*cells[: len(headers)], *[""] * (len(headers) - len(cells))])
        numbers.append(number)
    return Table(headers=headers, rows=rows, row_numbers=numbers, source=source, notes=notes)


def unique_headers(raw: list[str]) -> list[str]:
    """Headers as shown to people: trimmed, blanks named by position, repeats numbered (Jira
    repeats "Labels" once per label: "Labels", "Labels (2)", ...)."""
    seen: dict[str, int] = {}
    headers = []
    for position, name in enumerate(raw, start=1):
        name = " ".join(name.split()) or f"Column {position}"
        count = seen.get(name.casefold(), 0) + 1
        seen[name.casefold()] = count
        headers.append(name if count == 1 else f"{name} ({count})")
    return headers


TRELLO_HEADERS = ["Card ID", "Card Name", "Card Description", "List", "Due Date", "Archived",
                  "Members", "Labels", "Checklist"]  # fmt: skip


def _read_trello(text: str) -> Table:
    """A Trello board export (Menu > Print, export and share > Export as JSON): one row per
    card, with its list's name, members' names and labels."""
    try:
        board = json.loads(text)
    except json.JSONDecodeError as error:
        raise FileRefused(f"Line {error.lineno}: the file is not valid JSON.") from None
    if not isinstance(board, dict) or not isinstance(board.get("cards"), list):
        raise FileRefused("The JSON file is not a Trello board export (it has no cards).")

    def by_id(key: str) -> dict:
        items = board.get(key) if isinstance(board.get(key), list) else []
        return {item.get("id"): item for item in items if isinstance(item, dict)}

    lists, members, checklists = by_id("lists"), by_id("members"), by_id("checklists")
    lines = [(1, list(TRELLO_HEADERS))]
    for number, card in enumerate(board["cards"], start=2):
        if not isinstance(card, dict):
            raise FileRefused(f"Card {number - 1}: not a card.")
        people = [
            str(members[m].get("fullName") or members[m].get("username") or "")
            for m in card.get("idMembers") or []
            if m in members
        ]
        labels = [
            str(label.get("name") or label.get("color") or "")
            for label in card.get("labels") or []
            if isinstance(label, dict)
        ]
        items = [
            ("[x] " if item.get("state") == "complete" else "[ ] ") + str(item.get("name") or "")
            for checklist_id in card.get("idChecklists") or []
            for item in (checklists.get(checklist_id) or {}).get("checkItems") or []
            if isinstance(item, dict)
        ]
        lines.append(
            (
                number,
                [
                    str(card.get("id") or ""),
                    str(card.get("name") or ""),
                    str(card.get("desc") or ""),
                    str((lists.get(card.get("idList")) or {}).get("name") or ""),
                    str(card.get("due") or ""),
                    "true" if card.get("closed") else "false",
                    ", ".join(p for p in people if p),
                    ", ".join(label for label in labels if label),
                    "\n".join(items),
                ],
            )
        )
        if len(lines) > MAX_ROWS + 1:
            raise FileRefused(f"The board has more than {MAX_ROWS:,} cards.")
    return _table(lines, "trello", ["Read as a Trello board export"])
