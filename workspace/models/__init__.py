from .base import SoftDeleteModel, TenantModel, TimeStampedModel, tenant_manager
from .organizations import (
    INVITATION_TTL,
    Invitation,
    Membership,
    Organization,
    OrganizationSlugAlias,
    Plan,
    Role,
)

__all__ = [
    "INVITATION_TTL",
    "Invitation",
    "Membership",
    "Organization",
    "OrganizationSlugAlias",
    "Plan",
    "Role",
    "SoftDeleteModel",
    "TenantModel",
    "TimeStampedModel",
    "tenant_manager",
]
