"""CSRF protection, proven by walking the whole URLconf: every route that accepts POST (ours,
allauth's and the admin's) refuses a POST without a token and changes nothing. The Stripe webhook
is the one deliberate exemption; it verifies Stripe's signature instead.

A new route is picked up automatically. If it takes URL kwargs it needs a builder: organization
routes in ``web/tests/tenancy.py`` ``TENANT_ROUTES``, everything else in ``KWARG_BUILDERS`` below
(``test_every_route_with_kwargs_has_a_builder`` says which).
"""

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.unsubscribe import make_token
from web.views.errors import CSRF_MESSAGE
from workspace.models import (
    AuditLog,
    Comment,
    Membership,
    Organization,
    OrganizationSlugAlias,
    Role,
)
from workspace.models.audit import AuditAction
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory

from .tenancy import TENANT_ROUTES, TenantObjects
from .test_tenancy import SNAPSHOT_APPS, VOLATILE_FIELDS, build_tenant

pytestmark = pytest.mark.django_db

WEBHOOK = "web:billing-webhook"
NEW_PASSWORD = "a-brand-new-passphrase-42"


# --- The URLconf, walked ------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    """One URL pattern: ``id`` is its namespaced name, or its route when it has no name."""

    id: str
    route: str
    name: str | None
    callback: Callable

    @property
    def takes_kwargs(self) -> bool:
        return "<" in self.route

    @property
    def accepts_post(self) -> bool:
        view_class = getattr(self.callback, "view_class", None)
        if view_class is None:
            return True  # a function view: try it
        return "post" in view_class.http_method_names and hasattr(view_class, "post")

    @property
    def is_tenant_route(self) -> bool:
        return "<slug:org_slug>" in self.route

    @property
    def is_admin_route(self) -> bool:
        return bool(settings.ADMIN_URL) and self.route.startswith(settings.ADMIN_URL)


def all_endpoints() -> list[Endpoint]:
    found: list[Endpoint] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, ns)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}{pattern.name}" if pattern.name else None
                found.append(Endpoint(name or route, route, name, pattern.callback))

    walk(get_resolver().url_patterns, "", "")
    return found


def post_endpoints() -> list[Endpoint]:
    return [e for e in all_endpoints() if e.accepts_post and e.id != WEBHOOK]


# --- One of everything, to point the URLs at ----------------------------------------------------
@dataclass
class World:
    tenant: TenantObjects
    admin: Membership
    superuser: object
    invitee: object  # the user the tenant's invitation was sent to
    unverified: EmailAddress  # an address waiting for its confirmation link


@pytest.fixture
def world() -> World:
    tenant = build_tenant("acme", tasks=2)
    organization = tenant.organization
    admin_membership = MembershipFactory(organization=organization, role=Role.ADMIN)
    # Rows for every model the admin shows, so that its object URLs point at something real.
    Group.objects.create(name="Support")
    OrganizationSlugAlias.objects.create(organization=organization, slug="acme-old")
    with organization_scope(organization):
        AuditLog.objects.create(
            organization=organization,
            actor=tenant.owner.user,
            action=AuditAction.CREATED,
            object_repr="Acme",
        )
    unverified_user = UserFactory(verified=False)
    return World(
        tenant=tenant,
        admin=admin_membership,
        superuser=UserFactory(is_staff=True, is_superuser=True),
        invitee=UserFactory(email=tenant.invitation.email),
        unverified=EmailAddress.objects.get(user=unverified_user),
    )


def _first_pk(model) -> int:
    row = model._base_manager.order_by("pk").first()
    assert row is not None, f"create a {model._meta.label} in the world fixture"
    return row.pk


def _admin_object_builders() -> dict[str, Callable[[World], dict]]:
    """Every registered ModelAdmin's object URLs (named and the unnamed redirect)."""
    builders = {}
    for model in admin.site._registry:
        app_label, model_name = model._meta.app_label, model._meta.model_name

        def builder(_world, model=model):
            return {"object_id": _first_pk(model)}

        for suffix in ("history", "delete", "change"):
            builders[f"admin:{app_label}_{model_name}_{suffix}"] = builder
        builders[f"{settings.ADMIN_URL}{app_label}/{model_name}/<path:object_id>/"] = builder
    return builders


