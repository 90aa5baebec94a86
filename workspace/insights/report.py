"""What the insights page shows: week by week series, open work and the tasks behind them.

Numbers come from the organization's snapshot (``InsightCell`` rows, a few hundred for any
size), corrected by the tasks that changed since it was built (their entries in the audit log
name them; the snapshot remembers how it counted each, ``InsightTaskState``). Without a usable
snapshot (none built yet, another time zone, too old, or a change the log cannot pin to tasks,
such as a project's deletion) the same numbers are computed from the tasks themselves.
"""

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from hashlib import blake2b
from itertools import pairwise

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, F, Q, When
from django.utils import timezone

from workspace.models import (
    AuditAction,
    AuditLog,
    InsightCell,
    InsightKind,
    Membership,
    Organization,
    Project,
    Task,
    TaskStatus,
)

from .history import (
    END,
    ENTRY_FIELDS,
    PROJECT,
    Facts,
    entries_query,
    histories,
    history_entries,
    segments,
    state_at,
    task_history_filter,
    task_rows,
)
from .rollup import (
    CELL_FIELDS,
    DUE_DAYS,
    OPEN_STATUSES,
    STATE_FIELDS,
    STATUS_INDEX,
    STATUSES,
    VERSION,
    Scope,
    compute,
    cycle_seconds,
    decode_cycle,
    due_before,
)
from .weeks import day_start, local_date, recent_weeks, week_end, week_of

PERIODS = (4, 12, 26)
DEFAULT_PERIOD = 12
AGING_LIMIT = 10
MOST_DOTS = 120  # finished tasks drawn on the scatter at most, spread over the period
# Changes recorded this long before a snapshot are checked again: a transaction that wrote its
# audit entry before the snapshot was built may have committed after it.
MARGIN = timedelta(minutes=10)
STRUCTURAL = {
    # Changes to many tasks at once that the log records on something else.
    "project": (AuditAction.DELETED, AuditAction.RESTORED),
    "membership": (AuditAction.MEMBER_REMOVED, AuditAction.MEMBER_LEFT),
}


@dataclass
class WeekPoint:
    week: date
    created: int
    completed: int
    stock: dict[str, int]
    cycle_count: int
    cycle_median: float | None  # seconds
    cycle_p85: float | None

    @property
    def total(self) -> int:
        return sum(self.stock.values())


@dataclass
class WorkloadRow:
    assignee_id: int | None
    name: str
    by_priority: dict[int, int]
    in_progress: int
    overdue: int

    @property
    def total(self) -> int:
        return sum(self.by_priority.values())


@dataclass
class TaskPoint:
    number: int
    title: str
    priority: int
    assignee_id: int | None
    assignee: str
    started_at: datetime
    completed_at: datetime | None
    seconds: float  # cycle time (finished) or age in progress (aging)


@dataclass
class Report:
    weeks: list[WeekPoint]
    workload: list[WorkloadRow]
    aging: list[TaskPoint]
    finished: list[TaskPoint]  # the scatter's dots, newest first within each week
    now: datetime
    time_zone: str
    source: str  # "snapshot" or "live"
    built_at: datetime | None
    cycle_median: float | None = None  # over the whole period (seconds)

    @property
    def finished_total(self) -> int:
        return sum(week.cycle_count for week in self.weeks)

    @property
    def created_total(self) -> int:
        return sum(week.created for week in self.weeks)

    @property
    def completed_total(self) -> int:
        return sum(week.completed for week in self.weeks)

    @property
    def open_total(self) -> int:
        return sum(row.total for row in self.workload)

    @property
    def overdue_total(self) -> int:
        return sum(row.overdue for row in self.workload)

    @property
    def current(self) -> WeekPoint:
        return self.weeks[-1]


