"""Pages only the benchmark serves (``make bench`` sets TANDEM_BENCH_BASELINE; nothing here is
mounted otherwise).

- ``floor``: the authenticated floor. A signed-in member's organization page through the same
  middleware, session, tenancy, context processors and base layout as every other page, with no
  task data: what any page costs before it does its own work. Every scenario's throughput is
  reported as a ratio to it.
- ``baseline``: a static page of a requested size with no database work, kept to show what the
  framework costs without any of the above.
"""

from functools import lru_cache

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from web.mixins import OrganizationMixin

MAX_BYTES = 2_000_000
STATIC_PAGE = "bench/static_page.html"


@lru_cache(maxsize=8)
def _body(size: int) -> bytes:
    empty = render_to_string(STATIC_PAGE, {"padding": ""}).strip().encode()
    padding = "x" * max(0, size - len(empty))
    return render_to_string(STATIC_PAGE, {"padding": padding}).strip().encode()


@require_GET
def baseline(request):
    try:
        size = int(request.GET.get("bytes", "100000"))
    except ValueError:
        size = 100_000
    return HttpResponse(_body(min(max(size, 0), MAX_BYTES)), content_type="text/html")


class FloorView(OrganizationMixin, TemplateView):
    http_method_names = ["get"]
    template_name = "web/bench_floor.html"
