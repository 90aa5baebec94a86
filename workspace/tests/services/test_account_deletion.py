"""Deleting one's account: password re-entered; refused while the user is the last owner of an
organization (named); personal data erased (name, e-mail, sessions, sign-in history); what they
wrote stays, under "Deleted user"; audit entries keep the action, not the person."""

from datetime import timedelta
from importlib import import_module

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from workspace.audit import request_origin
from workspace.models import (
    AuditAction,
    AuditLog,
    Comment,
    Invitation,
    Membership,
    Notification,
    Role,
    Task,
)
from workspace.services.accounts import account_delete, organizations_blocking_deletion
from workspace.services.cleanup import organization_redact_old_texts
from workspace.services.comments import comment_create, comment_update
from workspace.services.members import membership_change_role
from workspace.services.organizations import organization_create
from workspace.services.sign_ins import sign_in_record
from workspace.services.tasks import task_create, task_update
from workspace.tenancy import all_tenants, organization_scope
from workspace.tests.factories import (
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(organization, owner):
    """Ada is a member of Acme (owned by Olivia) who wrote things, was assigned, signed in."""
    user = UserFactory(name="Ada Lovelace", email="ada@example.com")
    membership = MembershipFactory(organization=organization, user=user)
    with (
        organization_scope(organization),
        request_origin(ip_address="203.0.113.7", user_agent="Ada's Firefox"),
    ):
        project = ProjectFactory(organization=organization)
        task = task_create(
            organization=organization, actor=membership, project=project, title="Ada's task"
        )
        task_update(task=task, actor=owner, data={"assignee": membership})
        comment = comment_create(task=task, actor=membership, body="Ada's comment")
        task_update(task=task, actor=owner, data={"status": "done"})  # Ada is told by e-mail
    sign_in_record(action=AuditAction.LOGIN, user=user, identifier="ada@example.com")
    sign_in_record(action=AuditAction.LOGIN_FAILED, user=None, identifier="ada@example.com")
    with organization_scope(organization):
        InvitationFactory(organization=organization, email="ADA@example.com")
    return user, membership, task, comment


def session_for(user) -> str:
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.create()
    return store.session_key


def test_the_wrong_password_is_refused_and_nothing_changes(ada):
    user = ada[0]

    with pytest.raises(ValidationError) as refused:
        account_delete(user=user, password="not-it")

    assert refused.value.message_dict == {"password": ["That is not your password."]}
    user.refresh_from_db()
    assert (user.name, user.email, user.is_active) == ("Ada Lovelace", "ada@example.com", True)


def test_the_last_owner_of_an_organization_is_refused_with_its_name(ada):
    user = ada[0]
    organization_create(name="Beta", owner=user)
    organization_create(name="Gamma", owner=user)
    shared = organization_create(name="Delta", owner=user)
    MembershipFactory(organization=shared, role=Role.OWNER)

    assert [o.name for o in organizations_blocking_deletion(user=user)] == ["Beta", "Gamma"]
    with pytest.raises(ValidationError) as refused:
        account_delete(user=user, password=DEFAULT_PASSWORD)

    assert refused.value.messages == [
        "You are the last owner of Beta and Gamma. Make someone else an owner there, or "
        "delete those organizations, before you delete your account."
    ]
    assert User.objects.get(pk=user.pk).is_active


def test_personal_data_is_erased(ada, organization):
    user = ada[0]
    other_session = session_for(user)
    someone_elses = session_for(UserFactory())

    account_delete(user=user, password=DEFAULT_PASSWORD)

    user.refresh_from_db()
    assert user.display_name == "Deleted user"
    assert user.name == "Deleted user"
    assert user.email == f"deleted-{user.pk}@erased.invalid"
    assert not user.is_active
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not EmailAddress.objects.filter(email__iexact="ada@example.com").exists()
    assert not Session.objects.filter(session_key=other_session).exists()
    assert Session.objects.filter(session_key=someone_elses).exists()
    with all_tenants():
        assert not AuditLog.objects.filter(organization=None, actor=user).exists()
        assert not AuditLog.objects.filter(object_repr__icontains="ada@example.com").exists()
        assert not Membership.objects.filter(user=user).exists()
        assert not Invitation.objects.filter(email__iexact="ada@example.com").exists()
        assert not Notification.objects.filter(recipient_email__iexact="ada@example.com").exists()


def test_what_they_wrote_stays_under_deleted_user(ada, organization):
    user, _membership, task, comment = ada

    account_delete(user=user, password=DEFAULT_PASSWORD)

    with organization_scope(organization):
        kept_task = Task.objects.get(pk=task.pk)
        kept_comment = Comment.objects.get(pk=comment.pk)
    assert kept_task.created_by.display_name == "Deleted user"
    assert kept_task.assignee is None
    assert (kept_comment.body, str(kept_comment.author)) == ("Ada's comment", "Deleted user")


def test_audit_entries_keep_the_action_but_not_the_person(ada, organization):
    user = ada[0]

    account_delete(user=user, password=DEFAULT_PASSWORD)

    with organization_scope(organization):
        entries = list(AuditLog.objects.filter(organization=organization).order_by("pk"))
        mine = [e for e in entries if e.actor_id == user.pk]
        assignee_changes = [
            e.changed_fields["assignee"] for e in entries if "assignee" in e.changed_fields
        ]
    assert {e.action for e in mine} >= {AuditAction.CREATED, AuditAction.MEMBER_LEFT}
    assert all((e.ip_address, e.user_agent) == (None, "") for e in mine)
    assert all(e.actor.display_name == "Deleted user" for e in mine)
    assert assignee_changes == [[None, "Deleted user"], ["Deleted user", None]]
    text = " ".join(f"{e.object_repr} {e.changed_fields}" for e in entries)
    assert "Ada Lovelace" not in text
    assert "ada@example.com" not in text.lower()


def test_a_deleted_account_cannot_sign_in(client, ada):
    user = ada[0]
    account_delete(user=user, password=DEFAULT_PASSWORD)

    response = client.post(
        "/accounts/login/", {"login": "ada@example.com", "password": DEFAULT_PASSWORD}
    )

    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_comment_bodies_and_descriptions_leave_the_audit_log_after_the_purge_window(
    organization, owner
):
    with organization_scope(organization):
        project = ProjectFactory(organization=organization)
        task = task_create(
            organization=organization, actor=owner, project=project, title="Task one"
        )
        task_update(
            task=task, actor=owner, data={"description": "Secret plan", "title": "Task two"}
        )
        comment = comment_create(task=task, actor=owner, body="First words")
        comment_update(comment=comment, actor=owner, body="Second words")

    with organization_scope(organization), time_machine.travel(timezone.now() + timedelta(days=89)):
        assert organization_redact_old_texts(organization=organization) == 0
    with organization_scope(organization), time_machine.travel(timezone.now() + timedelta(days=91)):
        assert organization_redact_old_texts(organization=organization) == 2
        assert organization_redact_old_texts(organization=organization) == 0  # done once

    with organization_scope(organization):
        changes = [e.changed_fields for e in AuditLog.objects.exclude(changed_fields={})]
    assert {"description": None, "title": ["Task one", "Task two"]} in changes
    assert {"body": None} in changes
    assert "Secret plan" not in str(changes)
    assert "First words" not in str(changes)


def test_someone_who_owns_nothing_alone_may_go(organization, owner):
    second = MembershipFactory(organization=organization, role=Role.MEMBER)
    with organization_scope(organization):
        membership_change_role(actor=owner, membership=second, role=Role.OWNER)

    account_delete(user=owner.user, password=DEFAULT_PASSWORD)

    with organization_scope(organization):
        assert list(Membership.objects.owners()) == [Membership.objects.get(pk=second.pk)]
    assert OrganizationFactory._meta.model.objects.filter(pk=organization.pk).exists()
