"""Deleting one's account from the profile."""

import pytest
from django.urls import reverse

from accounts.models import User
from workspace.models import Role
from workspace.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

DELETE = reverse("web:account-delete")


def test_the_profile_offers_deletion(user_client):
    page = user_client.get(reverse("web:profile")).content.decode()

    assert DELETE in page
    assert "Delete my account" in page


def test_the_last_owner_is_told_which_organizations_stand_in_the_way(client, user):
    MembershipFactory(
        user=user, role=Role.OWNER, organization__name="Acme", organization__slug="acme"
    )
    client.force_login(user)

    profile = client.get(reverse("web:profile")).content.decode()
    page = client.get(DELETE).content.decode()
    posted = client.post(DELETE, {"password": "correct-horse-battery-staple"})

    for html in (profile, page):
        assert "You are the last owner of <strong>Acme</strong>." in html
        assert "/o/acme/settings/delete/" in html
    assert 'name="password"' not in page
    assert posted.status_code == 422
    assert "You are the last owner of <strong>Acme</strong>." in posted.content.decode()
    assert User.objects.get(pk=user.pk).is_active


def test_a_wrong_password_is_refused_on_the_field(user_client, user):
    response = user_client.post(DELETE, {"password": "wrong"})

    assert response.status_code == 422
    html = response.content.decode()
    field = html.split('id="div_id_password"')[1]
    assert "That is not your password." in field
    assert User.objects.get(pk=user.pk).is_active


def test_the_account_is_deleted_and_signed_out(user_client, user, password):
    response = user_client.post(DELETE, {"password": password}, follow=True)

    assert response.redirect_chain[0][0] == reverse("account_login")
    assert "Your account was deleted. Goodbye!" in response.content.decode()
    assert "_auth_user_id" not in user_client.session
    assert user_client.get(reverse("web:profile")).status_code == 302
    assert User.objects.get(pk=user.pk).display_name == "Deleted user"


def test_the_page_needs_sign_in(client):
    response = client.get(DELETE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
