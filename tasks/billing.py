"""Billing status from Stripe: daily for every paying customer, and on Stripe's webhooks."""

import logging

import stripe
from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from tasks.queue import enqueue_safely
from workspace.models import Organization
from workspace.services.billing import organization_apply_billing
from workspace.tenancy import organization_scope

logger = logging.getLogger(__name__)

TRANSIENT_STRIPE_ERRORS = (stripe.APIConnectionError, stripe.RateLimitError)


def billing_enabled() -> bool:
    if not settings.STRIPE_API_KEY:
        logger.info("billing sync is off: STRIPE_API_KEY is not set")
        return False
    return True


def stripe_client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_API_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=0,
    )


@db_task(retries=3, retry_delay=60, retry_backoff=2)
def sync_billing_status(organization_id: int) -> str:
    """Ask Stripe for the organization's subscriptions and set its plan accordingly."""
    if not billing_enabled():
        return "off"
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None or not organization.stripe_customer_id:
        return "no-customer"
    try:
        subscriptions = stripe_client().v1.subscriptions.list(
            params={"customer": organization.stripe_customer_id, "status": "all", "limit": 100}
        )
    except TRANSIENT_STRIPE_ERRORS:
        raise  # Huey retries with backoff
    except stripe.APIError as error:
        if (error.http_status or 500) >= 500:
            raise  # Stripe is having trouble: retry
        logger.error("billing sync failed for organization %s", organization_id, exc_info=True)
        return "error"
    except stripe.StripeError:
        logger.error("billing sync failed for organization %s", organization_id, exc_info=True)
        return "error"
    with organization_scope(organization):
        organization = organization_apply_billing(
            organization=organization,
            subscriptions=[{"status": s["status"]} for s in subscriptions.data],
        )
    return organization.plan


@db_periodic_task(crontab(hour="3", minute="30"))
@lock_task("sync-all-billing")
def sync_all_billing() -> int:
    if not billing_enabled():
        return 0
    ids = Organization.objects.exclude(stripe_customer_id="").values_list("pk", flat=True)
    return sum(enqueue_safely(sync_billing_status, pk) for pk in ids)
