"""The 09:00 reminders: at nine in each member's own time zone, on both sides of daylight saving
time changes, once per member and local day however often the job runs."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tasks.reminders import send_due_reminders, send_reminders
from workspace.models import EventKind, InboxItem, Notification, ReminderRun, TaskStatus
from workspace.services.reminders import reminders_due, reminders_send
from workspace.tenancy import all_tenants, organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _queue(huey_memory):
    """Jobs run inline (immediate mode); the in-memory schedule starts empty."""


def member_in(organization, zone: str, **user):
    return MembershipFactory(organization=organization, user__time_zone=zone, **user)


def task_for(membership, due: date, **fields):
    with organization_scope(membership.organization):
        project = ProjectFactory(organization=membership.organization)
        return TaskFactory(project=project, assignee=membership, due_date=due, **fields)


def items_of(membership):
    with organization_scope(membership.organization):
        return list(InboxItem.objects.filter(recipient=membership).select_related("task"))


def runs_of(membership):
    with organization_scope(membership.organization):
        return list(
            ReminderRun.objects.filter(membership=membership)
            .order_by("local_date")
            .values_list("local_date", flat=True)
        )


NINE_AM = [
    # zone, local day, 09:00 that day in UTC
    ("America/New_York", date(2026, 3, 7), datetime(2026, 3, 7, 14, 0, tzinfo=UTC)),  # EST
    ("America/New_York", date(2026, 3, 8), datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),  # EDT
    ("America/New_York", date(2026, 10, 31), datetime(2026, 10, 31, 13, 0, tzinfo=UTC)),
    ("America/New_York", date(2026, 11, 1), datetime(2026, 11, 1, 14, 0, tzinfo=UTC)),
    ("Europe/Berlin", date(2026, 3, 28), datetime(2026, 3, 28, 8, 0, tzinfo=UTC)),  # CET
    ("Europe/Berlin", date(2026, 3, 29), datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),  # CEST
    ("Europe/Berlin", date(2026, 10, 25), datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),
    # Auckland is a day ahead of UTC; its summer time ends in April and starts in September.
    ("Pacific/Auckland", date(2026, 4, 4), datetime(2026, 4, 3, 20, 0, tzinfo=UTC)),  # NZDT
    ("Pacific/Auckland", date(2026, 4, 5), datetime(2026, 4, 4, 21, 0, tzinfo=UTC)),  # NZST
    ("Pacific/Auckland", date(2026, 9, 27), datetime(2026, 9, 26, 20, 0, tzinfo=UTC)),
    ("UTC", date(2026, 3, 8), datetime(2026, 3, 8, 9, 0, tzinfo=UTC)),
    ("", date(2026, 3, 8), datetime(2026, 3, 8, 9, 0, tzinfo=UTC)),  # never chose: UTC
]


@pytest.mark.parametrize(
    ("zone", "day", "nine"), NINE_AM, ids=[f"{z or 'unset'}-{d}" for z, d, _ in NINE_AM]
)
def test_reminders_are_due_from_nine_local_time(organization, zone, day, nine):
    member = member_in(organization, zone)
    task_for(member, due=day + timedelta(days=1))

    assert reminders_due(now=nine - timedelta(minutes=1)) == []
    assert reminders_due(now=nine) == [(organization.pk, member.pk, day)]
    assert reminders_due(now=nine + timedelta(hours=14)) == [(organization.pk, member.pk, day)]


def test_the_job_reminds_once_per_local_day_across_the_switch_to_summer_time(organization):
    """Run as the consumer does, every 15 minutes for two days around New York's change to
    daylight saving time: one reminder each morning, at 09:00 local time each day."""
    member = member_in(organization, "America/New_York")
    task_for(member, due=date(2026, 3, 1), title="File the taxes")

    sent_at = []
    moment = datetime(2026, 3, 7, 6, 0, tzinfo=UTC)  # 01:00 in New York
    while moment < datetime(2026, 3, 9, 12, 0, tzinfo=UTC):
        with time_machine.travel(moment, tick=False):
            if send_due_reminders.call_local():
                sent_at.append(moment)
        moment += timedelta(minutes=15)

    assert sent_at == [
        datetime(2026, 3, 7, 14, 0, tzinfo=UTC),  # 09:00 EST
        datetime(2026, 3, 8, 13, 0, tzinfo=UTC),  # 09:00 EDT
    ]
    assert runs_of(member) == [date(2026, 3, 7), date(2026, 3, 8)]
    [item] = items_of(member)
    assert item.kind == EventKind.OVERDUE
    assert item.unread_events == 2  # an overdue reminder each day, in one thread
    assert item.recent[0]["due"] == "2026-03-01"


def test_a_late_run_still_reminds_that_day_and_a_repeated_one_does_not(organization):
    member = member_in(organization, "Europe/Berlin")
    task_for(member, due=date(2026, 3, 11))

    with time_machine.travel(datetime(2026, 3, 10, 15, 40, tzinfo=UTC), tick=False):  # 16:40
        assert send_due_reminders.call_local() == 1
        assert send_due_reminders.call_local() == 0
        # The job for the same member and day, queued twice, reminds once.
        assert send_reminders.call_local(organization.pk, [[member.pk, "2026-03-10"]]) == {
            "members": 0,
            "due_tomorrow": 0,
            "overdue": 0,
        }

    [item] = items_of(member)
    assert item.kind == EventKind.DUE_TOMORROW
    assert item.unread_events == 1


def test_tomorrow_and_overdue_are_the_members_own_calendar_days(organization):
    """At 21:00 UTC on April 4 it is already 09:00 on April 5 in Auckland, and 17:00 on April 4
    in New York."""
    kiwi = member_in(organization, "Pacific/Auckland")
    yankee = member_in(organization, "America/New_York")
    for member in (kiwi, yankee):
        task_for(member, due=date(2026, 4, 5), title=f"Due April 5 for {member.pk}")
        task_for(member, due=date(2026, 4, 6), title=f"Due April 6 for {member.pk}")

    with time_machine.travel(datetime(2026, 4, 4, 21, 0, tzinfo=UTC), tick=False):
        send_due_reminders.call_local()

    def reminded(member):
        return sorted((i.task.due_date.day, i.kind) for i in items_of(member))

    assert reminded(kiwi) == [(6, EventKind.DUE_TOMORROW)]  # April 5 is today there
    assert reminded(yankee) == [(5, EventKind.DUE_TOMORROW)]  # April 6 is two days away


def test_only_open_live_tasks_assigned_to_the_member_are_reminded(organization):
    member = member_in(organization, "UTC")
    other = member_in(organization, "UTC")
    task_for(member, due=date(2026, 3, 9), title="Overdue and open")
    task_for(member, due=date(2026, 3, 9), status=TaskStatus.DONE)
    task_for(member, due=date(2026, 3, 9), status=TaskStatus.CANCELLED)
    task_for(member, due=date(2026, 3, 9), deleted_at=datetime(2026, 3, 9, tzinfo=UTC))
    task_for(member, due=date(2026, 3, 20))
    task_for(other, due=None)

    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=UTC), tick=False):
        assert send_due_reminders.call_local() == 1  # the other member has nothing due

    assert [i.task.title for i in items_of(member)] == ["Overdue and open"]
    assert runs_of(other) == []


def test_reminders_are_e_mailed_only_to_who_opted_in(
    organization, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    in_app = member_in(organization, "Europe/Berlin", user__email_bundle_minutes=0)
    mailed = member_in(
        organization,
        "Europe/Berlin",
        user__email_bundle_minutes=0,
        user__notification_channels={"reminders": "email"},
        user__email="eve@example.com",
    )
    for member in (in_app, mailed):
        task_for(member, due=date(2026, 3, 11), title="Book the venue")

    with (
        time_machine.travel(datetime(2026, 3, 10, 8, 0, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        send_due_reminders.call_local()

    [message] = mailoutbox
    assert message.to == ["eve@example.com"]
    assert "Book the venue is due tomorrow" in message.subject
    assert "Due tomorrow, Mar 10, 09:00 CET" in message.body  # her time
    assert len(items_of(in_app)) == 1


def test_a_member_who_left_before_the_job_ran_is_skipped(organization):
    member = member_in(organization, "UTC")
    task_for(member, due=date(2026, 3, 1))
    with organization_scope(organization):
        pk = member.pk
        member.delete()

    assert send_reminders.call_local(organization.pk, [[pk, "2026-03-10"]])["members"] == 0


def test_reminders_send_refuses_a_second_run_for_the_same_day(organization):
    member = member_in(organization, "UTC")
    task_for(member, due=date(2026, 3, 1))

    with organization_scope(organization):
        first = reminders_send(membership=member, local_date=date(2026, 3, 10))
        again = reminders_send(membership=member, local_date=date(2026, 3, 10))

    assert first == {"due_tomorrow": 0, "overdue": 1}
    assert again is None
    with all_tenants():
        assert Notification.objects.count() == 0  # reminders stay in the app by default
