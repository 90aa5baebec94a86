"""Repeating tasks. A task can repeat on a rule (workspace/recurrence.py) starting on its due
date; the next occurrence is created when the task is completed or when its date arrives in the
organization's time zone (the rule's trigger), as a copy: title, description, project,
assignee, labels, checklist (unticked) and custom fields. Creating an occurrence is idempotent:
each has its place in its series, unique per series (``task_unique_occurrence``)."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from workspace import recurrence as rules
from workspace.audit import audit_record
from workspace.models import (
    AuditAction,
    ChecklistItem,
    Membership,
    Organization,
    Recurrence,
    RecurrenceTrigger,
    Task,
    TaskLabel,
)
from workspace.tenancy import all_tenants, organization_scope

CATCH_UP_MAX = 31  # occurrences one run creates per series at most (after a long outage)


def _member_of(actor: Membership, task: Task) -> None:
    if actor.organization_id != task.organization_id:
        raise PermissionDenied("Not a member of this organization.")


@transaction.atomic
def recurrence_set(
    *,
    task: Task,
    actor: Membership,
    frequency: str,
    interval: int = 1,
    weekdays=(),
    monthly: str = rules.ON_DAY,
    until: date | None = None,
    count: int | None = None,
    trigger: str = RecurrenceTrigger.COMPLETED,
) -> Recurrence:
    """Make the task repeat (or change how its series repeats), starting on its due date."""
    _member_of(actor, task)
    if task.due_date is None:
        raise ValidationError({"frequency": "Give the task a due date first: it repeats from it."})
    if trigger not in RecurrenceTrigger.values:
        raise ValidationError({"trigger": "Choose when the next one is created."})
    series = task.recurrence if task.recurrence_id else None
    # The series starts on the first task's due date; changing it from a later task starts
    # the rule over from that task.
    start = task.due_date
    rule = rules.Rule(
        start=start,
        frequency=frequency,
        interval=interval,
        weekdays=tuple(sorted(set(weekdays))),
        monthly=monthly,
        until=until,
        count=count,
    )
    before = series.words if series else None
    if series is None:
        series = Recurrence(organization_id=task.organization_id, created_by=actor)
    series.frequency, series.interval = rule.frequency, rule.interval
    series.weekdays, series.monthly = list(rule.weekdays), rule.monthly
    series.start, series.until, series.count = start, until, count
    series.trigger, series.active = trigger, True
    series.save()
    if task.recurrence_id != series.pk or task.occurrence != 1:
        # This task is the series' first: the count starts again from it.
        Task.objects.filter(recurrence=series).exclude(pk=task.pk).update(
            occurrence=None, recurrence=None
        )
        task.recurrence, task.occurrence = series, 1
        task.save(update_fields=["recurrence", "occurrence", "updated_at"])
    if before != series.words:
        audit_record(
            organization=task.organization,
            actor=actor,
            action=AuditAction.UPDATED,
            target=task,
            changed_fields={"repeat": [before, series.words]},
        )
    return series


@transaction.atomic
def recurrence_stop(*, task: Task, actor: Membership) -> None:
    """The task no longer repeats (tasks already created stay)."""
    _member_of(actor, task)
    if not task.recurrence_id:
        return
    series = task.recurrence
    series.active = False
    series.save(update_fields=["active", "updated_at"])
    audit_record(
        organization=task.organization,
        actor=actor,
        action=AuditAction.UPDATED,
        target=task,
        changed_fields={"repeat": [series.words, None]},
    )


def next_date(series: Recurrence, latest: Task) -> date | None:
    """The due date of the occurrence after ``latest``, or None past the rule's end."""
    if latest.occurrence is None:
        return None
    return rules.nth_occurrence(series.rule, latest.occurrence + 1)


