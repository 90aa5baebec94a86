"""Script typed into a task title and a comment is shown as text, and never runs."""

from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import htmx_settled, sign_in
from workspace.models import Role
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory

TITLE = '<script>window.__xss = 1; alert("title")</script> Launch plan'
COMMENT = '<img src=x onerror="window.__xss = 2; alert(1)"> and <b>bold</b>'


def test_script_payloads_render_as_text_and_no_dialog_opens(live_server, page):
    member = MembershipFactory(
        role=Role.MEMBER,
        organization__slug="acme",
        user__email="mia@example.com",
    )
    with organization_scope(member.organization):
        ProjectFactory(organization=member.organization, name="Launch")
    dialogs, csp_violations = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and csp_violations.append(message.text)
        ),
    )

    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/new/")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_role("button", name="Create task").click()
    expect(page.locator("#task-fields a.title")).to_have_text(TITLE)

    page.get_by_label("Add a comment").fill(COMMENT)
    page.get_by_role("button", name="Comment").click()
    expect(page.get_by_test_id("comment-body")).to_have_text(COMMENT)
    htmx_settled(page)
    expect(page.locator("#task-history")).to_contain_text("commented")

    page.goto(f"{live_server.url}/o/acme/tasks/")
    expect(page.locator("#task-1 a.title")).to_have_text(TITLE)
    page.goto(f"{live_server.url}/o/acme/")
    expect(page.locator("main")).to_contain_text(TITLE)

    assert page.evaluate("window.__xss === undefined")
    assert page.locator("main img[src=x]").count() == 0
    assert dialogs == []
    assert csp_violations == []
