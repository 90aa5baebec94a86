from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


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
        help_text="When a task you created or are assigned to is completed, and similar news.",
    )
    receive_digest = models.BooleanField(
        "weekly digest",
        default=True,
        help_text="Monday summary of each organization you administer.",
    )

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
        """The name people see: the display name, or the e-mail's local part before one is set."""
        return self.name_for(self.name, self.email)

    @staticmethod
    def name_for(name: str, email: str) -> str:
        """``display_name`` from the two columns (for reads that skip the model)."""
        return name or email.split("@", 1)[0]
