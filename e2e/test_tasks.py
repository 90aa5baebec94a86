from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import htmx_settled, mark_page, page_was_reloaded, sign_in
from workspace.models import Role, TaskStatus
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory


def test_daily_work_loop(live_server, page):
    me = MembershipFactory(
        role=Role.MEMBER,
        organization__name="Acme",
        organization__slug="acme",
        user__name="Mia Member",
        user__email="mia@example.com",
    )
    teammate = MembershipFactory(organization=me.organization, user__name="Tom Teammate")
    with organization_scope(me.organization):
        old = ProjectFactory(organization=me.organization, name="Old stuff")
        TaskFactory(
            project=old, title="Already finished", status=TaskStatus.DONE, assignee=teammate
        )

    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)

    # Create a project, then a task in it.
    page.goto(f"{live_server.url}/o/acme/projects/")
    page.get_by_role("link", name="New project").click()
    page.get_by_label("Name").fill("Launch")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("heading", name="Launch")).to_be_visible()
    page.get_by_role("link", name="New task").click()
    page.get_by_label("Title").fill("Draft the announcement")
    page.get_by_label("Priority").select_option("high")
    page.get_by_role("button", name="Create task").click()
    expect(page.locator("#task-fields a.title")).to_have_text("Draft the announcement")

    # Filter the list by status and assignee: the table updates in place.
    page.goto(f"{live_server.url}/o/acme/tasks/")
    mark_page(page)
    table = page.locator("#task-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    page.locator("#task-filters summary", has_text="Status").click()
    page.get_by_label("To do").check()
    expect(table.locator("tbody tr")).to_have_count(1)
    htmx_settled(page)
    expect(page).to_have_url(f"{live_server.url}/o/acme/tasks/?status=todo", ignore_case=True)
    page.keyboard.press("Escape")
    page.locator("#task-filters summary", has_text="Assignee").click()
    page.get_by_role("radio", name="Unassigned").check()
    expect(page).to_have_url(f"{live_server.url}/o/acme/tasks/?status=todo&assignee=none")
    page.keyboard.press("Escape")
    expect(table.locator("tbody tr")).to_have_count(1)
    row = page.locator("#task-2")
    expect(row.locator("a.title")).to_have_text("Draft the announcement")
    expect(page.locator("#task-1")).to_have_count(0)
    htmx_settled(page)

    # Change status and assignee in place, without leaving the page: each value opens its
    # editor on demand.
    row.locator(".f-status > button").click()
    page.get_by_role("menuitemradio", name="In progress").click()
    expect(row.locator(".f-status > button")).to_have_text("In progress")
    htmx_settled(page)
    row.locator(".f-assignee > button").click()
    page.get_by_label("Find a member").fill("tom")
    page.keyboard.press("Enter")
    expect(row.locator(".f-assignee > button")).to_have_text("Tom Teammate")
    assert not page_was_reloaded(page)

    # Open the task and comment on it.
    row.get_by_role("link", name="Draft the announcement").click()
    page.get_by_label("Add a comment").fill("Ready for review, see https://example.com/draft")
    page.get_by_role("button", name="Comment").click()
    comment = page.get_by_test_id("comment-body").last
    expect(comment).to_contain_text("Ready for review")
    expect(comment.get_by_role("link", name="https://example.com/draft")).to_be_visible()

    # After a reload the list shows what changed.
    page.goto(f"{live_server.url}/o/acme/tasks/")
    row = page.locator("#task-2")
    expect(row.locator(".f-status > button")).to_have_text("In progress")
    expect(row.locator(".f-assignee > button")).to_have_text("Tom Teammate")
    expect(row.locator(".f-priority > button")).to_have_text("High")
