"""Billing: the plan follows Stripe, daily and on Stripe's webhooks.

Stripe is a third party the tests cannot reach: a small local HTTP server plays its API (the
real ``stripe`` client talks to it through ``settings.STRIPE_API_BASE``)."""

import hashlib
import hmac
import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from tasks.billing import sync_all_billing, sync_billing_status
from tasks.tests.conftest import naive_utc, run_due
from workspace.models import AuditAction, AuditLog, Organization, Plan
from workspace.tenancy import organization_scope
from workspace.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

API_KEY = "sk_test_tandem_0123456789"
WEBHOOK_SECRET = "whsec_test_tandem"
T0 = datetime(2026, 3, 10, 3, 30, tzinfo=UTC)


class FakeStripe:
    """Stripe's ``GET /v1/subscriptions?customer=...`` on 127.0.0.1. ``subscriptions`` maps a
    customer to its subscription statuses; ``failure`` (status, error type) makes the next
    answers fail. ``requests`` records what was asked."""

    def __init__(self):
        self.subscriptions: dict[str, list[str]] = {}
        self.failure: tuple[int, str] | None = None
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.requests.append(
                    {
                        "method": "GET",
                        "path": url.path,
                        "query": query,
                        "authorization": self.headers.get("Authorization"),
                    }
                )
                if url.path != "/v1/subscriptions":
                    return self.reply(404, error("invalid_request_error", "Unknown path"))
                if fake.failure is not None:
                    status, kind = fake.failure
                    return self.reply(status, error(kind, "Something went wrong"))
                statuses = fake.subscriptions.get(query.get("customer"), [])
                data = [
                    {"id": f"sub_{i}", "object": "subscription", "status": status}
                    for i, status in enumerate(statuses, 1)
                ]
                return self.reply(
                    200,
                    {"object": "list", "data": data, "has_more": False, "url": "/v1/subscriptions"},
                )

            def reply(self, status, body):
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", "req_fake")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def customers_asked(self) -> list[str]:
        return [r["query"].get("customer") for r in self.requests]


def error(kind: str, message: str) -> dict:
    return {"error": {"type": kind, "message": message}}


@pytest.fixture
def stripe_api(settings, huey_memory):
    fake = FakeStripe()
    fake.thread.start()
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_API_KEY = API_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
    fake.thread.join(timeout=5)


@pytest.fixture
def customer(organization):
    """Acme pays through Stripe customer cus_acme; it is on the free plan for now."""
    organization.stripe_customer_id = "cus_acme"
    organization.save(update_fields=["stripe_customer_id"])
    return organization


def plan_entries(organization) -> list[AuditLog]:
    with organization_scope(organization):
        return list(
            AuditLog.objects.filter(
                action=AuditAction.UPDATED,
                content_type=ContentType.objects.get_for_model(Organization),
                object_id=organization.pk,
            )
        )


def sync(organization):
    return sync_billing_status(organization.pk).get()


# --- The sync job --------------------------------------------------------------------------------


def test_an_active_subscription_moves_the_organization_to_pro(stripe_api, customer):
    stripe_api.subscriptions["cus_acme"] = ["active"]

    with time_machine.travel(T0, tick=False):
        assert sync(customer) == Plan.PRO

    customer.refresh_from_db()
    assert customer.plan == Plan.PRO
    assert customer.billing_status == "active"
    assert customer.billing_synced_at == T0
    [request] = stripe_api.requests
    assert request["path"] == "/v1/subscriptions"
    assert request["query"] == {"customer": "cus_acme", "status": "all", "limit": "100"}
    assert request["authorization"] == f"Bearer {API_KEY}"


def test_the_plan_change_is_recorded_in_the_audit_log_by_the_system(stripe_api, customer):
    stripe_api.subscriptions["cus_acme"] = ["active"]

    sync(customer)

    [entry] = plan_entries(customer)
    assert entry.actor is None
    assert entry.changed_fields == {"plan": ["Free", "Pro"]}
    assert entry.object_repr == "Acme"


def test_a_canceled_subscription_moves_the_organization_back_to_free(stripe_api, customer):
    customer.plan = Plan.PRO
    customer.save(update_fields=["plan"])
    stripe_api.subscriptions["cus_acme"] = ["canceled"]

    assert sync(customer) == Plan.FREE

    customer.refresh_from_db()
    assert customer.plan == Plan.FREE
    assert customer.billing_status == "canceled"
    [entry] = plan_entries(customer)
    assert entry.actor is None
    assert entry.changed_fields == {"plan": ["Pro", "Free"]}


def test_no_change_records_no_audit_entry(stripe_api, customer):
    stripe_api.subscriptions["cus_acme"] = ["active"]
    sync(customer)

    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        assert sync(customer) == Plan.PRO

    assert len(plan_entries(customer)) == 1  # the first sync's only
    customer.refresh_from_db()
    assert customer.billing_synced_at == T0 + timedelta(days=1)  # but it was checked


