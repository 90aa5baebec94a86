import re

from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import htmx_settled, link_in, mark_page, page_was_reloaded, sign_in
from workspace.models import Role
from workspace.tests.factories import MembershipFactory


def test_invite_sign_up_promote_and_remove(live_server, page, browser, mailoutbox, settings):
    settings.SITE_URL = live_server.url
    owner = MembershipFactory(
        role=Role.OWNER,
        organization__name="Acme",
        organization__slug="acme",
        user__name="Olivia Owner",
        user__email="olivia@example.com",
    )

    # The owner invites Joe.
    sign_in(page, live_server.url, "olivia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/members/")
    invitations = page.locator("#invitations")
    invitations.get_by_label("E-mail address").fill("joe@example.com")
    invitations.get_by_label("Role").select_option("member")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#invitation-list")).to_contain_text("joe@example.com")

    # Joe follows the link from the mail, signs up, and lands in the organization.
    link = link_in(mailoutbox[-1], "/invitations/")
    joe = browser.new_context().new_page()
    joe.goto(link)
    expect(joe.get_by_role("heading", name="Join Acme")).to_be_visible()
    joe.get_by_role("link", name="Create account").click()
    expect(joe.get_by_label("Email")).to_have_value("joe@example.com")
    joe.get_by_label("Your name").fill("Joe Newcomer")
    joe.locator("#id_password1").fill("a-long-enough-passphrase")
    joe.get_by_label("Password (again)").fill("a-long-enough-passphrase")
    joe.get_by_role("button", name="Sign Up").click()
    expect(joe).to_have_url(re.compile(r"/o/acme/$"))
    expect(joe.get_by_role("heading", name="Acme")).to_be_visible()

    # The owner promotes Joe to admin in place, without reloading the page.
    page.goto(f"{live_server.url}/o/acme/members/")
    mark_page(page)
    row = page.locator("tr", has_text="Joe Newcomer")
    row.get_by_label("Role of Joe Newcomer").select_option("admin")
    expect(page.locator("#toasts")).to_contain_text("Joe Newcomer is now Admin.")
    expect(
        page.locator("tr", has_text="Joe Newcomer").get_by_label("Role of Joe Newcomer")
    ).to_have_value("admin")
    assert not page_was_reloaded(page)
    htmx_settled(page)

    # ... and then removes him, confirming in the row.
    page.locator("tr", has_text="Joe Newcomer").get_by_role(
        "link", name="Remove Joe Newcomer"
    ).click()
    page.get_by_role("button", name="Remove member").click()
    expect(page.locator("tr", has_text="Joe Newcomer")).to_have_count(0)
    expect(page.locator("#toasts")).to_contain_text("Joe Newcomer was removed from Acme.")
    assert not page_was_reloaded(page)
    assert owner.user.email == "olivia@example.com"

    joe.goto(f"{live_server.url}/o/acme/")
    expect(joe.get_by_role("heading", name="Not found")).to_be_visible()
