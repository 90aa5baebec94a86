"""Facts about the client behind a request."""

import ipaddress

from django.conf import settings


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """``REMOTE_ADDR``, unless ``TRUSTED_PROXY_COUNT`` proxies sit in front of the app: then the
    address the outermost trusted proxy saw (counted from the right of ``X-Forwarded-For``, which
    a client can prepend to but not append to)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        hops = [hop for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        if len(hops) >= count:
            forwarded = _valid_ip(hops[-count])
            if forwarded:
                return forwarded
    return _valid_ip(request.META.get("REMOTE_ADDR"))