@pytest.mark.parametrize(
    ("statuses", "plan", "billing_status"),
    [
        (["trialing"], Plan.PRO, "trialing"),
        (["past_due"], Plan.PRO, "past_due"),
        (["canceled", "active"], Plan.PRO, "active"),  # the best subscription wins
        (["unpaid"], Plan.FREE, "unpaid"),
        (["incomplete_expired", "canceled"], Plan.FREE, "incomplete_expired"),
        ([], Plan.FREE, "none"),
    ],
)
def test_plan_for_each_subscription_status(stripe_api, customer, statuses, plan, billing_status):
    stripe_api.subscriptions["cus_acme"] = statuses

    assert sync(customer) == plan

    customer.refresh_from_db()
    assert (customer.plan, customer.billing_status) == (plan, billing_status)


def test_without_an_api_key_billing_sync_is_off_and_says_so(stripe_api, customer, settings, caplog):
    settings.STRIPE_API_KEY = ""
    stripe_api.subscriptions["cus_acme"] = ["active"]

    with caplog.at_level(logging.INFO, logger="tasks.billing"):
        assert sync(customer) == "off"
        assert sync_all_billing.call_local() == 0

    assert stripe_api.requests == []
    customer.refresh_from_db()
    assert customer.plan == Plan.FREE
    assert customer.billing_synced_at is None
    assert "billing sync is off" in caplog.text


def test_an_organization_without_a_customer_is_not_asked_about(stripe_api, organization):
    assert sync(organization) == "no-customer"
    assert stripe_api.requests == []


def test_a_server_error_from_stripe_is_retried_and_leaves_the_plan(
    stripe_api, customer, huey_memory
):
    """A 5xx from Stripe is their trouble, not ours: the job is retried a minute later."""
    stripe_api.failure = (500, "api_error")

    sync_billing_status(customer.pk)

    assert len(stripe_api.requests) == 1  # the client itself does not retry
    customer.refresh_from_db()
    assert customer.plan == Plan.FREE
    assert customer.billing_synced_at is None
    assert plan_entries(customer) == []
    [retry] = huey_memory.scheduled()
    assert retry.name.endswith("sync_billing_status")
    assert retry.args == (customer.pk,)


def test_a_refused_api_key_is_logged_not_retried(stripe_api, customer, huey_memory, caplog):
    stripe_api.failure = (401, "invalid_request_error")

    with caplog.at_level(logging.ERROR, logger="tasks.billing"):
        assert sync(customer) == "error"

    assert huey_memory.scheduled() == []
    assert "billing sync failed" in caplog.text


def test_rate_limiting_is_transient_the_job_retries_after_60_seconds(
    stripe_api, customer, huey_memory
):
    stripe_api.failure = (429, "invalid_request_error")
    stripe_api.subscriptions["cus_acme"] = ["active"]

    with time_machine.travel(T0, tick=False):
        sync_billing_status(customer.pk)  # raises inside Huey, which schedules the retry

    [retry] = huey_memory.scheduled()
    assert retry.name == "sync_billing_status"
    assert retry.args == (customer.pk,)
    assert retry.eta == naive_utc(T0 + timedelta(seconds=60))
    assert retry.retries == 2
    customer.refresh_from_db()
    assert customer.plan == Plan.FREE

    stripe_api.failure = None  # Stripe calms down
    moment = T0 + timedelta(seconds=60)
    with time_machine.travel(moment, tick=False):
        assert len(run_due(huey_memory, moment)) == 1

    customer.refresh_from_db()
    assert customer.plan == Plan.PRO
    assert len(stripe_api.requests) == 2
    assert huey_memory.scheduled() == []


def test_an_unreachable_stripe_is_transient(settings, stripe_api, customer, huey_memory, free_port):
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port}"  # nothing listens there

    with time_machine.travel(T0, tick=False):
        sync_billing_status(customer.pk)

    [retry] = huey_memory.scheduled()
    assert retry.eta == naive_utc(T0 + timedelta(seconds=60))
    customer.refresh_from_db()
    assert customer.plan == Plan.FREE


def test_sync_all_billing_asks_only_about_organizations_with_a_customer(stripe_api, customer):
    globex = OrganizationFactory(name="Globex", stripe_customer_id="cus_globex")
    no_customer = OrganizationFactory(name="Initech")
    stripe_api.subscriptions.update({"cus_acme": ["active"], "cus_globex": ["canceled"]})

    assert sync_all_billing.call_local() == 2

    assert sorted(stripe_api.customers_asked()) == ["cus_acme", "cus_globex"]
    customer.refresh_from_db()
    globex.refresh_from_db()
    no_customer.refresh_from_db()
    assert customer.plan == Plan.PRO
    assert globex.plan == Plan.FREE
    assert globex.billing_status == "canceled"
    assert no_customer.billing_synced_at is None