@dataclass
class _Totals:
    stock: list[list[int]]
    created: list[int]
    completed: list[int]
    cycle: list[list[int]]
    open: dict[tuple, list[int]] = field(default_factory=dict)  # (assignee, priority) -> counts
    built_at: datetime | None = None  # the snapshot's, when they come from one

    @classmethod
    def empty(cls, weeks: int) -> "_Totals":
        return cls(
            stock=[[0] * len(STATUSES) for _ in range(weeks)],
            created=[0] * weeks,
            completed=[0] * weeks,
            cycle=[[] for _ in range(weeks)],
        )


def percentile(values: list, fraction: float) -> float | None:
    """Linear interpolation between the closest ranks (PostgreSQL's ``percentile_cont``)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _aggregate(rows, period: list[date], today: date, last_week: date) -> _Totals:
    """Sum snapshot rows (CELL_FIELDS) into the period's weeks. Weeks after ``last_week`` (the
    snapshot's, still running when it was built) start from its stocks."""
    totals = _Totals.empty(len(period))
    index = {week: n for n, week in enumerate(period)}
    today_key = today.isoformat()
    for kind, week, _project, assignee, priority, *counts, cycle, overdue, due in rows:
        if kind == InsightKind.OPEN:
            cell = totals.open.setdefault((assignee, priority), [0, 0, 0])
            cell[0] += counts[0]
            cell[1] += counts[1]
            cell[2] += overdue + due_before(due, today_key)
            continue
        n = index.get(week)
        if n is None:
            continue
        stock = totals.stock[n]
        for s in range(len(STATUSES)):
            stock[s] += counts[s]
        totals.created[n] += counts[4]
        totals.completed[n] += counts[5]
        if cycle:
            totals.cycle[n].extend(decode_cycle(cycle))
    last = index.get(last_week)
    if last is not None:
        for n in range(last + 1, len(period)):
            totals.stock[n] = list(totals.stock[last])
    return totals


def _instants(period: list[date], tz) -> list[datetime]:
    """When each week's stocks are counted: its end, and now for the week still running."""
    return [week_end(week, tz) for week in period[:-1]] + [END]


@dataclass(slots=True)
class _Memory:
    """What the snapshot counted for a task (``InsightTaskState``, STATE_FIELDS' order)."""

    project: int
    assignee: int | None
    priority: int
    status: str
    alive: bool
    due_date: date | None
    started_at: datetime | None
    completed_at: datetime | None


def _correct(totals: _Totals, task: Facts, memory, events, context) -> None:
    """Replace what the snapshot counted for ``task`` (``memory``, None if it did not see the
    task) with what it counts now."""
    scope, period, instants, built_at, today, tz, since = context
    now_in = scope.matches(*task.combo)
    then_in = memory is not None and scope.matches(memory.project, memory.assignee, memory.priority)
    if not now_in and not then_in:
        return
    points = segments(task, events, since)
    for n, moment in enumerate(instants):
        if memory is not None and moment <= built_at:
            # A week that ended before the snapshot: the task's past is the same, only whether
            # it counts here can have changed (it moved in or out of the scope).
            if now_in != then_in:
                state = state_at(points, moment)
                if state is not None and state[0] and state[1] in STATUS_INDEX:
                    totals.stock[n][STATUS_INDEX[state[1]]] += 1 if now_in else -1
            continue
        if now_in:
            state = state_at(points, moment)
            if state is not None and state[0] and state[1] in STATUS_INDEX:
                totals.stock[n][STATUS_INDEX[state[1]]] += 1
        if then_in and memory.alive and memory.status in STATUS_INDEX:
            totals.stock[n][STATUS_INDEX[memory.status]] -= 1

    index = {week: n for n, week in enumerate(period)}

    def flows(sign, alive, status, started_at, completed_at, assignee, priority, due_date):
        if not alive:
            return
        created = index.get(week_of(task.created_at, tz))
        if created is not None:
            totals.created[created] += sign
        if status == TaskStatus.DONE and completed_at is not None:
            completed = index.get(week_of(completed_at, tz))
            if completed is not None:
                totals.completed[completed] += sign
                seconds = cycle_seconds(started_at, completed_at)
                if seconds is not None:
                    if sign > 0:
                        totals.cycle[completed].append(seconds)
                    elif seconds in totals.cycle[completed]:
                        totals.cycle[completed].remove(seconds)
        if status in OPEN_STATUSES:
            cell = totals.open.setdefault((assignee, priority), [0, 0, 0])
            cell[0 if status == TaskStatus.TODO else 1] += sign
            if due_date is not None and due_date < today:
                cell[2] += sign

    if now_in:
        flows(
            1,
            task.alive,
            task.status,
            task.started_at,
            task.completed_at,
            task.assignee,
            task.priority,
            task.due_date,
        )
    if then_in:
        flows(
            -1,
            memory.alive,
            memory.status,
            memory.started_at,
            memory.completed_at,
            memory.assignee,
            memory.priority,
            memory.due_date,
        )


