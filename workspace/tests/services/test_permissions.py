"""Every service checks its own permission: called directly (no view in front of it) by a role
that is too low, it refuses with PermissionDenied and changes nothing.

``REFUSALS`` lists, per service, a call by the most powerful role that must still be refused and
how to tell that nothing changed. A new service with a permission rule gets an entry here.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from workspace.models import (
    AuditLog,
    Comment,
    CustomField,
    Invitation,
    Membership,
    Organization,
    OrganizationExport,
    Project,
    Role,
    Task,
)
from workspace.services import (
    comments,
    exports,
    invitations,
    members,
    organizations,
    projects,
    tasks,
)
from workspace.tests.factories import (
    CommentFactory,
    CustomFieldFactory,
    InvitationFactory,
    MembershipFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    organization: Organization
    owner: Membership
    admin: Membership
    member: Membership
    other_member: Membership
    project: Project
    deleted_project: Project
    field: CustomField
    task: Task
    deleted_task: Task
    comment: Comment
    deleted_comment: Comment
    invitation: Invitation
    owner_invitation: Invitation


@pytest.fixture
def world(in_org, owner, admin, member):
    other = MembershipFactory(organization=in_org, role=Role.MEMBER)
    project = ProjectFactory(organization=in_org)
    long_ago = timezone.now() - timedelta(days=1)
    task = TaskFactory(project=project, created_by=owner.user)
    return World(
        organization=in_org,
        owner=owner,
        admin=admin,
        member=member,
        other_member=other,
        project=project,
        deleted_project=ProjectFactory(
            organization=in_org, deleted_at=long_ago, deleted_by=owner.user
        ),
        field=CustomFieldFactory(project=project),
        task=task,
        deleted_task=TaskFactory(
            project=project, created_by=member.user, deleted_at=long_ago, deleted_by=member.user
        ),
        comment=CommentFactory(task=task, author=other.user),
        deleted_comment=CommentFactory(
            task=task, author=member.user, deleted_at=long_ago, deleted_by=member.user
        ),
        invitation=InvitationFactory(organization=in_org, role=Role.MEMBER),
        owner_invitation=InvitationFactory(organization=in_org, role=Role.OWNER),
    )


REFUSALS = {
    "organization_rename by a member": lambda w: organizations.organization_rename(
        organization=w.organization, actor=w.member, name="Hijacked"
    ),
    "organization_change_slug by an admin": lambda w: organizations.organization_change_slug(
        organization=w.organization, actor=w.admin, slug="hijacked"
    ),
    "organization_delete by an admin": lambda w: organizations.organization_delete(
        organization=w.organization, actor=w.admin, confirmation=w.organization.name
    ),
    "organization_restore by an admin": lambda w: organizations.organization_restore(
        organization=w.organization, actor=w.admin
    ),
    "export_request by an admin": lambda w: exports.export_request(
        organization=w.organization, actor=w.admin
    ),
    "membership_change_role by a member": lambda w: members.membership_change_role(
        actor=w.member, membership=w.other_member, role=Role.ADMIN
    ),
    "membership_change_role of an owner by an admin": lambda w: members.membership_change_role(
        actor=w.admin, membership=w.owner, role=Role.MEMBER
    ),
    "membership_change_role to owner by an admin": lambda w: members.membership_change_role(
        actor=w.admin, membership=w.member, role=Role.OWNER
    ),
    "membership_remove by a member": lambda w: members.membership_remove(
        actor=w.member, membership=w.other_member
    ),
    "membership_remove of an owner by an admin": lambda w: members.membership_remove(
        actor=w.admin, membership=w.owner
    ),
    "invitation_create by a member": lambda w: invitations.invitation_create(
        organization=w.organization, actor=w.member, email="x@example.com", role=Role.MEMBER
    ),
    "invitation_create of an owner by an admin": lambda w: invitations.invitation_create(
        organization=w.organization, actor=w.admin, email="x@example.com", role=Role.OWNER
    ),
    "invitation_resend by a member": lambda w: invitations.invitation_resend(
        actor=w.member, invitation=w.invitation
    ),
    "invitation_resend of an owner's invitation by an admin": lambda w: (
        invitations.invitation_resend(actor=w.admin, invitation=w.owner_invitation)
    ),
    "invitation_revoke by a member": lambda w: invitations.invitation_revoke(
        actor=w.member, invitation=w.invitation
    ),
    "invitation_revoke of an owner's invitation by an admin": lambda w: (
        invitations.invitation_revoke(actor=w.admin, invitation=w.owner_invitation)
    ),
    "project_set_archived by a member": lambda w: projects.project_set_archived(
        project=w.project, actor=w.member, archived=True
    ),
    "project_delete by a member": lambda w: projects.project_delete(
        project=w.project, actor=w.member
    ),
    "project_restore by a member": lambda w: projects.project_restore(
        project=w.deleted_project, actor=w.member
    ),
    "custom_field_delete by a member": lambda w: projects.custom_field_delete(
        field=w.field, actor=w.member
    ),
    "custom_field_update by a member": lambda w: projects.custom_field_update(
        field=w.field, actor=w.member, name="Renamed"
    ),
    "task_delete by a member who did not create it": lambda w: tasks.task_delete(
        task=w.task, actor=w.member
    ),
    "task_restore by its deleter after the undo window": lambda w: tasks.task_restore(
        task=w.deleted_task, actor=w.member
    ),
    "comment_update by another member": lambda w: comments.comment_update(
        comment=w.comment, actor=w.member, body="Hijacked"
    ),
    "comment_update by an owner who did not write it": lambda w: comments.comment_update(
        comment=w.comment, actor=w.owner, body="Hijacked"
    ),
    "comment_delete by another member": lambda w: comments.comment_delete(
        comment=w.comment, actor=w.member
    ),
    "comment_restore by its author, a member": lambda w: comments.comment_restore(
        comment=w.deleted_comment, actor=w.member
    ),
}


def snapshot() -> dict:
    models = (
        Organization,
        Membership,
        Invitation,
        Project,
        CustomField,
        Task,
        Comment,
        AuditLog,
        OrganizationExport,
    )
    return {model.__name__: list(model._base_manager.order_by("pk").values()) for model in models}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_too_low_role_is_refused_by_the_service_itself(world, case, mailoutbox):
    before = snapshot()

    with pytest.raises(PermissionDenied):
        REFUSALS[case](world)

    assert snapshot() == before
    assert mailoutbox == []


def test_an_owner_may_resend_and_revoke_an_owners_invitation(world):
    invitations.invitation_resend(actor=world.owner, invitation=world.owner_invitation)
    invitations.invitation_revoke(actor=world.owner, invitation=world.owner_invitation)

    assert Invitation.objects.get(pk=world.owner_invitation.pk).revoked_at is not None


def test_an_admin_still_resends_and_revokes_invitations_they_may_give(world):
    invitations.invitation_resend(actor=world.admin, invitation=world.invitation)
    invitations.invitation_revoke(actor=world.admin, invitation=world.invitation)

    assert Invitation.objects.get(pk=world.invitation.pk).revoked_at is not None


def test_an_admin_removes_a_custom_field(world):
    projects.custom_field_delete(field=world.field, actor=world.admin)

    assert not CustomField.objects.filter(pk=world.field.pk).exists()
