from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from workspace.models import Membership, Role
from workspace.tenancy import organization_scope
from workspace.tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(organization, owner):
    with organization_scope(organization):
        return InvitationFactory(
            organization=organization,
            email="joe@example.com",
            role=Role.ADMIN,
            invited_by=owner.user,
        )


def memberships_of(email, organization):
    with organization_scope(organization):
        return list(Membership.objects.filter(user__email__iexact=email))


def test_unknown_token_is_404(client):
    assert client.get("/invitations/not-a-real-token/").status_code == 404


def test_signed_out_visitor_sees_the_invitation_and_both_ways_in(client, invitation):
    response = client.get(invitation.get_absolute_url())

    page = response.content.decode()
    assert response.status_code == 200
    assert "Join Acme" in page
    assert "Olivia Owner invited <strong>joe@example.com</strong>" in page
    next_param = f"?next=%2Finvitations%2F{invitation.token}%2F"
    assert reverse("account_signup") + next_param in page
    assert reverse("account_login") + next_param in page


def test_signing_up_through_the_link_joins_without_a_confirmation_mail(
    client, invitation, organization, mailoutbox
):
    client.get(invitation.get_absolute_url())
    signup = client.get(reverse("account_signup"))
    assert 'value="joe@example.com"' in signup.content.decode()  # prefilled

    response = client.post(
        reverse("account_signup") + f"?next={invitation.get_absolute_url()}",
        {
            "name": "Joe Invited",
            "email": "joe@example.com",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == organization.get_absolute_url()
    assert "Acme" in response.content.decode()
    user = User.objects.get(email="joe@example.com")
    assert EmailAddress.objects.get(user=user).verified
    [membership] = memberships_of("joe@example.com", organization)
    assert membership.role == Role.ADMIN
    assert mailoutbox == []


def test_signing_up_with_another_address_does_not_join(
    client, invitation, organization, mailoutbox
):
    client.get(invitation.get_absolute_url())

    client.post(
        reverse("account_signup"),
        {
            "name": "Eve",
            "email": "eve@example.com",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )

    assert memberships_of("eve@example.com", organization) == []
    assert not EmailAddress.objects.get(email="eve@example.com").verified
    assert len(mailoutbox) == 1  # the usual confirmation mail


def test_existing_user_signs_in_and_accepts(client, invitation, organization):
    joe = UserFactory(email="joe@example.com")
    client.force_login(joe)

    page = client.get(invitation.get_absolute_url())
    assert "Accept invitation" in page.content.decode()
    response = client.post(invitation.get_absolute_url())

    assert response["Location"] == organization.get_absolute_url()
    assert [m.user for m in memberships_of("joe@example.com", organization)] == [joe]
    # Coming back to the used link takes them to the organization.
    assert client.get(invitation.get_absolute_url())["Location"] == organization.get_absolute_url()


def test_wrong_account_gets_a_clear_page_and_cannot_accept(client, invitation, organization):
    client.force_login(UserFactory(email="eve@example.com"))

    page = client.get(invitation.get_absolute_url())
    posted = client.post(invitation.get_absolute_url())

    assert page.status_code == posted.status_code == 403
    assert "This invitation is for <strong>joe@example.com</strong>" in page.content.decode()
    assert memberships_of("eve@example.com", organization) == []


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "expired"),
        ({"revoked_at": timezone.now()}, "was withdrawn"),
        ({"accepted_at": timezone.now()}, "has already been used"),
    ],
    ids=["expired", "revoked", "used"],
)
def test_unusable_invitations_explain_themselves(client, invitation, organization, change, text):
    with organization_scope(organization):
        type(invitation).objects.filter(pk=invitation.pk).update(**change)
    client.force_login(UserFactory(email="joe@example.com"))

    page = client.get(invitation.get_absolute_url())
    posted = client.post(invitation.get_absolute_url())

    assert page.status_code == posted.status_code == 410
    assert text in page.content.decode()
    assert memberships_of("joe@example.com", organization) == []


def test_posting_while_signed_out_goes_back_to_the_invitation(client, invitation):
    response = client.post(invitation.get_absolute_url())

    assert response["Location"] == invitation.get_absolute_url()
