"""Bulk edits of labels (add one label to many tasks, or take it off them) and what every bulk
undo now does too: tell the people the edit told, once each."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.preferences import Channel, Topic
from workspace.models import (
    AuditAction,
    AuditLog,
    Notification,
    NotificationKind,
    Task,
    TaskLabel,
    TaskStatus,
)
from workspace.services.bulk import task_bulk_edit, task_bulk_queue, task_bulk_run, task_bulk_undo
from workspace.services.labels import LABELS_PER_TASK_MAX, task_labels_set
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    LabelFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
    WatchFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(in_org):
    return ProjectFactory(organization=in_org, name="Launch")


@pytest.fixture
def labels(in_org):
    return {name: LabelFactory(organization=in_org, name=name) for name in ("bug", "docs", "ui")}


def _tasks(organization):
    return Task.objects.filter(organization=organization)


def _sets(tasks) -> list[set[str]]:
    """Each task's label names."""
    names = {task.pk: set() for task in tasks}
    for task_id, name in TaskLabel.objects.filter(task__in=tasks).values_list(
        "task_id", "label__name"
    ):
        names[task_id].add(name)
    return [names[task.pk] for task in tasks]


def _label(tasks, *labels):
    for task in tasks:
        for label in labels:
            TaskLabel.objects.create(organization=task.organization, task=task, label=label)


def test_adds_a_label_skipping_tasks_that_have_it_with_audit_entries(
    project, member, labels, in_org
):
    tasks = TaskFactory.create_batch(3, project=project)
    _label(tasks[:1], labels["bug"])
    _label(tasks[1:2], labels["docs"])
    versions = [t.updated_at for t in tasks]

    result = task_bulk_edit(
        organization=in_org,
        actor=member,
        tasks=_tasks(in_org),
        field_name="labels_add",
        value=labels["bug"],
    )

    assert (result.matched, result.changed) == (3, 2)
    assert result.skipped == {"already had the label bug": 1}
    assert _sets(tasks) == [{"bug"}, {"bug", "docs"}, {"bug"}]
    fresh = [Task.objects.get(pk=t.pk) for t in tasks]
    assert fresh[0].updated_at == versions[0]  # skipped: untouched
    assert all(f.updated_at > v for f, v in zip(fresh[1:], versions[1:], strict=True))
    assert all(f.field_changed_at["labels"] == result.bulk.stamp.isoformat() for f in fresh[1:])
    entries = AuditLog.objects.filter(action=AuditAction.UPDATED).order_by("object_id")
    assert [e.changed_fields for e in entries] == [
        {"labels": ["docs", "bug, docs"]},
        {"labels": [None, "bug"]},
    ]
    grouped = AuditLog.objects.get(action=AuditAction.BULK_UPDATED)
    assert grouped.object_repr == "added the label bug to 2 tasks"


def test_a_task_at_the_label_limit_is_skipped(project, member, in_org):
    full, other = TaskFactory.create_batch(2, project=project)
    _label([full], *LabelFactory.create_batch(LABELS_PER_TASK_MAX, organization=in_org))
    extra = LabelFactory(organization=in_org, name="one more")

    result = task_bulk_edit(
        organization=in_org,
        actor=member,
        tasks=_tasks(in_org),
        field_name="labels_add",
        value=extra,
    )

    assert result.changed == 1
    assert result.skipped == {f"already have {LABELS_PER_TASK_MAX} labels": 1}
    assert TaskLabel.objects.filter(label=extra).get().task_id == other.pk


def test_many_tasks_in_a_constant_number_of_queries(project, member, labels, in_org):
    few = TaskFactory.create_batch(2, project=project)
    many = TaskFactory.create_batch(60, project=project)
    _label(many[:20], labels["docs"], labels["ui"])

    def run(tasks, field_name):
        with CaptureQueriesContext(connection) as queries:
            result = task_bulk_edit(
                organization=in_org,
                actor=member,
                tasks=_tasks(in_org).filter(pk__in=[t.pk for t in tasks]),
                field_name=field_name,
                value=labels["bug"],
            )
        assert result.changed == len(tasks)
        return len(queries.captured_queries)

    assert run(few, "labels_add") == run(many, "labels_add") <= 14
    assert run(few, "labels_remove") == run(many, "labels_remove") <= 14


