"""Sign-ins, failed sign-ins and sign-outs are recorded with where they came from."""

import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from workspace.models import AuditAction, AuditLog
from workspace.tenancy import all_tenants

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0"


def sign_in_events():
    with all_tenants():
        return list(AuditLog.objects.filter(organization__isnull=True).order_by("pk"))


def attempt(client, email, password, **extra):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR="203.0.113.7",
        **extra,
    )


def test_successful_sign_in_is_recorded_with_ip_and_browser(client, password):
    user = UserFactory(email="ada@example.com")

    attempt(client, "ada@example.com", password)

    [event] = sign_in_events()
    assert (event.action, event.actor, event.object_repr) == (
        AuditAction.LOGIN,
        user,
        "ada@example.com",
    )
    assert (event.ip_address, event.user_agent) == ("203.0.113.7", BROWSER)


def _visible(html: str) -> str:
    """The page minus per-request tokens."""
    return re.sub(r"[A-Za-z0-9]{32,}", "TOKEN", html)


def test_failed_sign_ins_are_recorded_and_look_the_same_to_the_visitor(client):
    user = UserFactory(email="ada@example.com")

    wrong_password = attempt(client, "ada@example.com", "not-the-password")
    unknown_email = attempt(client, "nobody@example.com", "not-the-password")

    failed = sign_in_events()
    assert [(e.action, e.actor, e.object_repr) for e in failed] == [
        (AuditAction.LOGIN_FAILED, user, "ada@example.com"),
        (AuditAction.LOGIN_FAILED, None, "nobody@example.com"),
    ]
    assert wrong_password.status_code == unknown_email.status_code == 200
    # Same page, same error; only the e-mail typed into the form differs.
    assert _visible(wrong_password.content.decode()).replace(
        "ada@example.com", "EMAIL"
    ) == _visible(unknown_email.content.decode()).replace("nobody@example.com", "EMAIL")


def test_sign_out_is_recorded(client, password):
    user = UserFactory(email="ada@example.com")
    attempt(client, "ada@example.com", password)

    client.post(reverse("account_logout"))

    assert [e.action for e in sign_in_events()] == [AuditAction.LOGIN, AuditAction.LOGOUT]
    assert sign_in_events()[-1].actor == user


def test_forwarded_for_is_ignored_without_trusted_proxies(client, password, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    UserFactory(email="ada@example.com")

    attempt(client, "ada@example.com", password, HTTP_X_FORWARDED_FOR="198.51.100.1")

    assert sign_in_events()[0].ip_address == "203.0.113.7"


def test_forwarded_for_is_used_behind_the_configured_proxies(client, password, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(email="ada@example.com")

    # The client forged the first hop; the proxy appended the address it saw.
    attempt(client, "ada@example.com", password, HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.1")

    assert sign_in_events()[0].ip_address == "198.51.100.1"


def test_garbage_forwarded_for_falls_back_to_the_peer_address(client, password, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(email="ada@example.com")

    attempt(client, "ada@example.com", password, HTTP_X_FORWARDED_FOR="not-an-ip")

    assert sign_in_events()[0].ip_address == "203.0.113.7"


def test_profile_lists_my_recent_sign_ins_only(client, password):
    UserFactory(email="ada@example.com")
    attempt(client, "ada@example.com", "typo")
    attempt(client, "ada@example.com", password)
    UserFactory(email="bob@example.com")
    attempt(client.__class__(), "bob@example.com", password)

    page = client.get(reverse("web:profile")).content.decode()

    assert page.count('data-testid="sign-in"') == 2
    assert "Failed to sign in" in page
    assert "Signed in" in page
    assert "203.0.113.7" in page
