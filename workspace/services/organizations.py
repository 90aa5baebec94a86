import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from workspace import permissions, signals
from workspace.audit import audit_record
from workspace.integrity import unless_taken, with_fresh_value
from workspace.models import (
    ORGANIZATION_RESTORE_WINDOW,
    AuditAction,
    Membership,
    NotificationKind,
    Organization,
    OrganizationSlugAlias,
    Role,
)
from workspace.services.members import membership_welcome
from workspace.services.notifications import announce_after_commit, notification_queue
from workspace.tenancy import organization_scope
from workspace.timezones import validate_time_zone

RESERVED_SLUGS = frozenset({"new", "admin", "api", "static", "settings"})
SLUG_MIN_LENGTH = 3
SLUG_RULE_MESSAGE = f"Use at least {SLUG_MIN_LENGTH} characters, with at least one letter or digit."
_LETTER_OR_DIGIT = re.compile(r"[A-Za-z0-9]")


def slug_follows_rule(slug: str) -> bool:
    """An address people can tell apart: 3+ characters, at least one of them a letter or digit
    (not "a", not "---")."""
    return len(slug) >= SLUG_MIN_LENGTH and bool(_LETTER_OR_DIGIT.search(slug))


def check_slug(slug: str) -> None:
    if not slug_follows_rule(slug):
        raise ValidationError({"slug": SLUG_RULE_MESSAGE})


def slug_is_taken(slug: str, *, organization: Organization | None = None) -> bool:
    """A slug is taken by another organization's current slug or one of its former slugs."""
    if slug in RESERVED_SLUGS:
        return True
    orgs = Organization.all_objects.filter(slug=slug)  # a deleted one keeps it until purged
    aliases = OrganizationSlugAlias.objects.filter(slug=slug)
    if organization is not None:
        orgs = orgs.exclude(pk=organization.pk)
        aliases = aliases.exclude(organization=organization)
    return orgs.exists() or aliases.exists()


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40].strip("-")
    if not slug_follows_rule(base):
        base = f"{base}-team" if base else "team"
    slug, n = base, 1
    while slug_is_taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


def insert_with_fresh_slug(name: str) -> Organization:
    """An organization of the same name created at the same moment may take the slug first."""
    organization = Organization(name=name, slug=_unique_slug(name))
    with unless_taken(lambda: slug_is_taken(organization.slug)):
        organization.save()
    return organization


@transaction.atomic
def organization_create(*, name: str, owner: User) -> Organization:
    organization = with_fresh_value(
        lambda: insert_with_fresh_slug(name),
        ValidationError({"name": "Organizations with this name are being created: retry."}),
    )
    with organization_scope(organization):
        membership = Membership.objects.create(
            organization=organization, user=owner, role=Role.OWNER, last_visited_at=timezone.now()
        )
    audit_record(
        organization=organization, actor=owner, action=AuditAction.CREATED, target=organization
    )
    audit_record(
        organization=organization,
        actor=owner,
        action=AuditAction.MEMBER_JOINED,
        target=membership,
        changed_fields={"role": [None, Role.OWNER.label]},
    )
    with organization_scope(organization):
        membership_welcome(membership=membership)
    return organization


@transaction.atomic
def organization_rename(*, organization: Organization, actor: Membership, name: str) -> None:
    if not permissions.can_rename_organization(actor):
        raise PermissionDenied("Only admins and owners can rename the organization.")
    if name == organization.name:
        return
    old = organization.name
    organization.name = name
    organization.save(update_fields=["name", "updated_at"])
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditAction.UPDATED,
        target=organization,
        changed_fields={"name": [old, name]},
    )


