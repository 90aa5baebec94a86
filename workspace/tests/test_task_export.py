from datetime import date
from zoneinfo import ZoneInfo

from workspace import task_export
from workspace.models import FieldType, Priority, Task, TaskStatus
from workspace.tests.factories import (
    CustomFieldFactory,
    MembershipFactory,
    ProjectFactory,
    TaskFactory,
)


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised():
    for text in ("=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"):
        assert task_export.safe_cell(text) == "'" + text
    for text in ("plain", "", "a=b", "1-2"):
        assert task_export.safe_cell(text) == text


def test_fields_of_different_projects_with_one_name_share_a_column(in_org):
    web, app = ProjectFactory(organization=in_org, name="Web"), ProjectFactory(organization=in_org)
    CustomFieldFactory(project=web, name="Estimate", key="estimate", field_type=FieldType.NUMBER)
    CustomFieldFactory(project=app, name="estimate", key="points", field_type=FieldType.NUMBER)
    CustomFieldFactory(project=app, name="Team", key="team")

    fields = task_export.field_columns(organization=in_org)

    assert sorted(name.lower() for name in fields.headers) == ["estimate", "team"]
    estimate = [h.lower() for h in fields.headers].index("estimate")
    assert fields.cells(web.pk, {"estimate": 3})[estimate] == "3"
    assert fields.cells(app.pk, {"points": 5.0})[estimate] == "5"
    assert fields.cells(app.pk, {"team": "=cmd"})[fields.headers.index("Team")] == "'=cmd"
    assert fields.cells(web.pk, {"unknown": "x"}) == ["", ""]
    assert task_export.field_columns(organization=in_org, project=web).headers == ("Estimate",)


def test_a_row_has_every_column_as_people_read_it(in_org):
    project = ProjectFactory(organization=in_org, name="Launch")
    CustomFieldFactory(project=project, name="Size", key="size")
    ana = MembershipFactory(organization=in_org, user__name="Ana Diaz", user__email="ana@x.test")
    TaskFactory(
        project=project,
        title="=HYPERLINK()",
        description="Line one\nline two",
        status=TaskStatus.IN_PROGRESS,
        priority=Priority.URGENT,
        assignee=ana,
        due_date=date(2026, 3, 1),
        custom_fields={"size": "L"},
    )
    task = Task.objects.get()
    fields = task_export.field_columns(organization=in_org)

    (row,) = task_export.rows(Task.objects.all(), fields, tz=ZoneInfo("Asia/Tokyo"))
    cells = dict(zip(task_export.header(fields), row, strict=True))

    assert cells["Number"] == task.number
    assert cells["Title"] == "'=HYPERLINK()"
    assert cells["Description"] == "Line one\nline two"
    assert cells["Project"] == "Launch"
    assert (cells["Status"], cells["Priority"]) == ("In progress", "Urgent")
    assert (cells["Assignee"], cells["Assignee e-mail"]) == ("Ana Diaz", "ana@x.test")
    assert cells["Due date"] == "2026-03-01"
    assert cells["Created"].endswith("+09:00")
    assert cells["Completed"] == ""
    assert cells["Size"] == "L"


def test_an_unassigned_task_has_empty_assignee_cells(in_org):
    TaskFactory(project=ProjectFactory(organization=in_org), assignee=None)
    fields = task_export.field_columns(organization=in_org)
    (row,) = task_export.rows(Task.objects.all(), fields)
    cells = dict(zip(task_export.header(fields), row, strict=True))
    assert (cells["Assignee"], cells["Assignee e-mail"], cells["Due date"]) == ("", "", "")
