import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from workspace.models import AuditAction, AuditLog, Membership, Role, Task
from workspace.services.members import membership_change_role, membership_leave, membership_remove
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _role(membership):
    return Membership.objects.get(pk=membership.pk).role


@pytest.mark.parametrize(
    ("actor_role", "target_role", "new_role", "allowed"),
    [
        (Role.OWNER, Role.MEMBER, Role.ADMIN, True),
        (Role.OWNER, Role.MEMBER, Role.OWNER, True),
        (Role.OWNER, Role.ADMIN, Role.MEMBER, True),
        (Role.ADMIN, Role.MEMBER, Role.ADMIN, True),
        (Role.ADMIN, Role.ADMIN, Role.MEMBER, True),
        (Role.ADMIN, Role.MEMBER, Role.OWNER, False),  # only owners make owners
        (Role.ADMIN, Role.OWNER, Role.MEMBER, False),  # only owners unmake owners
        (Role.MEMBER, Role.MEMBER, Role.ADMIN, False),
    ],
)
def test_role_change_permissions(in_org, owner, actor_role, target_role, new_role, allowed):
    actor = MembershipFactory(organization=in_org, role=actor_role)
    target = MembershipFactory(organization=in_org, role=target_role)

    if allowed:
        membership_change_role(actor=actor, membership=target, role=new_role)
        assert _role(target) == new_role
    else:
        with pytest.raises(PermissionDenied):
            membership_change_role(actor=actor, membership=target, role=new_role)
        assert _role(target) == target_role


def test_the_last_owner_cannot_be_demoted(in_org, owner):
    with pytest.raises(ValidationError, match="at least one owner"):
        membership_change_role(actor=owner, membership=owner, role=Role.ADMIN)

    assert _role(owner) == Role.OWNER


def test_an_owner_can_step_down_when_another_owner_remains(in_org, owner):
    other = MembershipFactory(organization=in_org, role=Role.OWNER)

    membership_change_role(actor=owner, membership=owner, role=Role.MEMBER)

    assert _role(owner) == Role.MEMBER
    assert _role(other) == Role.OWNER


def test_owners_of_other_organizations_do_not_count(in_org, owner):
    MembershipFactory(role=Role.OWNER)  # owner elsewhere

    with pytest.raises(ValidationError):
        membership_leave(membership=owner)


def test_admin_removes_a_member_but_not_an_owner(in_org, owner, admin, member):
    membership_remove(actor=admin, membership=member)
    assert not Membership.objects.filter(pk=member.pk).exists()

    with pytest.raises(PermissionDenied):
        membership_remove(actor=admin, membership=owner)


def test_member_cannot_remove_anybody(in_org, admin, member):
    with pytest.raises(PermissionDenied):
        membership_remove(actor=member, membership=admin)


def test_nobody_removes_themselves_through_removal(in_org, owner):
    MembershipFactory(organization=in_org, role=Role.OWNER)

    with pytest.raises(PermissionDenied):
        membership_remove(actor=owner, membership=owner)


def test_owner_removes_another_owner(in_org, owner):
    other = MembershipFactory(organization=in_org, role=Role.OWNER)

    membership_remove(actor=owner, membership=other)

    assert list(Membership.objects.owners()) == [owner]


def test_member_leaves(in_org, owner, member):
    membership_leave(membership=member)

    assert list(Membership.objects.all()) == [owner]


def test_last_owner_cannot_leave(in_org, owner, member):
    with pytest.raises(ValidationError, match="at least one owner"):
        membership_leave(membership=owner)

    assert Membership.objects.filter(pk=owner.pk).exists()


def test_giving_the_same_role_is_a_no_op(in_org, owner):
    membership_change_role(actor=owner, membership=owner, role=Role.OWNER)

    assert _role(owner) == Role.OWNER


def test_removal_and_leaving_unassign_tasks_with_a_history_entry_each(in_org, owner, member):
    leaver = MembershipFactory(organization=in_org, user__name="Lee Leaver")
    project = ProjectFactory(organization=in_org)
    removed_tasks = TaskFactory.create_batch(2, project=project, assignee=member)
    left_task = TaskFactory(project=project, assignee=leaver, deleted_at=timezone.now())

    membership_remove(actor=owner, membership=member)
    membership_leave(membership=leaver)

    entries = AuditLog.objects.filter(action=AuditAction.UPDATED).order_by("object_id")
    assert [(e.object_id, e.actor_id, e.changed_fields) for e in entries] == [
        *(
            (t.pk, owner.user_id, {"assignee": [member.user.display_name, None]})
            for t in removed_tasks
        ),
        (left_task.pk, leaver.user_id, {"assignee": ["Lee Leaver", None]}),
    ]
    assert not Task.all_objects.filter(assignee__isnull=False).exists()
