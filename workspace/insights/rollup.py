"""Counting an organization's tasks week by week.

``compute`` turns tasks (as their rows are now) and their recorded history into a ``Rollup``:
per week and (project, assignee, priority), the tasks in each status at the week's end, the
tasks created and completed during it and the cycle times of those completed; and the open work
right now. The snapshot job stores it (``workspace.services.insights``); the insights page reads
it back, or computes it on the spot for an organization that has no snapshot yet.

Definitions (the page's explanations say the same):

- A task counts under its project, assignee and priority as they are now.
- Cumulative flow: the tasks that existed and were not deleted at the end of each week (now,
  for the week still running), by their status then.
- Created, completed and cycle time count tasks that are not deleted now. A task counts as
  completed in the week of its latest move to Done, if it is done now; its cycle time runs from
  its first move to In progress to that last move to Done. Tasks that never were in progress
  have no cycle time.
- Open work: tasks to do or in progress now; overdue: due before today.
"""

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from django.db.models import Q

from workspace.models import InsightKind, TaskStatus
from workspace.timezones import zone

from .history import END, Facts, Histories, segments
from .weeks import day_start, local_date, recent_weeks, week_end, week_of

VERSION = 1  # bump when what a snapshot holds changes: older snapshots are then ignored
HISTORY_WEEKS = 26  # the longest period the page offers, the current week included
DUE_DAYS = 8  # days after the snapshot's day whose due tasks it keeps apart (see OPEN rows)
STATUSES = (TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED)
STATUS_INDEX = {status: index for index, status in enumerate(STATUSES)}
OPEN_STATUSES = (TaskStatus.TODO, TaskStatus.IN_PROGRESS)


@dataclass(frozen=True)
class Scope:
    """Which tasks a report counts: those of one project (or all), of one assignee (``None``:
    the unassigned ones) when ``by_assignee``, and of some priorities (or all)."""

    project: int | None = None
    by_assignee: bool = False
    assignee: int | None = None
    priorities: frozenset[int] | None = None

    def matches(self, project: int, assignee: int | None, priority: int) -> bool:
        return (
            (self.project is None or project == self.project)
            and (not self.by_assignee or assignee == self.assignee)
            and (self.priorities is None or priority in self.priorities)
        )

    def task_q(self, prefix: str = "") -> Q:
        """The same condition on tasks (``prefix`` reaches them through a relation)."""
        q = Q()
        if self.project is not None:
            q &= Q(**{f"{prefix}project_id": self.project})
        if self.by_assignee:
            q &= Q(**{f"{prefix}assignee_id": self.assignee})
        if self.priorities is not None:
            q &= Q(**{f"{prefix}priority__in": sorted(self.priorities)})
        return q

    def cell_q(self) -> Q:
        """The same condition on snapshot rows (of the project, or of all projects together)."""
        q = Q(project_ref=self.project) if self.project is not None else Q(project_ref__isnull=True)
        if self.by_assignee:
            q &= Q(assignee_ref=self.assignee)
        if self.priorities is not None:
            q &= Q(priority__in=sorted(self.priorities))
        return q

    @property
    def week_kind(self) -> int:
        return InsightKind.WEEK_BY_ASSIGNEE if self.by_assignee else InsightKind.WEEK


# A snapshot row, as stored and as computed: the fields the page reads, in this order.
CELL_FIELDS = (
    "kind",
    "week",
    "project_ref",
    "assignee_ref",
    "priority",
    "todo",
    "in_progress",
    "done",
    "cancelled",
    "created",
    "completed",
    "cycle",
    "overdue",
    "due",
)


_NOT_OPEN = (0, None)  # a week row's overdue and due


def encode_cycle(values) -> str:
    return ",".join(map(str, values or ()))


def decode_cycle(value) -> list[int]:
    """A row's cycle times: a list (computed) or its text (stored)."""
    if not value:
        return []
    if isinstance(value, str):
        return [int(n) for n in value.split(",")]
    return list(value)


def encode_due(due) -> str:
    return ";".join(f"{day}:{n}" for day, n in sorted((due or {}).items()))


