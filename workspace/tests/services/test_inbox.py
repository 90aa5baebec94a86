"""Who hears about what, and the one-thread-per-task inbox item that keeps it."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from workspace.models import EventKind, InboxItem, Notification, NotificationKind, TaskStatus
from workspace.services.comments import comment_create
from workspace.services.inbox import (
    inbox_item_archive,
    inbox_item_mark,
    inbox_mark_all_read,
    inbox_notify,
)
from workspace.services.members import membership_leave
from workspace.services.tasks import task_create, task_update
from workspace.services.watching import task_watch, watchers_add
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def project(in_org):
    return ProjectFactory(organization=in_org, name="Website")


@pytest.fixture
def ada(organization):
    return MembershipFactory(organization=organization, user__name="Ada")


@pytest.fixture
def bob(organization):
    return MembershipFactory(organization=organization, user__name="Bob")


@pytest.fixture
def cy(organization):
    return MembershipFactory(organization=organization, user__name="Cy")


@pytest.fixture
def task(project, ada, bob):
    """Ada's task, assigned to Bob: both watch it."""
    return task_create(
        organization=project.organization,
        actor=ada,
        project=project,
        title="Ship the release",
        assignee=bob,
    )


def items_of(membership):
    return list(InboxItem.objects.filter(recipient=membership).order_by("pk"))


def the_item(membership, task):
    return InboxItem.objects.get(recipient=membership, task=task)


def kinds(item):
    return [event["kind"] for event in item.recent]


# --- Who is told ---------------------------------------------------------------------------------


def test_the_assignee_hears_about_the_assignment_and_the_creator_does_not(task, ada, bob):
    assert items_of(ada) == []  # Ada did it
    [item] = items_of(bob)
    assert item.task == task
    assert item.kind == EventKind.ASSIGNED
    assert item.actor == ada.user
    assert item.is_unread


def test_assigning_yourself_tells_nobody(project, ada):
    task_create(
        organization=project.organization,
        actor=ada,
        project=project,
        title="Note to self",
        assignee=ada,
    )

    assert items_of(ada) == []


def test_watchers_hear_about_status_and_due_date_changes_but_not_the_one_who_changed_it(
    task, ada, bob, cy
):
    task_watch(task=task, actor=cy, watching=True)

    task_update(task=task, actor=bob, data={"status": TaskStatus.IN_PROGRESS})
    task_update(task=task, actor=bob, data={"due_date": date(2026, 4, 1)})

    assert kinds(the_item(ada, task)) == ["due_date_changed", "status_changed"]
    assert the_item(cy, task).recent[0]["due"] == "2026-04-01"
    assert the_item(cy, task).recent[1]["status"] == "in_progress"
    assert kinds(the_item(bob, task)) == ["assigned"]  # nothing about his own changes


def test_completion_tells_the_watchers_as_a_completion(task, ada, bob, cy):
    task_update(task=task, actor=cy, data={"status": TaskStatus.DONE})

    assert the_item(ada, task).kind == EventKind.COMPLETED
    assert the_item(bob, task).kind == EventKind.COMPLETED
    assert items_of(cy) == []


def test_a_title_change_tells_nobody(task, ada, bob):
    task_update(task=task, actor=bob, data={"title": "Ship the big release"})

    assert items_of(ada) == []


def test_a_comment_tells_the_watchers_and_a_mention_tells_the_mentioned_once(task, ada, bob, cy):
    comment = comment_create(task=task, actor=bob, body=f"Done, @[Cy](member:{cy.pk}) please check")

    assert the_item(ada, task).kind == EventKind.COMMENTED
    assert the_item(ada, task).recent[0]["comment"] == comment.pk
    cy_item = the_item(cy, task)
    assert kinds(cy_item) == ["mentioned"]  # not also "commented"
    assert cy_item.has_mention
    assert kinds(the_item(bob, task)) == ["assigned"]


def test_a_mention_in_a_task_description_tells_the_member(project, ada, cy):
    task = task_create(
        organization=project.organization,
        actor=ada,
        project=project,
        title="Plan the offsite",
        description=f"@[Cy](member:{cy.pk}) owns the venue",
    )

    assert kinds(the_item(cy, task)) == ["mentioned"]
    assert "comment" not in the_item(cy, task).recent[0]


