"""Error pages in the product's look (400, 403, 404, 429, 500 and the CSRF failure), and the
toast htmx requests get instead of a page."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from web.views.errors import CSRF_MESSAGE, MESSAGES
from workspace.tenancy import organization_scope
from workspace.tests.factories import ProjectFactory, TaskFactory

from .pages import text

pytestmark = [pytest.mark.django_db, pytest.mark.urls("web.tests.error_urls")]

HTMX = {"HTTP_HX_REQUEST": "true"}


def client_for(who=None, **kwargs) -> Client:
    client = Client(raise_request_exception=False, **kwargs)
    if who is not None:
        client.force_login(getattr(who, "user", who))
    return client


def assert_page(response, status: int, heading: str, message: str) -> str:
    """A full page in the product's layout, with the message and the request's reference."""
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert "HX-Retarget" not in response
    html = response.content.decode()
    page = unescape(html)
    assert page.startswith("<!DOCTYPE html>")
    assert '<main id="main"' in html
    assert 'href="/static/build/tandem.css"' in html
    assert heading in page
    assert message in text(html)
    request_id = response.get("X-Request-ID")
    assert request_id, "the response has no X-Request-ID header"
    assert f"Reference: {request_id}" in html
    assert "Content-Security-Policy" in response
    return html


def assert_toast(response, status: int, message: str) -> None:
    """htmx gets a toast swapped into #toasts, never a page."""
    assert response.status_code == status
    assert response["HX-Retarget"] == "#toasts"
    assert response["HX-Reswap"] == "beforeend"
    html = response.content.decode()
    assert "<html" not in html
    assert "<main" not in html
    assert html.lstrip().startswith("<div data-toast")
    assert 'role="alert"' in html
    assert message in text(html)


@pytest.fixture
def task(organization):
    with organization_scope(organization):
        return TaskFactory(project=ProjectFactory(organization=organization))


# --- 404 ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "signed-out"])
def test_a_missing_page_gets_the_404_page(user, signed_in):
    client = client_for(user if signed_in else None)

    response = client.get("/no-such-page/")

    assert_page(response, 404, "Not found", MESSAGES[404])


def test_a_missing_object_in_an_organization_gets_the_404_page(member):
    response = client_for(member).get("/o/acme/tasks/999999/")

    assert_page(response, 404, "Not found", MESSAGES[404])


def test_htmx_gets_a_404_toast(member):
    response = client_for(member).get("/o/acme/tasks/999999/", **HTMX)

    assert_toast(response, 404, MESSAGES[404])


def test_a_boosted_request_gets_the_page_not_the_toast(member):
    response = client_for(member).get(
        "/o/acme/tasks/999999/", HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true"
    )

    assert_page(response, 404, "Not found", MESSAGES[404])


# --- 403 ----------------------------------------------------------------------------------------
def test_a_member_on_an_admin_page_gets_the_403_page_with_the_reason(member):
    response = client_for(member).get(reverse("web:activity", kwargs={"org_slug": "acme"}))

    assert_page(response, 403, "You can't do that here", "This page is for organization admins.")


def test_htmx_gets_a_403_toast(member):
    response = client_for(member).get(reverse("web:activity", kwargs={"org_slug": "acme"}), **HTMX)

    assert_toast(response, 403, "This page is for organization admins.")


# --- 400 ----------------------------------------------------------------------------------------
@pytest.fixture
def strict_hosts(settings):
    settings.ALLOWED_HOSTS = ["tandem.example.com"]


@pytest.mark.parametrize("path", ["/accounts/login/", "/o/acme/tasks/", "/no-such-page/"])
def test_a_disallowed_host_gets_the_400_page(strict_hosts, path):
    response = client_for().get(path, HTTP_HOST="evil.example.net")

    assert_page(response, 400, "That did not work", MESSAGES[400])


