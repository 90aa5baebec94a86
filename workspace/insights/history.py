"""A task's status and liveness over time, read back from the audit log.

The log records a status change as ``{"status": [old, new]}`` in the labels people read
("In progress"), a deletion or restore as its own action, and a project's deletion or restore
(which deletes or brings back its tasks without an entry per task) on the project. Starting from
the task as it is now and undoing each change recorded after an instant gives its state at that
instant: no entry before the oldest instant asked about is needed.
"""

from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.fields.json import KT

from workspace.models import AuditAction, AuditLog, Organization, Project, Task, TaskStatus

# Later than any instant: "now", whatever was recorded last.
END = datetime.max.replace(tzinfo=UTC)


def _normalized(text) -> str:
    return " ".join(str(text).replace("_", " ").replace("-", " ").split()).casefold()


# Labels as recorded, raw values, and the spellings older entries or imports may carry.
_STATUS_BY_TEXT = {
    **{_normalized(value): value for value in TaskStatus.values},
    **{_normalized(label): value for value, label in TaskStatus.choices},
    "todo": TaskStatus.TODO,
    "open": TaskStatus.TODO,
    "started": TaskStatus.IN_PROGRESS,
    "doing": TaskStatus.IN_PROGRESS,
    "completed": TaskStatus.DONE,
    "closed": TaskStatus.DONE,
    "canceled": TaskStatus.CANCELLED,
}


def status_value(text) -> str | None:
    """The status a recorded value means (``"In progress"`` -> ``"in_progress"``), or None for
    a value that names no status."""
    if text is None:
        return None
    return _STATUS_BY_TEXT.get(_normalized(text))


@dataclass(slots=True)
class Facts:
    """A task as its row says now."""

    pk: int
    number: int
    project: int
    assignee: int | None
    priority: int
    status: str
    alive: bool
    own_alive: bool  # not deleted on its own (it may be gone with its project)
    project_alive: bool
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    due_date: date | None

    # Read through ``facts_of`` (booleans instead of deletion times: fewer values to decode).
    FIELDS = (
        "pk",
        "number",
        "project_id",
        "assignee_id",
        "priority",
        "status",
        "is_deleted",
        "with_project",
        "project_deleted",
        "created_at",
        "started_at",
        "completed_at",
        "due_date",
    )

    @classmethod
    def from_row(cls, row: dict) -> "Facts":
        if not row["is_deleted"]:
            own_alive = project_alive = True
        elif row["project_deleted"] and row["with_project"]:
            own_alive, project_alive = True, False  # deleted with its project
        else:
            own_alive, project_alive = False, not row["project_deleted"]
        return cls(
            pk=row["pk"],
            number=row["number"],
            project=row["project_id"],
            assignee=row["assignee_id"],
            priority=row["priority"],
            status=row["status"],
            alive=not row["is_deleted"],
            own_alive=own_alive,
            project_alive=project_alive,
            created_at=row["created_at"],
            started_at=row["started_at"],
            completed_at=row["completed_at"],
            due_date=row["due_date"],
        )

    # The same read with the deletion times themselves (a few rows: no annotations to compile).
    PLAIN_FIELDS = (
        "pk",
        "number",
        "project_id",
        "assignee_id",
        "priority",
        "status",
        "deleted_at",
        "project__deleted_at",
        "created_at",
        "started_at",
        "completed_at",
        "due_date",
    )

    @classmethod
    def from_plain(cls, row) -> "Facts":
        pk, number, project, assignee, priority, status, deleted_at, gone_at, *rest = row
        created_at, started_at, completed_at, due_date = rest
        return cls.from_row(
            {
                "pk": pk,
                "number": number,
                "project_id": project,
                "assignee_id": assignee,
                "priority": priority,
                "status": status,
                "is_deleted": deleted_at is not None,
                "with_project": deleted_at is not None and deleted_at == gone_at,
                "project_deleted": gone_at is not None,
                "created_at": created_at,
                "started_at": started_at,
                "completed_at": completed_at,
                "due_date": due_date,
            }
        )

    @property
    def combo(self) -> tuple[int, int | None, int]:
        return (self.project, self.assignee, self.priority)


def facts_of(queryset: QuerySet[Task]) -> QuerySet[Task]:
    """``queryset`` with what ``Facts.FIELDS`` names."""
    return queryset.annotate(
        is_deleted=ExpressionWrapper(Q(deleted_at__isnull=False), BooleanField()),
        with_project=ExpressionWrapper(Q(deleted_at=F("project__deleted_at")), BooleanField()),
        project_deleted=ExpressionWrapper(Q(project__deleted_at__isnull=False), BooleanField()),
    )


def task_rows(queryset: QuerySet[Task]) -> list[Facts]:
    return [Facts.from_row(row) for row in facts_of(queryset).values(*Facts.FIELDS)]


