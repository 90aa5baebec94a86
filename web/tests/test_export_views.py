"""The export page (owners): ask, watch it being built, download through an expiring link;
and importing an export into a new organization."""

import io
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from workspace.models import ExportStatus, Organization, OrganizationExport
from workspace.services.exports import download_token, export_path
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
EXPORT = reverse("web:org-export", kwargs={"org_slug": "acme"})


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.TANDEM_EXPORT_ROOT = tmp_path / "exports"


@pytest.fixture
def export(django_capture_on_commit_callbacks):
    """POST the export form; the job runs once the request commits."""

    def _export(client, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(EXPORT, **kwargs)

    return _export


@pytest.fixture
def content(organization, owner):
    with organization_scope(organization):
        TaskFactory(project=ProjectFactory(organization=organization), title="Ship it")


def only_export(organization) -> OrganizationExport:
    with organization_scope(organization):
        return OrganizationExport.objects.get()


def test_owners_export_and_download_the_zip(login, owner, organization, content, export):
    client = login(owner)

    asked = export(client, follow=True).content.decode()
    built = only_export(organization)
    page = client.get(EXPORT).content.decode()
    link = reverse(
        "web:org-export-download", kwargs={"org_slug": "acme", "token": download_token(built)}
    )
    download = client.get(link)

    assert built.status == ExportStatus.DONE
    assert "Your export is being prepared." in asked
    assert "/o/acme/settings/export/" in page
    assert "Download" in page
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert download["Cache-Control"] == "private, no-store"
    assert download["Content-Disposition"].startswith('attachment; filename="acme-export-')
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "tasks.json" in archive.namelist()
    assert b"Ship it" in archive.read("tasks.json")


def test_while_it_is_built_the_list_polls_and_shows_progress(login, owner, organization):
    with organization_scope(organization):
        OrganizationExport.objects.create(
            organization=organization,
            requested_by=owner.user,
            status=ExportStatus.RUNNING,
            progress=40,
        )

    page = login(owner).get(EXPORT).content.decode()
    fragment = login(owner).get(EXPORT, **HTMX).content.decode()

    assert 'hx-trigger="every 2s"' in page
    assert 'value="40"' in page
    assert fragment.lstrip().startswith('<section id="exports"')
    assert "<html" not in fragment


def test_a_finished_list_stops_polling(login, owner, organization, content, export):
    client = login(owner)
    export(client)

    assert 'hx-trigger="every 2s"' not in client.get(EXPORT).content.decode()


def test_an_expired_link_says_so(login, owner, organization, content, export):
    client = login(owner)
    export(client)
    link = reverse(
        "web:org-export-download",
        kwargs={"org_slug": "acme", "token": download_token(only_export(organization))},
    )

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        response = client.get(link)
        page = client.get(EXPORT).content.decode()

    assert response.status_code == 410
    assert "This download link has expired." in response.content.decode()
    assert link not in page


def test_a_forged_link_is_not_found(login, owner, organization):
    url = reverse("web:org-export-download", kwargs={"org_slug": "acme", "token": "forged:x:y"})

    assert login(owner).get(url).status_code == 404


def test_admins_are_not_offered_the_export(login, admin):
    settings_page = login(admin).get(reverse("web:org-settings", kwargs={"org_slug": "acme"}))

    assert EXPORT not in settings_page.content.decode()
    assert login(admin).get(EXPORT).status_code == 403


def test_an_export_is_imported_into_a_new_organization(login, owner, organization, content, export):
    client = login(owner)
    export(client)
    with export_path(only_export(organization)).open("rb") as handle:
        upload = SimpleUploadedFile("acme.zip", handle.read(), content_type="application/zip")

    response = client.post(reverse("web:org-import"), {"archive": upload}, follow=True)

    imported = Organization.objects.exclude(pk=organization.pk).get()
    assert response.redirect_chain[-1][0] == imported.get_absolute_url()
    assert "Acme was imported. You are its owner." in response.content.decode()
    assert "Ship it" in client.get(f"/o/{imported.slug}/tasks/").content.decode()


def test_a_file_that_is_not_an_export_is_refused_with_the_form(login, owner):
    upload = SimpleUploadedFile("notes.zip", b"hello", content_type="application/zip")

    response = login(owner).post(reverse("web:org-import"), {"archive": upload})

    assert response.status_code == 422
    assert "This is not a zip file." in response.content.decode()
    assert Organization.objects.count() == 1


def test_the_export_page_query_count_does_not_grow_with_exports(
    login, owner, organization, django_assert_max_num_queries
):
    client = login(owner)
    client.get(EXPORT)

    def make(count):
        with organization_scope(organization):
            for _ in range(count):
                OrganizationExport.objects.create(
                    organization=organization,
                    requested_by=MembershipFactory(organization=organization).user,
                    status=ExportStatus.DONE,
                    file_name="x.zip",
                    finished_at=timezone.now(),
                    expires_at=timezone.now() + timedelta(hours=1),
                )

    make(2)
    with django_assert_max_num_queries(20) as few:
        assert client.get(EXPORT).content.decode().count('data-testid="export"') == 2
    make(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(EXPORT).content.decode().count('data-testid="export"') == 8
