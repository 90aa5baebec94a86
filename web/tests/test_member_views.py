import pytest
from django.urls import reverse

from workspace.models import Invitation, Membership, Role, Task
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    InvitationFactory,
    MembershipFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def members_url(**kwargs):
    return reverse("web:member-list", kwargs={"org_slug": "acme", **kwargs})


def role_url(membership):
    return reverse("web:member-role", kwargs={"org_slug": "acme", "pk": membership.pk})


def remove_url(membership):
    return reverse("web:member-remove", kwargs={"org_slug": "acme", "pk": membership.pk})


def role_of(membership):
    with organization_scope(membership.organization):
        return Membership.objects.get(pk=membership.pk).role


def test_everyone_sees_the_member_list(login, owner, admin, member):
    page = login(member).get(members_url()).content.decode()

    for person in (owner, admin, member):
        assert person.user.display_name in page
        assert person.user.email in page
    assert "Invite people" not in page
    assert 'hx-post="/o/acme/members/' not in page


def test_admins_see_invitations_and_controls(login, owner, admin, member, organization):
    with organization_scope(organization):
        InvitationFactory(organization=organization, email="pending@example.com")

    page = login(admin).get(members_url()).content.decode()

    assert "Invite people" in page
    assert "pending@example.com" in page
    assert f'id="member-{member.pk}"' in page
    assert role_url(member) in page
    assert role_url(owner) not in page  # admins cannot touch owners


def test_member_list_query_count_does_not_grow_with_members(
    login, owner, organization, django_assert_max_num_queries
):
    client = login(owner)
    client.get(members_url())  # warm up the session
    with organization_scope(organization):
        for _ in range(3):
            InvitationFactory(organization=organization)
    MembershipFactory.create_batch(3, organization=organization)
    with django_assert_max_num_queries(12) as few:
        client.get(members_url())
    MembershipFactory.create_batch(30, organization=organization)
    with organization_scope(organization):
        for _ in range(30):
            InvitationFactory(organization=organization)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(members_url())
    assert response.content.decode().count('<tr id="member-') == 34


class TestRoleChange:
    def test_htmx_role_change_returns_the_updated_row(self, login, owner, member):
        response = login(owner).post(role_url(member), {f"m{member.pk}-role": "admin"}, **HTMX)

        assert response.status_code == 200
        html = response.content.decode()
        assert html.lstrip().startswith(f'<tr id="member-{member.pk}"')
        assert '<option value="admin" selected>' in html
        assert "members-changed" in response["HX-Trigger"]
        assert 'hx-swap-oob="beforeend"' in html  # the success toast rides along
        assert role_of(member) == Role.ADMIN

    def test_plain_post_redirects_with_a_message(self, login, owner, member):
        client = login(owner)

        response = client.post(role_url(member), {f"m{member.pk}-role": "admin"}, follow=True)

        assert response.redirect_chain[-1][0] == members_url()
        assert f"{member.user.display_name} is now Admin." in response.content.decode()

    def test_last_owner_demotion_returns_the_row_with_the_error(self, login, owner):
        response = login(owner).post(role_url(owner), {f"m{owner.pk}-role": "member"}, **HTMX)

        assert response.status_code == 422
        assert "at least one owner" in response.content.decode()
        assert '<option value="owner" selected>' in response.content.decode()
        assert role_of(owner) == Role.OWNER

    def test_last_owner_demotion_without_htmx_redirects_with_the_error(self, login, owner):
        response = login(owner).post(role_url(owner), {f"m{owner.pk}-role": "member"}, follow=True)

        assert "at least one owner" in response.content.decode()
        assert role_of(owner) == Role.OWNER

    def test_invalid_role_is_refused(self, login, admin, member):
        response = login(admin).post(role_url(member), {f"m{member.pk}-role": "owner"}, **HTMX)

        assert response.status_code == 422
        assert "Choose one of the offered roles." in response.content.decode()
        assert role_of(member) == Role.MEMBER

    def test_get_is_not_allowed(self, login, owner, member):
        assert login(owner).get(role_url(member)).status_code == 405


