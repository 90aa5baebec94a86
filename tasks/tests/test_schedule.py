"""When the periodic jobs run, that each holds its lock, and that the consumer knows every job."""

import json
import logging
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from huey.contrib.djhuey import HUEY
from huey.exceptions import TaskLockedException

from tasks.billing import sync_all_billing, sync_billing_status
from tasks.board import respace_all_board_keys
from tasks.cleanup import purge_deleted_organizations, purge_deleted_records
from tasks.digests import schedule_weekly_digests, send_weekly_digest
from tasks.exports import sweep_exports
from tasks.imports import sweep_task_imports
from tasks.insights import schedule_insight_snapshots
from tasks.notifications import deliver_notification, deliver_pending_notifications
from tasks.recurrence import create_due_occurrences
from tasks.reminders import send_due_reminders
from workspace.tests.factories import OrganizationFactory

# Huey runs with utc=True: the scheduler hands naive UTC datetimes to validate_datetime.
MONDAY = datetime(2026, 3, 9)
TUESDAY = datetime(2026, 3, 10)
SUNDAY = datetime(2026, 3, 15)


def job_name(job) -> str:
    return job.task_class.__name__


def runs_at(job, moment: datetime) -> bool:
    return job.task_class().validate_datetime(moment)


@pytest.mark.parametrize(
    "moment",
    [
        MONDAY.replace(hour=0, minute=0),
        MONDAY.replace(hour=8, minute=0),
        TUESDAY.replace(hour=13, minute=37),
        SUNDAY.replace(hour=23, minute=59),
    ],
)
def test_the_outbox_sweep_runs_every_minute(moment):
    assert runs_at(deliver_pending_notifications, moment)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (MONDAY.replace(hour=8, minute=0), True),
        (datetime(2026, 3, 16, 8, 0), True),  # every Monday
        (MONDAY.replace(hour=8, minute=1), False),
        (MONDAY.replace(hour=7, minute=59), False),
        (MONDAY.replace(hour=9, minute=0), False),
        (MONDAY.replace(hour=0, minute=0), False),
        (TUESDAY.replace(hour=8, minute=0), False),
        (SUNDAY.replace(hour=8, minute=0), False),
    ],
)
def test_weekly_digests_are_scheduled_on_mondays_at_8_utc(moment, expected):
    assert runs_at(schedule_weekly_digests, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (MONDAY.replace(hour=2, minute=0), True),
        (TUESDAY.replace(hour=2, minute=0), True),
        (SUNDAY.replace(hour=2, minute=0), True),
        (TUESDAY.replace(hour=2, minute=1), False),
        (TUESDAY.replace(hour=1, minute=59), False),
        (TUESDAY.replace(hour=14, minute=0), False),
    ],
)
def test_the_trash_is_purged_daily_at_2_utc(moment, expected):
    assert runs_at(purge_deleted_records, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (MONDAY.replace(hour=3, minute=30), True),
        (SUNDAY.replace(hour=3, minute=30), True),
        (TUESDAY.replace(hour=3, minute=0), False),
        (TUESDAY.replace(hour=3, minute=31), False),
        (TUESDAY.replace(hour=15, minute=30), False),
    ],
)
def test_billing_is_synced_daily_at_3_30_utc(moment, expected):
    assert runs_at(sync_all_billing, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (MONDAY.replace(hour=2, minute=30), True),
        (SUNDAY.replace(hour=2, minute=30), True),
        (TUESDAY.replace(hour=2, minute=0), False),
        (TUESDAY.replace(hour=14, minute=30), False),
    ],
)
def test_deleted_organizations_are_purged_daily_at_2_30_utc(moment, expected):
    assert runs_at(purge_deleted_organizations, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (MONDAY.replace(hour=0, minute=15), True),
        (TUESDAY.replace(hour=13, minute=15), True),
        (TUESDAY.replace(hour=13, minute=16), False),
    ],
)
def test_exports_are_swept_hourly_at_a_quarter_past(moment, expected):
    assert runs_at(sweep_exports, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (MONDAY.replace(hour=0, minute=0), True),
        (TUESDAY.replace(hour=13, minute=40), True),
        (TUESDAY.replace(hour=13, minute=41), False),
    ],
)
def test_queued_imports_are_swept_every_ten_minutes(moment, expected):
    assert runs_at(sweep_task_imports, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (MONDAY.replace(hour=0, minute=0), True),
        (TUESDAY.replace(hour=7, minute=15), True),
        (TUESDAY.replace(hour=13, minute=30), True),
        (SUNDAY.replace(hour=23, minute=45), True),
        (TUESDAY.replace(hour=8, minute=1), False),
        (TUESDAY.replace(hour=8, minute=59), False),
    ],
)
def test_reminders_are_checked_every_15_minutes(moment, expected):
    """09:00 somewhere comes every quarter hour (zones differ by 15, 30 or 60 minutes)."""
    assert runs_at(send_due_reminders, moment) is expected


