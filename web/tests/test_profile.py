import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_profile_requires_sign_in(client):
    response = client.get(reverse("web:profile"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_profile_shows_current_name(user_client):
    response = user_client.get(reverse("web:profile"))

    assert response.status_code == 200
    assert 'value="Ada Lovelace"' in response.content.decode()


def test_profile_saves_a_trimmed_name(user_client, user):
    response = user_client.post(reverse("web:profile"), {"name": "  Ada   King  "}, follow=True)

    user.refresh_from_db()
    assert user.name == "Ada King"
    assert "Your profile was saved." in response.content.decode()


def test_profile_rejects_a_blank_name(user_client, user):
    response = user_client.post(reverse("web:profile"), {"name": "   "})

    user.refresh_from_db()
    assert response.status_code == 422
    assert user.name == "Ada Lovelace"
    assert "This field is required." in response.content.decode()


def test_email_preferences_are_saved(user_client, user):
    assert user.notify_by_email
    assert user.receive_digest

    response = user_client.post(
        reverse("web:profile"), {"form": "email", "receive_digest": "on"}, follow=True
    )

    user.refresh_from_db()
    assert user.notify_by_email is False
    assert user.receive_digest is True
    assert "Your e-mail preferences were saved." in response.content.decode()
    assert 'name="receive_digest" class="checkboxinput' in response.content.decode()