# --- The webhook ---------------------------------------------------------------------------------

WEBHOOK = "/billing/webhook/"


def event(kind: str = "customer.subscription.updated", customer: str = "cus_acme") -> str:
    return json.dumps(
        {
            "id": "evt_1",
            "object": "event",
            "type": kind,
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "data": {
                "object": {
                    "id": "sub_1",
                    "object": "subscription",
                    "customer": customer,
                    "status": "active",
                }
            },
        }
    )


def signature(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def post(client, payload: str, header: str | None):
    headers = {} if header is None else {"HTTP_STRIPE_SIGNATURE": header}
    return client.post(WEBHOOK, data=payload, content_type="application/json", **headers)


def test_a_signed_subscription_event_syncs_the_plan(
    stripe_api, customer, client, django_capture_on_commit_callbacks
):
    stripe_api.subscriptions["cus_acme"] = ["active"]
    payload = event()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, payload, signature(payload))

    assert response.status_code == 200
    assert response.json() == {"received": True, "handled": True}
    assert len(callbacks) == 1  # the sync was announced after commit
    assert stripe_api.customers_asked() == ["cus_acme"]
    customer.refresh_from_db()
    assert customer.plan == Plan.PRO
    [entry] = plan_entries(customer)
    assert entry.actor is None


@pytest.mark.parametrize("kind", ["customer.subscription.created", "customer.subscription.deleted"])
def test_other_subscription_events_sync_too(
    stripe_api, customer, client, django_capture_on_commit_callbacks, kind
):
    stripe_api.subscriptions["cus_acme"] = ["canceled"]
    payload = event(kind)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, payload, signature(payload))

    assert response.json()["handled"] is True
    assert stripe_api.customers_asked() == ["cus_acme"]


@pytest.mark.parametrize(
    "header",
    [
        None,
        "garbage",
        "t=1700000000",
        "t=now,v1=abc",
        "sign-with-another-secret",
        "sign-another-payload",
        "stale",
    ],
)
def test_a_badly_signed_webhook_is_400_and_does_nothing(
    stripe_api, customer, client, django_capture_on_commit_callbacks, caplog, header
):
    payload = event()
    if header == "sign-with-another-secret":
        header = signature(payload, secret="whsec_someone_else")
    elif header == "sign-another-payload":
        header = signature(event(customer="cus_other"))
    elif header == "stale":  # a replayed request from ten minutes ago
        header = signature(payload, timestamp=int(time.time()) - 600)

    with (
        caplog.at_level(logging.WARNING, logger="web.views.billing"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = post(client, payload, header)

    assert response.status_code == 400
    assert callbacks == []
    assert stripe_api.requests == []
    customer.refresh_from_db()
    assert customer.plan == Plan.FREE
    assert "refused a billing webhook" in caplog.text


def test_a_signed_body_that_is_not_json_is_400(stripe_api, client):
    payload = "not json"
    assert post(client, payload, signature(payload)).status_code == 400


def test_an_event_of_another_type_is_received_but_not_handled(
    stripe_api, customer, client, django_capture_on_commit_callbacks
):
    payload = event("invoice.paid")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, payload, signature(payload))

    assert response.status_code == 200
    assert response.json() == {"received": True, "handled": False}
    assert callbacks == []
    assert stripe_api.requests == []


def test_an_event_about_an_unknown_customer_is_received_but_not_handled(
    stripe_api, customer, client, django_capture_on_commit_callbacks, caplog
):
    payload = event(customer="cus_nobody")

    with (
        caplog.at_level(logging.WARNING, logger="web.views.billing"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        response = post(client, payload, signature(payload))

    assert response.status_code == 200
    assert response.json() == {"received": True, "handled": False}
    assert callbacks == []
    assert stripe_api.requests == []
    assert "unknown customer cus_nobody" in caplog.text


def test_an_event_without_a_customer_is_not_handled(stripe_api, organization, client):
    """Organizations without a Stripe customer have stripe_customer_id "": an event without a
    customer must not match them."""
    payload = event(customer="")

    response = post(client, payload, signature(payload))

    assert response.json() == {"received": True, "handled": False}


def test_without_a_webhook_secret_the_webhook_is_503(stripe_api, customer, client, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = event()

    response = post(client, payload, signature(payload, secret=""))

    assert response.status_code == 503
    assert stripe_api.requests == []


def test_the_webhook_only_accepts_post(stripe_api, client):
    assert client.get(WEBHOOK).status_code == 405
    assert client.put(WEBHOOK, data=event(), content_type="application/json").status_code == 405


def test_the_webhook_needs_no_csrf_token(stripe_api, customer, django_capture_on_commit_callbacks):
    stripe_api.subscriptions["cus_acme"] = ["active"]
    payload = event()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(Client(enforce_csrf_checks=True), payload, signature(payload))

    assert response.status_code == 200
    assert response.json()["handled"] is True
