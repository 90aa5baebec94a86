"""Writes to accounts. Views call these; they never save users themselves."""

from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import ERASED_NAME, Theme, User, validate_time_zone
from .preferences import BUNDLE_CHOICES, channels_to_store
from .unsubscribe import KINDS


def erased_email(user: User) -> str:
    """The placeholder address of a deleted account (``.invalid`` never receives mail)."""
    return f"deleted-{user.pk}@erased.invalid"


def user_sessions_end(*, user: User) -> int:
    """Delete every session of the user (signed in on other devices too), from the database and
    the cache. Sessions are not indexed by user: each live one is decoded."""
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


@transaction.atomic
def user_erase(*, user: User) -> User:
    """Erase the person from their account: name, e-mail address (and its allauth rows),
    password, preferences, sessions. The row stays for what points at it ("Deleted user")."""
    EmailAddress.objects.filter(user=user).delete()
    user.name = ERASED_NAME
    user.email = erased_email(user)
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.notify_by_email = False
    user.receive_digest = False
    user.last_login = None
    user.erased_at = timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    user_sessions_end(user=user)
    return user


@transaction.atomic
def user_update_profile(*, user: User, name: str) -> User:
    user.name = name
    user.save(update_fields=["name"])
    return user


@transaction.atomic
def user_set_email_preferences(*, user: User, notify_by_email: bool, receive_digest: bool) -> User:
    user.notify_by_email = notify_by_email
    user.receive_digest = receive_digest
    user.save(update_fields=["notify_by_email", "receive_digest"])
    return user


@transaction.atomic
def user_set_time_zone(*, user: User, time_zone: str) -> User:
    """Show this person's dates and times in ``time_zone`` (an IANA name, e.g. Europe/Berlin)."""
    time_zone = (time_zone or "").strip()
    if not time_zone:
        raise ValidationError({"time_zone": "Choose a time zone."})
    validate_time_zone(time_zone)
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
    return user


@transaction.atomic
def user_set_theme(*, user: User, theme: str) -> User:
    """Show this person's pages light, dark, or as their system prefers (``Theme``)."""
    if theme not in Theme.values:
        raise ValidationError({"theme": "Choose light, dark or the system's setting."})
    user.theme = theme
    user.save(update_fields=["theme"])
    return user


@transaction.atomic
def user_set_notification_preferences(
    *, user: User, channels: dict[str, str], bundle_minutes: int
) -> User:
    """Per topic: in-app only, in-app and e-mail, or off; and how long e-mails wait to be
    bundled."""
    if bundle_minutes not in dict(BUNDLE_CHOICES):
        raise ValidationError({"email_bundle_minutes": "Choose one of the offered windows."})
    user.notification_channels = channels_to_store(channels)
    user.email_bundle_minutes = bundle_minutes
    user.save(update_fields=["notification_channels", "email_bundle_minutes"])
    return user


@transaction.atomic
def user_unsubscribe(*, user: User, kind: str) -> User:
    """Switch one kind of e-mail off (see accounts.unsubscribe.KINDS)."""
    field, _ = KINDS[kind]
    setattr(user, field, False)
    user.save(update_fields=[field])
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