class TestRemoval:
    def test_htmx_asks_for_confirmation_in_the_row(self, login, owner, member):
        response = login(owner).get(remove_url(member), **HTMX)

        html = response.content.decode()
        assert html.lstrip().startswith(f'<tr id="member-{member.pk}"')
        assert "Remove <strong>Mia Member</strong>" in html
        assert role_of(member) == Role.MEMBER

    def test_without_javascript_the_confirmation_is_a_page(self, login, owner, member):
        page = login(owner).get(remove_url(member)).content.decode()

        assert "Remove Mia Member?" in page
        assert f'action="{remove_url(member)}"' in page

    def test_confirmed_htmx_removal_deletes_the_row(self, login, owner, member):
        response = login(owner).post(remove_url(member), **HTMX)

        assert response.status_code == 200
        assert "<tr" not in response.content.decode()
        with organization_scope(member.organization):
            assert not Membership.objects.filter(pk=member.pk).exists()

    def test_plain_removal_redirects(self, login, owner, member):
        response = login(owner).post(remove_url(member))

        assert response["Location"] == members_url()

    def test_admin_cannot_open_removal_of_an_owner(self, login, owner, admin):
        assert login(admin).get(remove_url(owner)).status_code == 403

    def test_owner_removing_the_other_owner_keeps_at_least_one(self, login, owner, organization):
        other = MembershipFactory(organization=organization, role=Role.OWNER)

        login(owner).post(remove_url(other), **HTMX)

        with organization_scope(organization):
            assert list(Membership.objects.owners()) == [owner]


class TestLeaving:
    def test_member_leaves_after_confirming(self, login, owner, member):
        client = login(member)
        url = reverse("web:member-leave", kwargs={"org_slug": "acme"})

        assert "Leave Acme?" in client.get(url).content.decode()
        response = client.post(url)

        assert response["Location"] == reverse("web:home")
        with organization_scope(member.organization):
            assert not Membership.objects.filter(pk=member.pk).exists()
        assert client.get(members_url()).status_code == 404

    def test_last_owner_cannot_leave(self, login, owner, member):
        response = login(owner).post(
            reverse("web:member-leave", kwargs={"org_slug": "acme"}), follow=True
        )

        assert "at least one owner" in response.content.decode()
        assert role_of(owner) == Role.OWNER


class TestSoleOwner:
    def test_the_sole_owner_is_told_why_instead_of_offered_leave(self, login, owner, member):
        page = login(owner).get(members_url()).content.decode()

        assert reverse("web:member-leave", kwargs={"org_slug": "acme"}) not in page
        assert "You are the only owner of Acme." in page
        assert "make someone else an owner first" in page

    def test_the_leave_page_explains_and_offers_no_button(self, login, owner):
        page = login(owner).get(reverse("web:member-leave", kwargs={"org_slug": "acme"}))
        html = page.content.decode()

        assert "You are the only owner of Acme." in html
        assert "Leave organization</button>" not in html

    def test_with_another_owner_leaving_is_offered(self, login, owner, organization):
        MembershipFactory(organization=organization, role=Role.OWNER)

        page = login(owner).get(members_url()).content.decode()

        assert reverse("web:member-leave", kwargs={"org_slug": "acme"}) in page
        assert "You are the only owner" not in page

    def test_members_are_offered_leave(self, login, owner, member):
        page = login(member).get(members_url()).content.decode()

        assert reverse("web:member-leave", kwargs={"org_slug": "acme"}) in page


class TestRemovalUnassigns:
    @pytest.fixture
    def assigned(self, organization, member, owner):
        with organization_scope(organization):
            project = ProjectFactory(organization=organization)
            tasks = TaskFactory.create_batch(2, project=project, assignee=member)
            TaskFactory(project=project, assignee=owner)
        return tasks

    def test_the_confirmation_says_how_many_tasks_get_unassigned(
        self, login, owner, member, assigned
    ):
        client = login(owner)

        row = client.get(remove_url(member), **HTMX).content.decode()
        page = client.get(remove_url(member)).content.decode()

        for html in (row, page):
            assert "Their 2 tasks will be unassigned" in html

    def test_removal_unassigns_and_writes_it_into_each_tasks_history(
        self, login, owner, member, assigned, organization
    ):
        client = login(owner)

        client.post(remove_url(member), **HTMX)

        for task in assigned:
            detail = client.get(task.get_absolute_url()).content.decode()
            history = detail.split('id="task-history"')[1]
            assert "Olivia Owner" in history
            assert "assignee: Mia Member → " in history
        with organization_scope(organization):
            assert not Task.objects.filter(assignee_id=member.pk).exists()
            assert Task.objects.filter(assignee=owner).count() == 1

    def test_the_leave_page_says_so_too(self, login, member, assigned):
        page = login(member).get(reverse("web:member-leave", kwargs={"org_slug": "acme"}))

        assert "Your 2 tasks will be unassigned" in page.content.decode()


