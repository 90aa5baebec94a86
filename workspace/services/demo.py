"""Demo data for `make run`: a signed-in-able user in an organization with a few teammates."""

from django.db import transaction

from accounts.models import User
from accounts.services import user_ensure_verified
from workspace.models import Membership, Organization, Role
from workspace.services.organizations import organization_create
from workspace.tenancy import organization_scope

DEMO_EMAIL = "demo@tandem.localhost"
DEMO_PASSWORD = "tandem-demo-password"  # noqa: S105 - printed for local development on purpose
DEMO_TEAM = [
    ("Ada Lovelace", "ada@tandem.localhost", Role.ADMIN),
    ("Grace Hopper", "grace@tandem.localhost", Role.MEMBER),
    ("Alan Turing", "alan@tandem.localhost", Role.MEMBER),
]


@transaction.atomic
def demo_ensure(
    *, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD
) -> tuple[User, Organization]:
    """Idempotent: running it again resets the demo password and keeps everything else."""
    user = user_ensure_verified(email=email, name="Demo User", password=password)
    organization = Organization.objects.filter(slug="demo").first()
    if organization is None:
        organization = organization_create(name="Demo", owner=user)
    with organization_scope(organization):
        Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"role": Role.OWNER}
        )
        for name, mate_email, role in DEMO_TEAM:
            mate = User.objects.filter(email=mate_email).first() or user_ensure_verified(
                email=mate_email, name=name, password=password
            )
            Membership.objects.get_or_create(
                organization=organization, user=mate, defaults={"role": role}
            )
    return user, organization
