from .audit import SIGN_IN_ACTIONS, AuditAction, AuditLog
from .base import SoftDeleteModel, TenantModel, TimeStampedModel, tenant_manager
from .comments import Comment
from .exports import ExportStatus, OrganizationExport
from .notifications import Notification, NotificationKind
from .organizations import (
    INVITATION_TTL,
    ORGANIZATION_RESTORE_WINDOW,
    Invitation,
    Membership,
    Organization,
    OrganizationSlugAlias,
    Plan,
    Role,
)
from .projects import CustomField, FieldType, Project, ProjectStatus
from .tasks import (
    OPEN_STATUSES,
    ROW_VALUES,
    Priority,
    Task,
    TaskStatus,
    version_from_token,
    version_token,
)

__all__ = [
    "INVITATION_TTL",
    "OPEN_STATUSES",
    "ORGANIZATION_RESTORE_WINDOW",
    "ROW_VALUES",
    "SIGN_IN_ACTIONS",
    "AuditAction",
    "AuditLog",
    "Comment",
    "CustomField",
    "ExportStatus",
    "FieldType",
    "Invitation",
    "Membership",
    "Notification",
    "NotificationKind",
    "Organization",
    "OrganizationExport",
    "OrganizationSlugAlias",
    "Plan",
    "Priority",
    "Project",
    "ProjectStatus",
    "Role",
    "SoftDeleteModel",
    "Task",
    "TaskStatus",
    "TenantModel",
    "TimeStampedModel",
    "tenant_manager",
    "version_from_token",
    "version_token",
]
