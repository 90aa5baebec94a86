"""Importing tasks from another tool's export in a real browser: upload, map, check, import."""

from pathlib import Path

from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import sign_in
from workspace.models import Role
from workspace.tests.factories import MembershipFactory

FILES = Path(__file__).parent.parent / "workspace" / "tests" / "task_import" / "files"


def test_an_admin_imports_a_jira_export_and_sees_its_tasks(live_server, page, db):
    MembershipFactory(
        role=Role.ADMIN,
        organization__name="Acme",
        organization__slug="acme",
        user__name="Ana Diaz",
        user__email="ana@example.com",
    )
    sign_in(page, live_server.url, "ana@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/")
    page.get_by_role("link", name="Import").first.click()

    page.get_by_label("File to import").set_input_files(str(FILES / "jira.csv"))
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page.get_by_text("recognised as Jira (CSV export)")).to_be_visible()
    expect(page.get_by_test_id("import-preview")).to_contain_text("Login page times out")
    expect(page.get_by_label("Summary", exact=True)).to_have_value("title")
    page.get_by_label("New project's name").fill("Website")
    page.get_by_label("Numeric dates are written day first").check()
    page.get_by_role("button", name="Check every row").click()

    expect(page.get_by_test_id("import-check")).to_contain_text("3 tasks can be imported")
    expect(page.get_by_test_id("import-check")).to_contain_text("Left unassigned")
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.get_by_test_id("import-result")).to_contain_text("3 tasks created in Website")
    page.get_by_test_id("import-result").get_by_role("link", name="Website").click()
    rows = page.locator("tr.task")
    expect(rows).to_have_count(3)
    expect(page.get_by_text("Login page times out")).to_be_visible()
    expect(page.get_by_text("Drop IE11 support")).to_be_visible()
