"""The 09:00 reminders: "due tomorrow" and, every day, "overdue", for the tasks assigned to a
member, at 09:00 in the member's own time zone. Once per member and day of their calendar
(``ReminderRun``), however often the job runs and whatever the daylight saving time does."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef

from accounts.models import User, zone
from workspace.models import OPEN_STATUSES, EventKind, Membership, ReminderRun, Task
from workspace.services.inbox import inbox_notify
from workspace.tenancy import all_tenants

REMINDER_TIME = time(9, 0)
# Per member, day and kind: the most urgent tasks only.
REMINDER_LIMIT = 50


def local_dates_past_reminder_time(*, now: datetime, zone_names) -> dict[date, list[str]]:
    """The zones among ``zone_names`` where it is 09:00 or later now, by their local date."""
    by_date: dict[date, list[str]] = defaultdict(list)
    for name in zone_names:
        local = now.astimezone(zone(name))
        if local.time() >= REMINDER_TIME:
            by_date[local.date()].append(name)
    return dict(by_date)


def reminders_due(*, now: datetime) -> list[tuple[int, int, date]]:
    """(organization id, membership id, local date) of every member whose local time has passed
    09:00 today, who has an open task due by tomorrow, and who was not reminded today yet.
    Reads across organizations (the periodic job's starting point)."""
    with all_tenants():
        zone_names = set(
            User.objects.filter(is_active=True, memberships__isnull=False)
            .values_list("time_zone", flat=True)
            .distinct()
        )
        due = []
        for local_date, names in local_dates_past_reminder_time(
            now=now, zone_names=zone_names
        ).items():
            has_due_tasks = Exists(
                Task.objects.filter(
                    organization=OuterRef("organization"),
                    assignee=OuterRef("pk"),
                    status__in=OPEN_STATUSES,
                    due_date__lte=local_date + timedelta(days=1),
                )
            )
            members = (
                Membership.objects.filter(user__time_zone__in=names, user__is_active=True)
                .filter(has_due_tasks)
                .exclude(reminder_runs__local_date=local_date)
                .order_by("organization_id", "pk")
                .values_list("organization_id", "pk")
            )
            due.extend((org, pk, local_date) for org, pk in members)
    return due


@transaction.atomic
def reminders_send(*, membership: Membership, local_date: date) -> dict[str, int] | None:
    """Remind the member (in the app, and by e-mail if they chose so) of their open tasks due on
    the day after ``local_date`` and of those overdue on it. None when this member was already
    reminded on that day. Runs in the membership's organization scope."""
    _run, created = ReminderRun.objects.get_or_create(
        organization_id=membership.organization_id, membership=membership, local_date=local_date
    )
    if not created:
        return None
    tomorrow = local_date + timedelta(days=1)
    tasks = Task.objects.filter(
        organization=membership.organization_id, assignee=membership, status__in=OPEN_STATUSES
    )
    sent = {"due_tomorrow": 0, "overdue": 0}
    for kind, chosen in (
        (EventKind.DUE_TOMORROW, tasks.filter(due_date=tomorrow).order_by("-priority", "number")),
        (EventKind.OVERDUE, tasks.filter(due_date__lt=local_date).order_by("due_date", "number")),
    ):
        for task in chosen[:REMINDER_LIMIT]:
            inbox_notify(
                task=task,
                actor=None,
                kind=kind,
                recipients=[membership],
                detail={"due": task.due_date.isoformat()},
            )
            sent[kind.value] += 1
    return sent
