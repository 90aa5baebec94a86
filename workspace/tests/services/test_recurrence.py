from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from workspace.models import (
    ChecklistItem,
    Organization,
    Recurrence,
    Task,
    TaskStatus,
)
from workspace.services.checklists import checklist_item_add, checklist_item_update
from workspace.services.labels import task_labels_set
from workspace.services.recurrence import (
    recurrence_advance,
    recurrence_run_due,
    recurrence_set,
    recurrence_stop,
)
from workspace.services.tasks import task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    LabelFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(in_org, member):
    project = ProjectFactory(organization=in_org)
    return TaskFactory(
        project=project,
        created_by=member.user,
        title="Water the plants",
        description="All of them",
        assignee=member,
        due_date=date(2026, 12, 2),  # a Wednesday
        custom_fields={"room": "kitchen"},
    )


def series_of(task):
    return list(
        Task.all_objects.filter(recurrence=Task.objects.get(pk=task.pk).recurrence_id)
        .order_by("occurrence")
        .values_list("occurrence", "due_date", "status")
    )


def complete(task, actor):
    task_update(task=Task.objects.get(pk=task.pk), actor=actor, data={"status": TaskStatus.DONE})


def test_completing_a_repeating_task_creates_the_next_as_a_copy(in_org, member, task):
    label = LabelFactory(organization=in_org, name="chores")
    task_labels_set(task=task, actor=member, labels=[label])
    item = checklist_item_add(task=task, actor=member, text="Fern", assignee=member)
    checklist_item_update(item=item, actor=member, done=True)
    series = recurrence_set(task=task, actor=member, frequency="weekly", weekdays=[0, 2])

    assert series.words == "Every week on Mon and Wed"
    complete(task, member)

    nxt = Task.objects.get(recurrence=series, occurrence=2)
    assert (nxt.title, nxt.description, nxt.project_id, nxt.assignee_id) == (
        "Water the plants",
        "All of them",
        task.project_id,
        member.pk,
    )
    assert nxt.due_date == date(2026, 12, 7)
    assert nxt.status == TaskStatus.TODO
    assert nxt.custom_fields == {"room": "kitchen"}
    assert list(nxt.labels.values_list("name", flat=True)) == ["chores"]
    copied = ChecklistItem.objects.get(task=nxt)
    assert (copied.text, copied.done, copied.assignee_id) == ("Fern", False, member.pk)
    assert (nxt.checklist_done, nxt.checklist_total) == (0, 1)
    assert nxt.number > task.number


def test_completing_again_after_reopening_creates_nothing_twice(member, task):
    recurrence_set(task=task, actor=member, frequency="daily")
    complete(task, member)
    task_update(task=Task.objects.get(pk=task.pk), actor=member, data={"status": "todo"})
    complete(task, member)

    assert [occurrence for occurrence, *_ in series_of(task)] == [1, 2]


def test_advancing_twice_creates_one_occurrence(member, task):
    series = recurrence_set(task=task, actor=member, frequency="daily")

    assert recurrence_advance(series=series) is not None
    created = recurrence_advance(series=series)
    assert created.occurrence == 3  # the next of the latest: never the same place twice
    assert [o for o, *_ in series_of(task)] == [1, 2, 3]


def test_count_ends_the_series(member, task):
    recurrence_set(task=task, actor=member, frequency="monthly", count=2)
    complete(task, member)
    second = Task.objects.get(recurrence__isnull=False, occurrence=2)
    complete(second, member)

    assert [(o, d) for o, d, _ in series_of(task)] == [
        (1, date(2026, 12, 2)),
        (2, date(2027, 1, 2)),
    ]
    assert Recurrence.objects.get().active is False


def test_until_ends_the_series(member, task):
    recurrence_set(task=task, actor=member, frequency="weekly", until=date(2026, 12, 9))
    complete(task, member)
    complete(Task.objects.get(occurrence=2), member)

    assert [d for _, d, _ in series_of(task)] == [date(2026, 12, 2), date(2026, 12, 9)]


def test_never_in_a_deleted_or_archived_project(member, task):
    series = recurrence_set(task=task, actor=member, frequency="daily")
    project = task.project
    project.deleted_at = timezone.now()
    project.save()

    assert recurrence_advance(series=series) is None
    project.deleted_at, project.status = None, "archived"
    project.save()
    assert recurrence_advance(series=series) is None
    assert len(series_of(task)) == 1