def _content_types() -> dict[str, ContentType]:
    return {
        "task": ContentType.objects.get_for_model(Task),
        "project": ContentType.objects.get_for_model(Project),
        "membership": ContentType.objects.get_for_model(Membership),
    }


def _header_usable(meta: dict, built_at, organization, period, now, today) -> bool:
    try:
        first_week = date.fromisoformat(meta["first_week"])
        last_week = date.fromisoformat(meta["last_week"])
        local_day = date.fromisoformat(meta["local_day"])
    except (KeyError, TypeError, ValueError):
        return False
    return (
        meta.get("version") == VERSION
        and meta.get("time_zone") == organization.time_zone
        and built_at <= now
        and first_week <= period[0] <= last_week
        and today < local_day + timedelta(days=DUE_DAYS)  # its due-soon counts reach today
    )


@dataclass
class _Snapshot:
    built_at: datetime
    meta: dict
    rows: list  # CELL_FIELDS


def _read_snapshot(organization: Organization, scope: Scope, period, now) -> _Snapshot | None:
    """The snapshot's rows for ``scope`` and the period, or None when it cannot give them."""
    series = Q(kind=scope.week_kind, week__gte=period[0]) & scope.cell_q()
    if not scope.by_assignee:
        series &= Q(assignee_ref__isnull=True)
    wanted = Q(kind=InsightKind.HEADER) | series | (Q(kind=InsightKind.OPEN) & scope.cell_q())
    rows = list(
        InsightCell.objects.filter(organization=organization)
        .filter(wanted)
        .values_list(_HEADER_BUILT_AT, "meta", *CELL_FIELDS)
    )
    header = next((row for row in rows if row[2] == InsightKind.HEADER), None)
    if header is None:
        return None
    built_at, meta = header[0], header[1] or {}
    today = local_date(now, organization.tzinfo)
    if not _header_usable(meta, built_at, organization, period, now, today):
        return None
    return _Snapshot(built_at, meta, [row[2:] for row in rows if row[2] != InsightKind.HEADER])


def _lately(organization: Organization, built_at: datetime) -> list[tuple]:
    """What was recorded about tasks, projects and members since (about) the snapshot:
    ``(pk, content type id, object id, action)``."""
    return list(
        AuditLog.objects.filter(
            organization=organization,
            created_at__gte=built_at - MARGIN,
            content_type_id__in=[t.pk for t in _content_types().values()],
        ).values_list("pk", "content_type_id", "object_id", "action")
    )


def _from_snapshot(organization, scope, period, now, snapshot, lately) -> _Totals | None:
    """The period's totals from the snapshot and the changes since; None when they cannot be
    pinned to tasks, or when the snapshot was rebuilt meanwhile (``_RACE``)."""
    totals = _aggregate(
        snapshot.rows,
        period,
        local_date(now, organization.tzinfo),
        date.fromisoformat(snapshot.meta["last_week"]),
    )
    corrected = _changes_since(
        organization, scope, period, now, snapshot.built_at, snapshot.meta, totals, lately
    )
    if corrected is None:
        return _RACE
    if corrected is False:
        return None
    corrected.built_at = snapshot.built_at
    return corrected


