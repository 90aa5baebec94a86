"""Notification e-mails through the outbox: who gets them, delivering each one once, retrying what
may work later, and the unsubscribe link they carry.

Huey runs in immediate mode: a job runs inline when it is queued, and a failed job's retry goes
on Huey's (in-memory) schedule, where the tests find it and run it when it is due.
"""

import logging
import re
import smtplib
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.test import Client

from accounts.tests.factories import UserFactory
from tasks.notifications import deliver_notification, deliver_pending_notifications
from tasks.queue import enqueue_safely
from tasks.tests.backends import disconnected, mailbox_unavailable, try_again_later
from tasks.tests.conftest import naive_utc, run_due
from workspace.models import Notification, NotificationKind, Role, TaskStatus
from workspace.services.invitations import (
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)
from workspace.services.members import membership_leave, membership_remove
from workspace.services.tasks import task_delete, task_update
from workspace.services.watching import watchers_add
from workspace.tenancy import all_tenants, organization_scope
from workspace.tests.factories import (
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

SITE_URL = "https://tandem.example"
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _site(settings, huey_memory):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def team(organization, owner):
    """Mia created "Ship the release" and assigned it to Tom (so both watch it); Olivia (the
    owner) will finish it. Mia and Tom have their e-mails sent right away, not bundled: these
    tests are about delivering the outbox (bundling has its own, tasks/tests/test_bundles.py)."""
    mia = MembershipFactory(
        organization=organization,
        user__name="Mia Maker",
        user__email="mia@example.com",
        user__email_bundle_minutes=0,
    )
    tom = MembershipFactory(
        organization=organization,
        user__name="Tom Doer",
        user__email="tom@example.com",
        user__email_bundle_minutes=0,
    )
    with organization_scope(organization):
        project = ProjectFactory(organization=organization, name="Website")
        task = TaskFactory(
            project=project, title="Ship the release", created_by=mia.user, assignee=tom
        )
        watchers_add(task=task, memberships=[mia, tom])
    return SimpleNamespace(organization=organization, owner=owner, mia=mia, tom=tom, task=task)


@pytest.fixture
def solo_task(team):
    """A task Tom created for himself: completing it owes exactly one e-mail (to Tom)."""
    with organization_scope(team.organization):
        task = TaskFactory(
            project=team.task.project,
            title="Write notes",
            created_by=team.tom.user,
            assignee=team.tom,
        )
        watchers_add(task=task, memberships=[team.tom])
        return task


def set_status(task, actor, status):
    with organization_scope(task.organization):
        task_update(task=task, actor=actor, data={"status": status})


def notifications(organization, **filters):
    with organization_scope(organization):
        return list(Notification.objects.filter(**filters).order_by("pk"))


def recipients(outbox):
    return sorted(address for message in outbox for address in message.to)


# --- Who gets the completion e-mail -----------------------------------------------------------


def test_completion_mails_the_assignee_and_the_creator_but_not_the_completer(
    team, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        set_status(team.task, team.owner, TaskStatus.DONE)

    assert recipients(mailoutbox) == ["mia@example.com", "tom@example.com"]
    subject = f"#{team.task.number} Ship the release was completed"
    assert {m.subject for m in mailoutbox} == {subject}
    by_recipient = {m.to[0]: m for m in mailoutbox}
    assert "Hello Mia Maker" in by_recipient["mia@example.com"].body
    assert "Olivia Owner completed" in by_recipient["tom@example.com"].body
    task_url = f"{SITE_URL}/o/acme/tasks/{team.task.number}/"
    assert task_url in by_recipient["tom@example.com"].body
    rows = notifications(team.organization)
    assert [n.kind for n in rows] == [NotificationKind.INBOX] * 2
    assert all(n.sent_at is not None and n.attempts == 1 for n in rows)


def test_a_completion_mail_queued_before_the_inbox_existed_is_still_delivered(
    team, smtp, mailoutbox
):
    """Rows of the old kind (one e-mail per completion) may be pending when the upgrade lands."""
    with organization_scope(team.organization):
        old = Notification.objects.create(
            organization=team.organization,
            kind=NotificationKind.TASK_COMPLETED,
            recipient=team.tom.user,
            recipient_email="tom@example.com",
            subject_id=team.task.pk,
            dedupe_key=f"task_completed:{team.task.pk}:then:{team.tom.user_id}",
            payload={"completed_by": "Olivia Owner"},
        )

    assert deliver_notification(team.organization.pk, old.pk).get() == "sent"
    [message] = mailoutbox
    assert message.subject == f"#{team.task.number} Ship the release was completed"
    assert "Olivia Owner completed" in message.body


def test_the_assignee_completing_their_task_mails_only_the_creator(
    team, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        set_status(team.task, team.tom, TaskStatus.DONE)

    assert recipients(mailoutbox) == ["mia@example.com"]
    assert "Tom Doer completed" in mailoutbox[0].body


def test_one_mail_for_someone_who_is_both_creator_and_assignee(
    team, solo_task, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        set_status(solo_task, team.owner, TaskStatus.DONE)

    assert recipients(mailoutbox) == ["tom@example.com"]
    assert len(notifications(team.organization)) == 1


def test_nobody_is_mailed_when_the_only_person_involved_completes_it(
    team, solo_task, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        set_status(solo_task, team.tom, TaskStatus.DONE)

    assert mailoutbox == []
    assert notifications(team.organization) == []


def test_other_changes_mail_nobody(team, smtp, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        set_status(team.task, team.owner, TaskStatus.IN_PROGRESS)
        with organization_scope(team.organization):
            task_update(task=team.task, actor=team.owner, data={"title": "Ship it all"})

    assert mailoutbox == []


def test_reopening_and_completing_again_is_a_new_completion(
    team, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        set_status(team.task, team.owner, TaskStatus.DONE)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            set_status(team.task, team.owner, TaskStatus.TODO)
        assert len(mailoutbox) == 2  # reopening mails nobody
    with (
        time_machine.travel(T0 + timedelta(hours=2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        set_status(team.task, team.owner, TaskStatus.DONE)

    assert recipients(mailoutbox) == [
        "mia@example.com",
        "mia@example.com",
        "tom@example.com",
        "tom@example.com",
    ]
    rows = notifications(team.organization)
    assert len({n.dedupe_key for n in rows}) == 4
    assert all(n.sent_at is not None for n in rows)


def test_the_mail_is_queued_only_when_the_change_commits(
    team, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        set_status(team.task, team.owner, TaskStatus.DONE)

    assert mailoutbox == []  # nothing was sent inside the transaction
    queueing = [c for c in callbacks if "announce_after_commit" in c.__qualname__]
    assert len(queueing) == 1
    assert len(notifications(team.organization, sent_at__isnull=True)) == 2


# --- Delivering each notification once ---------------------------------------------------------


@pytest.fixture
def undelivered(team, django_capture_on_commit_callbacks):
    """The task was completed but its jobs were never queued (the queue was down): two pending
    notifications."""
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=False):
        set_status(team.task, team.owner, TaskStatus.DONE)
    return notifications(team.organization)


def test_running_the_job_twice_sends_one_mail(team, undelivered, smtp, mailoutbox):
    tom_notification = next(n for n in undelivered if n.recipient_email == "tom@example.com")
    org_id = team.organization.pk

    first = deliver_notification(org_id, tom_notification.pk).get()
    second = deliver_notification(org_id, tom_notification.pk).get()

    assert (first, second) == ("sent", "busy")
    assert recipients(mailoutbox) == ["tom@example.com"]
    tom_notification.refresh_from_db()
    assert tom_notification.attempts == 1


def test_the_sweep_after_a_delivery_sends_nothing(team, undelivered, smtp, mailoutbox):
    for n in undelivered:
        assert deliver_notification(team.organization.pk, n.pk).get() == "sent"

    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        outcome = deliver_pending_notifications.call_local()

    assert outcome == {}
    assert len(mailoutbox) == 2


def test_the_sweep_delivers_what_was_never_queued_once_it_is_30_seconds_old(
    team, undelivered, smtp, mailoutbox
):
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        assert deliver_pending_notifications.call_local() == {}  # its job may still be coming
    assert mailoutbox == []

    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        assert deliver_pending_notifications.call_local() == {"sent": 2}
        assert deliver_pending_notifications.call_local() == {}

    assert recipients(mailoutbox) == ["mia@example.com", "tom@example.com"]


def test_a_notification_being_delivered_is_not_sent_again(team, undelivered, smtp, mailoutbox):
    """A delivery in progress holds a claim on its row: a sweep running meanwhile leaves it."""
    n = undelivered[0]
    with organization_scope(team.organization):
        Notification.objects.filter(pk=n.pk).update(
            claimed_until=T0 + timedelta(minutes=5), attempts=1
        )

    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        assert deliver_pending_notifications.call_local() == {"busy": 1, "sent": 1}
    assert recipients(mailoutbox) == [undelivered[1].recipient_email]

    with time_machine.travel(T0 + timedelta(minutes=6), tick=False):  # the claim ran out
        assert deliver_pending_notifications.call_local() == {"sent": 1}
    assert len(mailoutbox) == 2


def test_a_job_naming_another_organization_finds_nothing(team, undelivered, smtp, mailoutbox):
    other = OrganizationFactory()

    assert deliver_notification(other.pk, undelivered[0].pk).get() == "busy"
    assert mailoutbox == []
    assert notifications(team.organization, sent_at__isnull=True) == undelivered


# --- Failures: transient ones are retried with backoff, permanent ones are not ------------------


def only_notification(organization):
    [n] = notifications(organization)
    return n


@pytest.mark.parametrize("first_error", [disconnected, try_again_later], ids=["disconnect", "451"])
def test_a_transient_error_is_retried_after_60_then_120_seconds(
    team, solo_task, smtp, mailoutbox, huey_memory, django_capture_on_commit_callbacks, first_error
):
    smtp.failures.extend([first_error(), try_again_later()])
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        set_status(solo_task, team.owner, TaskStatus.DONE)

    n = only_notification(team.organization)
    assert mailoutbox == []
    assert n.sent_at is None
    assert n.failed_at is None
    assert n.attempts == 1
    assert n.last_error.startswith(type(first_error()).__name__)
    [retry] = huey_memory.scheduled()
    assert retry.name == "deliver_notification"
    assert retry.args == (team.organization.pk, n.pk)
    assert retry.eta == naive_utc(T0 + timedelta(seconds=60))
    assert retry.retries == 2

    assert run_due(huey_memory, T0 + timedelta(seconds=59)) == []  # not yet
    with time_machine.travel(T0 + timedelta(seconds=60), tick=False):
        assert len(run_due(huey_memory, T0 + timedelta(seconds=60))) == 1  # fails again: 451
    [retry] = huey_memory.scheduled()
    assert retry.eta == naive_utc(T0 + timedelta(seconds=60 + 120))
    assert retry.retries == 1
    assert mailoutbox == []

    # The server is back when the second retry is due.
    with time_machine.travel(T0 + timedelta(seconds=180), tick=False):
        assert len(run_due(huey_memory, T0 + timedelta(seconds=180))) == 1

    assert recipients(mailoutbox) == ["tom@example.com"]
    assert huey_memory.scheduled() == []
    n.refresh_from_db()
    assert n.sent_at is not None
    assert n.attempts == 3
    assert n.last_error == ""
    # Nothing is left for the sweep either.
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        assert deliver_pending_notifications.call_local() == {}
    assert len(mailoutbox) == 1


def test_a_refused_connection_is_transient_too(
    team, solo_task, smtp, mailoutbox, huey_memory, django_capture_on_commit_callbacks
):
    smtp.failures.append(ConnectionRefusedError(111, "Connection refused"))
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        set_status(solo_task, team.owner, TaskStatus.DONE)

    [retry] = huey_memory.scheduled()
    assert retry.eta == naive_utc(T0 + timedelta(seconds=60))
    assert only_notification(team.organization).failed_at is None


def test_a_greylisting_reply_to_rcpt_to_is_retried(
    team, solo_task, smtp, mailoutbox, huey_memory, django_capture_on_commit_callbacks
):
    """Greylisting answers RCPT TO with 450/451, which smtplib raises as SMTPRecipientsRefused
    (not an SMTPResponseException). It is the most common "try again later", so it must be
    retried like any other 4xx reply, not failed for good."""
    smtp.failures.append(
        smtplib.SMTPRecipientsRefused({"tom@example.com": (450, b"4.2.0 Greylisted, retry later")})
    )
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        set_status(solo_task, team.owner, TaskStatus.DONE)

    n = only_notification(team.organization)
    assert n.failed_at is None
    [retry] = huey_memory.scheduled()
    assert retry.eta == naive_utc(T0 + timedelta(seconds=60))


def test_a_permanent_error_is_logged_marks_the_notification_failed_and_is_not_retried(
    team, solo_task, smtp, mailoutbox, huey_memory, django_capture_on_commit_callbacks, caplog
):
    smtp.failures.append(mailbox_unavailable())
    with (
        caplog.at_level(logging.ERROR, logger="workspace.services.notifications"),
        time_machine.travel(T0, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        set_status(solo_task, team.owner, TaskStatus.DONE)

    n = only_notification(team.organization)
    assert n.failed_at is not None
    assert n.sent_at is None
    assert n.last_error.startswith("SMTPRecipientsRefused")
    assert huey_memory.scheduled() == []
    [record] = [r for r in caplog.records if "failed for good" in r.getMessage()]
    assert record.levelno == logging.ERROR
    assert "tom@example.com" in record.getMessage()
    assert record.exc_info is not None
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        assert deliver_pending_notifications.call_local() == {}
    assert mailoutbox == []


def test_after_the_last_retry_the_sweep_takes_over(
    team, solo_task, smtp, mailoutbox, huey_memory, django_capture_on_commit_callbacks
):
    """Four failed attempts use up the job's three retries; the row stays pending, backs off
    (the fourth failure waits 8 minutes) and the minute sweep delivers it once it is due."""
    smtp.failures.extend([disconnected() for _ in range(4)])
    moment = T0
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        set_status(solo_task, team.owner, TaskStatus.DONE)
    for delay in (60, 120, 240):
        moment += timedelta(seconds=delay)
        with time_machine.travel(moment, tick=False):
            assert len(run_due(huey_memory, moment)) == 1
    assert huey_memory.scheduled() == []  # no retries left
    n = only_notification(team.organization)
    assert n.attempts == 4
    assert n.sent_at is None
    assert n.failed_at is None
    assert mailoutbox == []

    with time_machine.travel(moment + timedelta(minutes=1), tick=False):
        assert deliver_pending_notifications.call_local() == {}  # backing off: not due yet
    with time_machine.travel(moment + timedelta(minutes=8), tick=False):
        assert deliver_pending_notifications.call_local() == {"sent": 1}
    assert recipients(mailoutbox) == ["tom@example.com"]


def test_the_sweep_keeps_a_transiently_failing_notification_for_later(
    team, undelivered, smtp, mailoutbox
):
    smtp.failures.append(disconnected())
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        assert deliver_pending_notifications.call_local() == {"retry-later": 1, "sent": 1}
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        assert deliver_pending_notifications.call_local() == {"sent": 1}
    assert recipients(mailoutbox) == ["mia@example.com", "tom@example.com"]


# --- Nothing to say any more ---------------------------------------------------------------------


def test_a_recipient_who_switched_notifications_off_gets_nothing(
    team, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    team.tom.user.notify_by_email = False
    team.tom.user.save(update_fields=["notify_by_email"])

    with django_capture_on_commit_callbacks(execute=True):
        set_status(team.task, team.owner, TaskStatus.DONE)

    assert recipients(mailoutbox) == ["mia@example.com"]
    [tom_row] = notifications(team.organization, recipient=team.tom.user)
    assert tom_row.skipped_at is not None
    assert tom_row.sent_at is None


def test_a_deleted_tasks_pending_notification_is_skipped(
    team, undelivered, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    with organization_scope(team.organization):
        task_delete(task=team.task, actor=team.owner)

    for n in undelivered:
        assert deliver_notification(team.organization.pk, n.pk).get() == "skipped"

    assert mailoutbox == []
    assert all(n.skipped_at is not None for n in notifications(team.organization))


def test_a_creator_who_left_the_organization_is_not_mailed(
    team, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    """Mia created the task, then left Acme: she must not hear about Acme's work any more
    (the e-mail names the task, its project and the organization)."""
    with organization_scope(team.organization):
        membership_leave(membership=team.mia)

    with django_capture_on_commit_callbacks(execute=True):
        set_status(team.task, team.owner, TaskStatus.DONE)

    assert recipients(mailoutbox) == ["tom@example.com"]


def test_a_recipient_removed_before_delivery_is_skipped(
    team, undelivered, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    """Queued while Mia was a member; she was removed before the sweep delivered it."""
    with organization_scope(team.organization):
        membership_remove(actor=team.owner, membership=team.mia)

    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        deliver_pending_notifications.call_local()

    assert recipients(mailoutbox) == ["tom@example.com"]
    [mias] = notifications(team.organization, recipient=team.mia.user)
    assert mias.skipped_at is not None


def test_a_ten_minute_smtp_outage_does_not_lose_the_mail(
    team, solo_task, smtp, mailoutbox, huey_memory, django_capture_on_commit_callbacks
):
    """The server is down for ten minutes while the consumer runs as in production: the job's
    retries when due, and the sweep every minute. When the server is back, the mail must still
    go out. (The sweep also retries rows whose job is still backing off, so the attempts pile up,
    MAX_ATTEMPTS is reached within minutes, and the row is failed for good.)"""
    smtp.failures.extend(disconnected() for _ in range(100))
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        set_status(solo_task, team.owner, TaskStatus.DONE)

    def consumer_runs(minutes):
        for minute in minutes:
            moment = T0 + timedelta(minutes=minute)
            with time_machine.travel(moment, tick=False):
                run_due(huey_memory, moment)
                deliver_pending_notifications.call_local()

    consumer_runs(range(1, 11))
    smtp.failures.clear()  # the server is back; give any backoff up to two hours to deliver
    consumer_runs([*range(11, 16), *range(20, 121, 5)])

    n = only_notification(team.organization)
    assert n.failed_at is None, f"failed for good after {n.attempts} attempts"
    assert recipients(mailoutbox) == ["tom@example.com"]


# --- Unsubscribing -------------------------------------------------------------------------------


@pytest.fixture
def tom_mail(team, solo_task, smtp, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        set_status(solo_task, team.owner, TaskStatus.DONE)
    [message] = mailoutbox
    return message


def unsubscribe_url(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(r"<[^<>]+>", header)
    return header[1:-1]


def test_the_mail_carries_a_list_unsubscribe_header_and_link(tom_mail):
    url = unsubscribe_url(tom_mail)

    assert url.startswith(f"{SITE_URL}/unsubscribe/")
    assert tom_mail.message()["List-Unsubscribe"] == f"<{url}>"
    assert f"Unsubscribe from task e-mails: {url}" in tom_mail.body
    [(html, mimetype)] = tom_mail.alternatives
    assert mimetype == "text/html"
    assert f'href="{url}"' in html


def test_the_unsubscribe_link_works_without_signing_in(team, tom_mail):
    path = unsubscribe_url(tom_mail).removeprefix(SITE_URL)
    client = Client(enforce_csrf_checks=True)  # a visitor from their mail client, not signed in

    page = client.get(path)

    assert page.status_code == 200
    text = page.content.decode()
    assert "Stop sending notification e-mails about your tasks to" in text
    assert "tom@example.com" in text
    team.tom.user.refresh_from_db()
    assert team.tom.user.notify_by_email is True  # following the link changes nothing

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)
    done = client.post(path, {"csrfmiddlewaretoken": token})

    assert done.status_code == 200
    assert "You are unsubscribed" in done.content.decode()
    team.tom.user.refresh_from_db()
    assert team.tom.user.notify_by_email is False
    assert team.tom.user.receive_digest is True  # only this kind of e-mail


def test_after_unsubscribing_the_next_completion_mails_nothing(
    team, tom_mail, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    Client().post(unsubscribe_url(tom_mail).removeprefix(SITE_URL))

    with django_capture_on_commit_callbacks(execute=True):
        set_status(team.task, team.owner, TaskStatus.DONE)

    assert recipients(mailoutbox) == ["mia@example.com", "tom@example.com"]  # Tom's first only


def tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def test_a_tampered_unsubscribe_token_is_404(team, tom_mail, client):
    path = unsubscribe_url(tom_mail).removeprefix(SITE_URL)
    token = path.removeprefix("/unsubscribe/").removesuffix("/")

    for bad in (tampered(token), "garbage", token[: len(token) // 2]):
        assert client.get(f"/unsubscribe/{bad}/").status_code == 404
        assert client.post(f"/unsubscribe/{bad}/").status_code == 404
    team.tom.user.refresh_from_db()
    assert team.tom.user.notify_by_email is True


def test_an_unsubscribe_link_of_a_deactivated_account_is_404(team, tom_mail, client):
    team.tom.user.is_active = False
    team.tom.user.save(update_fields=["is_active"])

    assert client.get(unsubscribe_url(tom_mail).removeprefix(SITE_URL)).status_code == 404


# --- Membership e-mails --------------------------------------------------------------------------


def test_joining_through_an_invitation_sends_a_welcome_mail(
    organization, owner, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(
        organization=organization, email="nina@example.com", invited_by=owner.user, role=Role.MEMBER
    )
    nina = UserFactory(email="nina@example.com", name="Nina New")

    with django_capture_on_commit_callbacks(execute=True), organization_scope(organization):
        membership = invitation_accept(invitation=invitation, user=nina)

    [message] = mailoutbox
    assert message.to == ["nina@example.com"]
    assert message.subject == "Welcome to Acme on Tandem"
    assert "Hello Nina New" in message.body
    assert "You joined Acme on Tandem. Your role: Member." in message.body
    assert f"{SITE_URL}/o/acme/" in message.body
    [(html, _)] = message.alternatives
    assert f'href="{SITE_URL}/o/acme/"' in html
    [row] = notifications(organization, kind=NotificationKind.WELCOME)
    assert row.subject_id == membership.pk
    assert row.sent_at is not None


def test_invitation_mail_and_resend_sends_a_new_one(
    organization, owner, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(T0, tick=False),
        django_capture_on_commit_callbacks(execute=True),
        organization_scope(organization),
    ):
        invitation = invitation_create(
            organization=organization, actor=owner, email="Guest@Example.com", role=Role.MEMBER
        )

    [first] = mailoutbox
    accept_url = f"{SITE_URL}/invitations/{invitation.token}/"
    assert first.to == ["guest@example.com"]
    assert first.subject == "Olivia Owner invited you to Acme on Tandem"
    assert accept_url in first.body
    assert "as member" in first.body
    assert "List-Unsubscribe" not in first.extra_headers  # not a subscription

    with (
        time_machine.travel(T0 + timedelta(days=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
        organization_scope(organization),
    ):
        invitation_resend(actor=owner, invitation=invitation)

    assert len(mailoutbox) == 2
    second = mailoutbox[1]
    assert second.to == ["guest@example.com"]
    assert accept_url in second.body
    rows = notifications(organization, kind=NotificationKind.INVITATION)
    assert len(rows) == 2
    assert all(n.sent_at is not None for n in rows)


def test_an_invitation_revoked_before_its_mail_left_is_not_sent(
    organization, owner, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        organization_scope(organization),
    ):
        invitation = invitation_create(
            organization=organization, actor=owner, email="late@example.com", role=Role.MEMBER
        )
    with organization_scope(organization):
        invitation_revoke(actor=owner, invitation=invitation)
    for callback in callbacks:
        callback()

    assert mailoutbox == []
    [row] = notifications(organization, kind=NotificationKind.INVITATION)
    assert row.skipped_at is not None


def test_the_welcome_mail_of_an_admin_reads_an_admin(
    organization, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    """No "a admin": the role is named on its own."""
    invitation = InvitationFactory(
        organization=organization, email="al@example.com", role=Role.ADMIN
    )
    al = UserFactory(email="al@example.com")

    with django_capture_on_commit_callbacks(execute=True), organization_scope(organization):
        invitation_accept(invitation=invitation, user=al)

    [message] = mailoutbox
    assert "Your role: Admin." in message.body
    assert " a admin" not in message.body
    [(html, _)] = message.alternatives
    assert "Your role: Admin." in " ".join(html.split())


# --- Queueing never fails the caller -------------------------------------------------------------


def test_enqueue_safely_logs_and_returns_false_when_the_queue_is_unreachable(caplog):
    def job(*args):
        raise ConnectionError("Redis is down")

    job.name = "deliver_notification"

    with caplog.at_level(logging.WARNING, logger="tasks.queue"):
        assert enqueue_safely(job, 1, 2) is False

    assert "could not queue deliver_notification(1, 2)" in caplog.text
    assert "the outbox sweep will deliver it" in caplog.text


def test_every_notification_row_names_its_organization(
    team, smtp, mailoutbox, django_capture_on_commit_callbacks
):
    """The outbox is tenant data: rows live in the organization that caused them."""
    with django_capture_on_commit_callbacks(execute=True):
        set_status(team.task, team.owner, TaskStatus.DONE)

    with all_tenants():
        assert set(Notification.objects.values_list("organization_id", flat=True)) == {
            team.organization.pk
        }
