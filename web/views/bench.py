"""The benchmark's floor: a static page of a requested size, served through the same gunicorn
and middleware as every other page, with no database work. Mounted only when
TANDEM_BENCH_BASELINE is on (``make bench`` sets it)."""

from functools import lru_cache

from django.http import HttpResponse
from django.views.decorators.http import require_GET

MAX_BYTES = 2_000_000


@lru_cache(maxsize=8)
def _body(size: int) -> bytes:
    head = b"<!DOCTYPE html><html><head><title>baseline</title></head><body>"
    tail = b"</body></html>"
    return head + b"x" * max(0, size - len(head) - len(tail)) + tail


@require_GET
def baseline(request):
    try:
        size = int(request.GET.get("bytes", "100000"))
    except ValueError:
        size = 100_000
    return HttpResponse(_body(min(max(size, 0), MAX_BYTES)), content_type="text/html")
