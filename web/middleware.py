import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponsePermanentRedirect
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.functional import empty

from project.logging import request_id_var
from web.request_meta import client_ip
from workspace import revisions, selectors
from workspace.audit import request_origin
from workspace.services.organizations import membership_touch
from workspace.tenancy import all_tenants, organization_scope

LAST_ORGANIZATION_KEY = "tandem_last_organization_id"

access_log = logging.getLogger("tandem.access")

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _loaded_user_id(request) -> int | None:
    """The signed-in user's id if the request already loaded the user. Never loads it here:
    that would cost a query on requests that did not need the user, and fail (and lose this
    response) while the database is down."""
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return None
    return wrapped.pk


class RequestIdMiddleware:
    """Tags the request (and every log line it causes) with an id, echoes it in ``X-Request-ID``
    and writes one access line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "user_id": _loaded_user_id(request),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set: a Content-Security-Policy (no inline
    scripts or styles, no eval: htmx is configured for that), a Permissions-Policy, and
    Cross-Origin-Resource-Policy."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = {
            "Content-Security-Policy": settings.CONTENT_SECURITY_POLICY,
            "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
            "Cross-Origin-Resource-Policy": "same-origin",
        }

    def __call__(self, request):
        response = self.get_response(request)
        for header, value in self.headers.items():
            response.headers.setdefault(header, value)
        return response


class AuditOriginMiddleware:
    """Audit entries written during the request carry the client's address and user agent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_origin(
            ip_address=client_ip(request), user_agent=request.headers.get("User-Agent", "")
        ):
            return self.get_response(request)


class TimeZoneMiddleware:
    """Pages (dates, times, "today") are in the signed-in person's time zone (UTC until they
    choose one). Requests without a session cookie are not signed in: the user is not loaded
    for them (health checks, static files, first visits)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES or request.path_info == "/healthz":
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        with timezone.override(user.tzinfo):
            return self.get_response(request)


class OrganizationMiddleware:
    """Tenancy lock 1: resolves ``/o/<org_slug>/...`` to ``request.organization`` and the user's
    ``request.membership``, and runs the view and its template render inside that organization's
    scope. Anybody who is not a member gets the same 404 as for an organization that does not
    exist; signed-out visitors are sent to sign in (whether or not the organization exists)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        request.membership = None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        slug = match.kwargs.get("org_slug")
        if slug is None:
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())

        # A deleted organization 404s for everybody, except on its owners' restore page.
        restoring = match.view_name == "web:org-restore"
        membership = selectors.membership_resolve(
            slug=slug, user=request.user, include_deleted=restoring
        )
        if (
            membership is not None
            and membership.organization.is_deleted
            and not membership.is_owner
        ):
            raise Http404("No organization found.")
        if membership is None:
            moved_to = selectors.organization_by_former_slug(slug=slug, user=request.user)
            if moved_to is None:
                raise Http404("No organization found.")
            path = reverse(
                match.view_name, args=match.args, kwargs={**match.kwargs, "org_slug": moved_to.slug}
            )
            query = request.META.get("QUERY_STRING")
            return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)

        organization = membership.organization
        request.organization = organization
        request.membership = membership
        with organization_scope(organization), revisions.remembered():
            if request.session.get(LAST_ORGANIZATION_KEY) != organization.pk:
                membership_touch(membership=membership)
                request.session[LAST_ORGANIZATION_KEY] = organization.pk
            response = self.get_response(request)
            if response.streaming:
                wrap = _in_scope_async if response.is_async else _in_scope
                response.streaming_content = wrap(response.streaming_content, organization)
        return response


def _in_scope(iterable, organization):
    """Streamed bodies are produced after the middleware returns: keep them in scope."""
    with organization_scope(organization):
        yield from iterable


async def _in_scope_async(iterable, organization):
    """The same for asynchronous bodies (live event streams)."""
    try:
        with organization_scope(organization):
            async for part in iterable:
                yield part
    finally:
        close = getattr(iterable, "aclose", None)
        if close is not None:
            await close()


class AdminAllTenantsMiddleware:
    """The Django admin is for staff operating the whole service: it reads across tenants."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = f"/{settings.ADMIN_URL}" if settings.ADMIN_URL else None

    def __call__(self, request):
        if self.prefix and request.path.startswith(self.prefix) and request.user.is_staff:
            with all_tenants():
                return self.get_response(request)
        return self.get_response(request)


class HtmxMessagesMiddleware:
    """Delivers flash messages queued during an htmx request as out-of-band toasts, since the
    page around the swapped fragment is not re-rendered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not getattr(request, "htmx", False)
            or request.htmx.boosted
            or response.streaming
            or 300 <= response.status_code < 400
            or "HX-Redirect" in response
            or not response.get("Content-Type", "").startswith("text/html")
        ):
            return response
        storage = messages.get_messages(request)
        if not storage:
            return response
        toasts = render_to_string("components/toasts_oob.html", {"messages": storage}, request)
        response.content += toasts.encode()
        return response
