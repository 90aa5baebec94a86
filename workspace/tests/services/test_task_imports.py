from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workspace.models import (
    AuditAction,
    AuditLog,
    ImportStatus,
    Label,
    Organization,
    Priority,
    Project,
    Task,
    TaskImport,
    TaskStatus,
)
from workspace.services import task_imports
from workspace.services.task_imports import Choices
from workspace.task_import.rows import Plan
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory

FILES = Path(__file__).parent.parent / "task_import" / "files"


def upload(organization, actor, name="jira.csv", data=None):
    return task_imports.task_import_upload(
        organization=organization,
        actor=actor,
        file_name=name,
        data=data if data is not None else (FILES / name).read_bytes(),
    )


def run(task_import, actor, **choices):
    plan = task_imports.plan_of(task_import)
    check = task_imports.task_import_check(
        task_import=task_import, actor=actor, plan=plan, choices=Choices(**choices)
    )
    if check.problems:
        raise ValidationError(check.problems)
    assert task_imports.task_import_start(task_import=task_import, actor=actor)
    task_import.refresh_from_db()
    return task_import


@pytest.fixture
def people(in_org):
    return [
        MembershipFactory(
            organization=in_org, user__name="Ana Diaz", user__email="ana@example.com"
        ),
        MembershipFactory(organization=in_org, user__name="Ben Ode", user__email="ben@example.com"),
    ]


def test_an_upload_keeps_the_file_with_the_mapping_its_headers_suggest(in_org, admin):
    task_import = upload(in_org, admin)
    assert (task_import.preset, task_import.rows, task_import.status) == (
        "jira",
        3,
        ImportStatus.MAPPING,
    )
    assert task_import.plan["mapping"][:2] == ["title", "source_id"]


def test_an_unreadable_file_is_refused_and_nothing_kept(in_org, admin):
    with pytest.raises(ValidationError) as refused:
        upload(in_org, admin, "t.csv", b"Title\nA,extra\n")
    assert refused.value.message_dict == {"file": ["Row 2: 2 cells but only 1 column headers."]}
    assert not TaskImport.objects.exists()


def test_members_cannot_import_even_past_the_view(in_org, admin, member):
    with pytest.raises(PermissionDenied):
        upload(in_org, member)
    task_import = upload(in_org, admin)
    with pytest.raises(PermissionDenied):
        task_imports.task_import_start(task_import=task_import, actor=member)


def test_importing_a_jira_export_into_a_new_project(in_org, admin, people):
    task_import = upload(in_org, admin)
    task_import.plan["day_first"] = True
    task_import.save()

    done = run(task_import, admin, new_project="Website")

    assert (done.status, done.created, done.skipped, done.failed) == (ImportStatus.DONE, 3, 0, 0)
    assert done.data == b""  # the upload is not kept
    project = Project.objects.get(name="Website")
    tasks = list(Task.objects.filter(project=project).order_by("number"))
    assert [t.title for t in tasks] == ["Login page times out", "Write release notes",
                                        "Drop IE11 support"]  # fmt: skip
    assert [t.status for t in tasks] == [TaskStatus.IN_PROGRESS, TaskStatus.DONE,
                                         TaskStatus.CANCELLED]  # fmt: skip
    assert tasks[0].priority == Priority.HIGH
    assert tasks[0].assignee == people[0]
    assert tasks[1].completed_at is not None
    assert [t.number for t in tasks] == [1, 2, 3]
    assert Organization.objects.get(pk=in_org.pk).task_counter == 3
    entries = AuditLog.objects.filter(
        action=AuditAction.CREATED, content_type__model="task", object_id__in=[t.pk for t in tasks]
    )
    assert {e.changed_fields["imported_from"] for e in entries} == {"jira.csv"}
    assert entries.count() == 3


def test_numbers_continue_after_the_organizations_tasks(in_org, admin):
    project = ProjectFactory(organization=in_org)
    TaskFactory(project=project)
    run(upload(in_org, admin, "asana.csv"), admin, project_id=project.pk)
    assert sorted(Task.objects.values_list("number", flat=True)) == [1, 2, 3, 4]


