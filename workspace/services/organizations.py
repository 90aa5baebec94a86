import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from workspace import permissions
from workspace.audit import audit_record
from workspace.integrity import unless_taken, with_fresh_value
from workspace.models import AuditAction, Membership, Organization, OrganizationSlugAlias, Role
from workspace.services.members import membership_welcome
from workspace.tenancy import organization_scope

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
    orgs = Organization.objects.filter(slug=slug)
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


def _insert_with_fresh_slug(name: str) -> Organization:
    """An organization of the same name created at the same moment may take the slug first."""
    organization = Organization(name=name, slug=_unique_slug(name))
    with unless_taken(lambda: slug_is_taken(organization.slug)):
        organization.save()
    return organization


@transaction.atomic
def organization_create(*, name: str, owner: User) -> Organization:
    organization = with_fresh_value(
        lambda: _insert_with_fresh_slug(name),
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


def membership_touch(*, membership: Membership) -> None:
    """Remember when the member last opened this organization (for "last used")."""
    membership.last_visited_at = timezone.now()
    Membership.objects.filter(pk=membership.pk).update(last_visited_at=membership.last_visited_at)
