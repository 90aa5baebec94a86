"""Error pages in the product's look. htmx requests get a toast instead of a page, swapped into
the notification area (a broken fragment is never swapped into the page)."""

import logging

from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django_htmx.http import reswap, retarget

logger = logging.getLogger(__name__)

MESSAGES = {
    400: "The request could not be understood. Check what you entered and try again.",
    403: "Your role in this organization does not allow this.",
    404: "We could not find that. It may have been moved or deleted, or you may not have access.",
    429: "Too many requests. Wait a little and try again.",
    500: "Something went wrong on our side. It has been logged; please try again.",
}
CSRF_MESSAGE = (
    "This form has expired (or was opened before you signed in again). "
    "Reload the page and try again."
)


def _is_htmx(request) -> bool:
    return (
        request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
    )


def toast_response(request, status: int, message: str) -> HttpResponse:
    html = loader.render_to_string("components/toast_error.html", {"message": message})
    response = HttpResponse(html, status=status)
    return reswap(retarget(response, "#toasts"), "beforeend")


def error_response(request, status: int, message: str, template: str | None = None, **context):
    if _is_htmx(request):
        return toast_response(request, status, message)
    context = {"status": status, "message": message, **context}
    return render(request, template or f"{status}.html", context, status=status)


def bad_request(request, exception=None):
    return error_response(request, 400, MESSAGES[400])


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else MESSAGES[403]
    return error_response(request, 403, message)


def page_not_found(request, exception=None):
    return error_response(request, 404, MESSAGES[404])


def csrf_failure(request, reason=""):
    logger.warning("CSRF failure: %s", reason)
    return error_response(request, 403, CSRF_MESSAGE, template="403.html")


def server_error(request):
    """Rendered without the database or context processors: they may be what failed."""
    if _is_htmx(request):
        return toast_response(request, 500, MESSAGES[500])
    html = loader.get_template("500.html").render(
        {"request_id": getattr(request, "request_id", ""), "message": MESSAGES[500]}
    )
    return HttpResponse(html, status=500)