def test_importing_the_same_file_again_creates_nothing_twice(in_org, admin):
    project = ProjectFactory(organization=in_org)
    run(upload(in_org, admin, "linear.csv"), admin, project_id=project.pk)

    again = run(upload(in_org, admin, "linear.csv"), admin, project_id=project.pk)

    assert (again.created, again.skipped) == (0, 3)
    assert Task.objects.filter(project=project).count() == 3
    with pytest.raises(ValidationError, match="were imported into"):
        run(upload(in_org, admin, "linear.csv"), admin, project_id=project.pk, skip_existing=False)


BAD = b"Title,Due date\nFine,2026-01-01\n,2026-01-02\nAlso fine,someday\n"


def test_rows_with_errors_import_nothing_unless_valid_rows_are_chosen(in_org, admin):
    project = ProjectFactory(organization=in_org)
    task_import = upload(in_org, admin, "bad.csv", BAD)
    check = task_imports.task_import_check(
        task_import=task_import,
        actor=admin,
        plan=task_imports.plan_of(task_import),
        choices=Choices(project_id=project.pk),
    )
    assert [(e.row, e.column) for e in check.outcome.errors] == [(3, "Title"), (4, "Due date")]
    assert check.problems == [
        "2 rows cannot be imported: fix the file, or choose to import only the valid rows."
    ]
    with pytest.raises(ValidationError):
        task_imports.task_import_start(task_import=task_import, actor=admin)
    assert not Task.objects.exists()

    done = run(task_import, admin, project_id=project.pk, valid_only=True)

    assert (done.created, done.failed) == (1, 2)
    assert done.errors[0] == {"row": 3, "column": "Title", "reason": "The title is empty."}
    assert list(Task.objects.values_list("title", flat=True)) == ["Fine"]


def test_the_mapping_people_choose_is_used(in_org, admin):
    project = ProjectFactory(organization=in_org)
    task_import = upload(in_org, admin, "t.csv", b"What,Where\nPaint,Waiting\n")
    plan = Plan(mapping=["title", "status"], statuses={"Waiting": TaskStatus.IN_PROGRESS})
    task_imports.task_import_check(
        task_import=task_import, actor=admin, plan=plan, choices=Choices(project_id=project.pk)
    )
    task_imports.task_import_start(task_import=task_import, actor=admin)
    assert Task.objects.get().status == TaskStatus.IN_PROGRESS


def test_a_project_of_another_organization_is_never_imported_into(in_org, admin):
    from workspace.tenancy import organization_scope
    from workspace.tests.factories import OrganizationFactory

    other_org = OrganizationFactory()
    with organization_scope(other_org):
        foreign = ProjectFactory(organization=other_org)
    task_import = upload(in_org, admin)
    with pytest.raises(ValidationError, match="Choose the project"):
        run(task_import, admin, project_id=foreign.pk)


def test_queries_do_not_grow_with_the_rows(in_org, admin):
    project = ProjectFactory(organization=in_org)

    def count(rows):
        data = ("Key,Title\n" + "".join(f"k{rows}-{i},Task {i}\n" for i in range(rows))).encode()
        task_import = upload(in_org, admin, "t.csv", data)
        task_imports.task_import_check(
            task_import=task_import,
            actor=admin,
            plan=task_imports.plan_of(task_import),
            choices=Choices(project_id=project.pk),
        )
        with CaptureQueriesContext(connection) as queries:
            task_imports.task_import_start(task_import=task_import, actor=admin)
        return len(queries)

    assert count(5) == count(300)


