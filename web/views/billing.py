import json
import logging

import stripe
from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from workspace.services.billing import billing_change_reported

logger = logging.getLogger(__name__)

SUBSCRIPTION_EVENTS = frozenset(
    {
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
    }
)


@csrf_exempt  # Stripe signs its requests instead; the signature is verified below.
@require_POST
def stripe_webhook(request):
    """Stripe tells us a subscription changed: re-sync that customer's organization."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        logger.info("billing webhook is off: STRIPE_WEBHOOK_SECRET is not set")
        return HttpResponse("Billing is not configured.", status=503)
    try:
        stripe.WebhookSignature.verify_header(
            request.body.decode("utf-8"),
            request.headers.get("Stripe-Signature"),
            settings.STRIPE_WEBHOOK_SECRET,
            stripe.Webhook.DEFAULT_TOLERANCE,
        )
        event = json.loads(request.body)
        event_type = event["type"]
        subject = event["data"]["object"]
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        logger.warning("refused a billing webhook with a bad signature or body")
        return HttpResponseBadRequest("Bad signature.")
    if event_type not in SUBSCRIPTION_EVENTS or not isinstance(subject, dict):
        return JsonResponse({"received": True, "handled": False})
    customer = subject.get("customer") or ""
    if billing_change_reported(stripe_customer_id=customer) is None:
        logger.warning("billing webhook for unknown customer %s", customer)
        return JsonResponse({"received": True, "handled": False})
    return JsonResponse({"received": True, "handled": True})
