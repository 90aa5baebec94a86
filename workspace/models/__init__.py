from .audit import SIGN_IN_ACTIONS, AuditAction, AuditLog
from .base import SoftDeleteModel, TenantModel, TimeStampedModel, tenant_manager
from .bulk import BulkEdit, BulkField, BulkState
from .comments import Comment
from .exports import ExportStatus, OrganizationExport
from .inbox import EVENT_TOPICS, RECENT_EVENTS_MAX, EventKind, InboxItem, ReminderRun, Watch
from .insights import InsightCell, InsightKind, InsightTaskState
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
    "EVENT_TOPICS",
    "INVITATION_TTL",
    "OPEN_STATUSES",
    "ORGANIZATION_RESTORE_WINDOW",
    "RECENT_EVENTS_MAX",
    "ROW_VALUES",
    "SIGN_IN_ACTIONS",
    "AuditAction",
    "AuditLog",
    "BulkEdit",
    "BulkField",
    "BulkState",
    "Comment",
    "CustomField",
    "EventKind",
    "ExportStatus",
    "FieldType",
    "InboxItem",
    "InsightCell",
    "InsightKind",
    "InsightTaskState",
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
    "ReminderRun",
    "Role",
    "SoftDeleteModel",
    "Task",
    "TaskStatus",
    "TenantModel",
    "TimeStampedModel",
    "Watch",
    "tenant_manager",
    "version_from_token",
    "version_token",
]