def test_a_large_file_runs_as_a_job(in_org, admin, django_capture_on_commit_callbacks):
    project = ProjectFactory(organization=in_org)
    rows = task_imports.IN_REQUEST_ROWS + 1
    data = ("Title\n" + "".join(f"Task {i}\n" for i in range(rows))).encode()
    task_import = upload(in_org, admin, "big.csv", data)
    task_imports.task_import_check(
        task_import=task_import,
        actor=admin,
        plan=task_imports.plan_of(task_import),
        choices=Choices(project_id=project.pk),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert task_imports.task_import_start(task_import=task_import, actor=admin) is False
    task_import.refresh_from_db()
    assert (task_import.status, task_import.created) == (ImportStatus.DONE, rows)
    assert task_imports.progress_of(task_import) == 100


@pytest.mark.parametrize(
    ("name", "count"), [("jira.csv", 3), ("asana.csv", 3), ("linear.csv", 3), ("trello.json", 3)]
)
def test_every_tools_export_imports(in_org, admin, people, name, count):
    project = ProjectFactory(organization=in_org)
    done = run(upload(in_org, admin, name), admin, project_id=project.pk)
    assert (done.status, done.created) == (ImportStatus.DONE, count)
    assert Task.objects.filter(project=project, assignee__isnull=False).exists()


def test_an_exported_project_imports_into_a_new_one_field_by_field(in_org, admin, people):
    """The round trip: our CSV export, imported into a new project, custom fields included."""
    import csv
    import io
    from datetime import date

    from workspace import task_export
    from workspace.models import FieldType
    from workspace.task_import.rows import NEW_FIELD
    from workspace.tests.factories import CustomFieldFactory

    source = ProjectFactory(organization=in_org, name="Source")
    CustomFieldFactory(project=source, name="Points", key="points", field_type=FieldType.NUMBER)
    CustomFieldFactory(project=source, name="Ship on", key="ship_on", field_type=FieldType.DATE)
    CustomFieldFactory(project=source, name="Team", key="team")
    for i, status in enumerate(TaskStatus.values):
        TaskFactory(
            project=source,
            title=f"Task {i}",
            description=f"About task {i}",
            status=status,
            priority=Priority.values[i],
            assignee=people[i % 2] if i != 3 else None,
            due_date=date(2026, 5, 10 + i) if i else None,
            custom_fields={"points": i + 1, "ship_on": f"2026-06-0{i + 1}", "team": f"T{i}"},
        )
    from workspace.models import TaskLabel
    from workspace.tests.factories import ChecklistItemFactory, LabelFactory

    bug, ui = (
        LabelFactory(organization=in_org, name="Bug"),
        LabelFactory(organization=in_org, name="UI"),
    )
    for i, task in enumerate(Task.objects.filter(project=source).order_by("number")):
        for label in (bug, ui)[: i % 3]:
            TaskLabel.objects.create(organization=in_org, task=task, label=label)
        for n in range(i):
            ChecklistItemFactory(task=task, text=f"Step {n} of {i}", done=n % 2 == 0, position=n)
    fields = task_export.field_columns(organization=in_org, project=source)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(task_export.header(fields))
    writer.writerows(task_export.rows(Task.objects.filter(project=source), fields))

    task_import = upload(in_org, admin, "source.csv", buffer.getvalue().encode())
    plan = task_imports.plan_of(task_import)
    headers = task_imports.table_of(task_import).headers
    mapping = [
        NEW_FIELD if header in ("Points", "Ship on", "Team") else field
        for header, field in zip(headers, plan.mapping, strict=True)
    ]
    task_imports.task_import_check(
        task_import=task_import,
        actor=admin,
        plan=Plan(mapping=mapping),
        choices=Choices(new_project="Copy"),
    )
    assert task_imports.task_import_start(task_import=task_import, actor=admin)

    copy = Project.objects.get(name="Copy")
    assert {(f.name, f.field_type) for f in copy.field_definitions.all()} == {
        ("Points", FieldType.NUMBER),
        ("Ship on", FieldType.DATE),
        ("Team", FieldType.TEXT),
    }
    compared = ("title", "description", "status", "priority", "assignee_id", "due_date")
    originals = Task.objects.filter(project=source).order_by("number")
    copies = Task.objects.filter(project=copy).order_by("title")
    for original, imported in zip(originals, copies, strict=True):
        assert [getattr(imported, f) for f in compared] == [getattr(original, f) for f in compared]
        assert imported.custom_fields == original.custom_fields
        assert labels_of(imported) == labels_of(original)
        assert items_of(imported) == items_of(original)
        assert (imported.checklist_done, imported.checklist_total) == (
            sum(done for _text, done in items_of(original)),
            len(items_of(original)),
        )
    assert Label.objects.filter(organization=in_org).count() == 2  # the same labels, not copies


def labels_of(task) -> list[str]:
    from workspace.models import TaskLabel

    return sorted(TaskLabel.objects.filter(task=task).values_list("label__name", flat=True))


def items_of(task) -> list[tuple[str, bool]]:
    from workspace.models import ChecklistItem

    return list(
        ChecklistItem.objects.filter(task=task).order_by("position").values_list("text", "done")
    )
