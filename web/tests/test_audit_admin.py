"""The audit log in the Django admin: staff can read it, nobody can add, change or delete."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from workspace.audit import audit_record
from workspace.models import AuditAction, AuditLog
from workspace.services.sign_ins import sign_in_record
from workspace.tenancy import all_tenants, organization_scope
from workspace.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def changelist_url(**query):
    url = reverse("admin:workspace_auditlog_changelist")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def change_url(entry):
    return reverse("admin:workspace_auditlog_change", args=[entry.pk])


def delete_url(entry):
    return reverse("admin:workspace_auditlog_delete", args=[entry.pk])


def add_url():
    return reverse("admin:workspace_auditlog_add")


def snapshot(entry) -> dict:
    with all_tenants():
        row = AuditLog.objects.filter(pk=entry.pk).values().first()
    assert row is not None, "the entry is gone"
    return row


def entry_count() -> int:
    with all_tenants():
        return AuditLog.objects.count()


@pytest.fixture
def superuser(db):
    return UserFactory(name="Sam Staff", email="sam@tandem.test", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def entry(organization, admin):
    with organization_scope(organization):
        project = ProjectFactory(organization=organization, name="Website")
        return audit_record(
            organization=organization,
            actor=admin,
            action=AuditAction.UPDATED,
            target=project,
            changed_fields={"name": ["Web site", "Website"]},
        )


@pytest.fixture
def sign_in(member):
    return sign_in_record(
        action=AuditAction.LOGIN_FAILED, user=member.user, identifier="mia-typo@example.com"
    )


class TestReading:
    def test_changelist_lists_every_organizations_entries_and_sign_ins(
        self, staff_client, entry, sign_in
    ):
        response = staff_client.get(changelist_url())

        page = response.content.decode()
        assert response.status_code == 200
        assert "Website" in page
        assert "mia-typo@example.com" in page
        assert "Acme" in page
        assert f'href="{change_url(entry)}"' in page

    def test_changelist_search_and_filter(self, staff_client, entry, sign_in):
        page = staff_client.get(changelist_url(q="mia-typo")).content.decode()
        assert "mia-typo@example.com" in page
        assert f'href="{change_url(entry)}' not in page
        assert f'href="{change_url(sign_in)}' in page

        page = staff_client.get(changelist_url(action__exact="updated")).content.decode()
        assert f'href="{change_url(entry)}' in page
        assert "mia-typo@example.com" not in page

    def test_entry_page_is_read_only(self, staff_client, entry):
        response = staff_client.get(change_url(entry))

        page = response.content.decode()
        assert response.status_code == 200
        assert "Website" in page
        assert 'name="_save"' not in page
        assert 'name="_continue"' not in page
        assert 'name="object_repr"' not in page  # shown as text, not as an input
        assert delete_url(entry) not in page

    def test_nothing_offers_writing(self, staff_client, entry):
        page = staff_client.get(changelist_url()).content.decode()

        assert add_url() not in page
        assert 'value="delete_selected"' not in page

    def test_members_of_the_site_who_are_not_staff_are_sent_to_sign_in(self, login, owner, entry):
        response = login(owner).get(changelist_url())

        assert response.status_code == 302
        assert "login" in response["Location"]


class TestWriting:
    def test_add_is_refused(self, staff_client, organization, entry):
        before = entry_count()

        assert staff_client.get(add_url()).status_code == 403
        response = staff_client.post(
            add_url(),
            {
                "organization": organization.pk,
                "action": "deleted",
                "object_repr": "Forged",
                "changed_fields": "{}",
            },
        )

        assert response.status_code == 403
        assert entry_count() == before

    def test_change_is_refused(self, staff_client, organization, entry):
        before = snapshot(entry)

        response = staff_client.post(
            change_url(entry),
            {
                "organization": organization.pk,
                "action": "deleted",
                "object_repr": "Rewritten history",
                "changed_fields": "{}",
                "ip_address": "198.51.100.1",
                "_save": "Save",
            },
        )

        assert response.status_code == 403
        assert snapshot(entry) == before

    def test_delete_is_refused(self, staff_client, entry):
        before = snapshot(entry)

        assert staff_client.get(delete_url(entry)).status_code == 403
        response = staff_client.post(delete_url(entry), {"post": "yes"})

        assert response.status_code == 403
        assert snapshot(entry) == before

    def test_bulk_delete_is_refused(self, staff_client, entry, sign_in):
        before = entry_count()

        response = staff_client.post(
            changelist_url(),
            {
                "action": "delete_selected",
                "_selected_action": [entry.pk, sign_in.pk],
                "index": "0",
                "post": "yes",
            },
            follow=True,
        )

        # The changelist has no actions at all, so the POST just shows the list again.
        assert response.status_code == 200
        assert "Select audit log to view" in response.content.decode()
        assert "Successfully deleted" not in response.content.decode()
        assert entry_count() == before
        snapshot(entry)
        snapshot(sign_in)