def test_a_stopped_series_creates_nothing(member, task):
    recurrence_set(task=task, actor=member, frequency="daily")
    recurrence_stop(task=Task.objects.get(pk=task.pk), actor=member)
    complete(task, member)

    assert len(series_of(task)) == 1


def test_a_task_without_due_date_cannot_repeat(member, task):
    task.due_date = None
    with pytest.raises(ValidationError):
        recurrence_set(task=task, actor=member, frequency="daily")


def test_a_member_of_another_organization_is_refused(task):
    with pytest.raises(PermissionDenied):
        recurrence_set(task=task, actor=MembershipFactory(), frequency="daily")


class TestTheJob:
    """Series that repeat on schedule get their next task when its date arrives in the
    organization's time zone."""

    def make_series(self, zone, due, **rule):
        organization = OrganizationFactory(time_zone=zone)
        actor = MembershipFactory(organization=organization)
        with organization_scope(organization):
            project = ProjectFactory(organization=organization)
            task = TaskFactory(project=project, due_date=due, created_by=actor.user)
            recurrence_set(task=task, actor=actor, trigger="schedule", **rule)
        return organization, task

    def dates(self, organization, task):
        with organization_scope(organization):
            return [d for _, d, _ in series_of(task)]

    def test_the_date_arrives_at_midnight_in_the_organizations_zone(self, db):
        auckland, a_task = self.make_series(
            "Pacific/Auckland", date(2026, 12, 1), frequency="weekly"
        )
        london, l_task = self.make_series("Europe/London", date(2026, 12, 1), frequency="weekly")

        # 11:30 UTC on Dec 7 is 00:30 on Dec 8 in Auckland, still Dec 7 in London.
        assert recurrence_run_due(now=datetime(2026, 12, 7, 11, 30, tzinfo=UTC)) == 1
        assert self.dates(auckland, a_task) == [date(2026, 12, 1), date(2026, 12, 8)]
        assert self.dates(london, l_task) == [date(2026, 12, 1)]

    def test_running_twice_creates_nothing_twice(self, db):
        organization, task = self.make_series("UTC", date(2026, 12, 1), frequency="daily")
        now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)

        assert recurrence_run_due(now=now) == 2  # Dec 2 and Dec 3: caught up
        assert recurrence_run_due(now=now) == 0
        assert self.dates(organization, task) == [
            date(2026, 12, 1),
            date(2026, 12, 2),
            date(2026, 12, 3),
        ]

    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            # Berlin leaves summer time on Oct 25, 2026 (03:00 CEST -> 02:00 CET).
            (datetime(2026, 10, 24, 21, 30, tzinfo=UTC), 0),  # 23:30 CEST, Oct 24
            (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), 1),  # 00:30 CEST, Oct 25
        ],
    )
    def test_dst_changes_in_the_organizations_zone(self, db, now, expected):
        _organization, _task = self.make_series(
            "Europe/Berlin", date(2026, 10, 24), frequency="daily"
        )
        assert recurrence_run_due(now=now) == expected

    def test_spring_forward_and_the_night_after(self, db):
        # Berlin enters summer time on Mar 28, 2027 (02:00 CET -> 03:00 CEST).
        organization, task = self.make_series("Europe/Berlin", date(2027, 3, 27), frequency="daily")
        assert recurrence_run_due(now=datetime(2027, 3, 27, 22, 59, tzinfo=UTC)) == 0
        assert recurrence_run_due(now=datetime(2027, 3, 27, 23, 0, tzinfo=UTC)) == 1  # 00:00
        assert recurrence_run_due(now=datetime(2027, 3, 28, 22, 0, tzinfo=UTC)) == 1  # 00:00 CEST
        assert self.dates(organization, task)[-1] == date(2027, 3, 29)

    def test_a_deleted_organization_is_skipped(self, db):
        organization, _task = self.make_series("UTC", date(2026, 12, 1), frequency="daily")
        Organization.all_objects.filter(pk=organization.pk).update(deleted_at=timezone.now())

        assert recurrence_run_due(now=datetime(2026, 12, 5, tzinfo=UTC)) == 0

    def test_series_repeating_on_completion_are_left_to_it(self, db):
        organization, _task = self.make_series("UTC", date(2026, 12, 1), frequency="daily")
        with organization_scope(organization):
            Recurrence.objects.update(trigger="completed")
        assert recurrence_run_due(now=datetime(2026, 12, 5, tzinfo=UTC)) == 0