def test_editing_a_description_tells_only_newly_mentioned_members(project, ada, bob, cy):
    task = task_create(
        organization=project.organization,
        actor=ada,
        project=project,
        title="Plan the offsite",
        description=f"@[Bob](member:{bob.pk}) books the train",
    )

    task_update(
        task=task,
        actor=ada,
        data={"description": f"@[Bob](member:{bob.pk}) books, @[Cy](member:{cy.pk}) pays"},
    )

    assert kinds(the_item(bob, task)) == ["mentioned"]
    assert kinds(the_item(cy, task)) == ["mentioned"]


def test_a_mention_inside_code_is_not_a_mention(task, bob, cy):
    comment_create(task=task, actor=bob, body=f"Syntax: `@[Cy](member:{cy.pk})`")

    assert items_of(cy) == []


def test_only_current_members_of_the_tasks_organization_are_told(task, ada, bob, cy):
    stranger = MembershipFactory()  # another organization
    watchers_add(task=task, memberships=[cy])
    membership_leave(membership=cy)

    inbox_notify(task=task, actor=bob, kind=EventKind.COMMENTED, recipients=[ada, cy.pk, stranger])

    told = InboxItem.objects.filter(task=task).values_list("recipient_id", flat=True)
    assert sorted(told) == [ada.pk, bob.pk]  # Bob from his assignment
    assert InboxItem.objects.filter(recipient=stranger).count() == 0


def test_deactivated_accounts_are_not_told(task, ada, bob):
    ada.user.is_active = False
    ada.user.save(update_fields=["is_active"])

    task_update(task=task, actor=bob, data={"status": TaskStatus.DONE})

    assert items_of(ada) == []


def test_an_event_switched_off_is_not_kept(task, ada, bob):
    ada.user.notification_channels = {"changes": "off"}
    ada.user.save(update_fields=["notification_channels"])

    task_update(task=task, actor=bob, data={"status": TaskStatus.IN_PROGRESS})
    assert items_of(ada) == []

    task_update(task=task, actor=bob, data={"status": TaskStatus.DONE})  # completions are on
    assert the_item(ada, task).kind == EventKind.COMPLETED


# --- One item per person and task ----------------------------------------------------------------


def test_events_update_the_one_item_of_the_task_newest_first(task, ada, bob):
    with time_machine.travel(T0, tick=False):
        comment_create(task=task, actor=bob, body="First")
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        task_update(task=task, actor=bob, data={"status": TaskStatus.IN_PROGRESS})

    [item] = items_of(ada)
    assert item.kind == EventKind.STATUS_CHANGED
    assert item.last_event_at == T0 + timedelta(minutes=5)
    assert kinds(item) == ["status_changed", "commented"]
    assert item.unread_events == 2


def test_new_and_existing_items_are_written_in_one_statement_keeping_the_old_ones(
    task, ada, bob, cy, django_assert_num_queries
):
    """Ada already has an item about the task, Cy has none: both are told in one write."""
    comment_create(task=task, actor=bob, body="First")
    [before] = items_of(ada)
    with django_assert_num_queries(2):  # the recipients (locked), then the items
        inbox_notify(task=task, actor=bob, kind=EventKind.STATUS_CHANGED, recipients=[ada, cy])

    [after] = items_of(ada)
    assert after.pk == before.pk
    assert after.created_at == before.created_at
    assert kinds(after) == ["status_changed", "commented"]
    assert after.unread_events == 2
    [new] = items_of(cy)
    assert kinds(new) == ["status_changed"]
    assert new.unread_events == 1


def test_the_item_keeps_the_last_five_events(task, ada, bob):
    for n in range(7):
        comment_create(task=task, actor=bob, body=f"Comment {n}")

    [item] = items_of(ada)
    assert len(item.recent) == 5
    assert item.unread_events == 7


def test_news_makes_a_read_item_unread_again_and_counts_from_there(task, ada, bob):
    comment_create(task=task, actor=bob, body="One")
    comment_create(task=task, actor=bob, body="Two")
    item = the_item(ada, task)
    inbox_item_mark(item=item, actor=ada, read=True)
    assert the_item(ada, task).unread_events == 0

    comment_create(task=task, actor=bob, body="Three")

    item = the_item(ada, task)
    assert item.is_unread
    assert item.unread_events == 1
    assert item.seen_until is not None  # what was read stays read (for e-mail bundles)


def test_news_brings_an_archived_item_back(task, ada, bob):
    comment_create(task=task, actor=bob, body="One")
    inbox_item_archive(item=the_item(ada, task), actor=ada, archived=True)
    assert the_item(ada, task).archived_at is not None

    comment_create(task=task, actor=bob, body="Two")

    assert the_item(ada, task).archived_at is None
    assert the_item(ada, task).is_unread


