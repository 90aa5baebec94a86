"""The domain's announcements (workspace.signals) become queued jobs."""

from datetime import datetime

from django.dispatch import receiver

from tasks.billing import sync_billing_status
from tasks.board import respace_board_keys
from tasks.bulk import run_bulk_edit
from tasks.exports import build_organization_export
from tasks.imports import run_task_import
from tasks.notifications import deliver_notification
from tasks.queue import enqueue_safely, schedule_safely
from workspace import signals


@receiver(signals.inbox_notified, dispatch_uid="jobs.inbox_notified")
@receiver(signals.member_joined, dispatch_uid="jobs.member_joined")
@receiver(signals.invitation_sent, dispatch_uid="jobs.invitation_sent")
@receiver(signals.organization_deleted, dispatch_uid="jobs.organization_deleted")
def queue_notifications(sender, organization_id, notification_ids, scheduled=(), **kwargs):
    for notification_id in notification_ids:
        enqueue_safely(deliver_notification, organization_id, notification_id)
    # E-mail bundles go out when their window closes.
    for notification_id, eta in scheduled:
        schedule_safely(
            deliver_notification, (organization_id, notification_id), datetime.fromisoformat(eta)
        )


@receiver(signals.billing_changed, dispatch_uid="jobs.billing_changed")
def queue_billing_sync(sender, organization_id, **kwargs):
    enqueue_safely(sync_billing_status, organization_id)


@receiver(signals.export_requested, dispatch_uid="jobs.export_requested")
def queue_export(sender, organization_id, export_id, **kwargs):
    enqueue_safely(build_organization_export, organization_id, export_id)


@receiver(signals.task_import_queued, dispatch_uid="jobs.task_import_queued")
def queue_task_import(sender, organization_id, task_import_id, actor_id, **kwargs):
    enqueue_safely(run_task_import, organization_id, task_import_id, actor_id)


@receiver(signals.board_keys_long, dispatch_uid="jobs.board_keys_long")
def queue_board_respace(sender, organization_id, **kwargs):
    enqueue_safely(respace_board_keys, organization_id)


@receiver(signals.bulk_edit_queued, dispatch_uid="jobs.bulk_edit_queued")
def queue_bulk_edit(sender, organization_id, bulk_id, **kwargs):
    enqueue_safely(run_bulk_edit, organization_id, bulk_id)
