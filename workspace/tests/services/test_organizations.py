import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.tests.factories import UserFactory
from workspace.models import Membership, Organization, OrganizationSlugAlias, Role
from workspace.services.organizations import (
    organization_change_slug,
    organization_create,
    organization_rename,
)
from workspace.tenancy import organization_scope
from workspace.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_creator_becomes_the_only_owner():
    user = UserFactory()

    organization = organization_create(name="Acme Rockets", owner=user)

    assert organization.slug == "acme-rockets"
    with organization_scope(organization):
        membership = Membership.objects.get()
    assert membership.user == user
    assert membership.role == Role.OWNER


def test_slugs_are_unique_and_avoid_former_and_reserved_slugs():
    OrganizationFactory(slug="acme")
    OrganizationSlugAlias.objects.create(
        organization=OrganizationFactory(slug="other"), slug="acme-2"
    )
    user = UserFactory()

    assert organization_create(name="Acme", owner=user).slug == "acme-3"
    assert organization_create(name="New", owner=user).slug == "new-2"
    assert organization_create(name="!!!", owner=user).slug == "team"


def test_admin_renames_member_cannot(organization, admin, member):
    organization_rename(organization=organization, actor=admin, name="Acme Inc")
    assert Organization.objects.get(pk=organization.pk).name == "Acme Inc"

    with pytest.raises(PermissionDenied):
        organization_rename(organization=organization, actor=member, name="Mine")


def test_owner_changes_slug_and_old_slug_is_kept_as_alias(organization, owner):
    organization_change_slug(organization=organization, actor=owner, slug="acme-inc")

    organization.refresh_from_db()
    assert organization.slug == "acme-inc"
    assert list(organization.slug_aliases.values_list("slug", flat=True)) == ["acme"]


def test_changing_back_to_a_former_slug_is_allowed(organization, owner):
    organization_change_slug(organization=organization, actor=owner, slug="acme-inc")
    organization_change_slug(organization=organization, actor=owner, slug="acme")

    organization.refresh_from_db()
    assert organization.slug == "acme"
    assert list(organization.slug_aliases.values_list("slug", flat=True)) == ["acme-inc"]


def test_slug_taken_by_another_organization_is_refused(organization, owner):
    OrganizationFactory(slug="taken")

    with pytest.raises(ValidationError) as error:
        organization_change_slug(organization=organization, actor=owner, slug="taken")

    assert error.value.message_dict == {"slug": ["This address is already taken."]}


def test_only_owners_change_the_slug(organization, admin):
    with pytest.raises(PermissionDenied):
        organization_change_slug(organization=organization, actor=admin, slug="mine")


def test_keeping_the_same_slug_changes_nothing(organization, owner):
    organization_change_slug(organization=organization, actor=owner, slug="acme")

    assert not organization.slug_aliases.exists()


@pytest.mark.parametrize("slug", ["a", "ab", "--", "---", "-_-", "___"])
def test_an_address_needs_three_characters_with_a_letter_or_digit(organization, owner, slug):
    with pytest.raises(ValidationError) as refused:
        organization_change_slug(organization=organization, actor=owner, slug=slug)

    assert refused.value.message_dict == {
        "slug": ["Use at least 3 characters, with at least one letter or digit."]
    }
    organization.refresh_from_db()
    assert organization.slug == "acme"


@pytest.mark.parametrize("slug", ["abc", "a-1", "x_y", "007"])
def test_short_addresses_with_a_letter_or_digit_are_fine(organization, owner, slug):
    organization_change_slug(organization=organization, actor=owner, slug=slug)

    organization.refresh_from_db()
    assert organization.slug == slug


@pytest.mark.parametrize(("name", "slug"), [("X", "x-team"), ("Ab", "ab-team"), ("—", "team")])
def test_generated_addresses_follow_the_rule_too(name, slug):
    assert organization_create(name=name, owner=UserFactory()).slug == slug
