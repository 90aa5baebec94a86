import functools
import zoneinfo
from datetime import UTC, tzinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from .preferences import BUNDLE_CHOICES, DEFAULT_BUNDLE_MINUTES, channel_for

ERASED_NAME = "Deleted user"


class Theme(models.TextChoices):
    """How pages look: the system's setting (prefers-color-scheme), or always light or dark."""

    SYSTEM = "system", "Follow the system"
    LIGHT = "light", "Light"
    DARK = "dark", "Dark"


@functools.cache
def time_zone_names() -> frozenset[str]:
    """Every IANA time zone this machine knows (read once: listing them scans the tz database)."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value and value not in time_zone_names():
        raise ValidationError("Choose a time zone from the list, e.g. Europe/Berlin.")


@functools.cache
def zone(name: str) -> tzinfo:
    """The time zone called ``name``, or UTC for an empty or unknown name."""
    if name and name in time_zone_names():
        return zoneinfo.ZoneInfo(name)
    return UTC


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str) -> "User":
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Signs in with their e-mail address; has no username."""

    email = models.EmailField("e-mail address", unique=True)
    name = models.CharField("display name", max_length=150, blank=True)
    is_staff = models.BooleanField(default=False, help_text="Can sign in to the Django admin site.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    notify_by_email = models.BooleanField(
        "e-mail me about my tasks",
        default=True,
        help_text="The news you set to e-mail under Notifications (assignments, mentions, "
        "completions...). Off: no such e-mails; your inbox still has everything.",
    )
    receive_digest = models.BooleanField(
        "weekly digest",
        default=True,
        help_text="Monday summary of each organization you administer.",
    )
    # The person deleted their account: the row stays (what they wrote still points at it) with
    # every personal detail erased, named "Deleted user".
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Empty until the person chooses (pages offer the browser's zone then); shown as UTC.
    time_zone = models.CharField(
        "time zone", max_length=64, blank=True, validators=[validate_time_zone]
    )
    email_bundle_minutes = models.PositiveSmallIntegerField(
        "bundle e-mails",
        choices=BUNDLE_CHOICES,
        default=DEFAULT_BUNDLE_MINUTES,
        help_text="Events within this window go out as one e-mail; what you read in the inbox "
        "meanwhile is left out.",
    )
    theme = models.CharField(
        "theme",
        max_length=6,
        choices=Theme.choices,
        default=Theme.SYSTEM,
        help_text="Light or dark pages; by default they follow your system's setting.",
    )
    # Per topic (accounts.preferences.Topic): only the choices that differ from the defaults.
    notification_channels = models.JSONField("notification channels", default=dict, blank=True)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name people see: the display name, or the e-mail's local part before one is set.
        (A deleted account is named ``ERASED_NAME``: see accounts.services.user_erase.)"""
        return self.name_for(self.name, self.email)

    @staticmethod
    def name_for(name: str, email: str) -> str:
        """``display_name`` from the two columns (for reads that skip the model)."""
        return name or email.split("@", 1)[0]

    @property
    def initials(self) -> str:
        """One or two letters for an avatar: "Ada Lovelace" -> "AL", "ada@x" -> "A"."""
        words = [word for word in self.display_name.replace(".", " ").split() if word[:1].isalnum()]
        if not words:
            return "?"
        letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
        return letters.upper()

    @property
    def tzinfo(self) -> tzinfo:
        """Where this person's dates and times are shown (UTC until they choose)."""
        return zone(self.time_zone)

    def channel(self, topic: str) -> str:
        """How this person hears about ``topic`` (accounts.preferences.Channel)."""
        return channel_for(self.notification_channels, topic)