def test_an_item_holds_no_task_content(task, ada, bob):
    comment_create(task=task, actor=bob, body="Secret plans for the launch")

    item = the_item(ada, task)
    stored = str(item.recent) + item.kind
    assert "Secret" not in stored
    assert "Ship the release" not in stored


# --- Reading, archiving --------------------------------------------------------------------------


def test_mark_read_unread_archive_and_back(task, ada, bob):
    comment_create(task=task, actor=bob, body="One")
    item = the_item(ada, task)

    inbox_item_mark(item=item, actor=ada, read=True)
    assert not the_item(ada, task).is_unread
    inbox_item_mark(item=item, actor=ada, read=False)
    assert the_item(ada, task).is_unread

    inbox_item_archive(item=item, actor=ada, archived=True)
    archived = the_item(ada, task)
    assert archived.archived_at is not None
    assert not archived.is_unread  # done with it
    inbox_item_archive(item=item, actor=ada, archived=False)
    assert the_item(ada, task).archived_at is None


def test_mark_all_read_reads_only_the_members_own_items(project, task, ada, bob, cy):
    other = TaskFactory(project=project)
    watchers_add(task=other, memberships=[ada, cy])
    comment_create(task=task, actor=bob, body="One")
    comment_create(task=other, actor=bob, body="Two")

    assert inbox_mark_all_read(actor=ada) == 2

    assert not any(i.is_unread for i in items_of(ada))
    assert the_item(cy, other).is_unread


@pytest.mark.parametrize(
    "action",
    [
        lambda item, actor: inbox_item_mark(item=item, actor=actor, read=True),
        lambda item, actor: inbox_item_mark(item=item, actor=actor, read=False),
        lambda item, actor: inbox_item_archive(item=item, actor=actor, archived=True),
    ],
    ids=["read", "unread", "archive"],
)
def test_nobody_touches_another_members_item_even_bypassing_the_views(task, ada, bob, action):
    comment_create(task=task, actor=bob, body="One")
    item = the_item(ada, task)

    with pytest.raises(PermissionDenied):
        action(item, bob)

    assert the_item(ada, task).is_unread
    assert the_item(ada, task).archived_at is None


# --- E-mail bundles ------------------------------------------------------------------------------


def bundles(membership):
    return list(
        Notification.objects.filter(
            kind=NotificationKind.INBOX, recipient=membership.user
        ).order_by("pk")
    )


def test_events_set_to_in_app_only_open_no_bundle(task, ada, bob):
    comment_create(task=task, actor=bob, body="Comments default to the inbox only")

    assert bundles(ada) == []


def test_events_within_the_window_join_one_bundle_and_later_ones_open_a_new_one(task, ada, bob):
    ada.user.notification_channels = {"comments": "email"}
    ada.user.save(update_fields=["notification_channels"])

    with time_machine.travel(T0, tick=False):
        comment_create(task=task, actor=bob, body="One")
    with time_machine.travel(T0 + timedelta(minutes=14), tick=False):
        task_update(task=task, actor=bob, data={"status": TaskStatus.DONE})
    with time_machine.travel(T0 + timedelta(minutes=15, seconds=1), tick=False):
        comment_create(task=task, actor=bob, body="Two")

    first, second = bundles(ada)
    assert [e["kind"] for e in first.payload["events"]] == ["commented", "completed"]
    assert first.next_attempt_at == T0 + timedelta(minutes=15)
    assert [e["kind"] for e in second.payload["events"]] == ["commented"]
    assert second.next_attempt_at == T0 + timedelta(minutes=30, seconds=1)


def test_the_window_is_each_persons_own(task, ada, bob):
    ada.user.email_bundle_minutes = 60
    ada.user.save(update_fields=["email_bundle_minutes"])

    with time_machine.travel(T0, tick=False):
        task_update(task=task, actor=bob, data={"status": TaskStatus.DONE})

    [bundle] = bundles(ada)
    assert bundle.next_attempt_at == T0 + timedelta(hours=1)


def test_right_away_means_one_e_mail_per_event(task, ada, bob):
    ada.user.email_bundle_minutes = 0
    ada.user.save(update_fields=["email_bundle_minutes"])

    task_update(task=task, actor=bob, data={"status": TaskStatus.DONE})
    task_update(task=task, actor=bob, data={"status": TaskStatus.TODO})
    task_update(task=task, actor=bob, data={"status": TaskStatus.DONE})

    assert [b.next_attempt_at for b in bundles(ada)] == [None, None]
