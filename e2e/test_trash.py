from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import sign_in
from workspace.models import Role
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory


def _organization():
    admin = MembershipFactory(
        role=Role.ADMIN,
        organization__name="Acme",
        organization__slug="acme",
        user__name="Adam Admin",
        user__email="adam@example.com",
    )
    member = MembershipFactory(
        organization=admin.organization, user__name="Mia Member", user__email="mia@example.com"
    )
    with organization_scope(admin.organization):
        project = ProjectFactory(organization=admin.organization, name="Launch")
    return admin, member, project


def test_admin_restores_a_deleted_task_from_the_trash(live_server, page):
    admin, _member, project = _organization()
    with organization_scope(project.organization):
        task = TaskFactory(project=project, title="Write the press release", created_by=admin.user)

    sign_in(page, live_server.url, "adam@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/{task.number}/")
    page.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete task").click()
    expect(page.locator("#toasts")).to_contain_text("Deleted #1 Write the press release.")

    page.get_by_role("link", name="Trash").click()
    row = page.locator("tr", has_text="Write the press release")
    expect(row).to_contain_text("Adam Admin")
    row.get_by_role("button", name="Restore #1").click()
    expect(page.locator("#toasts")).to_contain_text("Restored #1 Write the press release.")

    page.goto(f"{live_server.url}/o/acme/tasks/1/")
    history = page.locator("#task-history")
    expect(history.get_by_test_id("history-entry").first).to_contain_text(
        "Adam Admin restored the task"
    )
    expect(history).to_contain_text("deleted the task")


def test_member_undoes_a_deletion_from_the_toast(live_server, page):
    _admin, member, project = _organization()
    with organization_scope(project.organization):
        TaskFactory(project=project, title="Order the stickers", created_by=member.user)

    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/1/")
    page.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete task").click()
    toast = page.locator("#toasts [data-toast]", has_text="Deleted #1 Order the stickers.")
    expect(toast).to_be_visible()
    expect(page.locator("#task-1")).to_have_count(0)

    toast.get_by_role("button", name="Undo").click()

    expect(page.locator("#toasts")).to_contain_text("Restored #1 Order the stickers.")
    expect(page.locator("#task-fields a.title")).to_have_text("Order the stickers")
    page.goto(f"{live_server.url}/o/acme/tasks/")
    expect(page.locator("#task-1 a.title")).to_have_text("Order the stickers")
