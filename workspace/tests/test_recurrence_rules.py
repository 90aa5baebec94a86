"""Repeating rules as dates: month ends, leap years, weekdays, "until" and "count"."""

from datetime import date
from itertools import islice

import pytest
from django.core.exceptions import ValidationError

from workspace.recurrence import (
    DAILY,
    MONTHLY,
    ON_WEEKDAY,
    WEEKLY,
    YEARLY,
    Rule,
    describe,
    nth_occurrence,
    occurrences,
)


def first(rule, n=6):
    return list(islice(occurrences(rule), n))


def test_every_n_days():
    rule = Rule(start=date(2026, 2, 26), frequency=DAILY, interval=2)
    assert first(rule, 3) == [date(2026, 2, 26), date(2026, 2, 28), date(2026, 3, 2)]
    assert describe(rule) == "Every 2 days"
    assert describe(Rule(start=date(2026, 1, 1), frequency=DAILY)) == "Every day"


def test_every_two_weeks_on_monday_and_thursday():
    rule = Rule(start=date(2026, 12, 2), frequency=WEEKLY, interval=2, weekdays=(3, 0))  # a Wed
    assert first(rule, 5) == [
        date(2026, 12, 3),  # Thursday of the start's week
        date(2026, 12, 14),  # two weeks on: Monday
        date(2026, 12, 17),
        date(2026, 12, 28),
        date(2026, 12, 31),
    ]
    assert describe(rule) == "Every 2 weeks on Mon and Thu"


def test_weekly_without_weekdays_keeps_the_starts_weekday_across_the_year_end():
    rule = Rule(start=date(2026, 12, 24), frequency=WEEKLY)
    assert first(rule, 3) == [date(2026, 12, 24), date(2026, 12, 31), date(2027, 1, 7)]
    assert describe(rule) == "Every week on Thu"


def test_monthly_on_the_31st_falls_on_each_months_last_day():
    rule = Rule(start=date(2027, 1, 31), frequency=MONTHLY)
    assert first(rule, 4) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),  # back to the 31st, not stuck on the 28th
        date(2027, 4, 30),
    ]
    assert describe(rule) == "Every month on day 31 (or the month's last day)"


def test_monthly_in_a_leap_year_lands_on_february_29th():
    rule = Rule(start=date(2028, 1, 30), frequency=MONTHLY)
    assert first(rule, 2) == [date(2028, 1, 30), date(2028, 2, 29)]


def test_monthly_on_the_second_tuesday():
    rule = Rule(start=date(2026, 12, 8), frequency=MONTHLY, monthly=ON_WEEKDAY)  # 2nd Tue
    assert first(rule, 3) == [date(2026, 12, 8), date(2027, 1, 12), date(2027, 2, 9)]
    assert describe(rule) == "Every month on the second Tuesday"


def test_a_fifth_weekday_means_the_last_one():
    rule = Rule(start=date(2026, 12, 29), frequency=MONTHLY, monthly=ON_WEEKDAY)  # 5th Tue
    assert first(rule, 3) == [date(2026, 12, 29), date(2027, 1, 26), date(2027, 2, 23)]
    assert describe(rule) == "Every month on the last Tuesday"


def test_every_three_months_over_the_year_end():
    rule = Rule(start=date(2026, 11, 30), frequency=MONTHLY, interval=3)
    assert first(rule, 3) == [date(2026, 11, 30), date(2027, 2, 28), date(2027, 5, 30)]


def test_yearly_on_february_29th_uses_the_28th_in_other_years():
    rule = Rule(start=date(2028, 2, 29), frequency=YEARLY)
    assert first(rule, 5) == [
        date(2028, 2, 29),
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
    ]
    assert describe(rule) == "Every year on Feb 29"


def test_until_is_included_and_ends_the_series():
    rule = Rule(start=date(2026, 12, 1), frequency=WEEKLY, until=date(2026, 12, 15))
    assert list(occurrences(rule)) == [date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 15)]
    assert describe(rule) == "Every week on Tue, until Dec 15, 2026"


def test_count_counts_the_first_date():
    rule = Rule(start=date(2026, 12, 1), frequency=MONTHLY, count=3)
    assert list(occurrences(rule)) == [date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]
    assert nth_occurrence(rule, 3) == date(2027, 2, 1)
    assert nth_occurrence(rule, 4) is None
    assert describe(rule) == "Every month on day 1, 3 times"
    assert describe(Rule(start=date(2026, 1, 1), frequency=YEARLY, count=1)).endswith(", once")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"frequency": "hourly"}, "frequency"),
        ({"interval": 0}, "interval"),
        ({"weekdays": (7,)}, "weekdays"),
        ({"until": date(2026, 1, 1)}, "until"),
        ({"count": 0}, "count"),
    ],
)
def test_impossible_rules_are_refused_per_field(fields, field):
    with pytest.raises(ValidationError) as refused:
        Rule(start=date(2026, 6, 1), **fields)
    assert field in refused.value.message_dict
