"""Downloading a task list view as CSV or XLSX: every matching task, in the list's order."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from workspace.models import FieldType, TaskStatus
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    CustomFieldFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)


def tasks_url(**query):
    url = reverse("web:task-list", kwargs={"org_slug": "acme"})
    return url, query


def csv_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # spreadsheets read the file as UTF-8
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


@pytest.fixture
def project(organization):
    with organization_scope(organization):
        return ProjectFactory(organization=organization, name="Launch", slug="launch")


def make_tasks(project, n, **fields):
    with organization_scope(project.organization):
        return [TaskFactory(project=project, **fields) for _ in range(n)]


def test_csv_has_every_matching_task_not_only_the_page(login, member, project):
    todo = make_tasks(project, 60, status=TaskStatus.TODO)
    make_tasks(project, 5, status=TaskStatus.DONE)

    rows = csv_of(login(member).get(*tasks_url(status="todo", export="csv", page=2, per_page=25)))

    assert rows[0][:5] == ["Number", "Title", "Description", "Project", "Status"]
    assert sorted(int(row[0]) for row in rows[1:]) == sorted(t.number for t in todo)
    assert {row[4] for row in rows[1:]} == {"To do"}
    disposition = login(member).get(*tasks_url(export="csv"))["Content-Disposition"]
    assert disposition.startswith('attachment; filename="acme-tasks-')


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("title", lambda row: (row[1].upper(), int(row[0]))),
        ("-number", lambda row: -int(row[0])),
        ("due_date", None),
    ],
)
def test_rows_come_in_the_lists_order(login, member, project, sort, key):
    with organization_scope(project.organization):
        for title in ("beta", "Alpha", "gamma", "alpha"):
            TaskFactory(project=project, title=title)
    rows = csv_of(login(member).get(*tasks_url(export="csv", sort=sort)))[1:]
    if key is not None:
        assert rows == sorted(rows, key=key)
    assert len(rows) == 4


def test_status_sort_follows_the_workflow_not_the_alphabet(login, member, project):
    for status in (TaskStatus.DONE, TaskStatus.TODO, TaskStatus.CANCELLED, TaskStatus.IN_PROGRESS):
        make_tasks(project, 1, status=status)
    rows = csv_of(login(member).get(*tasks_url(export="csv", sort="status")))[1:]
    assert [row[4] for row in rows] == ["To do", "In progress", "Done", "Cancelled"]


def test_project_export_has_its_custom_fields_as_columns(login, member, project):
    with organization_scope(project.organization):
        CustomFieldFactory(
            project=project, name="Points", key="points", field_type=FieldType.NUMBER
        )
        other = ProjectFactory(organization=project.organization)
        CustomFieldFactory(project=other, name="Elsewhere", key="elsewhere")
        TaskFactory(project=project, custom_fields={"points": 8})
    url = reverse("web:project-detail", kwargs={"org_slug": "acme", "project_slug": project.slug})
    response = login(member).get(url, {"export": "csv"})

    header, row = csv_of(response)
    assert header[-1] == "Points"
    assert "Elsewhere" not in header
    assert row[-1] == "8"
    assert 'filename="acme-launch-' in response["Content-Disposition"]


@pytest.mark.parametrize(("sort", "order"), [("cf", [1, 2, 0, 3]), ("-cf", [0, 2, 1, 3])])
def test_a_project_export_follows_a_custom_field_sort(login, member, project, sort, order):
    """In the list's order: by the field's value, tasks without one last either way."""
    with organization_scope(project.organization):
        points = CustomFieldFactory(
            project=project, name="Points", key="points", field_type=FieldType.NUMBER
        )
        values = [{"points": 13}, {"points": 2}, {"points": 5}, {}]
        tasks = [TaskFactory(project=project, custom_fields=value) for value in values]
    url = reverse("web:project-detail", kwargs={"org_slug": "acme", "project_slug": project.slug})
    query = {"export": "csv", "sort": sort.replace("cf", f"cf_{points.pk}")}

    rows = csv_of(login(member).get(url, query))[1:]

    assert [int(row[0]) for row in rows] == [tasks[n].number for n in order]


def test_another_organizations_tasks_are_never_exported(login, member, project):
    make_tasks(project, 2)
    other = OrganizationFactory(slug="other")
    with organization_scope(other):
        TaskFactory(project=ProjectFactory(organization=other), title="Secret plan")
    rows = csv_of(login(member).get(*tasks_url(export="csv", q="Secret")))
    assert rows[1:] == []
    assert "Secret plan" not in str(csv_of(login(member).get(*tasks_url(export="csv"))))


def test_formulas_in_titles_are_neutralised(login, member, project):
    make_tasks(project, 1, title="=IMPORTXML(1)")
    (_header, row) = csv_of(login(member).get(*tasks_url(export="csv")))
    assert row[1] == "'=IMPORTXML(1)"


def test_xlsx_opens_in_a_spreadsheet_with_the_same_rows(login, member, project):
    make_tasks(project, 3, title="Ship it")
    response = login(member).get(*tasks_url(export="xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook["Tasks"].iter_rows(values_only=True))
    assert rows[0][:2] == ("Number", "Title")
    assert [row[1] for row in rows[1:]] == ["Ship it"] * 3


def test_queries_do_not_grow_with_the_number_of_tasks(login, member, project):
    client = login(member)

    def count():
        with CaptureQueriesContext(connection) as queries:
            csv_of(client.get(*tasks_url(export="csv")))
        return len(queries)

    make_tasks(project, 3)
    count()  # a first visit writes a few things once (last visit, session)
    small = count()
    make_tasks(project, 40)
    assert count() == small


def test_the_list_links_its_downloads_with_the_current_filter(login, member, project):
    response = login(member).get(*tasks_url(status="todo", page=1))
    body = response.content.decode()
    assert "/o/acme/tasks/?status=todo&amp;export=csv" in body
    assert "export=xlsx" in body


def test_a_non_member_gets_a_404(login, project, user):
    assert login(user).get(*tasks_url(export="csv")).status_code == 404
