import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from workspace.task_import import presets
from workspace.task_import.reading import MAX_CELL, MAX_ROWS, FileRefused, read_table

FILES = Path(__file__).parent / "files"


def read(name: str):
    return read_table((FILES / name).read_bytes(), name)


@pytest.mark.parametrize(
    ("name", "tool", "titles"),
    [
        ("jira.csv", "jira", ["Login page times out", "Write release notes", "Drop IE11 support"]),
        ("asana.csv", "asana", ["Plan the offsite", "Order laptops", "Renew the lease"]),
        ("linear.csv", "linear", ["Rate-limit the API", "Dark mode", "Fix flaky test"]),
        ("trello.json", "trello", ["Launch newsletter", "Update the logo", "Old campaign"]),
    ],
)
def test_each_tools_export_is_read_and_recognised(name, tool, titles):
    table = read(name)
    preset = presets.detect(table.headers)
    assert preset is not None
    assert preset.name == tool
    mapping = presets.suggest(table.headers, preset)
    title = mapping.index("title")
    assert [row[title] for row in table.rows] == titles
    assert {"source_id", "status", "assignee", "due_date"} <= set(mapping)


def test_jiras_repeated_label_columns_all_map_to_labels():
    table = read("jira.csv")
    assert "Labels (2)" in table.headers
    mapping = presets.suggest(table.headers, presets.detect(table.headers))
    assert mapping.count("labels") == 2


def test_a_quoted_cell_keeps_its_new_lines():
    table = read("jira.csv")
    description = table.headers.index("Description")
    assert table.rows[0][description] == "Steps:\n1. open /login\n2. wait"
    # One row, as a spreadsheet shows it, though it spans three lines of the file.
    assert table.row_numbers == [2, 3, 4]


def test_trello_cards_bring_their_list_members_labels_and_checklist():
    table = read("trello.json")
    first = dict(zip(table.headers, table.rows[0], strict=True))
    assert first["List"] == "Doing"
    assert first["Members"] == "Ana Diaz"
    assert first["Labels"] == "email"
    assert first["Checklist"] == "[x] Draft\n[ ] Review"
    last = dict(zip(table.headers, table.rows[2], strict=True))
    assert (last["Archived"], last["Members"], last["Labels"]) == (
        "true",
        "Ben Ode, Ana Diaz",
        "red",
    )


TEXT = "Title,Status\nCafé crème,Done\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "UTF-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "UTF-8-SIG"),
        (TEXT.encode("utf-16"), "UTF-16"),
        (TEXT.encode("utf-16-le"), "UTF-16-LE"),
        (TEXT.encode("latin-1"), "WINDOWS-1252"),
        (TEXT.replace("\n", "\r\n").encode("cp1252"), "WINDOWS-1252"),
    ],
)
def test_every_common_encoding_reads_the_same_table(data, encoding):
    table = read_table(data, "tasks.csv")
    assert table.headers == ["Title", "Status"]
    assert table.rows == [["Café crème", "Done"]]
    assert table.notes[0] == f"Read as {encoding}"


@pytest.mark.parametrize("separator", [";", "\t", "|"])
def test_other_separators_are_recognised(separator):
    data = f"Title{separator}Due date\nA, B and C{separator}2026-01-02\n".encode()
    table = read_table(data, "tasks.csv")
    assert table.rows == [["A, B and C", "2026-01-02"]]


def test_empty_rows_are_skipped_and_short_rows_padded():
    table = read_table(b"Title,Status,Priority\n\n,,\nOne,Done\n\nTwo\n", "t.csv")
    assert table.rows == [["One", "Done", ""], ["Two", "", ""]]
    assert table.row_numbers == [4, 6]


def test_blank_and_repeated_headers_get_names():
    table = read_table(b"Title,,title,Title\nA,b,c,d\n", "t.csv")
    assert table.headers == ["Title", "Column 2", "title (2)", "Title (3)"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"  \n\n", "The file is empty."),
        (b"Title,Status\n", "The file has a header row but no tasks below it."),
        (b"Title\nA,extra\n", "Row 2: 2 cells but only 1 column headers."),
        (b'Title\n"unclosed\n', "the file is not valid CSV"),
        (b"Title\nA\x00B\n", "NUL characters"),
        (b"{not json", "Line 1: the file is not valid JSON."),
        (b'{"cards": 3}', "not a Trello board export"),
        (b"PK\x03\x04garbage", "not a readable Excel (XLSX) workbook"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data, message):
    with pytest.raises(FileRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_table(data, "t.csv")


def test_a_cell_too_long_is_refused_naming_its_row_and_column():
    data = f"Title,Description\nA,{'x' * (MAX_CELL + 1)}\n".encode()
    with pytest.raises(FileRefused, match="Row 2, column “Description”: longer than 10,000"):
        read_table(data, "t.csv")
    assert read_table(f"Title\n{'x' * MAX_CELL}\n".encode(), "t.csv").rows[0][0] == "x" * MAX_CELL


def test_too_many_rows_are_refused():
    data = ("Title\n" + "task\n" * (MAX_ROWS + 1)).encode()
    with pytest.raises(FileRefused, match="more than 50,000 rows"):
        read_table(data, "t.csv")


def test_a_file_over_20_mb_is_refused_before_reading():
    with pytest.raises(FileRefused, match="larger than 20 MB"):
        read_table(b"x" * (20 * 1024 * 1024 + 1), "t.csv")


def test_xlsx_first_sheet_is_read_with_dates_as_iso():
    from datetime import date

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Backlog"
    sheet.append(["Title", "Due date", "Estimate"])
    sheet.append(["Ship it", date(2026, 3, 1), 3.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "plan.xlsx")
    assert table.rows == [["Ship it", "2026-03-01", "3"]]
    assert table.notes == ["Read the first sheet, “Backlog”"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_any_bytes_are_read_or_refused_with_a_reason(data):
    try:
        table = read_table(data, "upload.csv")
    except FileRefused as refused:
        message = str(refused)
    else:
        message = "read"
        assert all(len(row) == len(table.headers) for row in table.rows)
    assert message


cells = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\r"), max_size=30
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=8),
    st.sampled_from([",", ";", "\t"]),
)
def test_what_a_spreadsheet_writes_comes_back_cell_for_cell(rows, separator):
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator)
    writer.writerow(["Title", "Status", "Notes"])
    writer.writerows(rows)
    if not rows:  # only a file without tasks is refused
        with pytest.raises(FileRefused):
            read_table(buffer.getvalue().encode("utf-8"), "t.csv")
        return
    assert read_table(buffer.getvalue().encode("utf-8"), "t.csv").rows == rows
