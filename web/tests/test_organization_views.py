import pytest
from django.urls import reverse

from workspace.models import Membership, Organization, Role
from workspace.tenancy import organization_scope
from workspace.tests.factories import InvitationFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_home_without_organizations_or_invitations_goes_to_create(user_client):
    response = user_client.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("web:org-create")


def test_home_lists_pending_invitations(user_client, user, organization):
    with organization_scope(organization):
        InvitationFactory(organization=organization, email=user.email.upper())

    response = user_client.get("/")

    assert response.status_code == 200
    assert "You have been invited" in response.content.decode()
    assert "Acme" in response.content.decode()


def test_home_goes_to_the_last_used_organization(client, user):
    first = MembershipFactory(user=user, organization__name="First").organization
    second = MembershipFactory(user=user, organization__name="Second").organization
    client.force_login(user)

    client.get(second.get_absolute_url())
    assert client.get("/")["Location"] == second.get_absolute_url()

    client.get(first.get_absolute_url())
    assert client.get("/")["Location"] == first.get_absolute_url()


def test_create_organization_makes_the_user_owner(user_client, user):
    response = user_client.post(reverse("web:org-create"), {"name": "  Rocket   Labs "})

    organization = Organization.objects.get()
    assert organization.name == "Rocket Labs"
    assert response["Location"] == organization.get_absolute_url()
    with organization_scope(organization):
        assert Membership.objects.get().user == user
        assert Membership.objects.get().role == Role.OWNER


def test_create_organization_requires_a_name(user_client):
    response = user_client.post(reverse("web:org-create"), {"name": " "})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Organization.objects.exists()


def test_switcher_lists_only_my_organizations(client, owner, organization):
    MembershipFactory(user=owner.user, organization__name="Beta Corp")
    OrganizationFactory(name="Not Mine")
    client.force_login(owner.user)

    page = client.get(organization.get_absolute_url()).content.decode()

    assert "Beta Corp" in page
    assert "Not Mine" not in page


def test_org_home_shows_role(login, member, organization):
    page = login(member).get(organization.get_absolute_url()).content.decode()

    assert "You are member here." in page


class TestSettings:
    def test_admin_renames(self, login, admin, organization):
        client = login(admin)
        url = reverse("web:org-settings", kwargs={"org_slug": "acme"})

        response = client.post(url, {"form": "name", "name": "Acme Inc"})

        assert response.status_code == 302
        assert Organization.objects.get(pk=organization.pk).name == "Acme Inc"

    def test_invalid_name_shows_the_error(self, login, admin):
        url = reverse("web:org-settings", kwargs={"org_slug": "acme"})

        response = login(admin).post(url, {"form": "name", "name": ""})

        assert response.status_code == 422
        assert "This field is required." in response.content.decode()

    def test_admin_does_not_see_address_or_plan(self, login, admin):
        page = login(admin).get(reverse("web:org-settings", kwargs={"org_slug": "acme"}))

        assert "Change address" not in page.content.decode()
        assert 'data-testid="plan"' not in page.content.decode()

    def test_owner_sees_the_plan(self, login, owner):
        page = login(owner).get(reverse("web:org-settings", kwargs={"org_slug": "acme"}))

        assert 'data-testid="plan">Free<' in page.content.decode()

    def test_admin_cannot_change_the_address(self, login, admin, organization):
        url = reverse("web:org-settings", kwargs={"org_slug": "acme"})

        response = login(admin).post(url, {"form": "slug", "slug": "mine"})

        assert response.status_code == 403
        assert Organization.objects.get(pk=organization.pk).slug == "acme"

    def test_owner_changes_address_and_old_links_redirect_members(self, login, owner, organization):
        client = login(owner)

        response = client.post(
            reverse("web:org-settings", kwargs={"org_slug": "acme"}),
            {"form": "slug", "slug": "acme-inc"},
        )

        assert response["Location"] == "/o/acme-inc/settings/"
        old = client.get("/o/acme/members/?page=2")
        assert old.status_code == 301
        assert old["Location"] == "/o/acme-inc/members/?page=2"

    def test_old_address_is_404_for_outsiders(self, client, owner, organization):
        organization.slug = "acme-inc"
        organization.save()
        organization.slug_aliases.create(slug="acme")
        client.force_login(MembershipFactory().user)

        assert client.get("/o/acme/members/").status_code == 404

    def test_taken_address_shows_an_error(self, login, owner):
        OrganizationFactory(slug="taken")

        response = login(owner).post(
            reverse("web:org-settings", kwargs={"org_slug": "acme"}),
            {"form": "slug", "slug": "taken"},
        )

        assert response.status_code == 422
        assert "This address is already taken." in response.content.decode()


def test_the_settings_form_refuses_a_one_character_address(login, owner):
    response = login(owner).post(
        reverse("web:org-settings", kwargs={"org_slug": "acme"}), {"form": "slug", "slug": "a"}
    )

    assert response.status_code == 422
    assert "Use at least 3 characters, with at least one letter or digit." in (
        response.content.decode()
    )


def test_the_switcher_shows_each_organizations_address_under_its_name(client, user):
    MembershipFactory(user=user, organization__name="Acme", organization__slug="acme-berlin")
    MembershipFactory(user=user, organization__name="Acme", organization__slug="acme-paris")
    client.force_login(user)

    page = client.get("/o/acme-berlin/").content.decode()
    switcher = page.split(': switch organization"')[1].split("</details>")[0]

    assert "/o/acme-berlin/</span>" in switcher
    assert "/o/acme-paris/</span>" in switcher
