"""E-mail without spam: the events of a window go out as one e-mail per person when it closes,
leaving out what the person read in the app meanwhile.

Huey runs in immediate mode: a bundle's delivery is scheduled for the end of its window on
Huey's in-memory schedule, where ``run_due`` finds it, as the consumer's scheduler would."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine

from tasks.notifications import deliver_notification, deliver_pending_notifications
from tasks.tests.conftest import naive_utc, run_due
from workspace.models import InboxItem, Notification, NotificationKind, TaskStatus
from workspace.services.comments import comment_create
from workspace.services.inbox import inbox_item_archive, inbox_item_mark
from workspace.services.members import membership_leave
from workspace.services.tasks import task_delete, task_update
from workspace.services.watching import watchers_add
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

SITE_URL = "https://tandem.example"
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


@pytest.fixture(autouse=True)
def _site(settings, huey_memory):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def world(organization, owner, smtp):
    """Ada watches two tasks and wants e-mails about comments and changes too (default
    15-minute bundles, Berlin time); Olivia, the owner, does the work."""
    ada = MembershipFactory(
        organization=organization,
        user__name="Ada",
        user__email="ada@example.com",
        user__time_zone="Europe/Berlin",
        user__notification_channels={"comments": "email", "changes": "email"},
    )
    with organization_scope(organization):
        project = ProjectFactory(organization=organization, name="Website")
        launch = TaskFactory(project=project, title="Ship the release", assignee=ada)
        notes = TaskFactory(project=project, title="Write the notes")
        watchers_add(task=launch, memberships=[ada])
        watchers_add(task=notes, memberships=[ada])
    return SimpleNamespace(
        organization=organization, owner=owner, ada=ada, launch=launch, notes=notes
    )


def at(moment, capture):
    """Travel to ``moment`` and run the on-commit callbacks of what happens there."""
    return _Both(time_machine.travel(moment, tick=False), capture(execute=True))


class _Both:
    def __init__(self, *managers):
        self.managers = managers

    def __enter__(self):
        for manager in self.managers:
            manager.__enter__()

    def __exit__(self, *exc):
        for manager in reversed(self.managers):
            manager.__exit__(*exc)


def comment(w, task, body):
    with organization_scope(w.organization):
        return comment_create(task=task, actor=w.owner, body=body)


def status(w, task, value):
    with organization_scope(w.organization):
        task_update(task=task, actor=w.owner, data={"status": value})


def bundles(w):
    with organization_scope(w.organization):
        return list(Notification.objects.filter(kind=NotificationKind.INBOX).order_by("pk"))


def item(w, task):
    with organization_scope(w.organization):
        return InboxItem.objects.get(recipient=w.ada, task=task)


def test_events_within_the_window_go_out_as_one_e_mail_when_it_closes(
    world, mailoutbox, huey_memory, django_capture_on_commit_callbacks
):
    with at(T0, django_capture_on_commit_callbacks):
        comment(world, world.launch, "Draft is up")
    with at(T0 + timedelta(minutes=9), django_capture_on_commit_callbacks):
        status(world, world.launch, TaskStatus.DONE)
        comment(world, world.notes, "Started on the notes")

    assert mailoutbox == []
    [scheduled] = huey_memory.scheduled()
    assert scheduled.name == "deliver_notification"
    assert scheduled.eta == naive_utc(T0 + WINDOW)
    assert run_due(huey_memory, T0 + WINDOW - timedelta(seconds=1)) == []

    with time_machine.travel(T0 + WINDOW, tick=False):
        assert len(run_due(huey_memory, T0 + WINDOW)) == 1

    [message] = mailoutbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "3 updates in Acme"
    body = message.body
    assert body.index("Ship the release") < body.index("Write the notes")
    assert "- Olivia Owner commented, Mar 10, 10:00 CET" in body  # Ada's time
    assert '"Draft is up"' in body
    assert "- Olivia Owner completed it, Mar 10, 10:09 CET" in body
    assert f"{SITE_URL}/o/acme/tasks/{world.notes.number}/" in body
    [bundle] = bundles(world)
    assert bundle.sent_at is not None


def test_events_read_in_the_app_meanwhile_are_left_out(
    world, mailoutbox, huey_memory, django_capture_on_commit_callbacks
):
    with at(T0, django_capture_on_commit_callbacks):
        comment(world, world.launch, "Draft is up")
        comment(world, world.notes, "Started on the notes")
    with (
        time_machine.travel(T0 + timedelta(minutes=2), tick=False),
        organization_scope(world.organization),
    ):
        inbox_item_mark(item=item(world, world.launch), actor=world.ada, read=True)
    with at(T0 + timedelta(minutes=3), django_capture_on_commit_callbacks):
        comment(world, world.launch, "Second draft")  # after she read it: news again

    with time_machine.travel(T0 + WINDOW, tick=False):
        run_due(huey_memory, T0 + WINDOW)

    [message] = mailoutbox
    assert message.subject == "2 updates in Acme"
    assert "Second draft" in message.body
    assert "Draft is up" not in message.body
    assert "Started on the notes" in message.body


def test_a_bundle_read_entirely_in_the_app_is_not_sent(
    world, mailoutbox, huey_memory, django_capture_on_commit_callbacks
):
    with at(T0, django_capture_on_commit_callbacks):
        comment(world, world.launch, "Draft is up")
        comment(world, world.notes, "Started on the notes")
    with (
        time_machine.travel(T0 + timedelta(minutes=5), tick=False),
        organization_scope(world.organization),
    ):
        inbox_item_mark(item=item(world, world.launch), actor=world.ada, read=True)
        inbox_item_archive(item=item(world, world.notes), actor=world.ada, archived=True)

    with time_machine.travel(T0 + WINDOW, tick=False):
        run_due(huey_memory, T0 + WINDOW)

    assert mailoutbox == []
    [bundle] = bundles(world)
    assert bundle.skipped_at is not None


def test_an_event_after_the_window_starts_a_new_bundle(
    world, mailoutbox, huey_memory, django_capture_on_commit_callbacks
):
    with at(T0, django_capture_on_commit_callbacks):
        comment(world, world.launch, "Draft is up")
    with time_machine.travel(T0 + WINDOW, tick=False):
        run_due(huey_memory, T0 + WINDOW)
    later = T0 + timedelta(minutes=20)
    with at(later, django_capture_on_commit_callbacks):
        comment(world, world.launch, "Final version")
    with time_machine.travel(later + WINDOW, tick=False):
        run_due(huey_memory, later + WINDOW)

    assert [m.subject for m in mailoutbox] == [
        f"Olivia Owner commented on #{world.launch.number} Ship the release"
    ] * 2
    assert "Draft is up" in mailoutbox[0].body
    assert "Draft is up" not in mailoutbox[1].body
    assert "Final version" in mailoutbox[1].body


def test_a_shorter_window_chosen_by_the_person_is_used(
    world, mailoutbox, huey_memory, django_capture_on_commit_callbacks
):
    world.ada.user.email_bundle_minutes = 5
    world.ada.user.save(update_fields=["email_bundle_minutes"])

    with at(T0, django_capture_on_commit_callbacks):
        status(world, world.launch, TaskStatus.DONE)

    [scheduled] = huey_memory.scheduled()
    assert scheduled.eta == naive_utc(T0 + timedelta(minutes=5))
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        run_due(huey_memory, T0 + timedelta(minutes=5))
    [message] = mailoutbox
    assert message.subject == f"#{world.launch.number} Ship the release was completed"


def test_the_sweep_delivers_a_bundle_whose_job_was_lost(
    world, mailoutbox, huey_memory, django_capture_on_commit_callbacks
):
    """The queue was down when the bundle opened: the minute sweep sends it once it is due,
    never before its window closed."""
    with (
        time_machine.travel(T0, tick=False),
        django_capture_on_commit_callbacks(execute=False),
    ):
        comment(world, world.launch, "Draft is up")

    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        assert deliver_pending_notifications.call_local() == {}
    with time_machine.travel(T0 + WINDOW + timedelta(minutes=1), tick=False):
        assert deliver_pending_notifications.call_local() == {"sent": 1}
        assert deliver_pending_notifications.call_local() == {}
    assert len(mailoutbox) == 1


def test_delivering_a_bundle_twice_sends_one_e_mail(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    with at(T0, django_capture_on_commit_callbacks):
        comment(world, world.launch, "Draft is up")
    [bundle] = bundles(world)

    with time_machine.travel(T0 + WINDOW, tick=False):
        first = deliver_notification(world.organization.pk, bundle.pk).get()
        second = deliver_notification(world.organization.pk, bundle.pk).get()

    assert (first, second) == ("sent", "busy")
    assert len(mailoutbox) == 1


def test_deleted_tasks_are_left_out_and_leaving_the_organization_stops_the_bundle(
    world, mailoutbox, huey_memory, django_capture_on_commit_callbacks
):
    with at(T0, django_capture_on_commit_callbacks):
        comment(world, world.launch, "Draft is up")
        comment(world, world.notes, "Started on the notes")
    with organization_scope(world.organization):
        task_delete(task=world.notes, actor=world.owner)

    with time_machine.travel(T0 + WINDOW, tick=False):
        run_due(huey_memory, T0 + WINDOW)
    [message] = mailoutbox
    assert "Write the notes" not in message.body
    assert "Started on" not in message.body

    with at(T0 + timedelta(hours=1), django_capture_on_commit_callbacks):
        comment(world, world.launch, "One more thing")
    with organization_scope(world.organization):
        membership_leave(membership=world.ada)
    later = T0 + timedelta(hours=1) + WINDOW
    with time_machine.travel(later, tick=False):
        run_due(huey_memory, later)
    assert len(mailoutbox) == 1
    assert bundles(world)[-1].skipped_at is not None


def test_no_e_mail_after_switching_notification_e_mails_off_during_the_window(
    world, mailoutbox, huey_memory, django_capture_on_commit_callbacks
):
    with at(T0, django_capture_on_commit_callbacks):
        comment(world, world.launch, "Draft is up")
    world.ada.user.notify_by_email = False
    world.ada.user.save(update_fields=["notify_by_email"])

    with time_machine.travel(T0 + WINDOW, tick=False):
        run_due(huey_memory, T0 + WINDOW)

    assert mailoutbox == []
    # The inbox still has it.
    assert item(world, world.launch).is_unread


def test_every_bundle_keeps_its_one_click_unsubscribe(
    world, mailoutbox, huey_memory, django_capture_on_commit_callbacks
):
    with at(T0, django_capture_on_commit_callbacks):
        comment(world, world.launch, "Draft is up")
    with time_machine.travel(T0 + WINDOW, tick=False):
        run_due(huey_memory, T0 + WINDOW)

    [message] = mailoutbox
    header = message.extra_headers["List-Unsubscribe"]
    url = header[1:-1]
    assert url.startswith(f"{SITE_URL}/unsubscribe/")
    assert f"Unsubscribe from task e-mails: {url}" in message.body
    assert f"{SITE_URL}/accounts/profile/#notifications" in message.body
    [(html, _)] = message.alternatives
    assert f'href="{url}"' in html


def test_each_organization_bundles_its_own_news(
    world, mailoutbox, huey_memory, django_capture_on_commit_callbacks
):
    """Ada is in two organizations: each sends its own e-mail, naming only its own tasks."""
    other = OrganizationFactory(name="Globex", slug="globex")
    boss = MembershipFactory(organization=other)
    ada_there = MembershipFactory(
        organization=other,
        user=world.ada.user,
    )
    with organization_scope(other):
        secret = TaskFactory(project=ProjectFactory(organization=other), title="Globex merger plan")
        watchers_add(task=secret, memberships=[ada_there])
    with at(T0, django_capture_on_commit_callbacks):
        comment(world, world.launch, "Draft is up")
        with organization_scope(other):
            comment_create(task=secret, actor=boss, body="Confidential")

    with time_machine.travel(T0 + WINDOW, tick=False):
        run_due(huey_memory, T0 + WINDOW)

    by_subject = {m.subject: m.body for m in mailoutbox}
    acme = by_subject[f"Olivia Owner commented on #{world.launch.number} Ship the release"]
    assert "Globex" not in acme
    assert "Confidential" not in acme
    [globex] = [body for subject, body in by_subject.items() if "Globex merger plan" in subject]
    assert "Ship the release" not in globex