@transaction.atomic
def organization_change_slug(*, organization: Organization, actor: Membership, slug: str) -> None:
    """Change the URL slug. The old slug stays reserved and redirects members to the new one."""
    if not permissions.can_change_slug(actor):
        raise PermissionDenied("Only owners can change the organization's address.")
    if slug == organization.slug:
        return
    check_slug(slug)
    taken = ValidationError({"slug": "This address is already taken."})
    if slug_is_taken(slug, organization=organization):
        raise taken
    old = organization.slug
    try:
        with unless_taken(lambda: slug_is_taken(slug, organization=organization), taken):
            OrganizationSlugAlias.objects.filter(organization=organization, slug=slug).delete()
            OrganizationSlugAlias.objects.create(organization=organization, slug=old)
            organization.slug = slug
            organization.save(update_fields=["slug", "updated_at"])
    except ValidationError:
        organization.slug = old  # the page shown next still links to the current address
        raise
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditAction.UPDATED,
        target=organization,
        changed_fields={"slug": [old, slug]},
    )


@transaction.atomic
def organization_set_time_zone(
    *, organization: Organization, actor: Membership, time_zone: str
) -> None:
    """Where the organization's days and weeks begin (insights, digests). Admins only."""
    if not permissions.can_rename_organization(actor):
        raise PermissionDenied("Only admins and owners can change the time zone.")
    validate_time_zone(time_zone)
    if time_zone == organization.time_zone:
        return
    old = organization.time_zone
    organization.time_zone = time_zone
    organization.save(update_fields=["time_zone", "updated_at"])
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditAction.UPDATED,
        target=organization,
        changed_fields={"time_zone": [old, time_zone]},
    )


def membership_touch(*, membership: Membership) -> None:
    """Remember when the member last opened this organization (for "last used")."""
    membership.last_visited_at = timezone.now()
    Membership.objects.filter(pk=membership.pk).update(last_visited_at=membership.last_visited_at)


def _lock(organization: Organization) -> Organization:
    """Lock the organization's row and read its deletion state again under the lock."""
    current = Organization.all_objects.select_for_update().get(pk=organization.pk)
    organization.deleted_at, organization.deleted_by_id = current.deleted_at, current.deleted_by_id
    return organization


@transaction.atomic
def organization_delete(
    *, organization: Organization, actor: Membership, confirmation: str
) -> None:
    """Hide the organization at once (every page of it answers 404, except its owners'
    restore page); the daily job purges it with every row it owns once
    ``ORGANIZATION_RESTORE_WINDOW`` has passed. Every member is told by e-mail.

    ``confirmation``: the organization's name, typed by the owner."""
    if not permissions.can_delete_organization(actor):
        raise PermissionDenied("Only owners can delete the organization.")
    if " ".join((confirmation or "").split()) != organization.name:
        raise ValidationError(
            {"confirmation": f"Type the organization's name exactly as shown: {organization.name}"}
        )
    if _lock(organization).deleted_at is not None:
        return
    organization.deleted_at = timezone.now()
    organization.deleted_by = actor.user
    organization.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit_record(
        organization=organization, actor=actor, action=AuditAction.DELETED, target=organization
    )
    stamp = organization.deleted_at.isoformat()
    notifications = [
        notification_queue(
            organization=organization,
            kind=NotificationKind.ORGANIZATION_DELETED,
            recipient=membership.user,
            recipient_email=membership.user.email,
            subject_id=organization.pk,
            dedupe_key=f"organization_deleted:{organization.pk}:{stamp}:{membership.user_id}",
            payload={
                "deleted_by": actor.user.display_name,
                "is_owner": membership.is_owner,
            },
        )
        for membership in Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("pk")
        if membership.user.is_active
    ]
    announce_after_commit(
        signals.organization_deleted, organization=organization, notifications=notifications
    )


@transaction.atomic
def organization_restore(*, organization: Organization, actor: Membership) -> None:
    """Bring a deleted organization back, as it was, within the restore window."""
    if not permissions.can_delete_organization(actor):
        raise PermissionDenied("Only owners can restore the organization.")
    if _lock(organization).deleted_at is None:
        return
    if timezone.now() > organization.restorable_until:
        raise ValidationError(
            f"{organization.name} was deleted more than {ORGANIZATION_RESTORE_WINDOW.days} days "
            "ago and can no longer be restored."
        )
    organization.deleted_at = None
    organization.deleted_by = None
    organization.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit_record(
        organization=organization, actor=actor, action=AuditAction.RESTORED, target=organization
    )