def periodic_names(moment: datetime) -> set[str]:
    return {
        task.name for task in HUEY.read_periodic(moment) if task.__module__.startswith("tasks.")
    }


def test_what_the_scheduler_starts_at_a_few_moments():
    assert periodic_names(MONDAY.replace(hour=8)) == {
        "deliver_pending_notifications",
        "schedule_weekly_digests",
        "send_due_reminders",
        "schedule_insight_snapshots",
        "sweep_task_imports",
    }
    assert periodic_names(TUESDAY.replace(hour=2)) == {
        "deliver_pending_notifications",
        "purge_deleted_records",
        "send_due_reminders",
        "schedule_insight_snapshots",
        "sweep_task_imports",
    }
    assert periodic_names(TUESDAY.replace(hour=2, minute=30)) == {
        "deliver_pending_notifications",
        "purge_deleted_organizations",
        "send_due_reminders",
        "schedule_insight_snapshots",
        "sweep_task_imports",
    }
    assert periodic_names(TUESDAY.replace(hour=3, minute=30)) == {
        "deliver_pending_notifications",
        "sync_all_billing",
        "send_due_reminders",
        "schedule_insight_snapshots",
        "sweep_task_imports",
    }
    assert periodic_names(TUESDAY.replace(hour=12, minute=34)) == {"deliver_pending_notifications"}


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (TUESDAY.replace(hour=0, minute=0), True),
        (TUESDAY.replace(hour=13, minute=10), True),
        (SUNDAY.replace(hour=23, minute=50), True),
        (TUESDAY.replace(hour=13, minute=11), False),
        (TUESDAY.replace(hour=13, minute=5), False),
    ],
)
def test_insight_snapshots_are_checked_every_10_minutes(moment, expected):
    assert runs_at(schedule_insight_snapshots, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (TUESDAY.replace(hour=0, minute=5), True),
        (SUNDAY.replace(hour=23, minute=5), True),
        (TUESDAY.replace(hour=13, minute=0), False),
        (TUESDAY.replace(hour=13, minute=6), False),
    ],
)
def test_repeating_tasks_are_checked_hourly_at_five_past(moment, expected):
    """Every zone's midnight is a whole, half or quarter hour: within the hour at most."""
    assert runs_at(create_due_occurrences, moment) is expected


def test_huey_schedules_in_utc():
    assert HUEY.utc is True
    assert settings.TIME_ZONE == "UTC"


# --- Locks ---------------------------------------------------------------------------------------

