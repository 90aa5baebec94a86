"""The organization's plan follows its Stripe subscription."""

import logging

from django.db import transaction
from django.utils import timezone

from workspace import signals
from workspace.audit import audit_record
from workspace.models import AuditAction, Organization, Plan

logger = logging.getLogger(__name__)

# Subscription statuses that keep the paid plan.
PAID_STATUSES = frozenset({"active", "trialing", "past_due"})


def plan_for_subscriptions(subscriptions: list[dict]) -> tuple[Plan, str]:
    """The plan and the status that decides it: the best subscription wins."""
    statuses = [s.get("status", "") for s in subscriptions]
    for status in statuses:
        if status in PAID_STATUSES:
            return Plan.PRO, status
    return Plan.FREE, statuses[0] if statuses else "none"


@transaction.atomic
def organization_apply_billing(
    *, organization: Organization, subscriptions: list[dict]
) -> Organization:
    """Store what Stripe says. A plan change is recorded in the audit log (actor: the system)."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    plan, status = plan_for_subscriptions(subscriptions)
    old_plan = organization.plan
    organization.plan = plan
    organization.billing_status = status
    organization.billing_synced_at = timezone.now()
    organization.save(update_fields=["plan", "billing_status", "billing_synced_at", "updated_at"])
    if old_plan != plan:
        audit_record(
            organization=organization,
            actor=None,
            action=AuditAction.UPDATED,
            target=organization,
            changed_fields={"plan": [Plan(old_plan).label, plan.label]},
        )
        logger.info("organization %s moved to the %s plan (%s)", organization.pk, plan, status)
    return organization


def billing_change_reported(*, stripe_customer_id: str) -> int | None:
    """Stripe says this customer's subscription changed: announce it (a job re-syncs the plan).
    Returns the organization's id, or None for a customer we do not know."""
    organization_id = (
        Organization.objects.filter(stripe_customer_id=stripe_customer_id)
        .values_list("pk", flat=True)
        .first()
        if stripe_customer_id
        else None
    )
    if organization_id is not None:
        transaction.on_commit(
            lambda: signals.billing_changed.send(
                sender=Organization, organization_id=organization_id
            )
        )
    return organization_id