_RACE = object()


# The build time is the same on every row: read it off the header only (a datetime costs more
# to decode than the rest of a row).
_HEADER_BUILT_AT = Case(When(kind=InsightKind.HEADER, then=F("built_at")), default=None)


def _project_events(meta: dict) -> dict[int, list[tuple]]:
    """The projects' deletions and restores the snapshot saw (kept in its header)."""
    return {
        int(project): [(datetime.fromisoformat(at), PROJECT, None, alive) for at, alive in events]
        for project, events in (meta.get("projects") or {}).items()
    }


def _changes_since(organization, scope, period, now, built_at, meta, totals, lately):
    """``totals`` with the tasks changed since ``built_at`` counted as they are now; None when
    the snapshot was rebuilt meanwhile (read it again), False when the changes cannot be pinned
    to tasks (a project deleted or restored, a member removed: compute without the snapshot)."""
    tz = organization.tzinfo
    types = _content_types()
    task_type = types["task"]
    recent = built_at - MARGIN
    since = day_start(period[0], tz)
    changed: set[int] = set()
    for _pk, type_id, object_id, action in lately:
        if type_id == task_type.pk:
            changed.add(object_id)
            continue
        kind = "project" if type_id == types["project"].pk else "membership"
        if action in STRUCTURAL[kind]:
            return False
    if not changed:
        return totals
    memory_fields = [f"insight_state__{name}" for name in STATE_FIELDS]
    rows = list(
        Task.all_objects.filter(organization=organization, pk__in=sorted(changed)).values_list(
            *Facts.PLAIN_FIELDS, "insight_state__built_at", *memory_fields
        )
    )
    width = len(Facts.PLAIN_FIELDS)
    if any(row[width] is not None and row[width] > built_at for row in rows):
        return None
    instants = _instants(period, tz)
    # Their recorded history is read only where it counts: for tasks whose past weeks count
    # anew (moved in or out of the scope, or not seen by the build), and for all of them when
    # a week ended between the snapshot and now. Otherwise only now counts: the rows say it.
    week_ended = any(built_at < moment < END for moment in instants)
    changes, history_of = [], []
    for row in rows:
        task = Facts.from_plain(row[:width])
        memory = _Memory(*row[width + 1 :]) if row[width] is not None else None
        changes.append((task, memory))
        if week_ended:
            history_of.append(task.pk)
        elif memory is None:
            if task.created_at < recent:
                history_of.append(task.pk)
        elif scope.matches(*task.combo) != scope.matches(
            memory.project, memory.assignee, memory.priority
        ):
            history_of.append(task.pk)
    entries = []
    if history_of:
        entries = (
            entries_query(organization)
            .filter(task_history_filter(task_type), object_id__in=history_of)
            .filter(created_at__gte=since)
            .values_list(*ENTRY_FIELDS)
        )
    events = histories(entries, task_type_id=task_type.pk, project_type_id=types["project"].pk)
    events.projects = _project_events(meta)
    context = (scope, period, instants, built_at, local_date(now, tz), tz, since)
    for task, memory in changes:
        _correct(totals, task, memory, events.of(task), context)
    return totals


def _live(organization: Organization, scope: Scope, period, now) -> _Totals:
    """The period's totals computed from the tasks that match and their history."""
    tz = organization.tzinfo
    tasks = Task.all_objects.filter(organization=organization).filter(scope.task_q())
    types = _content_types()
    entries = history_entries(
        organization, since=day_start(period[0], tz), tasks=tasks.values("pk").order_by()
    )
    rollup = compute(
        task_rows(tasks),
        histories(entries, task_type_id=types["task"].pk, project_type_id=types["project"].pk),
        tz=tz,
        tz_name=organization.time_zone,
        now=now,
        weeks=len(period),
    )
    return _aggregate(rollup.rows(scope), period, local_date(now, tz), period[-1])