def test_undo_restores_exactly_the_prior_label_sets(project, member, admin, labels, in_org):
    tasks = TaskFactory.create_batch(4, project=project)
    _label(tasks[0:1], labels["bug"], labels["docs"])
    _label(tasks[1:2], labels["ui"])
    _label(tasks[3:4], labels["bug"])
    before = _sets(tasks)

    added = task_bulk_edit(
        organization=in_org,
        actor=member,
        tasks=_tasks(in_org),
        field_name="labels_add",
        value=labels["docs"],
    )
    assert _sets(tasks) == [{"bug", "docs"}, {"ui", "docs"}, {"docs"}, {"bug", "docs"}]
    undone = task_bulk_undo(bulk=added.bulk, actor=member)

    assert undone.changed == 3
    assert _sets(tasks) == before

    removed = task_bulk_edit(
        organization=in_org,
        actor=member,
        tasks=_tasks(in_org),
        field_name="labels_remove",
        value=labels["bug"],
    )
    assert removed.changed == 2
    assert removed.skipped == {"did not have the label bug": 2}
    # Someone relabels one of them since: undo leaves that one as they left it.
    task_labels_set(task=Task.objects.get(pk=tasks[3].pk), actor=admin, labels=[labels["ui"]])
    undone = task_bulk_undo(bulk=removed.bulk, actor=member)

    assert (undone.changed, undone.skipped) == (1, {"changed again since": 1})
    assert _sets(tasks) == [{"bug", "docs"}, {"ui"}, set(), {"ui"}]
    restored = AuditLog.objects.filter(action=AuditAction.UPDATED, object_id=tasks[0].pk)
    assert restored.latest("pk").changed_fields == {"labels": ["docs", "bug, docs"]}
    assert AuditLog.objects.filter(action=AuditAction.BULK_UNDONE).count() == 2


def test_labels_and_tasks_of_another_organization_are_refused_or_ignored(
    project, member, labels, in_org
):
    mine = TaskFactory(project=project)
    elsewhere = OrganizationFactory()
    with organization_scope(elsewhere):
        theirs = TaskFactory(project=ProjectFactory(organization=elsewhere))
        their_label = LabelFactory(organization=elsewhere)

    with pytest.raises(ValidationError, match="label of this organization"):
        task_bulk_edit(
            organization=in_org,
            actor=member,
            tasks=_tasks(in_org),
            field_name="labels_add",
            value=their_label,
        )
    with organization_scope(elsewhere):
        foreign = Task.objects.filter(pk=theirs.pk)
    result = task_bulk_edit(
        organization=in_org,
        actor=member,
        tasks=foreign | _tasks(in_org).filter(pk=mine.pk),
        field_name="labels_add",
        value=labels["bug"],
    )

    assert result.changed == 1
    with organization_scope(elsewhere):
        assert not TaskLabel.objects.filter(task=theirs).exists()


def test_a_background_label_edit_runs_in_chunks_and_undoes(
    project, member, labels, in_org, monkeypatch
):
    monkeypatch.setattr("workspace.services.bulk.JOB_CHUNK", 2)
    tasks = TaskFactory.create_batch(5, project=project)
    _label(tasks[:1], labels["ui"])
    bulk = task_bulk_queue(
        organization=in_org,
        actor=member,
        tasks=_tasks(in_org),
        field_name="labels_add",
        value=labels["ui"],
    )

    done = task_bulk_run(bulk_id=bulk.pk)

    assert (done.state, done.changed, done.skipped) == ("done", 4, 1)
    assert _sets(tasks) == [{"ui"}] * 5
    assert AuditLog.objects.get(action=AuditAction.BULK_UPDATED).object_repr == (
        "added the label ui to 4 tasks"
    )
    task_bulk_undo(bulk=done, actor=member)
    assert _sets(tasks) == [{"ui"}, set(), set(), set(), set()]


