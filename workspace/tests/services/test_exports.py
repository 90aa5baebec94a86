"""Exporting an organization into one zip (a job, with progress and an expiring link) and
importing it into a new organization: the round trip restores it."""

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from workspace.models import (
    AuditAction,
    AuditLog,
    Comment,
    CustomField,
    ExportStatus,
    FieldType,
    Membership,
    Organization,
    OrganizationExport,
    Project,
    Role,
    Task,
    TaskStatus,
)
from workspace.services.comments import comment_create, comment_delete
from workspace.services.exports import (
    download_token,
    export_build,
    export_for_token,
    export_path,
    export_request,
    exports_expire,
    progress_of,
)
from workspace.services.imports import ImportRefused, organization_import
from workspace.services.projects import custom_field_create, project_create, project_delete
from workspace.services.tasks import task_create, task_delete, task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

SECTIONS = ("members", "projects", "custom_fields", "tasks", "comments", "audit_log")


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.TANDEM_EXPORT_ROOT = tmp_path / "exports"
    return settings.TANDEM_EXPORT_ROOT


@pytest.fixture
def acme(in_org, owner, admin, member):
    """Acme with projects, a custom field, tasks (one assigned, one done, one in the trash),
    comments (one deleted), a deleted project with its tasks, and a formula-looking title."""
    launch = project_create(organization=in_org, actor=owner, name="Launch", description="Q3")
    custom_field_create(project=launch, actor=owner, name="Points", field_type=FieldType.NUMBER)
    first = task_create(
        organization=in_org,
        actor=member,
        project=launch,
        title="Write the copy",
        description="Long text",
        assignee=member,
        custom_fields={"points": "3"},
    )
    task_update(task=first, actor=admin, data={"status": TaskStatus.DONE})
    formula = task_create(organization=in_org, actor=owner, project=launch, title='=HYPERLINK("x")')
    trashed = task_create(organization=in_org, actor=owner, project=launch, title="Old idea")
    task_delete(task=trashed, actor=owner)
    comment_create(task=first, actor=admin, body="Nice work")
    gone = comment_create(task=first, actor=member, body="Typo")
    comment_delete(comment=gone, actor=member)
    archive = project_create(organization=in_org, actor=owner, name="Archive")
    task_create(organization=in_org, actor=owner, project=archive, title="In the archive")
    project_delete(project=archive, actor=admin)
    return {"first": first, "formula": formula}


def build(organization, owner, django_capture_on_commit_callbacks):
    """Ask for an export; the job runs after commit (Huey is immediate in tests)."""
    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(organization=organization, actor=owner)
    export.refresh_from_db()
    return export


def read_zip(export) -> zipfile.ZipFile:
    return zipfile.ZipFile(export_path(export))


def test_the_job_builds_a_zip_of_json_and_csv_files(
    in_org, owner, member, acme, django_capture_on_commit_callbacks
):
    export = build(in_org, owner, django_capture_on_commit_callbacks)

    assert export.status == ExportStatus.DONE
    assert export.progress == 100
    assert export.size == export_path(export).stat().st_size
    assert export.expires_at == export.finished_at + timedelta(hours=24)
    with read_zip(export) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        tasks = json.loads(archive.read("tasks.json"))
        members = json.loads(archive.read("members.json"))
        tasks_csv = list(csv.DictReader(io.StringIO(archive.read("tasks.csv").decode())))
    assert names == {
        "manifest.json",
        "organization.json",
        *(f"{name}.{kind}" for name in SECTIONS for kind in ("json", "csv")),
    }
    assert manifest["format"] == "tandem-export"
    assert manifest["counts"] == {
        "members": 3,
        "projects": 2,
        "custom_fields": 1,
        "tasks": 4,
        "comments": 2,
        "audit_log": AuditLog.objects.count(),
    }
    assert [t["title"] for t in tasks] == [
        "Write the copy",
        '=HYPERLINK("x")',
        "Old idea",
        "In the archive",
    ]
    assert tasks[0]["assignee"] == member.user.email
    assert {m["role"] for m in members} == {"owner", "admin", "member"}
    # Spreadsheets do not run what a member typed.
    assert tasks_csv[1]["title"] == '\'=HYPERLINK("x")'
    assert tasks_csv[0]["custom_fields"] == '{"points": 3}'


def test_only_owners_export(in_org, admin):
    with pytest.raises(PermissionDenied):
        export_request(organization=in_org, actor=admin)

    assert not OrganizationExport.objects.exists()


def test_asking_again_while_one_is_built_returns_that_one(in_org, owner):
    first = export_request(organization=in_org, actor=owner)  # not committed: still pending

    assert export_request(organization=in_org, actor=owner) == first
    assert progress_of(first) == 0


def test_the_download_link_is_signed_and_expires(
    in_org, owner, acme, django_capture_on_commit_callbacks
):
    export = build(in_org, owner, django_capture_on_commit_callbacks)
    token = download_token(export)
    other = MembershipFactory(role=Role.OWNER).organization

    assert export_for_token(organization=in_org, token=token) == export
    assert export_for_token(organization=other, token=token) is None
    assert export_for_token(organization=in_org, token=token + "x") is None
    with (
        time_machine.travel(timezone.now() + timedelta(hours=25)),
        pytest.raises(signing.SignatureExpired),
    ):
        export_for_token(organization=in_org, token=token)


def test_expired_exports_lose_their_file(in_org, owner, acme, django_capture_on_commit_callbacks):
    export = build(in_org, owner, django_capture_on_commit_callbacks)
    path = export_path(export)

    assert exports_expire(organization=in_org) == 0
    assert exports_expire(organization=in_org, now=timezone.now() + timedelta(hours=25)) == 1

    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED
    assert not path.exists()