_POINT_COLUMNS = "number, title, priority, assignee_id, started_at, completed_at"
# Times as epoch seconds: a float decodes in a fraction of the time a timestamp takes.
_POINT_OUTPUT = (
    "number, title, priority, assignee_id,"
    " extract(epoch from started_at)::float8, extract(epoch from completed_at)::float8"
)


def dot_slices(period: list[date], tz, finished: int) -> tuple[list[tuple], int]:
    """Which finished tasks the scatter draws: all of them when they are ``MOST_DOTS`` or fewer
    (one slice, the whole period); else a sample even over time: the period cut into up to
    MOST_DOTS slices (a day each, or longer), and how many of each slice's latest tasks."""
    start, end = day_start(period[0], tz).astimezone(UTC), week_end(period[-1], tz)
    if finished <= MOST_DOTS:
        return [(start, end)], MOST_DOTS
    slices = min(MOST_DOTS, len(period) * 7)
    length = (end - start) / slices  # in UTC: real time
    bounds = [start + length * n for n in range(slices)] + [end]
    return list(pairwise(bounds)), max(1, MOST_DOTS // slices)


def _task_points(
    organization, scope, period, now, finished: int, *, lateral=None
) -> tuple[list, list]:
    """The oldest work in progress, and the ``finished`` tasks' dots for the scatter (see
    ``dot_slices``): in one statement on PostgreSQL (``lateral``), else a query per slice."""
    tz = organization.tzinfo
    slices, share = dot_slices(period, tz, finished)
    starts = [start for start, _end in slices]
    ends = [end for _start, end in slices]
    if lateral is None:
        lateral = connection.vendor == "postgresql"
    if lateral:
        rows = _task_points_sql(organization, scope, starts, ends, share)
    else:  # the embedded default: the same, one query per slice
        tasks = Task.objects.filter(organization=organization).filter(scope.task_q())
        fields = ("number", "title", "priority", "assignee_id", "started_at", "completed_at")
        aging = tasks.filter(status=TaskStatus.IN_PROGRESS, started_at__isnull=False)
        rows = [(0, *row) for row in aging.order_by("started_at", "number").values_list(*fields)]
        rows = rows[:AGING_LIMIT]
        for start, end in slices:
            done = tasks.filter(
                status=TaskStatus.DONE,
                started_at__isnull=False,
                completed_at__gte=start,
                completed_at__lt=end,
            ).order_by("-completed_at", "-number")
            rows.extend((1, *row) for row in done.values_list(*fields)[:share])
    oldest, finished = [], []
    for which, number, title, priority, assignee, started_at, completed_at in rows:
        if isinstance(started_at, float):
            started_at = datetime.fromtimestamp(started_at, UTC)
            completed_at = completed_at and datetime.fromtimestamp(completed_at, UTC)
        point = TaskPoint(
            number=number,
            title=title,
            priority=priority,
            assignee_id=assignee,
            assignee="",  # named per view (see _report)
            started_at=started_at,
            completed_at=completed_at,
            seconds=((completed_at if which else now) - started_at).total_seconds(),
        )
        if which and point.seconds < 0:
            continue  # started after it was completed: a clock changed, no cycle time
        (finished if which else oldest).append(point)
    finished.sort(key=lambda p: (p.completed_at, p.number))
    return oldest, finished


def _task_points_sql(organization, scope, starts, ends, share) -> list[tuple]:
    """One statement on PostgreSQL: the aging list, then each slice's latest finished tasks (an
    index range each, through LATERAL). Django would compile a union of a query per slice, at
    about a millisecond each."""
    table = Task._meta.db_table
    where, params = ["t.organization_id = %s", "t.deleted_at IS NULL"], [organization.pk]
    if scope.project is not None:
        where.append("t.project_id = %s")
        params.append(scope.project)
    if scope.by_assignee:
        if scope.assignee is None:
            where.append("t.assignee_id IS NULL")
        else:
            where.append("t.assignee_id = %s")
            params.append(scope.assignee)
    if scope.priorities is not None:
        where.append("t.priority = ANY(%s)")
        params.append(sorted(scope.priorities))
    matches = " AND ".join(where)
    sql = (
        f"(SELECT 0, {_POINT_OUTPUT} FROM {table} t"  # noqa: S608 - no user text in the SQL
        f" WHERE {matches} AND t.status = %s AND t.started_at IS NOT NULL"
        " ORDER BY t.started_at, t.number LIMIT %s)"
        f" UNION ALL (SELECT 1, {_POINT_OUTPUT} FROM"
        " unnest(%s::timestamptz[], %s::timestamptz[]) AS w(starts, ends)"
        f" CROSS JOIN LATERAL (SELECT {_POINT_COLUMNS} FROM {table} t"
        f" WHERE {matches} AND t.status = %s AND t.started_at IS NOT NULL"
        " AND t.completed_at >= w.starts AND t.completed_at < w.ends"
        " ORDER BY t.completed_at DESC, t.number DESC LIMIT %s) AS finished)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                *params,
                TaskStatus.IN_PROGRESS,
                AGING_LIMIT,
                starts,
                ends,
                *params,
                TaskStatus.DONE,
                share,
            ],
        )
        return cursor.fetchall()


