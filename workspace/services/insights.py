"""Building an organization's insights snapshot (see ``workspace.insights``).

A build reads every task of the organization and its recorded history over the snapshot's weeks,
replaces the snapshot's rows, and rewrites the per-task states that changed. It runs from a
Huey job (``tasks.insights``) for organizations whose tasks changed since their last build,
whose day changed, or that have none; ``manage.py build_insights`` runs it by hand.
"""

import json
from hashlib import blake2b

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from workspace.insights.history import histories, history_entries, task_rows
from workspace.insights.rollup import (
    HISTORY_WEEKS,
    STATE_FIELDS,
    VERSION,
    Rollup,
    compute,
    encode_cycle,
    encode_due,
)
from workspace.insights.weeks import day_start, local_date, recent_weeks
from workspace.models import (
    AuditLog,
    InsightCell,
    InsightKind,
    InsightTaskState,
    Membership,
    Organization,
    Project,
    Task,
)
from workspace.tenancy import all_tenants
from workspace.timezones import zone

BATCH = 2000
CELL_COLUMNS = (
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


def insights_snapshot_build(*, organization: Organization, now=None) -> Rollup:
    """Rebuild the snapshot of ``organization`` (inside its scope). Reads happen in one
    consistent view of the database (repeatable read on PostgreSQL, when not already inside a
    transaction), so the rows and their history agree."""
    outermost = connection.get_autocommit()
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _build(organization, now)


def _build(organization: Organization, now) -> Rollup:
    tz = organization.tzinfo
    facts = task_rows(Task.all_objects.filter(organization=organization))
    # After the first read: every change this build sees was recorded before ``now``.
    now = now or timezone.now()
    first_week = recent_weeks(now, tz, HISTORY_WEEKS)[0]
    entries = history_entries(organization, since=day_start(first_week, tz))
    rollup = compute(
        facts,
        histories(
            entries,
            task_type_id=ContentType.objects.get_for_model(Task).pk,
            project_type_id=ContentType.objects.get_for_model(Project).pk,
        ),
        tz=tz,
        tz_name=organization.time_zone,
        now=now,
    )
    InsightCell.objects.filter(organization=organization).delete()
    header = (InsightKind.HEADER, None, None, None, None, 0, 0, 0, 0, 0, 0, "", 0, "", rollup.meta)
    _insert_cells(
        organization,
        now,
        [
            header,
            *((*r[:11], encode_cycle(r[11]), r[12], encode_due(r[13]), None) for r in rollup.cells),
        ],
    )
    _save_states(organization, rollup, now)
    return rollup


def _insert_cells(organization: Organization, built_at, rows: list[tuple], *, copy=None) -> None:
    """Rows of CELL_COLUMNS + meta. On PostgreSQL through COPY (tens of thousands of rows for a
    large organization: model instances would cost most of the build)."""
    columns = (*CELL_COLUMNS, "meta")
    if copy is None:
        copy = connection.vendor == "postgresql"
    if not copy:
        InsightCell.objects.bulk_create(
            [
                InsightCell(
                    organization=organization,
                    built_at=built_at,
                    **dict(zip(columns, row, strict=True)),
                )
                for row in rows
            ],
            batch_size=BATCH,
        )
        return
    names = ", ".join(("organization_id", "built_at", *columns))
    meta = columns.index("meta")
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {InsightCell._meta.db_table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(
                (
                    organization.pk,
                    built_at,
                    *row[:meta],
                    None if row[meta] is None else json.dumps(row[meta]),
                )
            )


def state_digest(values: tuple) -> int:
    """A stable 64-bit digest of a task's state (comparing digests spares decoding 100k rows)."""
    text = "|".join("" if v is None else getattr(v, "isoformat", v.__str__)() for v in values)
    return int.from_bytes(blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def _save_states(organization: Organization, rollup: Rollup, now) -> None:
    """Write the states that differ from what the previous build kept (and only those, so that
    a row's ``built_at`` says when it last changed)."""
    kept = {
        task: (pk, digest)
        for pk, task, digest in InsightTaskState.objects.filter(
            organization=organization
        ).values_list("pk", "task_id", "digest")
    }
    changed, added = [], []
    for task, values in rollup.states.items():
        digest = state_digest(values)
        pk, previous = kept.pop(task, (None, None))
        if previous == digest:
            continue
        state = InsightTaskState(
            pk=pk,
            organization=organization,
            task_id=task,
            built_at=now,
            digest=digest,
            **dict(zip(STATE_FIELDS, values, strict=True)),
        )
        (added if pk is None else changed).append(state)
    if kept:  # tasks gone since (purged)
        InsightTaskState.objects.filter(pk__in=[pk for pk, _digest in kept.values()]).delete()
    InsightTaskState.objects.bulk_create(added, batch_size=BATCH)
    InsightTaskState.objects.bulk_update(
        changed, ["built_at", "digest", *STATE_FIELDS], batch_size=BATCH
    )


def organizations_due_for_snapshot(*, now=None) -> list[int]:
    """Organizations whose snapshot is missing or out of date: built for another version or time
    zone, on an earlier day of the organization's, or before the latest change to its tasks,
    projects or members."""
    now = now or timezone.now()
    types = [ContentType.objects.get_for_model(model) for model in (Task, Project, Membership)]
    with all_tenants():  # job bootstrap: looks at every organization
        header = InsightCell.objects.filter(
            organization=OuterRef("pk"), kind=InsightKind.HEADER
        ).order_by("-built_at")
        latest = AuditLog.objects.filter(
            organization=OuterRef("pk"), content_type__in=types
        ).order_by("-created_at")
        rows = Organization.objects.annotate(
            built_at=Subquery(header.values("built_at")[:1]),
            built_meta=Subquery(header.values("meta")[:1]),
            changed_at=Subquery(latest.values("created_at")[:1]),
        ).values_list("pk", "time_zone", "built_at", "built_meta", "changed_at")
        due = []
        for pk, time_zone, built_at, meta, changed_at in rows.order_by("pk"):
            if built_at is None or not isinstance(meta, dict):
                due.append(pk)
                continue
            stale = (
                meta.get("version") != VERSION
                or meta.get("time_zone") != time_zone
                or meta.get("local_day") != local_date(now, zone(time_zone)).isoformat()
                or (changed_at is not None and changed_at > built_at)
            )
            if stale:
                due.append(pk)
    return due
