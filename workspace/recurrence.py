"""Repeating rules as dates: every N days, weeks (on chosen weekdays), months (on day N, or the
"second Tuesday") or years, from a start date, optionally until a date or for N times.

Pure date arithmetic (no time zones: a rule's dates are due dates, and "today" is the
organization's, see services/recurrence.py). A day a month does not have (the 31st, February
29th) falls on the month's last day."""

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

DAILY, WEEKLY, MONTHLY, YEARLY = "daily", "weekly", "monthly", "yearly"
FREQUENCIES = (DAILY, WEEKLY, MONTHLY, YEARLY)
ON_DAY, ON_WEEKDAY = "day", "weekday"
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FULL_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
UNITS = {DAILY: "day", WEEKLY: "week", MONTHLY: "month", YEARLY: "year"}
INTERVAL_MAX = 365
COUNT_MAX = 1000


@dataclass(frozen=True)
class Rule:
    start: date
    frequency: str = WEEKLY
    interval: int = 1
    weekdays: tuple[int, ...] = ()  # weekly: 0 (Monday) .. 6; none: the start's weekday
    monthly: str = ON_DAY  # monthly: the start's day of the month, or its nth weekday
    until: date | None = None
    count: int | None = None
    errors: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        errors = {}
        if self.frequency not in FREQUENCIES:
            errors["frequency"] = "Choose days, weeks, months or years."
        if not isinstance(self.interval, int) or not 1 <= self.interval <= INTERVAL_MAX:
            errors["interval"] = f"Repeat every 1 to {INTERVAL_MAX}."
        if any(day not in range(7) for day in self.weekdays):
            errors["weekdays"] = "Choose days of the week."
        if self.monthly not in (ON_DAY, ON_WEEKDAY):
            errors["monthly"] = "Choose a day of the month or a weekday."
        if self.until is not None and self.until < self.start:
            errors["until"] = "The end date comes before the first date."
        if self.count is not None and not 1 <= self.count <= COUNT_MAX:
            errors["count"] = f"Repeat 1 to {COUNT_MAX} times."
        if errors:
            from django.core.exceptions import ValidationError

            raise ValidationError(errors)

    @property
    def days_of_week(self) -> tuple[int, ...]:
        return tuple(sorted(set(self.weekdays))) or (self.start.weekday(),)

    @property
    def nth(self) -> int:
        """Which weekday of its month the start is: 1..4, or -1 for the last (a fifth)."""
        n = (self.start.day - 1) // 7 + 1
        return -1 if n == 5 else n


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _on_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, _last_day(year, month)))


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    if nth == -1:
        last = date(year, month, _last_day(year, month))
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _candidates(rule: Rule) -> Iterator[date]:
    """Every date the rule lands on from its start, in order (unbounded)."""
    start, step = rule.start, rule.interval
    if rule.frequency == DAILY:
        k = 0
        while True:
            yield start + timedelta(days=k * step)
            k += 1
    elif rule.frequency == WEEKLY:
        monday = start - timedelta(days=start.weekday())
        k = 0
        while True:
            week = monday + timedelta(weeks=k * step)
            for weekday in rule.days_of_week:
                day = week + timedelta(days=weekday)
                if day >= start:
                    yield day
            k += 1
    elif rule.frequency == MONTHLY:
        k = 0
        while True:
            months = start.month - 1 + k * step
            year, month = start.year + months // 12, months % 12 + 1
            if rule.monthly == ON_WEEKDAY:
                yield _nth_weekday(year, month, start.weekday(), rule.nth)
            else:
                yield _on_day(year, month, start.day)
            k += 1
    else:
        k = 0
        while True:
            yield _on_day(start.year + k * step, start.month, start.day)
            k += 1


def occurrences(rule: Rule) -> Iterator[date]:
    """The rule's dates, the start first, up to its end ("until" included, "count" dates)."""
    for n, day in enumerate(_candidates(rule), 1):
        if day.year > 9998 or (rule.until is not None and day > rule.until):
            return
        if rule.count is not None and n > rule.count:
            return
        yield day


def nth_occurrence(rule: Rule, n: int) -> date | None:
    """The ``n``th date (1 is the start), or None past the rule's end."""
    for index, day in enumerate(occurrences(rule), 1):
        if index == n:
            return day
    return None


def describe(rule: Rule) -> str:
    """The rule in words: "Every 2 weeks on Mon and Thu, 5 times"."""
    unit = UNITS[rule.frequency]
    words = f"Every {unit}" if rule.interval == 1 else f"Every {rule.interval} {unit}s"
    if rule.frequency == DAILY and rule.interval == 1:
        words = "Every day"
    if rule.frequency == WEEKLY:
        days = [WEEKDAY_NAMES[d] for d in rule.days_of_week]
        joined = days[0] if len(days) == 1 else ", ".join(days[:-1]) + " and " + days[-1]
        words += f" on {joined}"
    elif rule.frequency == MONTHLY:
        if rule.monthly == ON_WEEKDAY:
            words += f" on the {ORDINALS[rule.nth]} {FULL_WEEKDAYS[rule.start.weekday()]}"
        else:
            words += f" on day {rule.start.day}"
            if rule.start.day > 28:
                words += " (or the month's last day)"
    elif rule.frequency == YEARLY:
        words += f" on {rule.start:%b} {rule.start.day}"
    if rule.until is not None:
        words += f", until {rule.until:%b} {rule.until.day}, {rule.until.year}"
    elif rule.count is not None:
        words += ", once" if rule.count == 1 else f", {rule.count} times"
    return words