def due_before(value, day: str) -> int:
    """How many of a row's tasks due soon are due before ``day`` (ISO): they are overdue now."""
    if not value:
        return 0
    if isinstance(value, dict):
        return sum(n for due, n in value.items() if due < day)
    if value[:10] >= day:  # sorted: nothing before it (the usual case: read the same day)
        return 0
    return sum(int(n) for due, n in (item.split(":") for item in value.split(";")) if due < day)


@dataclass(slots=True)
class _Flows:
    created: int = 0
    completed: int = 0
    cycle: list = field(default_factory=list)


@dataclass(slots=True)
class _Open:
    todo: int = 0
    in_progress: int = 0
    overdue: int = 0
    due: dict = field(default_factory=dict)


def cycle_seconds(started_at: datetime | None, completed_at: datetime | None) -> int | None:
    if started_at is None or completed_at is None or started_at > completed_at:
        return None
    return int((completed_at - started_at).total_seconds())


def state_of(facts: Facts) -> tuple:
    """What the snapshot keeps of a task (``InsightTaskState``'s fields, in this order)."""
    return (
        facts.project,
        facts.assignee,
        facts.priority,
        facts.status,
        facts.alive,
        facts.due_date,
        facts.started_at,
        facts.completed_at,
    )


STATE_FIELDS = (
    "project_ref",
    "assignee_ref",
    "priority",
    "status",
    "alive",
    "due_date",
    "started_at",
    "completed_at",
)


@dataclass
class Rollup:
    built_at: datetime
    time_zone: str
    weeks: list[date]
    cells: list[tuple] = field(default_factory=list)  # CELL_FIELDS
    states: dict[int, tuple] = field(default_factory=dict)  # task pk -> state_of()
    # Deletions and restores of projects over the weeks: {"id": [[iso time, alive after], ...]}.
    projects: dict = field(default_factory=dict)

    @property
    def local_day(self) -> date:
        return local_date(self.built_at, zone(self.time_zone))

    @property
    def meta(self) -> dict:
        return {
            "version": VERSION,
            "time_zone": self.time_zone,
            "first_week": self.weeks[0].isoformat(),
            "last_week": self.weeks[-1].isoformat(),
            "local_day": self.local_day.isoformat(),
            "projects": self.projects,
        }

    def rows(self, scope: Scope) -> list[tuple]:
        """The rows a report for ``scope`` reads (as the snapshot query selects them)."""
        picked = []
        for row in self.cells:
            kind, _week, project, assignee, priority = row[:5]
            if kind not in (scope.week_kind, InsightKind.OPEN) or project != scope.project:
                continue
            if (not scope.by_assignee or assignee == scope.assignee) and (
                scope.priorities is None or priority in scope.priorities
            ):
                picked.append(row)
        return picked


