import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.http import HttpResponse, StreamingHttpResponse
from django_htmx.middleware import HtmxMiddleware
from django_scopes.exceptions import ScopeError

from accounts.tests.factories import UserFactory
from web.middleware import HtmxMessagesMiddleware, OrganizationMiddleware
from workspace.models import Membership
from workspace.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def request_for(rf, path, user):
    request = rf.get(path)
    request.user = user
    request.session = SessionStore()
    return request


def test_view_runs_in_the_organizations_scope(rf, owner, member):
    MembershipFactory()  # another organization's member
    seen = {}

    def view(request):
        seen["members"] = set(Membership.objects.all())
        seen["membership"] = request.membership
        return HttpResponse()

    OrganizationMiddleware(view)(request_for(rf, "/o/acme/", owner.user))

    assert seen["members"] == {owner, member}
    assert seen["membership"] == owner


def test_streamed_bodies_are_produced_in_scope(rf, owner):
    def view(request):
        return StreamingHttpResponse(m.user.email for m in Membership.objects.all())

    response = OrganizationMiddleware(view)(request_for(rf, "/o/acme/", owner.user))

    assert b"".join(response.streaming_content) == owner.user.email.encode()


def test_paths_outside_organizations_have_no_scope(rf, owner):
    def view(request):
        assert request.organization is None
        with pytest.raises(ScopeError):
            list(Membership.objects.all())
        return HttpResponse("ok")

    assert (
        OrganizationMiddleware(view)(request_for(rf, "/accounts/profile/", owner.user)).content
        == b"ok"
    )
    assert (
        OrganizationMiddleware(view)(request_for(rf, "/no/such/path/", owner.user)).content == b"ok"
    )


@pytest.mark.parametrize(
    ("headers", "response", "toast"),
    [
        ({"HTTP_HX_REQUEST": "true"}, HttpResponse("<p>x</p>"), True),
        ({}, HttpResponse("<p>x</p>"), False),  # full pages render messages themselves
        ({"HTTP_HX_REQUEST": "true", "HTTP_HX_BOOSTED": "true"}, HttpResponse("<p>x</p>"), False),
        ({"HTTP_HX_REQUEST": "true"}, HttpResponse(status=302), False),
        ({"HTTP_HX_REQUEST": "true"}, HttpResponse("{}", content_type="application/json"), False),
    ],
    ids=["htmx-fragment", "page", "boosted", "redirect", "json"],
)
def test_htmx_messages_ride_along_only_on_html_fragments(rf, headers, response, toast):
    request = rf.get("/", **headers)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    messages.success(request, "Saved!")

    result = HtmxMiddleware(HtmxMessagesMiddleware(lambda r: response))(request)

    assert (b"Saved!" in result.content) is toast
    assert (b'hx-swap-oob="beforeend"' in result.content) is toast


def test_staff_see_every_organization_in_the_admin(client, owner):
    other = MembershipFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get(f"/{settings.ADMIN_URL}workspace/membership/").content.decode()

    assert owner.user.display_name in page
    assert other.user.display_name in page
