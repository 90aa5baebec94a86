import pytest
from django_scopes.exceptions import ScopeError

from workspace.models import Membership
from workspace.tenancy import all_tenants, organization_scope
from workspace.tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_tenant_query_without_a_scope_raises():
    MembershipFactory()

    with pytest.raises(ScopeError):
        list(Membership.objects.all())
    with pytest.raises(ScopeError):
        Membership.objects.filter(role="owner").exists()


def test_related_managers_fail_closed_too():
    membership = MembershipFactory()

    with pytest.raises(ScopeError):
        list(membership.user.memberships.all())


def test_scope_returns_only_that_organizations_rows():
    mine = MembershipFactory()
    MembershipFactory()  # another organization

    with organization_scope(mine.organization):
        assert list(Membership.objects.all()) == [mine]


def test_organization_scope_refuses_none():
    with pytest.raises(ValueError, match="needs an organization"), organization_scope(None):
        pass


def test_all_tenants_block_reads_across_organizations():
    a, b = MembershipFactory(), MembershipFactory()

    with all_tenants():
        assert set(Membership.objects.all()) == {a, b}


def test_nested_scope_inside_all_tenants_is_scoped_again():
    a = MembershipFactory()
    MembershipFactory(organization=OrganizationFactory())

    with all_tenants(), organization_scope(a.organization):
        assert list(Membership.objects.all()) == [a]
