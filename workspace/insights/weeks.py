"""Weeks in an organization's time zone: they start on Monday at local midnight."""

from datetime import date, datetime, time, timedelta, tzinfo

WEEK = timedelta(days=7)


def local_date(moment: datetime, tz: tzinfo) -> date:
    return moment.astimezone(tz).date()


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_of(moment: datetime, tz: tzinfo) -> date:
    """The Monday of the local week ``moment`` falls in."""
    return monday(local_date(moment, tz))


def day_start(day: date, tz: tzinfo) -> datetime:
    """Local midnight of ``day``. Where a clock change skips midnight, the day starts when the
    clock jumps (zoneinfo reads the skipped time with the offset from before the change)."""
    return datetime.combine(day, time.min, tzinfo=tz)


def week_end(week: date, tz: tzinfo) -> datetime:
    """The instant the week ends: the next Monday's local midnight."""
    return day_start(week + WEEK, tz)


def recent_weeks(now: datetime, tz: tzinfo, count: int) -> list[date]:
    """The Mondays of the last ``count`` weeks, the current one last."""
    current = week_of(now, tz)
    return [current - WEEK * n for n in range(count - 1, -1, -1)]