def _reset_key(world: World) -> dict:
    user = world.tenant.member.user
    return {"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)}


# URL kwargs of every route outside /o/<org_slug>/ that has some.
KWARG_BUILDERS: dict[str, Callable[[World], dict]] = {
    "web:invitation": lambda w: {"token": w.tenant.invitation.token},
    "web:unsubscribe": lambda w: {"token": make_token(w.tenant.member.user, "digest")},
    "account_confirm_email": lambda w: {"key": EmailConfirmationHMAC(w.unverified).key},
    "account_reset_password_from_key": _reset_key,
    "admin:auth_user_password_change": lambda w: {"id": w.tenant.member.user.pk},
    "admin:view_on_site": lambda w: {
        "content_type_id": ContentType.objects.get_for_model(Organization).pk,
        "object_id": w.tenant.organization.pk,
    },
    "admin:app_list": lambda w: {"app_label": "workspace"},
    f"{settings.ADMIN_URL}(?P<url>.*)$": lambda w: {"url": "no-such-page/"},
    **_admin_object_builders(),
}

# What a forger would post: enough to change something if the token were not checked.
_PASSWORDS = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
POST_DATA: dict[str, Callable[[World], dict]] = {
    "account_login": lambda w: {"login": w.tenant.member.user.email, "password": DEFAULT_PASSWORD},
    "account_signup": lambda w: {"name": "Mallory", "email": "mallory@example.com", **_PASSWORDS},
    "account_reauthenticate": lambda w: {"password": DEFAULT_PASSWORD},
    "account_email": lambda w: {"action_add": "", "email": "mallory@example.com"},
    "account_change_password": lambda w: {"oldpassword": DEFAULT_PASSWORD, **_PASSWORDS},
    "account_set_password": lambda w: dict(_PASSWORDS),
    "account_reset_password": lambda w: {"email": w.tenant.member.user.email},
    "account_reset_password_from_key": lambda w: dict(_PASSWORDS),
    "account_confirm_login_code": lambda w: {"code": "123456"},
    "web:profile": lambda w: {"name": "Hijacked"},
    "web:org-create": lambda w: {"name": "Forged organization"},
    "admin:login": lambda w: {"username": w.superuser.email, "password": DEFAULT_PASSWORD},
    "admin:password_change": lambda w: {
        "old_password": DEFAULT_PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    },
    "admin:auth_user_password_change": lambda w: {**_PASSWORDS, "usable_password": "true"},
    "admin:accounts_user_add": lambda w: {"email": "mallory@example.com", **_PASSWORDS},
    "admin:auth_group_add": lambda w: {"name": "Forged group"},
    "admin:workspace_organization_add": lambda w: {"name": "Forged", "slug": "forged"},
}

# Routes a forged POST would hit signed out (a signed-in visitor would just be redirected).
SIGNED_OUT = {
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_from_key",
    "account_confirm_login_code",
    "account_confirm_email",
    "admin:login",
    "web:unsubscribe",
}


def actor_for(endpoint: Endpoint, world: World):
    if endpoint.id in SIGNED_OUT:
        return None
    if endpoint.id == "web:task-restore":
        return world.tenant.owner.user  # who deleted the task: a member could not restore it
    if endpoint.id in TENANT_ROUTES:
        role = TENANT_ROUTES[endpoint.id].role
        return {Role.MEMBER: world.tenant.member, Role.ADMIN: world.admin}.get(
            role, world.tenant.owner
        ).user
    if endpoint.id == "web:invitation":
        return world.invitee
    if endpoint.is_admin_route:
        return world.superuser
    return world.tenant.member.user


def kwargs_for(endpoint: Endpoint, world: World) -> dict:
    if not endpoint.takes_kwargs:
        return {}
    if endpoint.is_tenant_route:
        route = TENANT_ROUTES[endpoint.id]
        return {"org_slug": world.tenant.organization.slug, **route.kwargs(world.tenant)}
    return KWARG_BUILDERS[endpoint.id](world)


def post_data_for(endpoint: Endpoint, world: World) -> dict:
    if endpoint.id in TENANT_ROUTES:
        return TENANT_ROUTES[endpoint.id].post_data(world.tenant)
    if endpoint.id.startswith("admin:") and endpoint.id.endswith("_delete"):
        return {"post": "yes"}
    return POST_DATA.get(endpoint.id, lambda _w: {})(world)


_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def path_for(endpoint: Endpoint, world: World) -> str:
    kwargs = kwargs_for(endpoint, world)
    if endpoint.name:
        return reverse(endpoint.name, kwargs=kwargs)
    # Unnamed patterns (a few of the admin's) cannot be reversed: fill the route in.
    path = _CONVERTER.sub(lambda m: str(kwargs[m[1]]), endpoint.route)
    path = _GROUP.sub(lambda m: str(kwargs[m[1]]), path)
    return "/" + path.replace("^", "").replace("$", "")


def snapshot() -> dict:
    """Every row of our apps, allauth's, auth's and the admin log, minus bookkeeping fields."""
    rows = {}
    for label in (*SNAPSHOT_APPS, "auth", "admin"):
        for model in apps.get_app_config(label).get_models():
            rows[model._meta.label] = [
                {k: v for k, v in row.items() if k not in VOLATILE_FIELDS}
                for row in model._base_manager.order_by("pk").values()
            ]
    return rows


def csrf_client(user=None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


# --- The registry stays complete ----------------------------------------------------------------
def test_the_walk_finds_ours_allauths_and_the_admins_post_routes():
    ids = {e.id for e in post_endpoints()}

    assert {"web:profile", "web:task-edit", "account_login", "account_logout"} <= ids
    assert {"account_signup", "account_email", "account_change_password"} <= ids
    assert {"admin:login", "admin:accounts_user_change", "admin:auth_group_delete"} <= ids
    assert "web:task-list" not in ids  # GET only


def test_endpoint_ids_are_unique():
    ids = [e.id for e in all_endpoints()]

    assert len(ids) == len(set(ids))


def test_every_route_with_kwargs_has_a_builder():
    with_kwargs = [e for e in all_endpoints() if e.takes_kwargs]
    missing_tenant = {e.id for e in with_kwargs if e.is_tenant_route} - set(TENANT_ROUTES)
    missing = {e.id for e in with_kwargs if not e.is_tenant_route} - set(KWARG_BUILDERS)
    stale = set(KWARG_BUILDERS) - {e.id for e in with_kwargs if not e.is_tenant_route}

    assert not missing_tenant, f"add to web/tests/tenancy.py TENANT_ROUTES: {missing_tenant}"
    assert not missing, f"add URL kwargs builders to test_csrf.KWARG_BUILDERS: {missing}"
    assert not stale, f"these KWARG_BUILDERS no longer match a route: {stale}"


def test_the_stripe_webhook_is_the_only_csrf_exempt_route():
    exempt = {e.id for e in all_endpoints() if getattr(e.callback, "csrf_exempt", False)}

    assert exempt == {WEBHOOK}


# --- Forged POSTs are refused -------------------------------------------------------------------
@pytest.mark.parametrize("endpoint", post_endpoints(), ids=lambda e: e.id)
def test_post_without_a_csrf_token_is_refused_and_changes_nothing(world, mailoutbox, endpoint):
    client = csrf_client(actor_for(endpoint, world))
    path = path_for(endpoint, world)
    assert resolve(path).func is endpoint.callback, f"{path} does not reach {endpoint.id}"
    signed_in_as = client.session.get(SESSION_KEY)
    before = snapshot()

    response = client.post(path, post_data_for(endpoint, world))

    assert response.status_code == 403
    assert CSRF_MESSAGE in response.content.decode()
    assert snapshot() == before
    assert client.session.get(SESSION_KEY) == signed_in_as  # nobody signed in or out
    assert mailoutbox == []


def test_a_token_from_another_session_is_refused(world):
    """A token is only good with the session's own CSRF cookie."""
    attacker = csrf_client(world.tenant.owner.user)
    page = attacker.get(reverse("web:profile")).content.decode()
    victim = csrf_client(world.tenant.member.user)
    before = snapshot()

    response = victim.post(
        reverse("web:profile"), {"name": "Hijacked", "csrfmiddlewaretoken": page_token(page)}
    )

    assert response.status_code == 403
    assert snapshot() == before


# --- The webhook: exempt, but signed ------------------------------------------------------------
WEBHOOK_SECRET = "whsec_test_secret"
WEBHOOK_BODY = json.dumps(
    {
        "type": "customer.subscription.deleted",
        "data": {"object": {"customer": "cus_acme", "status": "canceled"}},
    }
)


def stripe_signature(body: str, secret: str = WEBHOOK_SECRET) -> str:
    timestamp = int(time.time())
    signed = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={signed.hexdigest()}"


@pytest.fixture
def billed_world(world, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    Organization._base_manager.filter(pk=world.tenant.organization.pk).update(
        stripe_customer_id="cus_acme"
    )
    return world


@pytest.mark.parametrize(
    "signature",
    [None, "t=1,v1=0000", "garbage", stripe_signature(WEBHOOK_BODY, "whsec_another_secret")],
    ids=["unsigned", "stale-signature", "garbled", "wrong-secret"],
)
def test_the_webhook_refuses_a_request_stripe_did_not_sign(
    billed_world, django_capture_on_commit_callbacks, signature
):
    headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature else {}
    before = snapshot()

    with django_capture_on_commit_callbacks() as callbacks:
        response = csrf_client().post(
            reverse(WEBHOOK), WEBHOOK_BODY, content_type="application/json", **headers
        )

    assert response.status_code == 400
    assert snapshot() == before
    assert callbacks == []  # no billing re-sync was announced


def test_the_webhook_accepts_a_request_stripe_signed(
    billed_world, django_capture_on_commit_callbacks
):
    """The control for the test above: the refusal is about the signature, not the CSRF token."""
    with django_capture_on_commit_callbacks() as callbacks:
        response = csrf_client().post(
            reverse(WEBHOOK),
            WEBHOOK_BODY,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=stripe_signature(WEBHOOK_BODY),
        )

    assert response.status_code == 200
    assert response.json() == {"received": True, "handled": True}
    assert len(callbacks) == 1


def test_the_webhook_is_off_without_a_secret(db, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = csrf_client().post(reverse(WEBHOOK), "{}", content_type="application/json")

    assert response.status_code == 503


# --- The legitimate way through -----------------------------------------------------------------
_HX_HEADERS = re.compile(r"""hx-headers='\{"x-csrftoken": "([A-Za-z0-9]+)"\}'""")


def page_token(html: str) -> str:
    """The token base.html hands htmx in ``<body hx-headers=...>``."""
    found = _HX_HEADERS.search(html)
    assert found is not None, "no hx-headers CSRF token in the page"
    return found.group(1)


def test_htmx_post_with_the_token_from_hx_headers_is_accepted(world):
    tenant = world.tenant
    client = csrf_client(tenant.member.user)
    task_url = reverse(
        "web:task-detail",
        kwargs={"org_slug": tenant.organization.slug, "number": tenant.task.number},
    )
    token = page_token(client.get(task_url).content.decode())

    response = client.post(
        reverse(
            "web:comment-create",
            kwargs={"org_slug": tenant.organization.slug, "number": tenant.task.number},
        ),
        {"body": "Sent the way htmx sends it"},
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 200
    assert "HX-Retarget" not in response
    assert Comment._base_manager.filter(body="Sent the way htmx sends it").count() == 1


def test_htmx_post_with_a_wrong_token_gets_the_csrf_toast(world):
    tenant = world.tenant
    client = csrf_client(tenant.member.user)
    client.get(reverse("web:profile"))  # sets the CSRF cookie
    before = snapshot()

    response = client.post(
        reverse(
            "web:comment-create",
            kwargs={"org_slug": tenant.organization.slug, "number": tenant.task.number},
        ),
        {"body": "Forged"},
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN="x" * 64,
    )

    assert response.status_code == 403
    assert response["HX-Retarget"] == "#toasts"
    assert response["HX-Reswap"] == "beforeend"
    assert CSRF_MESSAGE in response.content.decode()
    assert snapshot() == before


def test_plain_form_post_with_the_token_field_is_accepted(world):
    client = csrf_client(world.tenant.member.user)
    token = page_token(client.get(reverse("web:profile")).content.decode())

    response = client.post(
        reverse("web:profile"), {"name": "Renamed Legitimately", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    world.tenant.member.user.refresh_from_db()
    assert world.tenant.member.user.name == "Renamed Legitimately"
