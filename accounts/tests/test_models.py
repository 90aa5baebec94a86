import pytest
from django.db import IntegrityError

from accounts.models import User


@pytest.mark.django_db
def test_create_user_normalises_email_and_hashes_password():
    user = User.objects.create_user("ada@EXAMPLE.com", "s3cret-passphrase", name="Ada")

    assert user.email == "ada@example.com"
    assert user.check_password("s3cret-passphrase")
    assert not user.is_staff


@pytest.mark.django_db
def test_create_superuser_is_staff():
    admin = User.objects.create_superuser("root@example.com", "s3cret-passphrase")

    assert admin.is_staff
    assert admin.is_superuser


def test_create_user_requires_an_email():
    with pytest.raises(ValueError, match="e-mail"):
        User.objects.create_user("", "pw")


@pytest.mark.django_db
def test_email_is_unique_ignoring_case():
    User.objects.create_user("ada@example.com", "pw")

    with pytest.raises(IntegrityError):
        User.objects.create_user("ADA@example.com", "pw")


def test_display_name_falls_back_to_email_local_part():
    assert User(email="grace@example.com", name="").display_name == "grace"
    assert User(email="grace@example.com", name="Grace Hopper").display_name == "Grace Hopper"
    assert str(User(email="grace@example.com", name="Grace Hopper")) == "Grace Hopper"
