"""Plan-based limits on task writes, counted in the shared cache so that every worker and
container agrees. Reads are never limited."""

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache

from web.views.errors import error_response
from workspace.models import Plan

logger = logging.getLogger(__name__)

WINDOW = 3600  # seconds


def write_limit(plan: str) -> int:
    return settings.TANDEM_WRITE_LIMITS.get(plan, settings.TANDEM_WRITE_LIMITS[Plan.FREE])


def _window(now: float | None) -> tuple[float, int]:
    now = time.time() if now is None else now
    return now, int(now // WINDOW)


def _key(organization, user, window: int) -> str:
    return f"writes:{organization.pk}:{user.pk}:{window}"


def write_retry_after(*, organization, user, now: float | None = None) -> int | None:
    """None while the member may still write in this window, else the seconds until it
    resets. Counts nothing: only accepted writes are counted (``count_write``).

    A fixed hourly window per user and organization. When the cache is down the write is
    allowed: limits protect the service, they must not take it down."""
    now, window = _window(now)
    count = cache.get(_key(organization, user, window), 0)
    if count < write_limit(organization.plan):
        return None
    return max(1, math.ceil((window + 1) * WINDOW - now))


def count_write(*, organization, user, now: float | None = None) -> None:
    """Count one accepted write against the member's hourly limit."""
    _now, window = _window(now)
    key = _key(organization, user, window)
    try:
        cache.add(key, 0, timeout=WINDOW + 60)
        cache.incr(key)
    except ValueError:
        logger.error("write limit not enforced: the cache is unavailable")


def limit_message(*, organization, retry_after: int) -> str:
    limit = write_limit(organization.plan)
    minutes = max(1, math.ceil(retry_after / 60))
    return (
        f"{organization.name} is on the {organization.get_plan_display()} plan, which allows "
        f"{limit} changes to tasks per hour for each member. You can make changes again in "
        f"{minutes} minute{'s' if minutes != 1 else ''}."
    )


def limited_response(request, *, organization, retry_after: int):
    message = limit_message(organization=organization, retry_after=retry_after)
    response = error_response(
        request, 429, message, reset_text="Reading and browsing are never limited."
    )
    response["Retry-After"] = str(retry_after)
    return response


class WriteLimitMixin:
    """For views whose POSTs write tasks or comments: past the plan's hourly limit a POST is
    refused before the view runs. Only accepted writes count: the view calls
    ``self.count_write()`` once its service call succeeded, so an invalid form, a conflict or a
    refused permission costs nothing.

    Two requests checked at the same moment may both pass the check just below the limit: the
    limit can be exceeded by the number of a member's concurrent requests, never more.

    A view answers a refused write with ``write_limited`` (by default an error page, or a toast
    for htmx); views whose users typed something override it to show their form again."""

    _write_limited = False
    _write_counted = False

    def dispatch(self, request, *args, **kwargs):
        organization = getattr(request, "organization", None)
        self._write_limited = (
            request.method == "POST" and organization is not None and request.user.is_authenticated
        )
        if self._write_limited:
            retry_after = write_retry_after(organization=organization, user=request.user)
            if retry_after is not None:
                self.limit_retry_after = retry_after
                return self.write_limited(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def write_limited(self, request, *args, **kwargs):
        return limited_response(
            request, organization=request.organization, retry_after=self.limit_retry_after
        )

    def write_limit_message(self) -> str:
        return limit_message(
            organization=self.request.organization, retry_after=self.limit_retry_after
        )

    def with_retry_after(self, response):
        response["Retry-After"] = str(self.limit_retry_after)
        return response

    def count_write(self) -> None:
        """The write was accepted: count it (once per request)."""
        if self._write_limited and not self._write_counted:
            count_write(organization=self.request.organization, user=self.request.user)
            self._write_counted = True