def compute(
    facts: list[Facts],
    histories: Histories,
    *,
    tz: tzinfo,
    tz_name: str,
    now: datetime,
    weeks: int = HISTORY_WEEKS,
) -> Rollup:
    """The rollup of ``facts`` at ``now`` over the last ``weeks`` weeks (the current one
    included). ``histories`` holds their events from the first week's start on."""
    weeks = recent_weeks(now, tz, weeks)
    count = len(weeks)
    since = day_start(weeks[0], tz)
    instants = [week_end(week, tz) for week in weeks[:-1]] + [END]
    week_index = {week: index for index, week in enumerate(weeks)}
    today = local_date(now, tz)
    last_due = today + timedelta(days=DUE_DAYS)

    stock: dict[tuple, list[list[int]]] = {}  # combo -> per status, a difference array
    flows: dict[tuple, _Flows] = {}  # (combo, week index)
    open_work: dict[tuple, _Open] = {}
    states: dict[int, tuple] = {}

    for task in facts:
        combo = task.combo
        states[task.pk] = state_of(task)
        events = histories.of(task)
        diffs = stock.get(combo)
        if diffs is None:
            diffs = stock[combo] = [[0] * (count + 1) for _ in STATUSES]
        if not events and task.created_at < since:
            if task.alive and task.status in STATUS_INDEX:
                row = diffs[STATUS_INDEX[task.status]]
                row[0] += 1
                row[count] -= 1
        else:
            points = segments(task, events, since)
            for n, (start, alive, status) in enumerate(points):
                if not alive or status not in STATUS_INDEX:
                    continue
                low = bisect_right(instants, start)
                high = count if n + 1 == len(points) else bisect_right(instants, points[n + 1][0])
                if low < high:
                    row = diffs[STATUS_INDEX[status]]
                    row[low] += 1
                    row[high] -= 1
        if not task.alive:
            continue
        created = week_index.get(week_of(task.created_at, tz))
        if created is not None:
            flows.setdefault((combo, created), _Flows()).created += 1
        if task.status == TaskStatus.DONE and task.completed_at is not None:
            completed = week_index.get(week_of(task.completed_at, tz))
            if completed is not None:
                cell = flows.setdefault((combo, completed), _Flows())
                cell.completed += 1
                seconds = cycle_seconds(task.started_at, task.completed_at)
                if seconds is not None:
                    cell.cycle.append(seconds)
        if task.status in OPEN_STATUSES:
            cell = open_work.setdefault(combo, _Open())
            if task.status == TaskStatus.TODO:
                cell.todo += 1
            else:
                cell.in_progress += 1
            if task.due_date is not None:
                if task.due_date < today:
                    cell.overdue += 1
                elif task.due_date < last_due:
                    key = task.due_date.isoformat()
                    cell.due[key] = cell.due.get(key, 0) + 1

    rollup = Rollup(
        built_at=now,
        time_zone=tz_name,
        weeks=weeks,
        states=states,
        projects={
            str(project): [[at.isoformat(), alive] for at, _kind, _old, alive in events]
            for project, events in histories.projects.items()
        },
    )
    by_assignee: dict[tuple, list] = {}
    together: dict[tuple, list] = {}

    def add(cells, key, values):
        total = cells.get(key)
        if total is None:
            cells[key] = [*values[:6], list(values[6])]
            return
        for n in range(6):
            total[n] += values[n]
        total[6].extend(values[6])

    for combo, diffs in stock.items():
        project, assignee, priority = combo
        levels = [0] * len(STATUSES)
        for index, week in enumerate(weeks):
            for s in range(len(STATUSES)):
                levels[s] += diffs[s][index]
            moved = flows.get((combo, index))
            if not any(levels) and moved is None:
                continue
            values = (
                *levels,
                moved.created if moved else 0,
                moved.completed if moved else 0,
                moved.cycle if moved else (),
            )
            for level in (project, None):  # the project's rows, and all projects'
                add(by_assignee, (week, level, assignee, priority), values)
                add(together, (week, level, priority), values)
    for (week, project, assignee, priority), values in by_assignee.items():
        cycle = sorted(values[6]) or None
        key = (InsightKind.WEEK_BY_ASSIGNEE, week, project, assignee, priority)
        rollup.cells.append((*key, *values[:6], cycle, *_NOT_OPEN))
    for (week, project, priority), values in together.items():
        cycle = sorted(values[6]) or None
        key = (InsightKind.WEEK, week, project, None, priority)
        rollup.cells.append((*key, *values[:6], cycle, *_NOT_OPEN))
    open_levels: dict[tuple, _Open] = {}
    for (project, assignee, priority), cell in open_work.items():
        for level in (project, None):
            total = open_levels.setdefault((level, assignee, priority), _Open())
            total.todo += cell.todo
            total.in_progress += cell.in_progress
            total.overdue += cell.overdue
            for day, n in cell.due.items():
                total.due[day] = total.due.get(day, 0) + n
    for (project, assignee, priority), cell in open_levels.items():
        key = (InsightKind.OPEN, None, project, assignee, priority)
        counts = (cell.todo, cell.in_progress, 0, 0, 0, 0, None)
        rollup.cells.append((*key, *counts, cell.overdue, cell.due or None))
    return rollup
