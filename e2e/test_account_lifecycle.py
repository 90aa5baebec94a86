"""The account lifecycle in a real browser: deleting and restoring an organization, deleting
an account, downloading an organization's export."""

import re
import zipfile

from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import sign_in
from workspace.models import Role
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    CommentFactory,
    MembershipFactory,
    ProjectFactory,
    TaskFactory,
)


def _acme():
    owner = MembershipFactory(
        role=Role.OWNER,
        organization__name="Acme",
        organization__slug="acme",
        user__name="Olivia Owner",
        user__email="olivia@example.com",
    )
    member = MembershipFactory(
        organization=owner.organization, user__name="Mia Member", user__email="mia@example.com"
    )
    with organization_scope(owner.organization):
        project = ProjectFactory(organization=owner.organization, name="Launch", slug="launch")
        TaskFactory(project=project, title="Write the press release", created_by=owner.user)
    return owner, member


def test_owner_deletes_and_restores_an_organization(live_server, page, browser, mailoutbox):
    _owner, _member = _acme()
    sign_in(page, live_server.url, "olivia@example.com", DEFAULT_PASSWORD)

    page.goto(f"{live_server.url}/o/acme/settings/")
    page.get_by_role("link", name="Delete organization").click()
    expect(page.get_by_role("heading", name="Delete Acme?")).to_be_visible()
    page.get_by_label("Type the organization's name to confirm").fill("acme")
    page.get_by_role("button", name="Delete organization").click()
    expect(page.get_by_text("Type the organization's name exactly as shown: Acme")).to_be_visible()
    page.get_by_label("Type the organization's name to confirm").fill("Acme")
    page.get_by_role("button", name="Delete organization").click()

    expect(page.locator("#toasts")).to_contain_text("Acme was deleted.")
    expect(page.get_by_role("heading", name="Create an organization")).to_be_visible()
    assert {m.to[0] for m in mailoutbox} == {"olivia@example.com", "mia@example.com"}

    # The member finds nothing any more.
    mia = browser.new_context().new_page()
    sign_in(mia, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    mia.goto(f"{live_server.url}/o/acme/tasks/")
    expect(mia.get_by_role("heading", name="Not found")).to_be_visible()

    # The owner restores it from the organization menu.
    page.get_by_label("Switch organization").click()
    page.get_by_role("menuitem", name=re.compile("Restore Acme")).click()
    expect(page.get_by_role("heading", name="Acme was deleted")).to_be_visible()
    page.get_by_role("button", name="Restore Acme").click()
    expect(page.locator("#toasts")).to_contain_text("Acme was restored.")
    expect(page).to_have_url(re.compile(r"/o/acme/$"))

    mia.goto(f"{live_server.url}/o/acme/tasks/")
    expect(mia.locator("#task-1 a.title")).to_have_text("Write the press release")


def test_member_deletes_their_account(live_server, page, browser):
    owner, member = _acme()
    with organization_scope(owner.organization):
        task = TaskFactory(
            project=ProjectFactory(organization=owner.organization), title="Order the stickers"
        )
        CommentFactory(task=task, author=member.user, body="Ordered, arriving Friday.")
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)

    page.get_by_label("Account menu for Mia Member").click()
    page.get_by_role("menuitem", name="Profile").click()
    page.get_by_role("link", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Delete your account?")).to_be_visible()
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("That is not your password.")).to_be_visible()
    page.get_by_label("Your password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Delete my account").click()

    expect(page.locator("#toasts")).to_contain_text("Your account was deleted. Goodbye!")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.get_by_label("Email").fill("mia@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))

    # The owner still sees the comment, written by "Deleted user".
    olivia = browser.new_context().new_page()
    sign_in(olivia, live_server.url, "olivia@example.com", DEFAULT_PASSWORD)
    olivia.goto(f"{live_server.url}/o/acme/tasks/{task.number}/")
    comment = olivia.locator("li", has_text="Ordered, arriving Friday.")
    expect(comment).to_contain_text("Deleted user")
    olivia.goto(f"{live_server.url}/o/acme/members/")
    expect(olivia.get_by_text("Mia Member")).to_have_count(0)


def test_owner_downloads_an_export(live_server, page, settings, tmp_path):
    settings.TANDEM_EXPORT_ROOT = tmp_path / "exports"
    _acme()
    sign_in(page, live_server.url, "olivia@example.com", DEFAULT_PASSWORD)

    page.goto(f"{live_server.url}/o/acme/settings/")
    page.get_by_role("link", name="Export the organization").click()
    expect(page.get_by_role("heading", name="Export Acme")).to_be_visible()
    page.get_by_role("button", name="Create export").click()
    expect(page.locator("#toasts")).to_contain_text("Your export is being prepared.")
    row = page.get_by_test_id("export").first
    expect(row).to_contain_text("Ready")

    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download").click()
    download = download_info.value
    assert re.fullmatch(r"acme-export-\d{8}-\d{4}\.zip", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert "Write the press release" in archive.read("tasks.json").decode()
        assert "olivia@example.com" in archive.read("members.csv").decode()