def member_names(*, organization: Organization) -> dict[int, str]:
    """The members' names by membership id, in the order the filter lists them (kept under
    the organization's directory revision: see ``selectors.member_names``)."""
    from workspace import selectors

    return dict(selectors.member_names(organization=organization))


@dataclass
class _Numbers:
    """A report's numbers, as the cache keeps them (names and ages are filled in per view)."""

    weeks: list[WeekPoint]
    open: dict[tuple, list[int]]
    aging: list[TaskPoint]
    finished: list[TaskPoint]
    source: str
    built_at: datetime | None
    cycle_median: float | None


CACHE_SECONDS = 600


def _cache_key(organization, scope, period, now, snapshot, lately) -> str:
    """Everything the numbers depend on: the snapshot, the changes recorded since (the audit log
    only grows: their count and last id tell them apart), the scope, the weeks and the day."""
    content = (
        VERSION,
        organization.pk,
        organization.time_zone,
        snapshot.built_at.isoformat(),
        (scope.project, scope.by_assignee, scope.assignee, sorted(scope.priorities or ())),
        period[0].isoformat(),
        len(period),
        local_date(now, organization.tzinfo).isoformat(),
        len(lately),
        max((entry[0] for entry in lately), default=0),
    )
    return "insights:" + blake2b(repr(content).encode(), digest_size=16).hexdigest()


def insights_report(
    *,
    organization: Organization,
    scope: Scope,
    weeks: int = DEFAULT_PERIOD,
    names: dict[int, str] | None = None,
    now: datetime | None = None,
) -> Report:
    """The report over the last ``weeks`` weeks (the current one included) for ``scope``.
    ``names``: the members' names (``member_names``), read when not given.

    From a usable snapshot, the numbers are kept in the cache under everything they depend on
    (``_cache_key``): the next view reads the snapshot's header rows and the changes since,
    finds them there, and skips the rest."""
    now = now or timezone.now()
    tz = organization.tzinfo
    period = recent_weeks(now, tz, weeks)
    if names is None:
        names = member_names(organization=organization)
    totals, key = None, None
    for _attempt in range(2):
        snapshot = _read_snapshot(organization, scope, period, now)
        if snapshot is None:
            break
        lately = _lately(organization, snapshot.built_at)
        key = _cache_key(organization, scope, period, now, snapshot, lately)
        numbers = cache.get(key)
        if numbers is not None:
            return _report(numbers, names, now, organization)
        totals = _from_snapshot(organization, scope, period, now, snapshot, lately)
        if totals is not _RACE:
            break
        key = None
    else:
        totals = None
    source = "snapshot"
    if totals is None:
        totals, source = _live(organization, scope, period, now), "live"
    aging, finished = _task_points(
        organization, scope, period, now, sum(len(week) for week in totals.cycle)
    )
    numbers = _Numbers(
        weeks=[
            WeekPoint(
                week=week,
                created=totals.created[n],
                completed=totals.completed[n],
                stock=dict(zip(STATUSES, totals.stock[n], strict=True)),
                cycle_count=len(totals.cycle[n]),
                cycle_median=percentile(totals.cycle[n], 0.5),
                cycle_p85=percentile(totals.cycle[n], 0.85),
            )
            for n, week in enumerate(period)
        ],
        open={k: v for k, v in totals.open.items() if any(v)},
        aging=aging,
        finished=finished,
        source=source,
        built_at=totals.built_at,
        cycle_median=percentile([s for week in totals.cycle for s in week], 0.5),
    )
    if key is not None:
        cache.set(key, numbers, CACHE_SECONDS)
    return _report(numbers, names, now, organization)


