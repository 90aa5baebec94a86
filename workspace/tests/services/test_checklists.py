import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from workspace.models import AuditAction, AuditLog, ChecklistItem, Task
from workspace.services.checklists import (
    checklist_item_add,
    checklist_item_delete,
    checklist_item_move,
    checklist_item_update,
)
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(in_org, member):
    return TaskFactory(project=ProjectFactory(organization=in_org), created_by=member.user)


def counts(task):
    fresh = Task.objects.get(pk=task.pk)
    return fresh.checklist_done, fresh.checklist_total


def texts(task):
    return list(ChecklistItem.objects.filter(task=task).values_list("text", flat=True))


def history(task):
    return [
        e.changed_fields["checklist"]
        for e in AuditLog.objects.filter(
            object_id=task.pk, content_type__model="task", action=AuditAction.UPDATED
        ).order_by("pk")
    ]


def test_items_are_added_in_order_ticked_and_counted(task, member, admin):
    first = checklist_item_add(task=task, actor=member, text="Write  the docs")
    checklist_item_add(task=task, actor=member, text="Review", assignee=admin)
    assert texts(task) == ["Write the docs", "Review"]
    assert counts(task) == (0, 2)

    assert checklist_item_update(item=first, actor=member, done=True) is True
    assert checklist_item_update(item=first, actor=member, done=True) is False

    assert counts(task) == (1, 2)
    assert Task.objects.get(pk=task.pk).checklist_progress == "1/2"
    assert history(task) == [
        [None, "added “Write the docs”"],
        [None, "added “Review”"],
        ["☐ Write the docs", "☑ Write the docs"],
    ]


def test_every_change_moves_the_tasks_version(task, member):
    version = Task.objects.get(pk=task.pk).updated_at
    item = checklist_item_add(task=task, actor=member, text="One")
    after_add = Task.objects.get(pk=task.pk)
    assert after_add.updated_at > version
    assert after_add.changed_since(version) == {"checklist"}
    checklist_item_update(item=item, actor=member, text="One, renamed")
    assert Task.objects.get(pk=task.pk).updated_at > after_add.updated_at


def test_items_move_and_the_others_keep_their_order(task, member):
    items = [checklist_item_add(task=task, actor=member, text=t) for t in "ABCD"]

    assert checklist_item_move(item=items[3], actor=member, to=1) is True
    assert texts(task) == ["A", "D", "B", "C"]
    assert checklist_item_move(item=items[0], actor=member, to=-5) is False  # already first
    checklist_item_move(item=items[0], actor=member, to=99)
    assert texts(task) == ["D", "B", "C", "A"]
    assert history(task)[-1] == ["“A” at 1", "at 4"]


def test_removing_an_item_recounts(task, member):
    item = checklist_item_add(task=task, actor=member, text="Gone soon")
    checklist_item_update(item=item, actor=member, done=True)
    checklist_item_add(task=task, actor=member, text="Stays")

    checklist_item_delete(item=item, actor=member)

    assert texts(task) == ["Stays"]
    assert counts(task) == (0, 1)
    assert history(task)[-1] == ["“Gone soon”", "removed"]


@pytest.mark.parametrize(("text", "message"), [("   ", "Write what"), ("x" * 301, "at most")])
def test_bad_text_is_refused(task, member, text, message):
    with pytest.raises(ValidationError) as refused:
        checklist_item_add(task=task, actor=member, text=text)
    assert message in str(refused.value)
    assert counts(task) == (0, 0)


def test_an_assignee_from_another_organization_is_refused(task, member):
    with pytest.raises(ValidationError):
        checklist_item_add(task=task, actor=member, text="Sneaky", assignee=MembershipFactory())


def test_a_member_of_another_organization_is_refused(task, member):
    item = checklist_item_add(task=task, actor=member, text="Mine")
    outsider = MembershipFactory()
    with pytest.raises(PermissionDenied):
        checklist_item_add(task=task, actor=outsider, text="Intruder")
    with pytest.raises(PermissionDenied):
        checklist_item_update(item=item, actor=outsider, done=True)
    with pytest.raises(PermissionDenied):
        checklist_item_delete(item=item, actor=outsider)
    assert texts(task) == ["Mine"]
