"""Reading what a request's parameters name: numbers and where to go back to."""

from django.utils.http import url_has_allowed_host_and_scheme

MAX_DIGITS = 18  # fits a bigint


def digits(raw: str | None, *, max_digits: int = MAX_DIGITS) -> int | None:
    """``raw`` as a whole number if it is one of at most ``max_digits`` ASCII digits, else None
    (each caller says what a missing or malformed number means: a 404, a form error)."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= max_digits:
        return int(raw)
    return None


def safe_next(request, fallback: str) -> str:
    """Where to go back to after a plain form post (``next``, posted or in the query): a path on
    this site, else ``fallback``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback
