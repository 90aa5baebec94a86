"""``/o/<org>/import/``: upload, map, check, import."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from web.tests.html import one, parse, text
from workspace.models import ImportStatus, Project, Task, TaskImport, TaskStatus
from workspace.tenancy import organization_scope
from workspace.tests.factories import ProjectFactory

FILES = Path(__file__).parent.parent.parent / "workspace" / "tests" / "task_import" / "files"
START = reverse("web:task-import", kwargs={"org_slug": "acme"})


def detail(task_import) -> str:
    return reverse("web:task-import-detail", kwargs={"org_slug": "acme", "pk": task_import.pk})


def upload(client, name="linear.csv", data=None):
    data = data if data is not None else (FILES / name).read_bytes()
    return client.post(START, {"file": SimpleUploadedFile(name, data)})


@pytest.fixture
def project(organization):
    with organization_scope(organization):
        return ProjectFactory(organization=organization, name="Engineering")


def mapping_data(task_import, **extra) -> dict:
    data = {f"column_{i}": field for i, field in enumerate(task_import.plan["mapping"])}
    return {"project": "new", "new_project": "Imported", "skip_existing": "on", **data, **extra}


def test_an_upload_leads_to_its_mapping_page_with_the_first_rows(login, admin, project, in_org):
    client = login(admin)
    response = upload(client)
    task_import = TaskImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(task_import)

    page = parse(client.get(detail(task_import)))
    assert "recognised as Linear (CSV export)" in text(page)
    assert "Rate-limit the API" in text(one(page, "[data-testid=import-preview]"))
    assert len(page.select("select[name^=column_]")) == 30  # one choice per column
    # Their statuses, each with ours to choose (guessed).
    status = one(page, "label:-soup-contains('In Progress') + select")
    assert status.select_one("option[selected]")["value"] == "in_progress"


def test_a_refused_file_says_why_on_the_upload_page(login, admin, in_org):
    response = upload(login(admin), "bad.csv", b"Title\nA,B\n")
    assert response.status_code == 422
    assert "Row 2: 2 cells but only 1 column headers." in response.content.decode()
    assert not TaskImport.objects.exists()


def test_checking_shows_row_errors_and_imports_nothing(login, admin, project, in_org):
    client = login(admin)
    upload(client, "t.csv", b"Title,Due date\nFine,2026-01-01\n,2026-01-02\n")
    task_import = TaskImport.objects.get()

    response = client.post(
        detail(task_import), mapping_data(task_import, action="import", project=project.pk)
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "1 task can be imported" in page
    assert "1 row with errors" in page
    assert "The title is empty." in page
    assert not Task.objects.exists()
    assert TaskImport.objects.get().status == ImportStatus.MAPPING


def test_the_whole_flow_imports_into_a_new_project(login, admin, project, in_org):
    client = login(admin)
    upload(client)
    task_import = TaskImport.objects.get()
    data = mapping_data(task_import)

    checked = client.post(detail(task_import), {**data, "action": "check"})
    assert checked.status_code == 200
    assert "3 tasks can be imported" in checked.content.decode()

    response = client.post(detail(task_import), {**data, "action": "import"}, follow=True)

    assert "Imported 3 tasks into Imported." in response.content.decode()
    created = Project.objects.get(name="Imported")
    assert set(Task.objects.filter(project=created).values_list("title", flat=True)) == {
        "Rate-limit the API",
        "Dark mode",
        "Fix flaky test",
    }
    result = client.get(detail(task_import)).content.decode()
    assert "3 tasks created" in result


def test_the_value_mapping_chosen_is_used(login, admin, project, in_org):
    client = login(admin)
    upload(client, "t.csv", b"Title,Status\nPaint,Waiting\n")
    task_import = TaskImport.objects.get()
    data = mapping_data(task_import, project=project.pk, status_0="in_progress")

    client.post(detail(task_import), {**data, "action": "import"})

    assert Task.objects.get().status == TaskStatus.IN_PROGRESS


def test_a_new_project_needs_a_name(login, admin, project, in_org):
    client = login(admin)
    upload(client)
    task_import = TaskImport.objects.get()
    response = client.post(
        detail(task_import), mapping_data(task_import, new_project="", action="import")
    )
    assert response.status_code == 422
    assert "Name the new project." in response.content.decode()


def test_members_cannot_import(login, member):
    assert login(member).get(START).status_code == 403


def test_an_imported_task_says_where_it_came_from(login, admin, project, in_org):
    client = login(admin)
    upload(client)
    task_import = TaskImport.objects.get()
    client.post(detail(task_import), {**mapping_data(task_import), "action": "import"})
    task = Task.objects.order_by("number").first()
    page = client.get(task.get_absolute_url()).content.decode()
    assert "imported from linear.csv" in page


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=st.one_of(
        st.binary(max_size=600),
        st.text(max_size=400).map(lambda text: ("Title,Status,Due date\n" + text).encode()),
    ),
    name=st.sampled_from(["tasks.csv", "plan.xlsx", "board.json", "notes.txt"]),
)
def test_hostile_files_never_cause_a_500_or_a_partial_import(login, admin, in_org, data, name):
    client = login(admin)
    response = upload(client, name, data)
    assert response.status_code in (302, 422)
    task_import = TaskImport.objects.order_by("-pk").first()
    if response.status_code == 302:
        imported = client.post(
            detail(task_import), {**mapping_data(task_import), "action": "import"}
        )
        assert imported.status_code in (302, 422)
        done = TaskImport.objects.get(pk=task_import.pk)
        # All or nothing: either every row became a task, or none did.
        assert Task.objects.filter(project__name="Imported").count() in (0, done.rows)
        Task.all_objects.all().delete()
        Project.all_objects.filter(name="Imported").delete()


def test_columns_named_as_the_projects_fields_map_to_them(login, admin, project, in_org):
    from workspace.tests.factories import CustomFieldFactory

    field = CustomFieldFactory(project=project, name="Points", key="points")
    client = login(admin)
    upload(client, "t.csv", b"Title,Points\nPaint,3\n")
    task_import = TaskImport.objects.get()
    data = mapping_data(task_import, project=project.pk, action="check")

    page = parse(client.post(detail(task_import), data))

    chosen = one(page, "select[name=column_1] option[selected]")
    assert chosen["value"] == f"custom:{field.pk}"
    client.post(detail(task_import), {**data, "column_1": f"custom:{field.pk}", "action": "import"})
    assert Task.objects.get().custom_fields == {"points": "3"}