def _report(numbers: _Numbers, names: dict, now: datetime, organization) -> Report:
    def named(point: TaskPoint, seconds: float) -> TaskPoint:
        assignee = point.assignee_id
        name = names.get(assignee, "Unassigned" if assignee is None else "Former member")
        return replace(point, assignee=name, seconds=seconds)

    return Report(
        weeks=numbers.weeks,
        workload=_workload(numbers.open, names),
        aging=[named(p, (now - p.started_at).total_seconds()) for p in numbers.aging],
        finished=[named(p, p.seconds) for p in numbers.finished],
        now=now,
        time_zone=organization.time_zone,
        source=numbers.source,
        built_at=numbers.built_at,
        cycle_median=numbers.cycle_median,
    )


def _workload(open_work: dict, names: dict) -> list[WorkloadRow]:
    people: dict = {}
    for (assignee, priority), (todo, in_progress, overdue) in open_work.items():
        if not (todo or in_progress or overdue):
            continue
        row = people.get(assignee)
        if row is None:
            name = names.get(assignee, "Unassigned" if assignee is None else "Former member")
            row = people[assignee] = WorkloadRow(assignee, name, {}, 0, 0)
        if todo + in_progress:
            row.by_priority[priority] = row.by_priority.get(priority, 0) + todo + in_progress
        row.in_progress += in_progress
        row.overdue += overdue
    return sorted(
        (row for row in people.values() if row.total),
        key=lambda row: (-row.total, row.assignee_id is None, row.name.casefold()),
    )


def finished_tasks(*, organization: Organization, scope: Scope, weeks: int, now=None):
    """Every finished task of the period with its cycle time (the scatter's CSV), oldest first."""
    now = now or timezone.now()
    tz = organization.tzinfo
    period = recent_weeks(now, tz, weeks)
    return (
        Task.objects.filter(organization=organization)
        .filter(scope.task_q())
        .filter(
            status=TaskStatus.DONE,
            started_at__isnull=False,
            started_at__lte=F("completed_at"),
            completed_at__gte=day_start(period[0], tz),
        )
        .order_by("completed_at", "number")
        .values_list("number", "title", "started_at", "completed_at")
    )


def finished_summary(*, organization: Organization, start: datetime, end: datetime) -> dict:
    """Tasks completed in ``[start, end)`` and their median cycle time in seconds (None when
    none of them had been started): the digest's figures, by the page's definitions."""
    rows = list(
        Task.objects.filter(
            organization=organization,
            status=TaskStatus.DONE,
            completed_at__gte=start,
            completed_at__lt=end,
        ).values_list("started_at", "completed_at")
    )
    seconds = [s for s in (cycle_seconds(*row) for row in rows) if s is not None]
    return {"completed": len(rows), "cycle_median": percentile(seconds, 0.5)}