def test_a_signed_in_user_on_a_disallowed_host_gets_the_400_page(strict_hosts, member):
    response = client_for(member).get("/o/acme/tasks/", HTTP_HOST="evil.example.net")

    assert_page(response, 400, "That did not work", MESSAGES[400])


def test_htmx_gets_a_400_toast(strict_hosts):
    response = client_for().get("/accounts/login/", HTTP_HOST="evil.example.net", **HTMX)

    assert_toast(response, 400, MESSAGES[400])


def test_an_allowed_host_is_served(strict_hosts):
    response = client_for().get("/accounts/login/", HTTP_HOST="tandem.example.com")

    assert response.status_code == 200


# --- 429 ----------------------------------------------------------------------------------------
@pytest.fixture
def no_writes_left(settings):
    settings.TANDEM_WRITE_LIMITS = {"free": 0, "pro": 0}


def _comment_url(task) -> str:
    return reverse("web:comment-create", kwargs={"org_slug": "acme", "number": task.number})


def test_too_many_writes_get_the_429_page(no_writes_left, member, task):
    response = client_for(member).post(_comment_url(task), {"body": "One too many"})

    html = assert_page(response, 429, "Too many requests", "changes to tasks per hour")
    assert "Reading and browsing are never limited." in html
    assert int(response["Retry-After"]) > 0


def test_htmx_gets_a_429_toast(no_writes_left, member, task):
    response = client_for(member).post(_comment_url(task), {"body": "One too many"}, **HTMX)

    assert_toast(response, 429, "changes to tasks per hour")
    assert int(response["Retry-After"]) > 0


# --- CSRF failure -------------------------------------------------------------------------------
def test_a_post_without_a_csrf_token_gets_the_csrf_page(member):
    client = client_for(member, enforce_csrf_checks=True)

    response = client.post(reverse("web:profile"), {"name": "Forged"})

    assert_page(response, 403, "You can't do that here", CSRF_MESSAGE)


def test_a_signed_out_post_without_a_csrf_token_gets_the_csrf_page(db):
    client = client_for(enforce_csrf_checks=True)

    response = client.post(reverse("account_login"), {"login": "a@example.com", "password": "x"})

    assert_page(response, 403, "You can't do that here", CSRF_MESSAGE)


def test_htmx_gets_a_csrf_toast(member, task):
    client = client_for(member, enforce_csrf_checks=True)

    response = client.post(_comment_url(task), {"body": "Forged"}, **HTMX)

    assert_toast(response, 403, CSRF_MESSAGE)


# --- 500 ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "signed-out"])
def test_a_failing_view_gets_the_500_page(user, signed_in):
    client = client_for(user if signed_in else None)

    response = client.get("/__fail__/")

    assert_page(response, 500, "Something went wrong", MESSAGES[500])


def test_htmx_gets_a_500_toast(user):
    response = client_for(user).get("/__fail__/", **HTMX)

    assert_toast(response, 500, MESSAGES[500])


@pytest.fixture
def database_down(free_port):
    """A real failure: point the connection at a port where no PostgreSQL listens."""
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(PORT=free_port, HOST="127.0.0.1")
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(original)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "signed-out"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_the_500_page_renders_without_the_database(user, signed_in, htmx, request):
    client = client_for(user if signed_in else None)
    request.getfixturevalue("database_down")

    response = client.get("/__fail__/database/", **(HTMX if htmx else {}))

    assert response.status_code == 500
    html = response.content.decode()
    if htmx:
        assert 'role="alert"' in html
    else:
        assert re.search(r"Reference: [0-9a-f]{32}", html)
    assert MESSAGES[500] in text(html)
    # The response that leaves the app is the one our middleware finished: it carries the
    # request id and the security headers like every other response.
    assert "X-Request-ID" in response, "the 500 response lost the middleware's headers"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"]
    if htmx:
        assert_toast(response, 500, MESSAGES[500])
    else:
        assert_page(response, 500, "Something went wrong", MESSAGES[500])
