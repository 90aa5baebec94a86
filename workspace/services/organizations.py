from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from workspace import permissions
from workspace.audit import audit_record
from workspace.models import AuditAction, Membership, Organization, OrganizationSlugAlias, Role
from workspace.services.members import membership_welcome
from workspace.tenancy import organization_scope
from workspace.timezones import validate_time_zone

RESERVED_SLUGS = frozenset({"new", "admin", "api", "static", "settings"})


def slug_is_taken(slug: str, *, organization: Organization | None = None) -> bool:
    """A slug is taken by another organization's current slug or one of its former slugs."""
    if slug in RESERVED_SLUGS:
        return True
    orgs = Organization.objects.filter(slug=slug)
    aliases = OrganizationSlugAlias.objects.filter(slug=slug)
    if organization is not None:
        orgs = orgs.exclude(pk=organization.pk)
        aliases = aliases.exclude(organization=organization)
    return orgs.exists() or aliases.exists()


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40].strip("-") or "team"
    slug, n = base, 1
    while slug_is_taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organization_create(*, name: str, owner: User) -> Organization:
    organization = Organization.objects.create(name=name, slug=_unique_slug(name))
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
    if slug_is_taken(slug, organization=organization):
        raise ValidationError({"slug": "This address is already taken."})
    OrganizationSlugAlias.objects.filter(organization=organization, slug=slug).delete()
    OrganizationSlugAlias.objects.create(organization=organization, slug=organization.slug)
    old = organization.slug
    organization.slug = slug
    organization.save(update_fields=["slug", "updated_at"])
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
