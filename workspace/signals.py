"""What the domain announces, always after commit (``transaction.on_commit``).

Receivers (the ``tasks`` package) react by queueing background jobs. Every signal carries ids,
never model instances, and ``notification_ids``: the outbox rows written with the change.
"""

from django.dispatch import Signal

# kwargs: organization_id, task_id, membership_ids (whose inbox changed), notification_ids (e-mails
# to deliver now), scheduled ([notification id, ISO time] of e-mail bundles to deliver then)
inbox_notified = Signal()
# kwargs: organization_id, membership_id, notification_ids
member_joined = Signal()
# kwargs: organization_id, invitation_id, notification_ids
invitation_sent = Signal()
# kwargs: organization_id, notification_ids — an owner deleted the organization (members are told).
organization_deleted = Signal()
# kwargs: organization_id, export_id — an owner asked for an export (a job builds it).
export_requested = Signal()
# kwargs: organization_id, task_import_id, actor_id — a large import was started (a job runs it).
task_import_queued = Signal()
# kwargs: organization_id — Stripe reported a change to the organization's subscription.
billing_changed = Signal()
# kwargs: organization_id — a board move wrote a long key (a job re-spaces the order).
board_keys_long = Signal()
# A bulk edit too large for one transaction was queued (kwargs: organization_id, bulk_id).
bulk_edit_queued = Signal()
