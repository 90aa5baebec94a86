"""The insights snapshot: what a build stores, when it can be used, when the page computes the
numbers itself instead, and which organizations the job rebuilds."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from workspace.insights import report as module
from workspace.insights.report import insights_report
from workspace.insights.rollup import VERSION, Scope, due_before, encode_due
from workspace.insights.weeks import recent_weeks
from workspace.models import (
    InsightCell,
    InsightKind,
    InsightTaskState,
    Organization,
    Priority,
    Project,
    Role,
    Task,
    TaskStatus,
    Watch,
)
from workspace.services import insights as service
from workspace.services.insights import insights_snapshot_build, organizations_due_for_snapshot
from workspace.services.members import membership_remove
from workspace.services.organizations import organization_set_time_zone
from workspace.services.projects import project_create, project_delete, project_restore
from workspace.services.tasks import task_create, task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

AUCKLAND = ZoneInfo("Pacific/Auckland")
EVERYONE = Scope()


def nz(month, day, hour=12, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=AUCKLAND)


class Team:
    def __init__(self, time_zone="Pacific/Auckland"):
        self.organization = OrganizationFactory(time_zone=time_zone)
        self.owner = MembershipFactory(
            organization=self.organization, role=Role.OWNER, user__name="Olivia Owner"
        )
        self.member = MembershipFactory(
            organization=self.organization, role=Role.MEMBER, user__name="Mia Member"
        )
        with organization_scope(self.organization), time_machine.travel(nz(1, 5), tick=False):
            self.project = project_create(
                organization=self.organization, actor=self.owner, name="Launch"
            )

    @property
    def fresh(self) -> Organization:
        return Organization.objects.get(pk=self.organization.pk)

    def task(self, moment, **fields):
        with organization_scope(self.organization), time_machine.travel(moment, tick=False):
            return task_create(
                organization=self.organization,
                actor=self.owner,
                project=fields.pop("project", self.project),
                title=fields.pop("title", "A task"),
                **fields,
            )

    def move(self, task, moment, **data):
        with organization_scope(self.organization), time_machine.travel(moment, tick=False):
            task_update(task=task, actor=self.owner, data=data)

    def build(self, moment):
        organization = self.fresh
        with organization_scope(organization), time_machine.travel(moment, tick=False):
            return insights_snapshot_build(organization=organization)

    def report(self, moment, weeks=4, scope=EVERYONE):
        organization = self.fresh
        with organization_scope(organization), time_machine.travel(moment, tick=False):
            return insights_report(
                organization=organization,
                scope=scope,
                weeks=weeks,
                now=moment,
            )


def created(report):
    return [w.created for w in report.weeks]


def test_auckland_weeks_begin_at_its_monday_midnight_across_its_clock_change():
    """Monday Apr 6, 00:30 NZST (Sunday 12:30 UTC) is in the week of Apr 6; Sunday 23:30 in the
    week before, which lasted an hour longer (daylight time ended on Apr 5)."""
    team = Team()
    team.task(nz(4, 5, 23, 30))
    team.task(nz(4, 6, 0, 30))
    team.task(nz(3, 30, 0, 0))  # the first instant of the week of Mar 30
    now = nz(4, 15)

    report = team.report(now)

    assert [w.week for w in report.weeks] == [
        date(2026, 3, 23),
        date(2026, 3, 30),
        date(2026, 4, 6),
        date(2026, 4, 13),
    ]
    assert created(report) == [0, 2, 1, 0]
    assert created(team.report(now)) == created(report)
    team.build(now)
    assert team.report(now).source == "snapshot"
    assert created(team.report(now)) == [0, 2, 1, 0]


def test_a_build_stores_a_header_weekly_rows_open_work_and_each_task_s_state():
    team = Team()
    todo = team.task(
        nz(3, 2), priority=Priority.HIGH, assignee=team.member, due_date=date(2026, 3, 9)
    )
    done = team.task(nz(3, 3))
    team.move(done, nz(3, 4), status=TaskStatus.IN_PROGRESS)
    team.move(done, nz(3, 6), status=TaskStatus.DONE)

    rollup = team.build(nz(3, 11))

    with organization_scope(team.organization):
        header = InsightCell.objects.get(kind=InsightKind.HEADER)
        assert header.built_at == nz(3, 11)
        assert header.meta["version"] == VERSION
        assert header.meta["time_zone"] == "Pacific/Auckland"
        assert header.meta["local_day"] == "2026-03-11"
        assert InsightCell.objects.count() == 1 + len(rollup.cells)
        open_work = InsightCell.objects.get(
            kind=InsightKind.OPEN, project_ref=None, assignee_ref=team.member.pk
        )
        assert (open_work.todo, open_work.overdue, open_work.priority) == (1, 1, Priority.HIGH)
        week = InsightCell.objects.get(
            kind=InsightKind.WEEK, project_ref=None, week=date(2026, 3, 2), priority=2
        )
        assert (week.created, week.completed, week.done, week.cycle) == (1, 1, 1, "172800")
        states = {s.task_id: s for s in InsightTaskState.objects.all()}
        assert states[todo.pk].status == TaskStatus.TODO
        assert states[done.pk].completed_at == nz(3, 6)
        assert {s.built_at for s in states.values()} == {nz(3, 11)}


def test_a_rebuild_rewrites_only_the_states_that_changed():
    team = Team()
    kept, changed = team.task(nz(3, 2)), team.task(nz(3, 2))
    team.build(nz(3, 3))
    team.move(changed, nz(3, 4), status=TaskStatus.IN_PROGRESS)

    team.build(nz(3, 5))

    with organization_scope(team.organization):
        built = dict(InsightTaskState.objects.values_list("task_id", "built_at"))
        assert built == {kept.pk: nz(3, 3), changed.pk: nz(3, 5)}
        assert InsightCell.objects.filter(kind=InsightKind.HEADER).count() == 1


def test_a_state_whose_task_is_gone_is_dropped():
    team = Team()
    task = team.task(nz(3, 2))
    team.build(nz(3, 3))
    with organization_scope(team.organization):
        # Gone without a trace (no cascade): its watchers go first, the foreign key wants it.
        Watch.objects.filter(task=task)._raw_delete(Watch.objects.db)
        Task.all_objects.filter(pk=task.pk)._raw_delete(Task.all_objects.db)

    team.build(nz(3, 4))

    with organization_scope(team.organization):
        assert not InsightTaskState.objects.exists()


@pytest.mark.parametrize(
    "change",
    ["time zone", "project deleted", "member removed", "a week old", "older than the period"],
)
def test_the_page_computes_the_numbers_itself_when_the_snapshot_cannot_give_them(change):
    team = Team()
    other = team.task(nz(3, 2), assignee=team.member)
    team.task(nz(3, 3))
    team.build(nz(3, 4))
    now = nz(3, 5)
    if change == "time zone":
        with organization_scope(team.organization):
            organization_set_time_zone(
                organization=team.fresh, actor=team.owner, time_zone="Europe/Paris"
            )
    elif change == "project deleted":
        with organization_scope(team.organization), time_machine.travel(now, tick=False):
            project_delete(project=other.project, actor=team.owner)
    elif change == "member removed":
        with organization_scope(team.organization), time_machine.travel(now, tick=False):
            membership_remove(membership=team.member, actor=team.owner)
    elif change == "a week old":
        now = nz(3, 12)
    else:
        now = nz(4, 20)

    report = team.report(now)

    assert report.source == "live"
    expected = {
        "time zone": [0, 0, 0, 2],
        "project deleted": [0, 0, 0, 0],
        "member removed": [0, 0, 0, 2],
        "a week old": [0, 0, 2, 0],
        "older than the period": [0, 0, 0, 0],
    }[change]
    assert created(report) == expected
    if change == "member removed":
        assert [row.name for row in report.workload] == ["Unassigned"]


def test_a_snapshot_rebuilt_while_the_page_reads_it_is_read_again():
    """The states read after the snapshot's rows may come from a newer build: the page reads
    again, and computes the numbers itself if that keeps happening."""
    team = Team()
    task = team.task(nz(3, 2))
    team.build(nz(3, 3))
    team.move(task, nz(3, 4), status=TaskStatus.IN_PROGRESS)
    with organization_scope(team.organization):
        InsightTaskState.objects.filter(task=task).update(built_at=nz(3, 4, 13))

    report = team.report(nz(3, 4, 14))

    assert report.source == "live"
    assert report.weeks[-1].stock[TaskStatus.IN_PROGRESS] == 1


def test_the_period_s_older_weeks_come_from_the_snapshot_and_this_week_is_live():
    team = Team()
    first = team.task(nz(2, 23))
    team.build(nz(3, 4))  # Wednesday of the week of Mar 2
    team.move(first, nz(3, 10), status=TaskStatus.DONE)
    team.task(nz(3, 10))

    report = team.report(nz(3, 11))

    assert report.source == "snapshot"
    assert [(w.created, w.completed) for w in report.weeks] == [(0, 0), (1, 0), (0, 0), (1, 1)]
    assert [w.stock[TaskStatus.TODO] for w in report.weeks] == [0, 1, 1, 1]
    assert [w.stock[TaskStatus.DONE] for w in report.weeks] == [0, 0, 0, 1]


def test_only_admins_change_the_time_zone_and_it_must_be_a_real_zone():
    team = Team()
    with organization_scope(team.organization):
        with pytest.raises(PermissionDenied):
            organization_set_time_zone(
                organization=team.fresh, actor=team.member, time_zone="Europe/Paris"
            )
        with pytest.raises(ValidationError):
            organization_set_time_zone(
                organization=team.fresh, actor=team.owner, time_zone="Mars/Olympus_Mons"
            )
    assert team.fresh.time_zone == "Pacific/Auckland"


# --- Which organizations the job rebuilds -------------------------------------------------------
def test_organizations_are_due_without_a_snapshot_after_a_change_or_on_a_new_day():
    team = Team()
    quiet = Team(time_zone="UTC")
    task = team.task(nz(3, 2))
    team.build(nz(3, 3, 14))  # Mar 3, 01:00 UTC
    quiet.build(nz(3, 3, 14))
    untouched = OrganizationFactory()

    assert set(organizations_due_for_snapshot(now=nz(3, 3, 15))) == {untouched.pk}

    team.move(task, nz(3, 3, 16), status=TaskStatus.DONE)
    due = organizations_due_for_snapshot(now=nz(3, 3, 17))
    assert set(due) == {team.organization.pk, untouched.pk}

    # The next day in Auckland is still the same day in UTC for a few more hours.
    next_day = datetime(2026, 3, 3, 11, 30, tzinfo=UTC)  # Mar 4, 00:30 in Auckland
    team.build(next_day - timedelta(minutes=40))
    assert team.organization.pk in organizations_due_for_snapshot(now=next_day)
    assert quiet.organization.pk not in organizations_due_for_snapshot(now=next_day)


@pytest.mark.parametrize("field", ["version", "time_zone"])
def test_a_snapshot_built_otherwise_is_due(field):
    team = Team()
    team.build(nz(3, 3))
    with organization_scope(team.organization):
        header = InsightCell.objects.get(kind=InsightKind.HEADER)
        meta = {**header.meta, field: "other"}
        InsightCell.objects.filter(pk=header.pk).update(meta=meta)

    assert team.organization.pk in organizations_due_for_snapshot(now=nz(3, 3, 13))


def test_a_project_deleted_and_restored_hides_its_tasks_in_between_from_the_flow():
    """The snapshot keeps the projects' deletions in its header: a task changed after it was
    built is re-counted with them."""
    team = Team()
    task = team.task(nz(3, 2))
    with organization_scope(team.organization), time_machine.travel(nz(3, 10), tick=False):
        project_delete(project=team.project, actor=team.owner)
    with organization_scope(team.organization), time_machine.travel(nz(3, 17), tick=False):
        project_restore(project=Project.all_objects.get(pk=team.project.pk), actor=team.owner)
    now = nz(3, 25)
    live = team.report(now)
    team.build(nz(3, 20))
    team.move(task, nz(3, 24), priority=Priority.HIGH)

    corrected = team.report(now)

    assert (live.source, corrected.source) == ("live", "snapshot")
    for report in (live, corrected):
        assert [w.stock[TaskStatus.TODO] for w in report.weeks] == [1, 0, 1, 1]
        assert [w.created for w in report.weeks] == [1, 0, 0, 0]


def test_the_scatter_and_aging_tasks_are_the_same_from_one_statement_or_a_query_per_slice():
    team = Team()
    for day in range(2, 20, 2):
        task = team.task(nz(3, day))
        team.move(task, nz(3, day, 14), status=TaskStatus.IN_PROGRESS)
        if day % 4:
            team.move(task, nz(3, day + 1), status=TaskStatus.DONE)
    now = nz(3, 25)
    organization = team.fresh
    period = recent_weeks(now, AUCKLAND, 4)
    with organization_scope(organization):
        for scope in (EVERYONE, Scope(priorities=frozenset({Priority.MEDIUM}))):
            for finished in (5, module.MOST_DOTS + 1):  # all of them, or a sample per day
                one = module._task_points(organization, scope, period, now, finished, lateral=True)
                each = module._task_points(
                    organization, scope, period, now, finished, lateral=False
                )
                assert one == each
                assert len(one[0]) == 4  # in progress
                assert len(one[1]) == 5  # finished


def test_a_build_without_copy_stores_the_same_rows():
    team = Team()
    task = team.task(nz(3, 2), assignee=team.member)
    team.move(task, nz(3, 3), status=TaskStatus.IN_PROGRESS)
    team.build(nz(3, 4))
    fields = ("kind", "week", "project_ref", "assignee_ref", "priority", "todo", "in_progress")
    with organization_scope(team.organization):
        copied = sorted(InsightCell.objects.values_list(*fields, "cycle", "due", "meta"), key=str)
        rows = list(InsightCell.objects.order_by("pk").values_list(*service.CELL_COLUMNS, "meta"))
        InsightCell.objects.all().delete()
        service._insert_cells(team.fresh, nz(3, 4), rows, copy=False)
        created = sorted(InsightCell.objects.values_list(*fields, "cycle", "due", "meta"), key=str)

    assert created == copied


def test_tasks_due_after_the_snapshot_s_day_become_overdue_as_the_days_pass():
    team = Team()
    team.task(nz(3, 2), assignee=team.member, due_date=date(2026, 3, 6))
    team.task(nz(3, 2), assignee=team.member, due_date=date(2026, 3, 8))
    team.task(nz(3, 2), assignee=team.member, due_date=date(2026, 3, 3))
    team.build(nz(3, 4))

    overdue = [team.report(nz(3, day)).workload[0].overdue for day in (4, 6, 7, 9, 11)]

    assert overdue == [1, 1, 2, 3, 3]
    assert team.report(nz(3, 11)).source == "snapshot"


@pytest.mark.parametrize(
    ("stored", "day", "count"),
    [
        ("", "2026-03-05", 0),
        ("2026-03-06:2;2026-03-08:1", "2026-03-06", 0),
        ("2026-03-06:2;2026-03-08:1", "2026-03-07", 2),
        ("2026-03-06:2;2026-03-08:1", "2026-03-09", 3),
        ({"2026-03-06": 2, "2026-03-08": 1}, "2026-03-07", 2),
    ],
)
def test_due_soon_counts_read_back(stored, day, count):
    assert due_before(stored, day) == count
    assert encode_due({"2026-03-08": 1, "2026-03-06": 2}) == "2026-03-06:2;2026-03-08:1"


def test_the_numbers_are_kept_until_something_they_count_changes(django_assert_num_queries):
    team = Team()
    task = team.task(nz(3, 2))
    team.build(nz(3, 3))
    first = team.report(nz(3, 4))

    organization = team.fresh
    with organization_scope(organization), django_assert_num_queries(2):
        # The snapshot's rows, the changes since: the rest (names included) comes from the cache.
        again = insights_report(organization=organization, scope=EVERYONE, weeks=4, now=nz(3, 4))
    team.move(task, nz(3, 4, 14), status=TaskStatus.DONE)
    changed = team.report(nz(3, 4, 15))

    assert again.weeks == first.weeks
    assert [w.completed for w in changed.weeks] == [0, 0, 0, 1]
    assert changed.source == "snapshot"