def test_a_background_label_edit_whose_label_was_deleted_fails(project, member, labels, in_org):
    TaskFactory.create_batch(2, project=project)
    bulk = task_bulk_queue(
        organization=in_org,
        actor=member,
        tasks=_tasks(in_org),
        field_name="labels_add",
        value=labels["ui"],
    )
    labels["ui"].delete()

    assert task_bulk_run(bulk_id=bulk.pk).state == "failed"


def test_undo_of_a_deleted_label_says_so(project, member, labels, in_org):
    TaskFactory(project=project)
    result = task_bulk_edit(
        organization=in_org,
        actor=member,
        tasks=_tasks(in_org),
        field_name="labels_add",
        value=labels["ui"],
    )
    labels["ui"].delete()

    with pytest.raises(ValidationError, match="label was deleted"):
        task_bulk_undo(bulk=result.bulk, actor=member)


def test_an_undo_tells_the_same_people_once_each(project, member, in_org):
    watcher = MembershipFactory(organization=in_org, user__name="Wendy Watcher")
    user = watcher.user
    user.notification_channels = {
        **(user.notification_channels or {}),
        Topic.CHANGES: Channel.EMAIL,
    }
    user.save()
    tasks = TaskFactory.create_batch(4, project=project, status=TaskStatus.TODO)
    for task in tasks:
        WatchFactory(task=task, membership=watcher)
        WatchFactory(task=task, membership=member)
    result = task_bulk_edit(
        organization=in_org,
        actor=member,
        tasks=_tasks(in_org),
        field_name="status",
        value=TaskStatus.IN_PROGRESS,
    )

    task_bulk_undo(bulk=result.bulk, actor=member)

    mails = Notification.objects.filter(kind=NotificationKind.BULK).order_by("pk")
    assert [(n.recipient, n.payload["summary"]) for n in mails] == [
        (watcher.user, "set the status of 4 tasks to In progress"),
        (watcher.user, "undid: set the status of 4 tasks to In progress"),
    ]
    assert mails[1].payload["count"] == 4


def test_each_person_gets_one_inbox_item_per_bulk_edit_and_its_undo_adds_to_it(
    project, member, admin, in_org
):
    from workspace import selectors
    from workspace.models import InboxItem

    watcher = MembershipFactory(organization=in_org, user__name="Wendy Watcher")
    deaf = MembershipFactory(organization=in_org)
    deaf.user.notification_channels = {Topic.COMPLETED: Channel.OFF}  # done: "completed"
    deaf.user.save()
    tasks = TaskFactory.create_batch(12, project=project, status=TaskStatus.TODO)
    for task in tasks:
        WatchFactory(task=task, membership=watcher)
        WatchFactory(task=task, membership=deaf)  # turned changes off: not told
        WatchFactory(task=task, membership=member)  # the actor is never told
    result = task_bulk_edit(
        organization=in_org,
        actor=member,
        tasks=_tasks(in_org),
        field_name="status",
        value=TaskStatus.DONE,
    )

    item = InboxItem.objects.get()
    assert (item.recipient, item.bulk, item.task) == (watcher, result.bulk, None)
    assert item.is_unread
    page = selectors.inbox_page(membership=watcher)
    assert [i.headline for i in page["items"]] == [
        "Mia Member set the status of 12 of your tasks to Done"
    ]
    assert page["items"][0].bulk_numbers == sorted(t.number for t in tasks)
    assert selectors.inbox_unread_count(membership=watcher) == 1

    task_bulk_undo(bulk=result.bulk, actor=member)

    item = InboxItem.objects.get()
    assert item.unread_events == 2
    assert selectors.inbox_page(membership=watcher)["items"][0].headline == (
        "Mia Member undid: set the status of 12 of your tasks to Done"
    )


def test_a_bulk_assignment_puts_one_item_in_the_assignees_inbox(project, member, admin, in_org):
    TaskFactory.create_batch(3, project=project)

    task_bulk_edit(
        organization=in_org, actor=member, tasks=_tasks(in_org), field_name="assignee", value=admin
    )

    from workspace import selectors

    items = selectors.inbox_page(membership=admin)["items"]
    assert [i.headline for i in items] == ["Mia Member assigned 3 tasks to you"]
