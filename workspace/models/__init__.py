from .audit import SIGN_IN_ACTIONS, AuditAction, AuditLog
from .base import SoftDeleteModel, TenantModel, TimeStampedModel, tenant_manager
from .comments import Comment
from .exports import ExportStatus, OrganizationExport
from .inbox import EVENT_TOPICS, RECENT_EVENTS_MAX, EventKind, InboxItem, ReminderRun, Watch
from .insights import InsightCell, InsightKind, InsightTaskState
from .labels import (
    CHECKLIST_MAX_ITEMS,
    CHECKLIST_TEXT_MAX,
    LABEL_NAME_MAX,
    ChecklistItem,
    Label,
    LabelColour,
    TaskLabel,
)
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
from .recurrence import Recurrence, RecurrenceTrigger
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
    "CHECKLIST_MAX_ITEMS",
    "CHECKLIST_TEXT_MAX",
    "EVENT_TOPICS",
    "INVITATION_TTL",
    "LABEL_NAME_MAX",
    "OPEN_STATUSES",
    "ORGANIZATION_RESTORE_WINDOW",
    "RECENT_EVENTS_MAX",
    "ROW_VALUES",
    "SIGN_IN_ACTIONS",
    "AuditAction",
    "AuditLog",
    "ChecklistItem",
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
    "Label",
    "LabelColour",
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
    "Recurrence",
    "RecurrenceTrigger",
    "ReminderRun",
    "Role",
    "SoftDeleteModel",
    "Task",
    "TaskLabel",
    "TaskStatus",
    "TenantModel",
    "TimeStampedModel",
    "Watch",
    "tenant_manager",
    "version_from_token",
    "version_token",
]
