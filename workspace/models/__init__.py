from .audit import SIGN_IN_ACTIONS, AuditAction, AuditLog
from .base import SoftDeleteModel, TenantModel, TimeStampedModel, tenant_manager
from .comments import Comment
from .insights import InsightCell, InsightKind, InsightTaskState
from .notifications import Notification, NotificationKind
from .organizations import (
    INVITATION_TTL,
    Invitation,
    Membership,
    Organization,
    OrganizationSlugAlias,
    Plan,
    Role,
)
from .projects import CustomField, FieldType, Project, ProjectStatus
from .tasks import OPEN_STATUSES, Priority, Task, TaskStatus

__all__ = [
    "INVITATION_TTL",
    "OPEN_STATUSES",
    "SIGN_IN_ACTIONS",
    "AuditAction",
    "AuditLog",
    "Comment",
    "CustomField",
    "FieldType",
    "InsightCell",
    "InsightKind",
    "InsightTaskState",
    "Invitation",
    "Membership",
    "Notification",
    "NotificationKind",
    "Organization",
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
]
