"""Deleting an organization: owners only, by typing its name; hidden at once, members told by
e-mail, restorable by its owners for 30 days, then purged with every row it owns."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tasks.cleanup import purge_deleted_organizations
from workspace.models import (
    AuditAction,
    AuditLog,
    Comment,
    Invitation,
    Membership,
    Notification,
    Organization,
    OrganizationSlugAlias,
    Project,
    Role,
    Task,
)
from workspace.selectors import organization_switcher
from workspace.services.organizations import (
    organization_delete,
    organization_restore,
    slug_is_taken,
)
from workspace.tenancy import all_tenants, organization_scope
from workspace.tests.factories import (
    CommentFactory,
    CustomFieldFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(in_org, owner, admin, member):
    """Acme with one of everything."""
    project = ProjectFactory(organization=in_org)
    CustomFieldFactory(project=project)
    task = TaskFactory(project=project, assignee=member)
    CommentFactory(task=task, author=member.user)
    TaskFactory(project=project, deleted_at=timezone.now())
    InvitationFactory(organization=in_org)
    OrganizationSlugAlias.objects.create(organization=in_org, slug="acme-old")
    return in_org


def delete(organization, actor, confirmation=None, capture=None):
    organization_delete(
        organization=organization,
        actor=actor,
        confirmation=organization.name if confirmation is None else confirmation,
    )


def test_the_owner_deletes_it_and_it_is_hidden_at_once(filled, owner, member):
    delete(filled, owner)

    assert not Organization.objects.filter(pk=filled.pk).exists()
    deleted = Organization.all_objects.get(pk=filled.pk)
    assert deleted.deleted_by == owner.user
    assert organization_switcher(user=member.user) == {"live": [], "deleted": []}
    assert organization_switcher(user=owner.user)["deleted"] == [deleted]
    assert slug_is_taken("acme")  # reserved until purged
    entry = AuditLog.objects.get(action=AuditAction.DELETED, object_id=filled.pk)
    assert entry.actor == owner.user


def test_every_member_is_told_by_email_after_commit(
    filled, owner, admin, member, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://tandem.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        delete(filled, owner)

    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        m.user.email for m in (owner, admin, member)
    )
    by_address = {m.to[0]: m for m in mailoutbox}
    to_member = by_address[member.user.email]
    assert to_member.subject == "Acme was deleted on Tandem"
    assert "Olivia Owner deleted the organization Acme" in to_member.body
    assert "Its owners can restore it until" in to_member.body
    assert "/restore/" not in to_member.body
    to_owner = by_address[owner.user.email]
    assert "https://tandem.example.com/o/acme/restore/" in to_owner.body


def test_the_name_must_be_typed_exactly(filled, owner):
    with pytest.raises(ValidationError) as refused:
        delete(filled, owner, confirmation="acme")

    assert refused.value.message_dict == {
        "confirmation": ["Type the organization's name exactly as shown: Acme"]
    }
    assert Organization.objects.filter(pk=filled.pk).exists()


def test_extra_spaces_around_the_name_are_forgiven(filled, owner):
    delete(filled, owner, confirmation="  Acme ")

    assert not Organization.objects.filter(pk=filled.pk).exists()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MEMBER])
def test_only_owners_delete_and_restore(filled, owner, role):
    actor = MembershipFactory(organization=filled, role=role)

    with pytest.raises(PermissionDenied):
        delete(filled, actor)
    delete(filled, owner)
    with pytest.raises(PermissionDenied):
        organization_restore(organization=Organization.all_objects.get(pk=filled.pk), actor=actor)

    assert Organization.all_objects.get(pk=filled.pk).is_deleted


def test_deleting_twice_records_it_once(filled, owner):
    delete(filled, owner)
    delete(Organization.all_objects.get(pk=filled.pk), owner)

    assert AuditLog.objects.filter(action=AuditAction.DELETED, object_id=filled.pk).count() == 1


def test_the_owner_restores_it_as_it_was_within_30_days(filled, owner, member):
    delete(filled, owner)
    deleted = Organization.all_objects.get(pk=filled.pk)

    with time_machine.travel(timezone.now() + timedelta(days=29)):
        organization_restore(organization=deleted, actor=owner)

    restored = Organization.objects.get(pk=filled.pk)
    assert restored.deleted_at is None
    assert [o.pk for o in organization_switcher(user=member.user)["live"]] == [filled.pk]
    assert Task.all_objects.count() == 2
    assert Comment.objects.count() == 1
    assert AuditLog.objects.filter(action=AuditAction.RESTORED, object_id=filled.pk).exists()


def test_after_30_days_it_cannot_be_restored(filled, owner):
    delete(filled, owner)
    deleted = Organization.all_objects.get(pk=filled.pk)

    with (
        time_machine.travel(timezone.now() + timedelta(days=31)),
        pytest.raises(ValidationError, match="can no longer be restored"),
    ):
        organization_restore(organization=deleted, actor=owner)

    assert organization_switcher(user=owner.user)["deleted"] == [deleted]  # not after the window
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert organization_switcher(user=owner.user)["deleted"] == []


def test_the_daily_job_purges_it_with_every_row_after_30_days(filled, owner, member):
    other = OrganizationFactory(name="Other", slug="other")
    with organization_scope(other):
        other_task = TaskFactory(project=ProjectFactory(organization=other))
        MembershipFactory(organization=other, user=member.user)
    delete(filled, owner)

    with time_machine.travel(timezone.now() + timedelta(days=29)):
        assert purge_deleted_organizations.call_local() == 0
    assert Organization.all_objects.filter(pk=filled.pk).exists()

    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert purge_deleted_organizations.call_local() == 1

    assert not Organization.all_objects.filter(pk=filled.pk).exists()
    with all_tenants():
        for model in (Project, Task, Comment, Invitation, Membership, Notification):
            assert not model._base_manager.filter(organization_id=filled.pk).exists(), model
        assert not AuditLog.objects.filter(organization_id=filled.pk).exists()
        assert not OrganizationSlugAlias.objects.filter(organization_id=filled.pk).exists()
        # The other organization, and the people themselves, are untouched.
        assert Task.objects.filter(pk=other_task.pk).exists()
        assert Membership.objects.filter(user=member.user).count() == 1
        purge = AuditLog.objects.get(organization=None, action=AuditAction.PURGED)
    assert purge.object_repr == "organization Acme (/o/acme/)"
    assert purge.changed_fields["tasks"] == [2, 0]
    assert not slug_is_taken("acme")


def test_nothing_else_is_mailed_about_a_deleted_organization(
    filled, owner, member, mailoutbox, django_capture_on_commit_callbacks
):
    """A notification queued before the deletion (a completed task) is skipped."""
    from workspace.services.notifications import deliver_in_scope

    with organization_scope(filled):
        pending = Notification.objects.create(
            organization=filled,
            kind="welcome",
            recipient=member.user,
            recipient_email=member.user.email,
            subject_id=member.pk,
            dedupe_key="welcome:test",
        )
    delete(filled, owner)

    assert deliver_in_scope(organization_id=filled.pk, notification_id=pending.pk) == "skipped"