PERIODIC_LOCKS = [
    (deliver_pending_notifications, "deliver-pending-notifications"),
    (schedule_weekly_digests, "schedule-weekly-digests"),
    (purge_deleted_records, "purge-deleted-records"),
    (purge_deleted_organizations, "purge-deleted-organizations"),
    (sweep_exports, "sweep-exports"),
    (sweep_task_imports, "sweep-task-imports"),
    (sync_all_billing, "sync-all-billing"),
    (send_due_reminders, "send-due-reminders"),
    (schedule_insight_snapshots, "schedule-insight-snapshots"),
    (create_due_occurrences, "create-due-occurrences"),
    (respace_all_board_keys, "respace-board-keys"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("job", "lock"), PERIODIC_LOCKS, ids=[job_name(j) for j, _ in PERIODIC_LOCKS]
)
def test_a_periodic_job_does_not_run_while_another_run_holds_its_lock(
    job, lock, huey_memory, caplog
):
    """A run that outlasts its interval (or a second consumer) must not overlap the next."""
    ran = []

    def record(signal, task, *args):
        ran.append(signal)

    with huey_memory.lock_task(lock):
        assert huey_memory.is_locked(lock)
        # Called directly, the job refuses to start.
        with pytest.raises(TaskLockedException, match=f"unable to acquire lock {lock}"):
            job.call_local()
        # Run by Huey (as the consumer does), it is skipped: logged, not retried, no error.
        huey_memory.signal()(record)
        try:
            with caplog.at_level(logging.WARNING, logger="huey"):
                job()
        finally:
            huey_memory.disconnect_signal(record)
        assert "locked" in ran
        assert "complete" not in ran
        assert "not run, unable to acquire lock" in caplog.text
        assert huey_memory.scheduled() == []
    assert not huey_memory.is_locked(lock)

    # Once the other run let go, the job runs (and releases the lock again).
    job.call_local()
    assert not huey_memory.is_locked(lock)


@pytest.mark.django_db
def test_a_failing_run_releases_its_lock(huey_memory, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("tasks.cleanup.organization_purge_deleted", fail)
    OrganizationFactory()

    with pytest.raises(RuntimeError):
        purge_deleted_records.call_local()

    assert not huey_memory.is_locked("purge-deleted-records")


def test_every_periodic_job_has_its_own_lock():
    locks = [lock for _, lock in PERIODIC_LOCKS]
    assert len(set(locks)) == len(locks)
    periodic = {
        t.__name__ for t in HUEY._registry._periodic_tasks if t.__module__.startswith("tasks.")
    }
    assert periodic == {job_name(job) for job, _ in PERIODIC_LOCKS}


# --- Registration --------------------------------------------------------------------------------

JOBS = {
    "tasks.notifications.deliver_notification",
    "tasks.notifications.deliver_pending_notifications",
    "tasks.digests.schedule_weekly_digests",
    "tasks.digests.send_weekly_digest",
    "tasks.cleanup.purge_deleted_records",
    "tasks.cleanup.purge_deleted_organizations",
    "tasks.exports.build_organization_export",
    "tasks.exports.sweep_exports",
    "tasks.imports.run_task_import",
    "tasks.imports.sweep_task_imports",
    "tasks.billing.sync_billing_status",
    "tasks.billing.sync_all_billing",
    "tasks.reminders.send_due_reminders",
    "tasks.reminders.send_reminders",
    "tasks.board.respace_board_keys",
    "tasks.board.respace_all_board_keys",
    "tasks.insights.schedule_insight_snapshots",
    "tasks.insights.build_insight_snapshot",
}


def test_every_job_is_registered_with_huey():
    assert set(HUEY._registry._registry) >= JOBS


@pytest.mark.parametrize(
    "job",
    [deliver_notification, send_weekly_digest, sync_billing_status],
    ids=lambda j: job_name(j),
)
def test_jobs_that_talk_to_others_retry_three_times_with_backoff(job):
    assert job.retries == 3
    assert job.retry_delay == 60
    assert job.task_class.default_retry_backoff == 2


def test_the_consumer_process_registers_every_job_at_startup():
    """The consumer (``manage.py run_huey``) only runs jobs its registry knows. Check in a fresh
    interpreter that Django's start-up alone (``TasksConfig.ready``) registers them all, and
    connects the domain's signals, without any test having imported the job modules."""
    code = (
        "import json, django; django.setup();"
        "from huey.contrib.djhuey import HUEY;"
        "from workspace import signals;"
        "print(json.dumps({"
        "'jobs': sorted(HUEY._registry._registry),"
        "'receivers': {name: len(getattr(signals, name).receivers) for name in"
        " ('inbox_notified', 'member_joined', 'invitation_sent', 'billing_changed',"
        " 'organization_deleted', 'export_requested')}}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(found["jobs"]) >= JOBS
    assert found["receivers"] == {
        "inbox_notified": 1,
        "member_joined": 1,
        "invitation_sent": 1,
        "billing_changed": 1,
        "organization_deleted": 1,
        "export_requested": 1,
    }