# Event kinds. An event is (at, kind, old, new).
STATUS = "status"  # old and new statuses (values, or None when the log's value names none)
OWN = "own"  # the task was deleted (new=False) or restored (new=True)
PROJECT = "project"  # its project was deleted (new=False) or restored (new=True)
MOVED = "moved"  # it moved into its current project (its earlier project's events do not apply)


def entries_query(organization: Organization) -> QuerySet[AuditLog]:
    """The organization's audit entries with their status change's two values and whether they
    moved a task between projects, as ENTRY_FIELDS reads them, in order."""
    return (
        AuditLog.objects.filter(organization=organization)
        .annotate(
            old=KT("changed_fields__status__0"),
            new=KT("changed_fields__status__1"),
            moved=ExpressionWrapper(Q(changed_fields__has_key="project"), BooleanField()),
        )
        .order_by("created_at", "pk")
    )


ENTRY_FIELDS = ("pk", "content_type_id", "object_id", "action", "created_at", "old", "new", "moved")


def task_history_filter(task_type: ContentType) -> Q:
    """The entries that change a task's status, liveness or project."""
    return Q(content_type=task_type) & (
        Q(action__in=[AuditAction.DELETED, AuditAction.RESTORED])
        | Q(action=AuditAction.UPDATED, changed_fields__has_key="status")
        | Q(action=AuditAction.UPDATED, changed_fields__has_key="project")
    )


def project_history_filter(project_type: ContentType) -> Q:
    return Q(content_type=project_type, action__in=[AuditAction.DELETED, AuditAction.RESTORED])


def history_entries(organization: Organization, *, since: datetime, tasks=None) -> list[tuple]:
    """The history entries recorded at or after ``since``: of the tasks (every task, or those
    whose ids ``tasks`` gives, a list or a subquery) and of the projects' deletions."""
    task_type = ContentType.objects.get_for_model(Task)
    project_type = ContentType.objects.get_for_model(Project)
    of_tasks = task_history_filter(task_type)
    if tasks is not None:
        of_tasks &= Q(object_id__in=tasks)
    return list(
        entries_query(organization)
        .filter(created_at__gte=since)
        .filter(of_tasks | project_history_filter(project_type))
        .values_list(*ENTRY_FIELDS)
    )


@dataclass(slots=True)
class Histories:
    """Events per task and per project, in the order they happened."""

    tasks: dict[int, list[tuple]]
    projects: dict[int, list[tuple]]

    def of(self, facts: Facts) -> list[tuple]:
        """The task's own events merged with its current project's, in order."""
        own = self.tasks.get(facts.pk, [])
        project = self.projects.get(facts.project)
        if not project:
            return own
        return sorted([*own, *project], key=lambda event: event[0])


def histories(entries, *, task_type_id: int, project_type_id: int) -> Histories:
    tasks: dict[int, list[tuple]] = {}
    projects: dict[int, list[tuple]] = {}
    for _pk, type_id, object_id, action, at, old, new, moved in entries:
        if type_id == project_type_id:
            projects.setdefault(object_id, []).append(
                (at, PROJECT, None, action == AuditAction.RESTORED)
            )
            continue
        if type_id != task_type_id:
            continue
        events = tasks.setdefault(object_id, [])
        if action == AuditAction.DELETED:
            events.append((at, OWN, None, False))
        elif action == AuditAction.RESTORED:
            events.append((at, OWN, None, True))
        else:
            if old is not None or new is not None:
                events.append((at, STATUS, status_value(old), status_value(new)))
            if moved:
                events.append((at, MOVED, None, None))
    return Histories(tasks=tasks, projects=projects)


def segments(facts: Facts, events: list[tuple], since: datetime) -> list[tuple]:
    """The task's ``(start, alive, status)`` over time: each holds after ``start`` up to and
    including the next one's start (a change recorded at an instant counts after it). The first
    starts at the task's creation, or at ``since`` (the oldest instant of interest: ``events``
    are those recorded from then on, in order)."""
    status, own, project = facts.status, facts.own_alive, facts.project_alive
    in_project = True
    points = []
    for at, kind, old, new in reversed(events):
        if at < since or at < facts.created_at:
            break
        points.append((at, own and project, status))
        if kind == STATUS:
            status = old or status
        elif kind == OWN:
            own = not new
        elif kind == PROJECT:
            if in_project:
                project = not new
        else:  # MOVED: earlier, it was in another project (whose events are not recorded here)
            in_project, project = False, True
    points.append((max(facts.created_at, since), own and project, status))
    points.reverse()
    return points


def state_at(points: list[tuple], moment: datetime) -> tuple[bool, str] | None:
    """``(alive, status)`` at ``moment`` (after the changes recorded before it), or None when the
    task did not exist yet."""
    # The last start before ``moment``: a change recorded exactly at it counts after it.
    index = bisect_left([point[0] for point in points], moment) - 1
    if index < 0:
        return None
    _start, alive, status = points[index]
    return alive, status
