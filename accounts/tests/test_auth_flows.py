"""Sign-up, e-mail confirmation, sign-in and password reset, through the real allauth views."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s]+")


def _link_in(message, fragment: str) -> str:
    links = [link for link in LINK.findall(message.body) if fragment in link]
    assert links, f"no link containing {fragment!r} in: {message.body}"
    return links[0]


def _sign_up(client, email="grace@example.com", name="Grace Hopper"):
    return client.post(
        reverse("account_signup"),
        {
            "name": name,
            "email": email,
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )


def test_sign_up_creates_user_with_name_and_sends_confirmation(client, mailoutbox):
    response = _sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="grace@example.com")
    assert user.name == "Grace Hopper"
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["grace@example.com"]
    assert "/accounts/confirm-email/" in mailoutbox[0].body


def test_sign_up_requires_a_name(client):
    response = _sign_up(client, name="   ")

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_rejects_an_existing_email_without_creating_a_second_user(client, mailoutbox):
    UserFactory(email="grace@example.com")

    _sign_up(client, email="Grace@Example.com")

    assert User.objects.filter(email__iexact="grace@example.com").count() == 1


def test_confirmation_link_verifies_the_address(client, mailoutbox):
    _sign_up(client)
    link = _link_in(mailoutbox[0], "/accounts/confirm-email/")

    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm" in page.content.decode()
    client.post(link)

    assert EmailAddress.objects.get(email="grace@example.com").verified


def test_unverified_user_cannot_sign_in_until_confirmed(client, mailoutbox, password):
    UserFactory(email="new@example.com", verified=False)

    response = client.post(
        reverse("account_login"), {"login": "new@example.com", "password": password}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_sign_in_with_email_is_case_insensitive(client, password):
    user = UserFactory(email="ada@example.com", name="Ada Lovelace")

    response = client.post(
        reverse("account_login"), {"login": "ADA@example.com", "password": password}, follow=True
    )

    assert response.status_code == 200
    assert int(client.session["_auth_user_id"]) == user.pk
    assert "Ada Lovelace" in response.content.decode()


def test_wrong_password_is_refused_with_a_form_error(client):
    UserFactory(email="ada@example.com")

    response = client.post(
        reverse("account_login"), {"login": "ada@example.com", "password": "not-the-password"}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "not correct" in response.content.decode()


def test_password_reset_sets_a_new_password(client, mailoutbox):
    UserFactory(email="ada@example.com")

    client.post(reverse("account_reset_password"), {"email": "ada@example.com"})
    assert len(mailoutbox) == 1
    link = _link_in(mailoutbox[0], "/accounts/password/reset/key/")

    form_page = client.get(link, follow=True)
    action = form_page.redirect_chain[-1][0]
    client.post(action, {"password1": "brand-new-passphrase", "password2": "brand-new-passphrase"})

    assert client.login(email="ada@example.com", password="brand-new-passphrase")


def test_password_reset_for_unknown_email_sends_no_reset_link(client, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert all("/password/reset/key/" not in m.body for m in mailoutbox)


def test_sign_out_ends_the_session(user_client):
    response = user_client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in user_client.session


def test_confirming_right_after_sign_up_signs_the_new_user_in(client, mailoutbox):
    _sign_up(client)
    link = _link_in(mailoutbox[0], "/accounts/confirm-email/")

    response = client.post(link, follow=True)

    user = User.objects.get(email="grace@example.com")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert response.redirect_chain[-1][0] == reverse("web:org-create")
    assert "Grace Hopper" in response.content.decode()


def test_confirming_from_another_browser_still_asks_to_sign_in(client, mailoutbox):
    """allauth signs in on confirmation only in the session that signed up: a link opened
    elsewhere (or leaked) confirms the address but is no way into the account."""
    _sign_up(client)
    link = _link_in(mailoutbox[0], "/accounts/confirm-email/")
    elsewhere = Client()

    response = elsewhere.post(link)

    assert EmailAddress.objects.get(email="grace@example.com").verified
    assert "_auth_user_id" not in elsewhere.session
    assert response["Location"] == reverse("account_login")


def test_account_emails_name_the_product_not_the_host(client, mailoutbox):
    _sign_up(client)
    UserFactory(email="ada@example.com")
    client.post(reverse("account_reset_password"), {"email": "ada@example.com"})

    assert len(mailoutbox) == 2
    for message in mailoutbox:
        assert message.body.startswith("Hello from Tandem!")
        assert "Thank you for using Tandem!" in message.body
        assert "Hello from testserver" not in message.body
        assert message.subject.startswith("[Tandem] ")


def test_account_emails_carry_the_product_s_look(client, mailoutbox):
    _sign_up(client)
    UserFactory(email="ada@example.com")
    client.post(reverse("account_reset_password"), {"email": "ada@example.com"})
    client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    assert len(mailoutbox) == 3
    for message, action in zip(
        mailoutbox,
        ["Confirm my e-mail address", "Choose a new password", "Create a Tandem account"],
        strict=True,
    ):
        html = {mime: body for body, mime in message.alternatives}["text/html"]
        assert "Hello from Tandem!" in html
        assert action in html
        assert "testserver" not in html.split("href=")[0]  # the product, not the host, speaks
        link = re.search(r'href="([^"]+)"', html).group(1)
        assert link in message.body  # the same link as the text part
