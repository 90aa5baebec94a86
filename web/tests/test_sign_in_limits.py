"""Sign-in abuse: failed attempts are limited per client address and per account, and nothing a
visitor sees tells a known e-mail address from an unknown one."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import MD5PasswordHasher
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0)


def attempt(client, email, password, ip="203.0.113.7"):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_sixth_failed_attempt_from_one_address_is_refused_even_with_the_right_password(
    client, password
):
    UserFactory(email="ada@example.com")
    with time_machine.travel(START, tick=False):
        for n in range(5):
            assert attempt(client, "ada@example.com", f"guess-{n}").status_code == 200

        refused = attempt(client, "ada@example.com", password)

    assert refused.status_code == 429
    assert refused["Retry-After"] == "900"
    assert "Too many failed sign-in attempts" in refused.content.decode()
    assert not signed_in(client)


def test_signing_in_works_again_after_the_window(client, password):
    UserFactory(email="ada@example.com")
    with time_machine.travel(START, tick=False):
        for n in range(6):
            attempt(client, "ada@example.com", f"guess-{n}")

    with time_machine.travel(START + timedelta(minutes=16), tick=False):
        response = attempt(client, "ada@example.com", password)

    assert response.status_code == 302
    assert signed_in(client)


def test_the_limit_per_address_covers_every_account(client, password):
    UserFactory(email="ada@example.com")
    UserFactory(email="bob@example.com")
    with time_machine.travel(START, tick=False):
        for n in range(5):
            attempt(client, f"someone{n}@example.com", "guess")

        assert attempt(client, "bob@example.com", password).status_code == 429


def test_the_limit_per_account_covers_every_address(client, password):
    """A bot spreading guesses over many addresses still locks the account it targets."""
    UserFactory(email="ada@example.com")
    with time_machine.travel(START, tick=False):
        for n in range(5):
            attempt(client, "ada@example.com", "guess", ip=f"198.51.100.{n + 1}")

        assert attempt(client, "ada@example.com", password, ip="192.0.2.99").status_code == 429


def test_a_successful_sign_in_does_not_use_up_the_allowance(client, password):
    UserFactory(email="ada@example.com")
    with time_machine.travel(START, tick=False):
        for _ in range(8):
            assert attempt(client, "ada@example.com", password).status_code == 302
            client.post(reverse("account_logout"))


def _visible(html: str) -> str:
    return re.sub(r"[A-Za-z0-9]{32,}", "TOKEN", html)


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting how often a password is hashed or checked."""

    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["web.tests.test_sign_in_limits.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


def test_unknown_email_and_wrong_password_cost_the_same_work(client, counting_hasher):
    """Timing-safe: an unknown address still costs a password hash, like a wrong password."""
    UserFactory(email="ada@example.com", password="right-password-1")
    counting_hasher.calls = 0
    attempt(client, "ada@example.com", "wrong-password")
    wrong_password = counting_hasher.calls

    counting_hasher.calls = 0
    attempt(client, "nobody@example.com", "wrong-password")
    unknown_email = counting_hasher.calls

    assert wrong_password >= 1
    assert unknown_email == wrong_password


def test_sign_up_with_a_taken_address_looks_like_any_sign_up(client, mailoutbox):
    UserFactory(email="ada@example.com")
    data = {
        "name": "X",
        "password1": "a-long-enough-passphrase",
        "password2": "a-long-enough-passphrase",
    }

    taken = client.post(reverse("account_signup"), {**data, "email": "ada@example.com"})
    client.cookies.clear()
    fresh = client.post(reverse("account_signup"), {**data, "email": "new@example.com"})

    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    # The owner of the taken address is told by e-mail, not the visitor.
    assert {m.to[0] for m in mailoutbox} == {"ada@example.com", "new@example.com"}


def test_password_reset_says_the_same_for_known_and_unknown_addresses(client):
    UserFactory(email="ada@example.com")

    known = client.post(
        reverse("account_reset_password"), {"email": "ada@example.com"}, follow=True
    )
    unknown = client.post(
        reverse("account_reset_password"), {"email": "nobody@example.com"}, follow=True
    )

    assert known.redirect_chain == unknown.redirect_chain
    assert _visible(known.content.decode()) == _visible(unknown.content.decode())
