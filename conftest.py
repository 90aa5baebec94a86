"""Fixtures shared by every app's tests."""

import socket

import pytest
from django.core.cache import cache

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from workspace.models import Role
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, OrganizationFactory


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty cache (rate-limit counters, sessions, cached fragments)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def user(db):
    return UserFactory(name="Ada Lovelace", email="ada@example.com")


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


def pick_free_port() -> int:
    """A local TCP port nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def free_port() -> int:
    return pick_free_port()


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Acme", slug="acme")


@pytest.fixture
def owner(organization):
    return MembershipFactory(organization=organization, role=Role.OWNER, user__name="Olivia Owner")


@pytest.fixture
def admin(organization):
    return MembershipFactory(organization=organization, role=Role.ADMIN, user__name="Adam Admin")


@pytest.fixture
def member(organization):
    return MembershipFactory(organization=organization, role=Role.MEMBER, user__name="Mia Member")


@pytest.fixture
def in_org(organization):
    """Run the test body inside the organization's scope, as a request or a job would."""
    with organization_scope(organization):
        yield organization


@pytest.fixture
def login(client):
    """``login(membership_or_user)`` signs the test client in and returns it."""

    def _login(who):
        client.force_login(getattr(who, "user", who))
        return client

    return _login
