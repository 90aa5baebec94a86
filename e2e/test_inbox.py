"""Mentions through the autocomplete reach the other person's inbox; the browser's time zone is
offered on first sign-in."""

from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import htmx_settled, sign_in
from workspace.models import Role
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory


def test_a_mention_made_with_the_autocomplete_lands_in_the_inbox(live_server, page, browser):
    ada = MembershipFactory(
        role=Role.MEMBER,
        organization__name="Acme",
        organization__slug="acme",
        user__name="Ada Lovelace",
        user__email="ada@example.com",
        user__time_zone="UTC",
    )
    bob = MembershipFactory(
        organization=ada.organization,
        user__name="Bob Builder",
        user__email="bob@example.com",
        user__time_zone="UTC",
    )
    MembershipFactory(organization=ada.organization, user__name="Bea Bystander")
    with organization_scope(ada.organization):
        task = TaskFactory(
            project=ProjectFactory(organization=ada.organization), title="Ship the release"
        )
    task_url = f"{live_server.url}/o/acme/tasks/{task.number}/"

    # Ada mentions Bob, choosing him from the suggestions with the keyboard.
    sign_in(page, live_server.url, "ada@example.com", DEFAULT_PASSWORD)
    page.goto(task_url)
    box = page.get_by_label("Add a comment")
    box.click()
    box.press_sequentially("Can you check this, @b")
    listbox = page.get_by_role("listbox", name="Members to mention")
    expect(listbox.get_by_role("option")).to_have_count(2)  # Bea and Bob
    expect(listbox.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    expect(listbox.get_by_role("option", name="Bob Builder")).to_have_attribute(
        "aria-selected", "true"
    )
    expect(box).to_have_attribute("aria-activedescendant", f"mentions-id_body-{bob.pk}")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    box.press_sequentially("o")
    expect(listbox.get_by_role("option")).to_have_count(1)
    box.press("Enter")
    expect(listbox).to_be_hidden()
    expect(box).to_have_value(f"Can you check this, @[Bob Builder](member:{bob.pk}) ")
    box.press_sequentially("**today**?")
    page.get_by_role("button", name="Comment").click()
    comment = page.get_by_test_id("comment-body").last
    expect(comment.locator(".mention")).to_have_text("@Bob Builder")
    expect(comment.locator("strong")).to_have_text("today")
    htmx_settled(page)
    expect(page.get_by_test_id("watchers")).to_contain_text("Bob Builder")

    # Bob sees one unread item in the header, opens it from his inbox and lands on the task.
    bobs = browser.new_context()
    other = bobs.new_page()
    other.set_default_timeout(10_000)
    sign_in(other, live_server.url, "bob@example.com", DEFAULT_PASSWORD)
    other.goto(f"{live_server.url}/o/acme/")
    expect(other.get_by_test_id("inbox-unread")).to_have_text("1")
    other.get_by_test_id("inbox-count").click()
    item = other.get_by_test_id("inbox-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Ada Lovelace mentioned you in a comment")
    item.get_by_role("link", name=f"#{task.number} Ship the release").click()
    other.wait_for_url(task_url)
    expect(other.get_by_test_id("inbox-count")).to_be_visible()
    expect(other.get_by_test_id("inbox-unread")).to_have_count(0)
    expect(other.get_by_test_id("inbox-count")).to_have_attribute("aria-label", "Inbox")
    bobs.close()


def test_the_browsers_time_zone_is_offered_on_first_sign_in(live_server, browser):
    MembershipFactory(organization__slug="acme", user__email="kai@example.com", user__name="Kai")
    context = browser.new_context(timezone_id="Pacific/Auckland")
    page = context.new_page()
    page.set_default_timeout(10_000)

    sign_in(page, live_server.url, "kai@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/")
    offer = page.get_by_role("region", name="Time zone")
    expect(offer).to_contain_text("Show them in your time zone, Pacific/Auckland?")
    offer.get_by_role("button", name="Use Pacific/Auckland").click()

    expect(page.locator("#toasts")).to_contain_text("Times are now shown in Pacific/Auckland.")
    assert page.url == f"{live_server.url}/o/acme/"
    expect(page.get_by_role("region", name="Time zone")).to_have_count(0)
    page.goto(f"{live_server.url}/accounts/profile/")
    expect(page.locator("#id_time_zone")).to_have_value("Pacific/Auckland")
    context.close()