class TestInvitations:
    def invite(self, client, **data):
        return client.post(
            reverse("web:invitation-create", kwargs={"org_slug": "acme"}), data, **HTMX
        )

    def test_htmx_invite_swaps_the_panel_and_mails(
        self, login, admin, organization, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = self.invite(login(admin), email="new@example.com", role="member")

        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith('<section id="invitations"')
        assert "new@example.com" in html
        assert len(mailoutbox) == 1

    def test_invalid_invite_returns_the_panel_with_errors(self, login, admin, member):
        client = login(admin)

        bad_email = self.invite(client, email="not-an-email", role="member")
        existing = self.invite(client, email=member.user.email, role="member")

        assert bad_email.status_code == existing.status_code == 422
        assert "Enter a valid email address." in bad_email.content.decode()
        assert "This person is already a member." in existing.content.decode()

    def test_admin_is_not_offered_the_owner_role(self, login, admin):
        response = self.invite(login(admin), email="x@example.com", role="owner")

        assert response.status_code == 422
        assert "Select a valid choice." in response.content.decode()

    def test_plain_invite_redirects_and_get_redirects(self, login, admin):
        client = login(admin)
        url = reverse("web:invitation-create", kwargs={"org_slug": "acme"})

        assert (
            client.post(url, {"email": "n@example.com", "role": "member"})["Location"]
            == members_url()
        )
        assert client.get(url)["Location"] == members_url()

    def test_plain_invalid_invite_re_renders_the_page(self, login, admin):
        url = reverse("web:invitation-create", kwargs={"org_slug": "acme"})

        response = login(admin).post(url, {"email": "", "role": "member"})

        assert response.status_code == 422
        assert "<h1>Members</h1>" in response.content.decode()

    def test_resend_and_revoke(
        self, login, admin, organization, mailoutbox, django_capture_on_commit_callbacks
    ):
        with organization_scope(organization):
            invitation = InvitationFactory(organization=organization)
        client = login(admin)
        kwargs = {"org_slug": "acme", "pk": invitation.pk}

        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("web:invitation-resend", kwargs=kwargs), **HTMX)
        response = client.post(reverse("web:invitation-revoke", kwargs=kwargs), **HTMX)

        assert len(mailoutbox) == 1
        pending_list = response.content.decode().split('id="invitation-list"')[1].split("</ul>")[0]
        assert invitation.email not in pending_list
        assert "No pending invitations." in pending_list
        with organization_scope(organization):
            assert Invitation.objects.get(pk=invitation.pk).state == "revoked"

    def test_an_admin_is_offered_no_action_on_an_owners_invitation_and_is_refused_one(
        self, login, admin, owner, organization, mailoutbox
    ):
        with organization_scope(organization):
            invitation = InvitationFactory(
                organization=organization, role=Role.OWNER, email="boss@example.com"
            )
            expires = invitation.expires_at
        client = login(admin)
        kwargs = {"org_slug": "acme", "pk": invitation.pk}

        page = client.get(members_url()).content.decode()
        resent = client.post(reverse("web:invitation-resend", kwargs=kwargs))
        revoked = client.post(reverse("web:invitation-revoke", kwargs=kwargs))

        assert "boss@example.com" in page
        assert reverse("web:invitation-resend", kwargs=kwargs) not in page
        assert "Only owners can resend or revoke an owner's invitation." in page
        assert (resent.status_code, revoked.status_code) == (403, 403)
        with organization_scope(organization):
            unchanged = Invitation.objects.get(pk=invitation.pk)
        assert (unchanged.state, unchanged.expires_at) == ("pending", expires)
        assert mailoutbox == []
        owner_page = login(owner).get(members_url()).content.decode()
        assert reverse("web:invitation-resend", kwargs=kwargs) in owner_page

    def test_resending_a_revoked_invitation_says_why(self, login, admin, organization):
        with organization_scope(organization):
            invitation = InvitationFactory(organization=organization)
        client = login(admin)
        kwargs = {"org_slug": "acme", "pk": invitation.pk}
        client.post(reverse("web:invitation-revoke", kwargs=kwargs))

        response = client.post(reverse("web:invitation-resend", kwargs=kwargs), follow=True)

        assert "already used or revoked" in response.content.decode()