def _copy(latest: Task, due: date, series: Recurrence) -> Task:
    from workspace.services.tasks import allocate_numbers

    task = Task(
        organization_id=latest.organization_id,
        project_id=latest.project_id,
        title=latest.title,
        description=latest.description,
        description_html=latest.description_html,
        priority=latest.priority,
        due_date=due,
        assignee_id=latest.assignee_id,
        created_by_id=latest.created_by_id,
        custom_fields=dict(latest.custom_fields or {}),
        recurrence=series,
        occurrence=latest.occurrence + 1,
    )
    items = list(ChecklistItem.objects.filter(task=latest).order_by("position", "pk"))
    task.checklist_total = len(items)
    task.number = allocate_numbers(latest.organization)
    task.save()
    TaskLabel.objects.bulk_create(
        [
            TaskLabel(organization_id=task.organization_id, task=task, label_id=label_id)
            for label_id in TaskLabel.objects.filter(task=latest).values_list("label_id", flat=True)
        ]
    )
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(
                organization_id=task.organization_id,
                task=task,
                text=item.text,
                assignee_id=item.assignee_id,
                position=n,
            )
            for n, item in enumerate(items)
        ]
    )
    audit_record(
        organization=latest.organization,
        actor=None,
        action=AuditAction.CREATED,
        target=task,
        changed_fields={"repeat": [None, f"{series.words} (after #{latest.number})"]},
    )
    return task


def recurrence_advance(*, series: Recurrence, today: date | None = None) -> Task | None:
    """Create the series' next occurrence, unless it exists already, the rule has ended, or its
    project is deleted or archived. With ``today``, only an occurrence due by then. Returns the
    task created, or None."""
    with transaction.atomic():
        series = Recurrence.objects.select_for_update().filter(pk=series.pk).first()
        if series is None or not series.active:
            return None
        latest = (
            Task.all_objects.filter(recurrence=series, occurrence__isnull=False)
            .select_related("project", "organization")
            .order_by("-occurrence")
            .first()
        )
        if latest is None or latest.project.deleted_at is not None:
            return None
        if not latest.project.is_active:
            return None
        due = next_date(series, latest)
        if due is None:
            series.active = False
            series.save(update_fields=["active", "updated_at"])
            return None
        if today is not None and due > today:
            return None
        try:
            with transaction.atomic():
                return _copy(latest, due, series)
        except IntegrityError:
            return None  # created meanwhile by someone else: nothing to do twice


def on_task_completed(task: Task) -> Task | None:
    """``task_update`` calls this when a task moves to Done (in its transaction)."""
    if not task.recurrence_id or task.occurrence is None:
        return None
    series = Recurrence.objects.filter(pk=task.recurrence_id).first()
    if series is None or series.trigger != RecurrenceTrigger.COMPLETED:
        return None
    latest = (
        Task.all_objects.filter(recurrence=series).order_by("-occurrence").values("occurrence")
    ).first()
    if latest and latest["occurrence"] > task.occurrence:
        return None  # the next one exists already (completed, reopened, completed again)
    return recurrence_advance(series=series)


def recurrence_run_due(*, now: datetime | None = None) -> int:
    """For the job: every scheduled series whose next date has arrived in its organization's
    time zone gets its occurrences up to today. Returns how many tasks were created."""
    now = now or timezone.now()
    with all_tenants():
        due = list(
            Recurrence.objects.filter(active=True, trigger=RecurrenceTrigger.SCHEDULE)
            .exclude(organization__deleted_at__isnull=False)
            .values_list("pk", "organization_id")
        )
    created = 0
    organizations: dict[int, Organization] = {}
    for pk, organization_id in due:
        if organization_id not in organizations:
            organizations[organization_id] = Organization.objects.get(pk=organization_id)
        organization = organizations[organization_id]
        today = timezone.localtime(now, organization.tzinfo).date()
        with organization_scope(organization):
            series = Recurrence.objects.get(pk=pk)
            for _ in range(CATCH_UP_MAX):
                if recurrence_advance(series=series, today=today) is None:
                    break
                created += 1
    return created
