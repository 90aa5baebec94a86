"""Writes to accounts. Views call these; they never save users themselves."""

from allauth.account.models import EmailAddress
from django.db import transaction

from .models import User


@transaction.atomic
def user_update_profile(*, user: User, name: str) -> User:
    user.name = name
    user.save(update_fields=["name"])
    return user


@transaction.atomic
def user_ensure_verified(*, email: str, name: str, password: str) -> User:
    """Create (or reset) a user whose e-mail address is already verified. Used for demo data."""
    user = User.objects.filter(email__iexact=email).first() or User(email=email)
    user.name = name
    user.set_password(password)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user
