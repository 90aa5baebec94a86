"""Time zones: an organization keeps its dates (weeks, due dates, "today") in an IANA zone."""

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError

DEFAULT_TIME_ZONE = "UTC"


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone this machine knows, sorted (``UTC`` included)."""
    return tuple(sorted(available_timezones() | {DEFAULT_TIME_ZONE}))


def validate_time_zone(value: str) -> None:
    if value not in frozenset(time_zone_names()):
        raise ValidationError(
            "Choose a time zone from the list (an IANA name such as Europe/Paris).",
            code="invalid_time_zone",
        )


def zone(name: str) -> ZoneInfo:
    """The zone called ``name``; UTC for a name this machine does not know (never raises)."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)
