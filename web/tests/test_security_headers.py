"""Security headers on every kind of response, cookie flags, and the production HSTS/Secure
settings (checked in a subprocess running project.settings.production)."""

import json
import os
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from project.tests.conftest import production_env as production_env  # re-exported fixture
from project.tests.conftest import run_manage
from workspace.tenancy import organization_scope
from workspace.tests.factories import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def parse_csp(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


EXPECTED_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def assert_security_headers(response) -> None:
    # All the simple headers at once, so that a failure lists everything that is missing.
    assert {name: response.get(name) for name in EXPECTED_HEADERS} == EXPECTED_HEADERS
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions
    policy = response["Content-Security-Policy"]
    csp = parse_csp(policy)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy


# --- A representative set of responses ----------------------------------------------------------
def _org_url(name: str, **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": "acme", **kwargs})


def _signed_in(who) -> Client:
    client = Client()
    client.force_login(who.user)
    return client


# name -> (request, expected status, expected Content-Type prefix)
CASES: dict[str, tuple[Callable[[dict], object], int, str]] = {
    "signed-out-login-page": (lambda c: Client().get(reverse("account_login")), 200, "text/html"),
    "organization-page": (
        lambda c: _signed_in(c["owner"]).get(_org_url("web:task-list")),
        200,
        "text/html",
    ),
    "htmx-partial": (
        lambda c: _signed_in(c["owner"]).get(_org_url("web:task-list"), **HTMX),
        200,
        "text/html",
    ),
    "task-detail": (
        lambda c: _signed_in(c["member"]).get(_org_url("web:task-detail", number=c["task"].number)),
        200,
        "text/html",
    ),
    "json-healthz": (lambda c: Client().get(reverse("web:healthz")), 200, "application/json"),
    "not-found": (lambda c: _signed_in(c["owner"]).get("/no-such-page/"), 404, "text/html"),
    "forbidden": (
        lambda c: _signed_in(c["member"]).get(_org_url("web:activity")),
        403,
        "text/html",
    ),
    "htmx-error-toast": (
        lambda c: _signed_in(c["member"]).get(_org_url("web:activity"), **HTMX),
        403,
        "text/html",
    ),
    "redirect": (lambda c: Client().get(_org_url("web:org-home")), 302, "text/html"),
    "method-not-allowed": (lambda c: Client().post(reverse("web:healthz")), 405, "text/html"),
    "csv-export": (
        lambda c: _signed_in(c["owner"]).get(_org_url("web:activity"), {"export": "csv"}),
        200,
        "text/csv",
    ),
    "static-file": (
        lambda c: Client().get(f"{settings.STATIC_URL}js/tandem.js"),
        200,
        "text/javascript",
    ),
    "bad-request": (
        lambda c: Client().get(reverse("account_login"), HTTP_HOST="evil.example.net"),
        400,
        "text/html",
    ),
    "server-error": (
        lambda c: Client(raise_request_exception=False).get("/__fail__/"),
        500,
        "text/html",
    ),
    "csrf-failure": (
        lambda c: Client(enforce_csrf_checks=True).post(reverse("account_login")),
        403,
        "text/html",
    ),
    "admin-page": (
        lambda c: _admin_client().get(f"/{settings.ADMIN_URL}"),
        200,
        "text/html",
    ),
}


def _admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def scene(settings, organization, owner, member):
    # Serve static files the way WhiteNoise does in production, from the finders (nothing is
    # collected in tests). The middleware reads this when a new Client first loads it.
    settings.WHITENOISE_USE_FINDERS = True
    settings.ALLOWED_HOSTS = ["testserver"]
    with organization_scope(organization):
        task = TaskFactory(project=ProjectFactory(organization=organization))
    return {"owner": owner, "member": member, "task": task}


@pytest.mark.urls("web.tests.error_urls")  # the project's URLs plus a view that fails
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_kind_of_response_carries_the_security_headers(scene, case):
    make_request, status, content_type = CASES[case]

    response = make_request(scene)
    if response.streaming:
        b"".join(response.streaming_content)

    assert response.status_code == status
    assert response["Content-Type"].startswith(content_type)
    assert_security_headers(response)


def test_the_policy_is_the_one_configured(client):
    response = client.get(reverse("account_login"))

    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


# --- Cookies ------------------------------------------------------------------------------------
def test_the_csrf_cookie_is_httponly_and_samesite_lax(client):
    response = client.get(reverse("account_login"))

    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_the_session_cookie_is_httponly_and_samesite_lax(client):
    user = UserFactory()

    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_pages_hand_htmx_the_csrf_token_since_scripts_cannot_read_the_cookie(client):
    page = client.get(reverse("account_login")).content.decode()

    assert """hx-headers='{"x-csrftoken": \"""" in page


# --- Production settings, in a subprocess -------------------------------------------------------
PRODUCTION_PROBE = """
import json
from django.conf import settings
from django.test import Client

def flags(response, name):
    morsel = response.cookies[name]
    return {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]),
            "samesite": morsel["samesite"]}

client = Client(HTTP_HOST="tandem.example.com")
plain = client.get("/accounts/login/")
page = client.get("/accounts/login/", secure=True)
health = client.get("/healthz", secure=True)
signin = client.post("/accounts/login/", {"login": EMAIL, "password": PASSWORD}, secure=True)
print("RESULT " + json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "page": [page.status_code, page.get("Strict-Transport-Security", "")],
    "health": [health.status_code, health.get("Strict-Transport-Security", "")],
    "signin": [signin.status_code, signin.get("Strict-Transport-Security", "")],
    "csrf_cookie": flags(page, settings.CSRF_COOKIE_NAME),
    "session_cookie": flags(signin, settings.SESSION_COOKIE_NAME),
    "settings": {name: getattr(settings, name) for name in (
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
        "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY")},
}))
"""

HSTS = "max-age=31536000; includeSubDomains; preload"


def _test_database_url() -> str:
    """DATABASE_URL pointing at the database this test run uses (it has the tables)."""
    return os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]


@pytest.mark.django_db(transaction=True)
def test_production_sends_hsts_and_secure_cookies(production_env):
    user = UserFactory()
    # Tests hash with MD5, which production does not accept: store a hash it does.
    user.password = PBKDF2PasswordHasher().encode(DEFAULT_PASSWORD, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])
    env = {
        **production_env,
        "DATABASE_URL": _test_database_url(),
        # Nothing is collected in tests: let {% static %} work without the manifest.
        "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }
    code = f"EMAIL = {user.email!r}\nPASSWORD = {DEFAULT_PASSWORD!r}\n{PRODUCTION_PROBE}"

    result = run_manage("shell", "-c", code, env=env)

    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert result.returncode == 0, result.stdout + result.stderr
    assert lines, result.stdout
    report = json.loads(lines[-1].removeprefix("RESULT "))
    assert report["plain"] == [301, "https://tandem.example.com/accounts/login/"]
    assert report["page"] == [200, HSTS]
    assert report["health"] == [200, HSTS]
    assert report["signin"] == [302, HSTS]
    assert report["csrf_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert report["session_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert report["settings"] == {
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
    }
