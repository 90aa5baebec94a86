from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .base import tenant_manager


class AuditAction(models.TextChoices):
    CREATED = "created", "created"
    UPDATED = "updated", "updated"
    DELETED = "deleted", "deleted"
    RESTORED = "restored", "restored"
    ARCHIVED = "archived", "archived"
    UNARCHIVED = "unarchived", "unarchived"
    PURGED = "purged", "purged"
    BULK_UPDATED = "bulk_updated", "changed several tasks"
    BULK_UNDONE = "bulk_undone", "undid a bulk change"
    MEMBER_INVITED = "member_invited", "invited a member"
    INVITATION_RESENT = "invitation_resent", "re-sent an invitation"
    INVITATION_REVOKED = "invitation_revoked", "revoked an invitation"
    MEMBER_JOINED = "member_joined", "joined"
    ROLE_CHANGED = "role_changed", "changed a role"
    MEMBER_REMOVED = "member_removed", "removed a member"
    MEMBER_LEFT = "member_left", "left"
    LOGIN = "login", "signed in"
    LOGIN_FAILED = "login_failed", "failed to sign in"
    LOGOUT = "logout", "signed out"


SIGN_IN_ACTIONS = (AuditAction.LOGIN, AuditAction.LOGIN_FAILED, AuditAction.LOGOUT)


# What redaction may change: the personal data and long texts an entry carries, never what
# happened, when, or to which object.
REDACTABLE_FIELDS = frozenset({"object_repr", "changed_fields", "ip_address", "user_agent"})


class AppendOnlyQuerySet(models.QuerySet):
    """Entries are never updated or deleted, with two named exceptions that erasure needs:
    ``redact`` (personal data and long texts, for a deleted account and after the purge
    window) and ``erase`` (a deleted account's sign-in history)."""

    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")

    def redact(self, **fields) -> int:
        unknown = set(fields) - REDACTABLE_FIELDS
        if unknown:
            raise PermissionError(
                f"Audit entries keep {sorted(unknown)}: only redact personal data."
            )
        return super().update(**fields)

    def erase(self) -> int:
        """Delete sign-in entries (they belong to no organization) of a deleted account."""
        if self.exclude(organization__isnull=True).exists():
            raise PermissionError("Only sign-in entries are erased; an organization's log stays.")
        return super().delete()[0]


class AuditLog(models.Model):
    """Who did what to which object, when and from where. Append-only: rows are inserted by the
    services in the same transaction as the change they record, and never updated or deleted."""

    organization = models.ForeignKey(
        "workspace.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_entries",
        help_text="Empty only for events that belong to no organization (sign-ins).",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for system jobs and unknown visitors.",
    )
    action = models.CharField(max_length=24, choices=AuditAction.choices)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    # How the object was called at the time ("#42 Fix sign-in", "Ada Lovelace", an e-mail).
    object_repr = models.CharField(max_length=200, blank=True)
    changed_fields = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = tenant_manager(AppendOnlyQuerySet)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="audit_org_created"),
            models.Index(fields=["content_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_created"),
        ]

    def __str__(self) -> str:
        return f"{self.actor or 'system'} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")

    @property
    def object_type(self) -> str:
        return self.content_type.model if self.content_type_id else ""
