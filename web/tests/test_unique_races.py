"""A unique constraint a user can run into at the same moment as somebody else answers like
the sequential case (a fresh address, or the form error), never a 500.

Each test races two real transactions (workspace/tests/concurrency.py): the first takes the name
and stays uncommitted while the second, a real request, runs into the constraint."""

import pytest
from django.test import Client
from django.urls import reverse

from workspace.models import CustomField, Invitation, Organization, Project, Role
from workspace.services.invitations import invitation_create
from workspace.services.organizations import organization_change_slug, organization_create
from workspace.services.projects import custom_field_create, project_create
from workspace.tenancy import organization_scope
from workspace.tests.concurrency import race
from workspace.tests.factories import MembershipFactory, ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owner():
    return MembershipFactory(role=Role.OWNER, organization__name="Acme", organization__slug="acme")


def signed_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def test_two_projects_with_the_same_name_at_once_both_get_an_address(owner):
    organization = owner.organization
    client = signed_in(owner)

    outcome = race(
        lambda: project_create(organization=organization, actor=owner, name="Launch"),
        lambda: client.post(
            reverse("web:project-create", kwargs={"org_slug": "acme"}), {"name": "Launch"}
        ),
        organization=organization,
    )

    assert outcome.second_waited
    assert outcome.second_error is None
    assert outcome.second.status_code == 302
    with organization_scope(organization):
        assert sorted(Project.objects.values_list("slug", flat=True)) == ["launch", "launch-2"]


def test_two_organizations_with_the_same_name_at_once_both_get_an_address(owner):
    other = MembershipFactory().user
    client = signed_in(owner)

    outcome = race(
        lambda: organization_create(name="Rocket", owner=other),
        lambda: client.post(reverse("web:org-create"), {"name": "Rocket"}),
        organization=owner.organization,
    )

    assert outcome.second_waited
    assert outcome.second_error is None
    assert outcome.second.status_code == 302
    assert sorted(Organization.objects.filter(name="Rocket").values_list("slug", flat=True)) == [
        "rocket",
        "rocket-2",
    ]


def test_two_organizations_taking_the_same_address_at_once_get_the_form_error(owner):
    rival = MembershipFactory(role=Role.OWNER)
    client = signed_in(owner)

    def take_it():
        with organization_scope(rival.organization):
            organization_change_slug(organization=rival.organization, actor=rival, slug="rocket")

    outcome = race(
        take_it,
        lambda: client.post(
            reverse("web:org-settings", kwargs={"org_slug": "acme"}),
            {"form": "slug", "slug": "rocket"},
        ),
        organization=owner.organization,
    )

    assert outcome.second_waited
    assert outcome.second_error is None
    assert outcome.second.status_code == 422
    assert "This address is already taken." in outcome.second.content.decode()
    page = outcome.second.content.decode()
    assert 'value="rocket"' in page  # what was typed comes back
    assert "/o/acme/settings/" in page
    assert "/o/rocket/" not in page
    owner.organization.refresh_from_db()
    assert owner.organization.slug == "acme"


def test_two_custom_fields_with_the_same_name_at_once_get_the_form_error(owner):
    organization = owner.organization
    with organization_scope(organization):
        project = ProjectFactory(organization=organization, slug="launch")
    client = signed_in(owner)

    outcome = race(
        lambda: custom_field_create(
            project=project, actor=owner, name="Points", field_type="number"
        ),
        lambda: client.post(
            reverse("web:project-fields", kwargs={"org_slug": "acme", "project_slug": "launch"}),
            {"name": "Points", "field_type": "number"},
        ),
        organization=organization,
    )

    assert outcome.second_waited
    assert outcome.second_error is None
    assert outcome.second.status_code == 422
    assert "This project already has a field with this name." in outcome.second.content.decode()
    with organization_scope(organization):
        assert CustomField.objects.filter(project=project).count() == 1


def test_two_invitations_for_one_address_at_once_get_the_form_error(owner):
    organization = owner.organization
    client = signed_in(owner)

    outcome = race(
        lambda: invitation_create(
            organization=organization, actor=owner, email="joe@example.com", role=Role.MEMBER
        ),
        lambda: client.post(
            reverse("web:invitation-create", kwargs={"org_slug": "acme"}),
            {"email": "joe@example.com", "role": "member"},
        ),
        organization=organization,
    )

    assert outcome.second_waited
    assert outcome.second_error is None
    assert outcome.second.status_code == 422
    assert "already has a pending invitation" in outcome.second.content.decode()
    with organization_scope(organization):
        assert Invitation.objects.filter(email="joe@example.com").count() == 1
