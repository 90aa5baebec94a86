"""Fixtures shared by every app's tests."""

import pytest
from django.core.cache import cache

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory


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


@pytest.fixture
def free_port() -> int:
    """A local TCP port nothing listens on (yet)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
