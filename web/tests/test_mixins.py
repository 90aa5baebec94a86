import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.views import View

from web.mixins import OrganizationMixin


class Page(OrganizationMixin, View):
    def get(self, request):
        return HttpResponse("ok")


def test_signed_out_requests_are_sent_to_sign_in(rf):
    request = rf.get("/o/acme/")
    request.user = AnonymousUser()

    response = Page.as_view()(request)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_a_view_outside_an_organization_is_404_not_unscoped(rf, user):
    """Misrouting an organization view (no /o/<slug>/ prefix) must not serve it unscoped."""
    request = rf.get("/somewhere/")
    request.user = user
    request.membership = None

    with pytest.raises(Http404):
        Page.as_view()(request)
