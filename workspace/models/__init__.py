from .audit import SIGN_IN_ACTIONS, AuditAction, AuditLog
from .base import SoftDeleteModel, TenantModel, TimeStampedModel, tenant_manager
from .comments import Comment
from .inbox import EVENT_TOPICS, RECENT_EVENTS_MAX, EventKind, InboxItem, ReminderRun, Watch
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
    "EVENT_TOPICS",
    "INVITATION_TTL",
    "OPEN_STATUSES",
    "RECENT_EVENTS_MAX",
    "SIGN_IN_ACTIONS",
    "AuditAction",
    "AuditLog",
    "Comment",
    "CustomField",
    "EventKind",
    "FieldType",
    "InboxItem",
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
    "ReminderRun",
    "Role",
    "SoftDeleteModel",
    "Task",
    "TaskStatus",
    "TenantModel",
    "TimeStampedModel",
    "Watch",
    "tenant_manager",
]
