"""Every series of the insights report on a history built through the services (time-machine),
checked value by value: computed live (no snapshot), from a snapshot built now, and from an
older snapshot corrected by what changed since. The organization is in America/Los_Angeles,
whose clocks moved on Sunday March 8, 2026, inside the first week of the period."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from workspace.insights.report import insights_report
from workspace.insights.rollup import Scope
from workspace.models import InsightCell, Organization, Priority, Role, TaskStatus
from workspace.services.insights import insights_snapshot_build
from workspace.services.projects import project_create
from workspace.services.tasks import task_create, task_delete, task_restore, task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 3, 25, 12, 0, tzinfo=LA)  # Wednesday of the fourth week
WEEKS = [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16), date(2026, 3, 23)]
HOUR = 3600
DAY = 24 * HOUR
EVERYONE = Scope()
TODO, IN_PROGRESS, DONE, CANCELLED = (
    TaskStatus.TODO,
    TaskStatus.IN_PROGRESS,
    TaskStatus.DONE,
    TaskStatus.CANCELLED,
)


def at(month, day, hour=12, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=LA)


def elapsed(start, end) -> float:
    """Seconds between two instants (aware datetimes of one zone subtract as wall times)."""
    return end.timestamp() - start.timestamp()


class History:
    """Acme's March. Tasks (project, assignee, priority):

    A Website, Mia, medium: created W1, in progress W1, done W2, back in progress W3, done W4.
    B Website, Mia -> Adam (on Mar 24), high: created W1, deleted W2, restored W3.
    C App, nobody, low: created Sunday Mar 15 23:30 (W2 here, Monday in UTC), done Monday
      00:30 (W3); never in progress, so no cycle time.
    D App, Adam, urgent, due Mar 20: created at the first instant of W1, in progress an hour
      later, still is (overdue, and the oldest work in progress).
    E Website, Mia, medium: created and deleted in W3.
    F App, Mia, low: created before the period, cancelled W2.
    G Website, Adam, high: created W4, in progress, done before now (57 hours).
    """

    def __init__(self):
        self.organization = OrganizationFactory(
            name="Acme", slug="acme", time_zone="America/Los_Angeles"
        )
        self.adam = MembershipFactory(
            organization=self.organization, role=Role.ADMIN, user__name="Adam Admin"
        )
        self.mia = MembershipFactory(
            organization=self.organization, role=Role.MEMBER, user__name="Mia Member"
        )
        self.tasks = {}

    def travel(self, moment):
        return time_machine.travel(moment, tick=False)

    def create(self, key, moment, project, assignee, priority, **fields):
        with self.travel(moment):
            self.tasks[key] = task_create(
                organization=self.organization,
                actor=self.adam,
                project=project,
                title=f"Task {key}",
                assignee=assignee,
                priority=priority,
                **fields,
            )

    def move(self, key, moment, **data):
        with self.travel(moment):
            task_update(task=self.tasks[key], actor=self.adam, data=data)

    def delete(self, key, moment):
        with self.travel(moment):
            task_delete(task=self.tasks[key], actor=self.adam)

    def restore(self, key, moment):
        with self.travel(moment):
            task_restore(task=self.tasks[key], actor=self.adam)

    def before_snapshot(self):
        with organization_scope(self.organization):
            with self.travel(at(2, 1)):
                self.website = project_create(
                    organization=self.organization, actor=self.adam, name="Website"
                )
                self.app = project_create(
                    organization=self.organization, actor=self.adam, name="App"
                )
            self.create("F", at(2, 20), self.app, self.mia, Priority.LOW)
            self.create(
                "D",
                at(3, 2, 0, 0),
                self.app,
                self.adam,
                Priority.URGENT,
                due_date=date(2026, 3, 20),
            )
            self.move("D", at(3, 2, 1, 0), status=IN_PROGRESS)
            self.create("A", at(3, 3, 10), self.website, self.mia, Priority.MEDIUM)
            self.move("A", at(3, 4, 9), status=IN_PROGRESS)
            self.create("B", at(3, 5), self.website, self.mia, Priority.HIGH)
            self.move("A", at(3, 10), status=DONE)
            self.delete("B", at(3, 11))
            self.move("F", at(3, 12), status=CANCELLED)
            self.create("C", at(3, 15, 23, 30), self.app, None, Priority.LOW)
            self.move("C", at(3, 16, 0, 30), status=DONE)
            self.move("A", at(3, 17), status=IN_PROGRESS)
            self.restore("B", at(3, 18))
            self.create("E", at(3, 20), self.website, self.mia, Priority.MEDIUM)
            self.delete("E", at(3, 21))

    def after_snapshot(self):
        """Sunday Mar 22 noon onwards: what an older snapshot has not seen."""
        with organization_scope(self.organization):
            self.create("G", at(3, 23, 1, 0), self.website, self.adam, Priority.HIGH)
            self.move("G", at(3, 23, 2, 0), status=IN_PROGRESS)
            self.move("A", at(3, 24, 9), status=DONE)
            self.move("B", at(3, 24, 10), assignee=self.adam)
            self.move("G", at(3, 25, 11, 0), status=DONE)

    def report(self, scope=EVERYONE, weeks=4):
        organization = Organization.objects.get(pk=self.organization.pk)
        with organization_scope(organization), self.travel(NOW):
            return insights_report(
                organization=organization,
                scope=scope,
                weeks=weeks,
                now=NOW,
            )

    def snapshot(self, moment):
        organization = Organization.objects.get(pk=self.organization.pk)
        with organization_scope(organization), self.travel(moment):
            insights_snapshot_build(organization=organization)


@pytest.fixture
def history():
    built = History()
    built.before_snapshot()
    built.after_snapshot()
    return built


@pytest.fixture(params=["live", "snapshot now", "older snapshot"])
def source(request):
    """How the report gets its numbers; each must give the same."""
    return request.param


@pytest.fixture
def acme(source):
    built = History()
    built.before_snapshot()
    if source == "older snapshot":
        built.snapshot(at(3, 22, 12))
    built.after_snapshot()
    if source == "snapshot now":
        built.snapshot(NOW - timedelta(minutes=30))
    return built


def flow(report):
    return [
        (w.stock[TODO], w.stock[IN_PROGRESS], w.stock[DONE], w.stock[CANCELLED])
        for w in report.weeks
    ]


def throughput(report):
    return [(w.created, w.completed) for w in report.weeks]


# The cycle times of A (first started Mar 4 09:00, finally done Mar 24 09:00: 20 days less
# the hour the clocks skipped) and G (Mar 23 02:00 to Mar 25 11:00: 57 hours).
A_CYCLE = 20 * DAY - HOUR
G_CYCLE = 57 * HOUR


def test_the_report_covers_the_period_s_weeks_in_the_organization_s_zone(acme, source):
    report = acme.report()

    assert [w.week for w in report.weeks] == WEEKS
    assert report.source == ("live" if source == "live" else "snapshot")
    with organization_scope(acme.organization):
        assert InsightCell.objects.exists() is (source != "live")


def test_cumulative_flow_is_the_status_at_each_week_s_end_from_the_history(acme):
    """End of W1: A and D in progress, B and F to do. End of W2: A done, B deleted, C just
    created, F cancelled. End of W3: A back in progress, B restored, C done, E gone again.
    Now: A and G done."""
    assert flow(acme.report()) == [
        (2, 2, 0, 0),
        (1, 1, 1, 1),
        (1, 2, 1, 1),
        (1, 1, 3, 1),
    ]


def test_throughput_counts_live_tasks_at_their_latest_completion(acme):
    """E was deleted (not counted as created); A completed in W2 but was reopened: it counts in
    W4, where it was finally done; C was created on Sunday night, local time (W2)."""
    assert throughput(acme.report()) == [(3, 0), (1, 0), (0, 1), (1, 2)]


def test_cycle_time_runs_from_the_first_start_to_the_last_completion(acme):
    report = acme.report()

    assert [w.cycle_count for w in report.weeks] == [0, 0, 0, 2]  # C was never in progress
    last = report.weeks[-1]
    assert last.cycle_median == pytest.approx((A_CYCLE + G_CYCLE) / 2)
    assert last.cycle_p85 == pytest.approx(G_CYCLE + 0.85 * (A_CYCLE - G_CYCLE))
    assert report.cycle_median == pytest.approx((A_CYCLE + G_CYCLE) / 2)
    assert [(p.number, p.seconds) for p in report.finished] == [
        (acme.tasks["A"].number, A_CYCLE),
        (acme.tasks["G"].number, G_CYCLE),
    ]


def test_workload_counts_open_tasks_now_per_assignee_and_priority(acme):
    """B moved to Adam on Mar 24; D is overdue (due Mar 20)."""
    workload = {
        row.name: (row.by_priority, row.in_progress, row.overdue) for row in acme.report().workload
    }

    assert workload == {"Adam Admin": ({Priority.URGENT: 1, Priority.HIGH: 1}, 1, 1)}


def test_aging_lists_the_oldest_work_in_progress(acme):
    report = acme.report()

    assert [(p.number, p.seconds) for p in report.aging] == [
        (acme.tasks["D"].number, elapsed(at(3, 2, 1, 0), NOW))
    ]


def test_an_assignee_filter_counts_tasks_by_who_has_them_now(acme):
    """Mia now has A, E (deleted) and F: B moved to Adam after the older snapshot, and leaves
    her past weeks too."""
    mia = acme.report(Scope(by_assignee=True, assignee=acme.mia.pk))
    adam = acme.report(Scope(by_assignee=True, assignee=acme.adam.pk))

    assert flow(mia) == [(1, 1, 0, 0), (0, 0, 1, 1), (0, 1, 0, 1), (0, 0, 1, 1)]
    assert throughput(mia) == [(1, 0), (0, 0), (0, 0), (0, 1)]
    assert flow(adam) == [(1, 1, 0, 0), (0, 1, 0, 0), (1, 1, 0, 0), (1, 1, 1, 0)]
    assert throughput(adam) == [(2, 0), (0, 0), (0, 0), (1, 1)]
    assert [w.cycle_count for w in adam.weeks] == [0, 0, 0, 1]
    assert mia.workload == []


def test_unassigned_priority_and_project_filters(acme):
    nobody = acme.report(Scope(by_assignee=True, assignee=None))
    urgent = acme.report(Scope(priorities=frozenset({Priority.URGENT})))
    app = acme.report(Scope(project=acme.app.pk))

    assert flow(nobody) == [(0, 0, 0, 0), (1, 0, 0, 0), (0, 0, 1, 0), (0, 0, 1, 0)]
    assert throughput(nobody) == [(0, 0), (1, 0), (0, 1), (0, 0)]
    assert flow(urgent) == [(0, 1, 0, 0)] * 4
    assert throughput(urgent) == [(1, 0), (0, 0), (0, 0), (0, 0)]
    assert flow(app) == [(1, 1, 0, 0), (1, 1, 0, 1), (0, 1, 1, 1), (0, 1, 1, 1)]
    assert throughput(app) == [(1, 0), (1, 0), (0, 1), (0, 0)]
    assert [p.number for p in app.aging] == [acme.tasks["D"].number]
    assert [row.name for row in app.workload] == ["Adam Admin"]


def test_a_longer_period_starts_earlier(acme):
    report = acme.report(weeks=12)

    assert len(report.weeks) == 12
    assert report.weeks[-4:] == acme.report().weeks
    assert report.weeks[0].week == date(2026, 1, 5)
    # F existed (to do) since Feb 20: the weeks ending Feb 23 and Mar 2 count it.
    assert [w.stock[TODO] for w in report.weeks[6:8]] == [1, 1]
    assert throughput(report)[6] == (1, 0)


def test_the_same_history_in_utc_puts_sunday_night_in_the_next_week(history):
    """C was created on Sunday Mar 15 at 23:30 in Los Angeles: Monday 06:30 UTC."""
    Organization.objects.filter(pk=history.organization.pk).update(time_zone="UTC")

    report = history.report()

    assert [w.week for w in report.weeks] == WEEKS
    assert throughput(report)[1:3] == [(0, 0), (1, 1)]
