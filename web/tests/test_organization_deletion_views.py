"""Deleting and restoring an organization through its pages; what members see meanwhile."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from workspace.models import Organization, Role
from workspace.tenancy import organization_scope
from workspace.tests.factories import InvitationFactory, MembershipFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def delete_url():
    return reverse("web:org-delete", kwargs={"org_slug": "acme"})


def restore_url():
    return reverse("web:org-restore", kwargs={"org_slug": "acme"})


def test_the_settings_page_offers_deletion_to_owners_only(login, owner, admin):
    settings_url = reverse("web:org-settings", kwargs={"org_slug": "acme"})

    assert delete_url() in login(owner).get(settings_url).content.decode()
    assert delete_url() not in login(admin).get(settings_url).content.decode()


def test_the_delete_page_explains_and_asks_for_the_name(login, owner, member):
    page = login(owner).get(delete_url()).content.decode()

    assert "Delete Acme?" in page
    assert "2 members" in page
    assert "restore it, exactly as it was, for 30 days" in page
    assert "Type the organization&#x27;s name to confirm" in page


def test_a_wrong_name_is_refused_with_what_was_typed(login, owner):
    response = login(owner).post(delete_url(), {"confirmation": "ACME"})

    assert response.status_code == 422
    html = response.content.decode()
    assert "Type the organization&#x27;s name exactly as shown: Acme" in html
    assert 'value="ACME"' in html
    assert Organization.objects.filter(slug="acme").exists()


def test_deleting_hides_every_page_from_every_member(login, owner, member, organization):
    with organization_scope(organization):
        project = ProjectFactory(organization=organization, slug="launch")
        invitation = InvitationFactory(organization=organization)

    response = login(owner).post(delete_url(), {"confirmation": "Acme"}, follow=True)

    assert response.redirect_chain[0][0] == reverse("web:home")
    assert "Acme was deleted. Its owners can restore it until" in response.content.decode()
    for who in (owner, member):
        client = login(who)
        for path in ("/o/acme/", "/o/acme/tasks/", project.get_absolute_url(), delete_url()):
            assert client.get(path).status_code == 404, (who, path)
    assert login(member).get(restore_url()).status_code == 404
    assert login(member).get(invitation.get_absolute_url()).status_code == 404


def test_the_owner_finds_it_in_the_menu_and_restores_it(login, owner, member):
    client = login(owner)
    client.post(delete_url(), {"confirmation": "Acme"})

    create_page = client.get(reverse("web:org-create")).content.decode()
    restore_page = client.get(restore_url())
    restored = client.post(restore_url(), follow=True)

    assert restore_url() in create_page  # the switcher and the list of deleted organizations
    assert "Restore Acme" in create_page
    assert restore_page.status_code == 200
    assert "Acme was deleted" in restore_page.content.decode()
    assert "Olivia Owner deleted it on" in restore_page.content.decode()
    assert restored.redirect_chain[-1][0] == "/o/acme/"
    assert "Acme was restored." in restored.content.decode()
    assert login(member).get("/o/acme/").status_code == 200


def test_the_restore_page_of_a_live_organization_leads_home(login, owner):
    assert login(owner).get(restore_url())["Location"] == "/o/acme/"


def test_a_member_of_a_deleted_organization_is_not_told_it_exists(login, owner, member):
    login(owner).post(delete_url(), {"confirmation": "Acme"})
    outsider = MembershipFactory(role=Role.OWNER).user

    as_member = login(member).get(restore_url())
    as_outsider = login(outsider).get(restore_url())

    assert as_member.status_code == as_outsider.status_code == 404


def test_past_the_window_the_restore_page_says_it_is_too_late(login, owner):
    client = login(owner)
    client.post(delete_url(), {"confirmation": "Acme"})

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        page = client.get(restore_url()).content.decode()
        refused = client.post(restore_url(), follow=True)

    assert "It can no longer be restored" in page
    assert "Restore Acme</button>" not in page
    assert "can no longer be restored" in refused.content.decode()
    assert Organization.all_objects.get(slug="acme").is_deleted
