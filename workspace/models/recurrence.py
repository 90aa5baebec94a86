"""A repeating task: the rule its series follows (workspace/recurrence.py does the dates)."""

from django.db import models

from workspace import recurrence as rules

from .base import TenantModel, TimeStampedModel, tenant_manager


class RecurrenceTrigger(models.TextChoices):
    COMPLETED = "completed", "When it is completed"
    SCHEDULE = "schedule", "When the next date arrives"


class Recurrence(TenantModel, TimeStampedModel):
    """The rule of a series of tasks. Each task of the series carries its place in it
    (``Task.occurrence``, 1 for the first), unique per series: an occurrence is never created
    twice, whoever (completion, the job) tries."""

    frequency = models.CharField(
        max_length=10,
        choices=[(f, rules.UNITS[f].capitalize() + "s") for f in rules.FREQUENCIES],
        default=rules.WEEKLY,
    )
    interval = models.PositiveSmallIntegerField(default=1)
    weekdays = models.JSONField(default=list, blank=True)
    monthly = models.CharField(max_length=10, default=rules.ON_DAY)
    start = models.DateField()
    until = models.DateField(null=True, blank=True)
    count = models.PositiveSmallIntegerField(null=True, blank=True)
    trigger = models.CharField(
        max_length=10, choices=RecurrenceTrigger.choices, default=RecurrenceTrigger.COMPLETED
    )
    # False once the rule has no date left (or the series was stopped).
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        "workspace.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = tenant_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["trigger"], name="recurrence_active", condition=models.Q(active=True)
            )
        ]

    def __str__(self) -> str:
        return self.words

    @property
    def rule(self) -> rules.Rule:
        return rules.Rule(
            start=self.start,
            frequency=self.frequency,
            interval=self.interval,
            weekdays=tuple(self.weekdays or ()),
            monthly=self.monthly,
            until=self.until,
            count=self.count,
        )

    @property
    def words(self) -> str:
        return rules.describe(self.rule)