def test_a_failed_build_says_so_and_leaves_no_file(in_org, owner, export_root):
    export = OrganizationExport.objects.create(organization=in_org, requested_by=owner.user)
    export_root.mkdir(parents=True)
    (export_root / str(in_org.pk)).write_text("a file where the directory should be")

    result = export_build(export_id=export.pk)

    assert result.status == ExportStatus.FAILED
    assert result.error
    assert list(export_root.iterdir()) == [export_root / str(in_org.pk)]


def snapshot(organization) -> dict:
    """What an organization holds, without ids, as comparable values."""
    with organization_scope(organization):
        return {
            "members": sorted(
                (m.user.email, m.role)
                for m in Membership.objects.filter(organization=organization).select_related("user")
            ),
            "projects": sorted(
                (p.name, p.slug, p.description, p.status, p.deleted_at is not None)
                for p in Project.all_objects.all()
            ),
            "fields": sorted(
                (f.project.slug, f.name, f.key, f.field_type)
                for f in CustomField.objects.select_related("project")
            ),
            "tasks": sorted(
                (
                    t.number,
                    t.project.slug,
                    t.title,
                    t.description,
                    t.status,
                    t.priority,
                    t.due_date,
                    t.assignee.user.email if t.assignee else None,
                    t.created_by.email if t.created_by else None,
                    t.created_at,
                    t.completed_at,
                    json.dumps(t.custom_fields),
                    t.deleted_at,
                )
                for t in Task.all_objects.select_related("project", "assignee__user", "created_by")
            ),
            "comments": sorted(
                (c.task.number, c.author.email, c.body, c.created_at, c.deleted_at is not None)
                for c in Comment.all_objects.select_related("task", "author")
            ),
            "audit": sorted(
                (e.created_at, e.actor_id, e.action, e.object_type, e.object_repr)
                for e in AuditLog.objects.filter(organization=organization).select_related(
                    "content_type"
                )
                if not (e.action == AuditAction.CREATED and e.object_type == "organization")
            ),
            "task_counter": Organization.objects.get(pk=organization.pk).task_counter,
        }


def test_an_import_into_a_new_organization_restores_it(
    in_org, owner, acme, django_capture_on_commit_callbacks
):
    export = build(in_org, owner, django_capture_on_commit_callbacks)
    before = snapshot(in_org)

    with export_path(export).open("rb") as archive:
        imported = organization_import(owner=owner.user, archive=archive)

    assert imported.pk != in_org.pk
    assert imported.name == "Acme"
    assert imported.slug == "acme-2"
    assert snapshot(imported) == before
    with organization_scope(imported):
        # References point inside the new organization, and the trash still works.
        first = Task.objects.get(number=acme["first"].number)
        assert first.assignee.organization_id == imported.pk
        history = AuditLog.objects.filter(object_id=first.pk, content_type__model="task")
        assert history.filter(action=AuditAction.CREATED).exists()
        archive_project = Project.all_objects.get(slug="archive")
        assert archive_project.deleted_at is not None
        from workspace.services.projects import project_restore

        owner_here = Membership.objects.get(user=owner.user)
        assert project_restore(project=archive_project, actor=owner_here) == 1
        created = task_create(
            organization=imported,
            actor=owner_here,
            project=Project.objects.get(slug="launch"),
            title="Next one",
        )
        assert created.number == before["task_counter"] + 1


def test_people_without_an_account_here_are_left_out(
    in_org, owner, acme, django_capture_on_commit_callbacks
):
    export = build(in_org, owner, django_capture_on_commit_callbacks)
    newcomer = UserFactory()
    gone = Membership.objects.filter(organization=in_org).exclude(pk=owner.pk)
    User.objects.filter(pk__in=gone.values("user")).delete()  # no account here (any more)

    with export_path(export).open("rb") as archive:
        imported = organization_import(owner=newcomer, archive=archive)

    with organization_scope(imported):
        assert [(m.user, m.role) for m in Membership.objects.all()] == [
            (newcomer, Role.OWNER),
            (owner.user, Role.OWNER),
        ]
        assert Task.objects.get(title="Write the copy").assignee is None


def _rewritten(path, name, change) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == name else data)
    out.seek(0)
    return out


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        (lambda path: io.BytesIO(b"not a zip"), "This is not a zip file."),
        (
            lambda path: _rewritten(path, "members.json", lambda d: d.replace(b"owner", b"admin")),
            "This export was changed since it was made",
        ),
        (
            lambda path: _rewritten(
                path,
                "manifest.json",
                lambda d: d.replace(b'"signature": "', b'"signature": "forged'),
            ),
            "This export was not made here",
        ),
        (
            lambda path: _rewritten(
                path, "manifest.json", lambda d: d.replace(b'"version": 1', b'"version": 9')
            ),
            "another version of Tandem",
        ),
    ],
    ids=["not-a-zip", "changed-file", "forged-signature", "other-version"],
)
def test_files_that_cannot_be_trusted_are_refused(
    in_org, owner, acme, django_capture_on_commit_callbacks, archive, message
):
    export = build(in_org, owner, django_capture_on_commit_callbacks)
    organizations = Organization.all_objects.count()

    with pytest.raises(ImportRefused) as refused:
        organization_import(owner=owner.user, archive=archive(export_path(export)))

    assert message in refused.value.message_dict["archive"][0]
    assert Organization.all_objects.count() == organizations
