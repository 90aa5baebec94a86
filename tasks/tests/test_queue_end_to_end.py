"""The completion e-mail through the real Redis-backed queue and a real consumer."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from tasks.notifications import deliver_pending_notifications
from tasks.tests.conftest import (
    free_port,
    redis_queue,
    redis_server,
    running_consumer,
    wait_until,
)
from workspace.models import Notification, Role, Task, TaskStatus
from workspace.services.comments import comment_create
from workspace.services.tasks import task_update
from workspace.services.watching import watchers_add
from workspace.tenancy import all_tenants, organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def finished_work():
    """A task Mia created and assigned to Tom (both watch it, and want e-mails right away);
    Olivia is about to complete it."""
    olivia = MembershipFactory(role=Role.OWNER, user__name="Olivia")
    organization = olivia.organization
    mia = MembershipFactory(
        organization=organization, user__email="mia@example.com", user__email_bundle_minutes=0
    )
    tom = MembershipFactory(
        organization=organization, user__email="tom@example.com", user__email_bundle_minutes=0
    )
    with organization_scope(organization):
        project = ProjectFactory(organization=organization)
        task = TaskFactory(project=project, title="Ship it", created_by=mia.user, assignee=tom)
        watchers_add(task=task, memberships=[mia, tom])
    return olivia, task


def complete(task, actor):
    with organization_scope(task.organization), transaction.atomic():
        task_update(task=task, actor=actor, data={"status": TaskStatus.DONE})


def test_completion_mail_is_queued_on_commit_and_sent_by_the_consumer(finished_work, mailoutbox):
    olivia, task = finished_work

    with redis_queue() as huey, running_consumer(huey):
        with organization_scope(task.organization), transaction.atomic():
            task_update(task=task, actor=olivia, data={"status": TaskStatus.DONE})
            assert huey.pending_count() == 0  # nothing is queued before the commit
        assert wait_until(lambda: len(mail.outbox) == 2), mail.outbox

    assert sorted(m.to[0] for m in mail.outbox) == ["mia@example.com", "tom@example.com"]
    assert {m.subject for m in mail.outbox} == {f"#{task.number} Ship it was completed"}
    assert "Olivia completed" in mail.outbox[0].body
    with all_tenants():
        assert Notification.objects.filter(sent_at__isnull=False).count() == 2


def test_redis_down_the_change_commits_and_mail_follows_when_redis_is_back(
    finished_work, mailoutbox, caplog
):
    olivia, task = finished_work
    port = free_port()

    with caplog.at_level(logging.WARNING), redis_queue(f"redis://127.0.0.1:{port}/0"):
        complete(task, olivia)  # no Redis listens on that port

    with organization_scope(task.organization):
        assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE
        assert Notification.objects.pending().count() == 2
    assert mail.outbox == []
    assert "the outbox sweep will deliver it" in caplog.text

    # Redis is back: the periodic sweep, run by a consumer, delivers what was left pending.
    a_minute_later = timezone.now() + timedelta(minutes=1)
    with (
        redis_server(port) as url,
        redis_queue(url) as huey,
        running_consumer(huey),
        time_machine.travel(a_minute_later, tick=True),
    ):
        deliver_pending_notifications()
        assert wait_until(lambda: len(mail.outbox) == 2)

    assert sorted(m.to[0] for m in mail.outbox) == ["mia@example.com", "tom@example.com"]
    with organization_scope(task.organization):
        assert Notification.objects.pending().count() == 0


def test_a_bundle_is_scheduled_on_commit_and_sent_by_the_consumer_when_its_window_closes(
    finished_work, mailoutbox
):
    """Tom bundles his e-mails over 5 minutes: the completion and a comment go out as one
    e-mail, from the queue's schedule, once the window has passed."""
    olivia, task = finished_work
    tom = task.assignee.user
    tom.email_bundle_minutes = 5
    tom.save(update_fields=["email_bundle_minutes"])
    tom.notification_channels = {"comments": "email"}
    tom.save(update_fields=["notification_channels"])

    with redis_queue() as huey, running_consumer(huey):
        complete(task, olivia)
        with organization_scope(task.organization), transaction.atomic():
            comment_create(task=task, actor=olivia, body="Shipped, thanks!")
        assert len(huey.scheduled()) == 1  # one bundle, due in 5 minutes
        assert not wait_until(lambda: any(m.to == [tom.email] for m in mail.outbox), 1.0)
        with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1), tick=True):
            assert wait_until(lambda: any(m.to == [tom.email] for m in mail.outbox))

    [bundle] = [m for m in mail.outbox if m.to == [tom.email]]
    assert bundle.subject == f"2 updates on #{task.number} Ship it"
    assert "Olivia completed it" in bundle.body
    assert "Olivia commented" in bundle.body
    assert '"Shipped, thanks!"' in bundle.body
