from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from workspace.models import Invitation, Membership, Role
from workspace.tests.factories import InvitationFactory, MembershipFactory


def test_roles_are_ranked_member_admin_owner():
    assert Role.MEMBER.rank < Role.ADMIN.rank < Role.OWNER.rank


@pytest.mark.parametrize(
    ("role", "admin", "owner"),
    [(Role.MEMBER, False, False), (Role.ADMIN, True, False), (Role.OWNER, True, True)],
)
def test_membership_role_checks(role, admin, owner):
    membership = Membership(role=role)

    assert membership.has_role(Role.MEMBER)
    assert membership.is_admin is admin
    assert membership.is_owner is owner
    assert membership.has_role(Role.OWNER) is owner


@pytest.mark.django_db
def test_a_user_is_a_member_of_an_organization_once():
    membership = MembershipFactory()

    with pytest.raises(IntegrityError):
        MembershipFactory(organization=membership.organization, user=membership.user)


@pytest.mark.django_db
def test_invitation_states(in_org):
    now = timezone.now()
    assert InvitationFactory(organization=in_org).state == "pending"
    assert InvitationFactory(organization=in_org, expires_at=now).state == "expired"
    assert InvitationFactory(organization=in_org, revoked_at=now).state == "revoked"
    assert InvitationFactory(organization=in_org, accepted_at=now).state == "accepted"


@pytest.mark.django_db
def test_invitation_tokens_are_long_and_unique(in_org):
    a, b = InvitationFactory(organization=in_org), InvitationFactory(organization=in_org)

    assert len(a.token) >= 40
    assert a.token != b.token
    assert a.expires_at - a.created_at == pytest.approx(timedelta(days=7), abs=timedelta(seconds=5))


@pytest.mark.django_db
def test_only_one_open_invitation_per_address(in_org):
    InvitationFactory(organization=in_org, email="x@example.com")

    with pytest.raises(IntegrityError):
        InvitationFactory(organization=in_org, email="X@example.com")


@pytest.mark.django_db
def test_pending_excludes_expired_used_and_revoked(in_org):
    now = timezone.now()
    pending = InvitationFactory(organization=in_org)
    InvitationFactory(organization=in_org, expires_at=now - timedelta(seconds=1))
    InvitationFactory(organization=in_org, accepted_at=now)
    InvitationFactory(organization=in_org, revoked_at=now)

    assert list(Invitation.objects.pending()) == [pending]
    assert Invitation.objects.open().count() == 2
