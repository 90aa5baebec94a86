from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from workspace.models import Invitation, Membership, Role
from workspace.services.invitations import (
    InvitationUnusable,
    InvitationWrongUser,
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)
from workspace.tests.factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(in_org, admin, django_capture_on_commit_callbacks):
    def _invite(email="new@example.com", role=Role.MEMBER, actor=admin):
        with django_capture_on_commit_callbacks(execute=True):
            return invitation_create(organization=in_org, actor=actor, email=email, role=role)

    return _invite


def test_invitation_is_mailed_with_html_and_text_and_the_link(invite, mailoutbox, settings):
    settings.SITE_URL = "https://tandem.example.com"

    invitation = invite(email="New.Person@Example.com")

    assert invitation.email == "new.person@example.com"
    assert Invitation.objects.get(pk=invitation.pk).sent_at is not None
    [mail] = mailoutbox
    assert mail.to == ["new.person@example.com"]
    assert mail.subject == "Adam Admin invited you to Acme on Tandem"
    link = f"https://tandem.example.com/invitations/{invitation.token}/"
    assert link in mail.body
    html, mimetype = mail.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html


def test_mail_is_sent_only_after_commit(in_org, admin, mailoutbox):
    invitation_create(organization=in_org, actor=admin, email="a@example.com", role=Role.MEMBER)

    assert mailoutbox == []  # the test transaction never committed


def test_admin_cannot_invite_an_owner_but_owner_can(invite, owner):
    with pytest.raises(PermissionDenied):
        invite(role=Role.OWNER)

    assert invite(role=Role.OWNER, actor=owner).role == Role.OWNER


def test_member_cannot_invite(invite, member):
    with pytest.raises(PermissionDenied):
        invite(actor=member)


def test_existing_member_is_not_invited(invite, member):
    with pytest.raises(ValidationError) as error:
        invite(email=member.user.email.upper())

    assert error.value.message_dict == {"email": ["This person is already a member."]}


def test_a_second_pending_invitation_is_refused(invite, mailoutbox):
    invite()

    with pytest.raises(ValidationError, match="Resend it instead"):
        invite()
    assert len(mailoutbox) == 1


def test_an_expired_invitation_is_replaced_by_a_new_one(invite, in_org):
    first = invite()
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        second = invite()

    first.refresh_from_db()
    assert first.state == "revoked"
    assert second.state == "pending"
    assert second.token != first.token


def test_resend_extends_expiry_and_mails_again(
    in_org, admin, mailoutbox, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(
        organization=in_org, expires_at=timezone.now() - timedelta(days=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        invitation_resend(actor=admin, invitation=invitation)

    invitation.refresh_from_db()
    assert invitation.state == "pending"
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    assert len(mailoutbox) == 1


def test_resend_of_a_used_invitation_is_refused(in_org, admin):
    invitation = InvitationFactory(organization=in_org, accepted_at=timezone.now())

    with pytest.raises(ValidationError):
        invitation_resend(actor=admin, invitation=invitation)


def test_revoke_and_its_permission(in_org, admin, member):
    invitation = InvitationFactory(organization=in_org)

    with pytest.raises(PermissionDenied):
        invitation_revoke(actor=member, invitation=invitation)
    invitation_revoke(actor=admin, invitation=invitation)

    invitation.refresh_from_db()
    assert invitation.state == "revoked"


def test_accept_creates_the_membership_with_the_invited_role(in_org):
    invitation = InvitationFactory(organization=in_org, email="joe@example.com", role=Role.ADMIN)
    joe = UserFactory(email="joe@example.com")

    membership = invitation_accept(invitation=invitation, user=joe)

    assert membership.role == Role.ADMIN
    assert membership.organization == in_org
    invitation.refresh_from_db()
    assert invitation.state == "accepted"
    assert invitation.accepted_by == joe


def test_accept_matches_email_ignoring_case(in_org):
    invitation = InvitationFactory(organization=in_org, email="joe@example.com")

    invitation_accept(invitation=invitation, user=UserFactory(email="Joe@Example.com"))

    assert Membership.objects.filter(user__email="Joe@Example.com").exists()


def test_accept_with_another_email_is_refused(in_org):
    invitation = InvitationFactory(organization=in_org, email="joe@example.com")

    with pytest.raises(InvitationWrongUser):
        invitation_accept(invitation=invitation, user=UserFactory(email="eve@example.com"))

    assert not Membership.objects.filter(user__email="eve@example.com").exists()
    assert Invitation.objects.get(pk=invitation.pk).state == "pending"


def test_a_token_cannot_be_used_twice(in_org):
    invitation = InvitationFactory(organization=in_org, email="joe@example.com")
    joe = UserFactory(email="joe@example.com")
    invitation_accept(invitation=invitation, user=joe)

    with pytest.raises(InvitationUnusable) as error:
        invitation_accept(invitation=invitation, user=joe)

    assert error.value.reason == "accepted"
    assert Membership.objects.filter(user=joe).count() == 1


def test_expired_and_revoked_invitations_cannot_be_accepted(in_org):
    joe = UserFactory(email="joe@example.com")
    expired = InvitationFactory(organization=in_org, email="joe@example.com")
    later = timezone.now() + timedelta(days=7, seconds=1)
    with time_machine.travel(later), pytest.raises(InvitationUnusable) as error:
        invitation_accept(invitation=expired, user=joe)
    assert error.value.reason == "expired"

    expired.revoked_at = timezone.now()
    expired.save()
    with pytest.raises(InvitationUnusable) as error:
        invitation_accept(invitation=expired, user=joe)
    assert error.value.reason == "revoked"
    assert not Membership.objects.filter(user=joe).exists()


def test_accepting_when_already_a_member_keeps_the_existing_role(in_org):
    existing = MembershipFactory(organization=in_org, role=Role.ADMIN, user__email="joe@x.com")
    invitation = InvitationFactory(organization=in_org, email="joe@x.com", role=Role.MEMBER)

    membership = invitation_accept(invitation=invitation, user=existing.user)

    assert membership == existing
    assert Membership.objects.get(pk=existing.pk).role == Role.ADMIN


def test_revoking_twice_keeps_the_first_revocation(in_org, admin):
    invitation = InvitationFactory(organization=in_org)
    invitation_revoke(actor=admin, invitation=invitation)
    first = Invitation.objects.get(pk=invitation.pk).revoked_at

    invitation_revoke(actor=admin, invitation=invitation)

    assert Invitation.objects.get(pk=invitation.pk).revoked_at == first


def test_member_cannot_resend(in_org, member):
    with pytest.raises(PermissionDenied):
        invitation_resend(actor=member, invitation=InvitationFactory(organization=in_org))
