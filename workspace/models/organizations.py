import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from workspace.timezones import DEFAULT_TIME_ZONE, validate_time_zone, zone

from .base import SoftDeleteModel, TenantModel, TimeStampedModel, tenant_manager

INVITATION_TTL = timedelta(days=7)
# A deleted organization is hidden at once, restorable by its owners this long, then purged.
ORGANIZATION_RESTORE_WINDOW = timedelta(days=30)


class Plan(models.TextChoices):
    FREE = "free", "Free"
    PRO = "pro", "Pro"


class Role(models.TextChoices):
    """Roles in ascending order of power."""

    MEMBER = "member", "Member"
    ADMIN = "admin", "Admin"
    OWNER = "owner", "Owner"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class OrganizationQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class AliveOrganizationManager(models.Manager.from_queryset(OrganizationQuerySet)):
    def get_queryset(self):
        return super().get_queryset().alive()


class Organization(TimeStampedModel, SoftDeleteModel):
    """A tenant: a team's workspace. Everything it owns is scoped to it.

    A deleted organization (``deleted_at``) is hidden everywhere (``objects`` leaves it out)
    except on its owners' restore page, until the daily job purges it with every row it owns;
    ``all_objects`` reaches it. Its slug stays reserved until then."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True)
    plan = models.CharField(max_length=10, choices=Plan.choices, default=Plan.FREE)
    # The last task number handed out; incremented in the task's own transaction (gap-free).
    task_counter = models.PositiveIntegerField(default=0, editable=False)
    # Billing: the plan follows the Stripe subscription of this customer (see tasks.billing).
    stripe_customer_id = models.CharField(max_length=64, blank=True, db_index=True)
    billing_status = models.CharField(max_length=32, blank=True)
    billing_synced_at = models.DateTimeField(null=True, blank=True)
    # Where the organization's days and weeks begin (insights, due dates, digests).
    time_zone = models.CharField(
        max_length=64, default=DEFAULT_TIME_ZONE, validators=[validate_time_zone]
    )

    objects = AliveOrganizationManager()
    all_objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        base_manager_name = "all_objects"

    def __str__(self) -> str:
        return self.name

    @property
    def restorable_until(self):
        return self.deleted_at + ORGANIZATION_RESTORE_WINDOW if self.deleted_at else None

    @property
    def tzinfo(self):
        return zone(self.time_zone)

    def get_absolute_url(self) -> str:
        return reverse("web:org-home", kwargs={"org_slug": self.slug})


class OrganizationSlugAlias(TimeStampedModel):
    """A slug an organization used before; old links redirect members to the current slug."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="slug_aliases"
    )
    slug = models.SlugField(max_length=50, unique=True)

    def __str__(self) -> str:
        return self.slug


class MembershipQuerySet(models.QuerySet):
    def owners(self):
        return self.filter(role=Role.OWNER)


class Membership(TenantModel, TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    last_visited_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager(MembershipQuerySet)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user"),
        ]
        indexes = [models.Index(fields=["user", "-last_visited_at"], name="membership_user_recent")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization_id} as {self.role}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def has_role(self, required: Role) -> bool:
        return self.role_enum.rank >= Role(required).rank

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _default_expiry():
    return timezone.now() + INVITATION_TTL


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Neither accepted nor revoked (possibly expired)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def pending(self):
        """Open and not yet expired: the ones an admin can still act on."""
        return self.open().filter(expires_at__gt=timezone.now())


class Invitation(TenantModel, TimeStampedModel):
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    expires_at = models.DateTimeField(default=_default_expiry)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager(InvitationQuerySet)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one open invitation per address and organization.
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "pending"

    def get_absolute_url(self) -> str:
        return reverse("web:invitation", kwargs={"token": self.token})
