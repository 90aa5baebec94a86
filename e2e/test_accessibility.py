"""axe-core (npm, copied to static/vendor by the build) finds no serious or critical violation on
the main pages, signed out and signed in, with the keyboard dialogs open too."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import sign_in
from workspace.models import Role
from workspace.services.comments import comment_create
from workspace.services.tasks import task_delete
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe.min.js"
RULES = "['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice']"
# Experimental in axe, so off by default: a control's name must contain its visible text.
EXTRA = "{'label-content-name-mismatch': {enabled: true}}"


def axe_violations(page) -> list[dict]:
    # Evaluated by the test runner, not served to users: the page's CSP does not apply.
    page.evaluate(AXE.read_text())
    results = page.evaluate(
        f"async () => (await axe.run(document, {{runOnly: {RULES}, rules: {EXTRA}}}))"
        ".violations.map(v => ("
        "{id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
    )
    return [v for v in results if v["impact"] in ("serious", "critical")]


@pytest.fixture
def workspace_with_everything(db):
    owner = MembershipFactory(
        role=Role.OWNER,
        organization__name="Acme",
        organization__slug="acme",
        user__name="Olivia Owner",
        user__email="olivia@example.com",
    )
    organization = owner.organization
    with organization_scope(organization):
        project = ProjectFactory(organization=organization, name="Launch", slug="launch")
        tasks = TaskFactory.create_batch(3, project=project, assignee=owner, created_by=owner.user)
        comment_create(task=tasks[0], actor=owner, body="Looks good, **ship it**.")
        task_delete(task=tasks[2], actor=owner)
        tasks[1].due_date = timezone.localdate()
        tasks[1].save()
    return owner, tasks[0]


def test_sign_in_and_sign_up_pages(live_server, page):
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        page.goto(f"{live_server.url}{path}")
        assert axe_violations(page) == [], path


def test_main_pages_signed_in(live_server, page, workspace_with_everything):
    _, task = workspace_with_everything
    sign_in(page, live_server.url, "olivia@example.com", DEFAULT_PASSWORD)
    paths = [
        "/o/acme/",
        "/o/acme/tasks/",
        "/o/acme/tasks/mine/",
        f"/o/acme/tasks/{task.number}/",
        f"/o/acme/tasks/{task.number}/edit/",
        "/o/acme/tasks/new/",
        "/o/acme/projects/",
        "/o/acme/p/launch/",
        "/o/acme/inbox/",
        "/o/acme/members/",
        "/o/acme/activity/",
        "/o/acme/trash/",
        "/o/acme/settings/",
        "/accounts/profile/",
    ]
    found = {}
    for width in (1280, 375):  # phones fold the navigation and scroll wide tables
        page.set_viewport_size({"width": width, "height": 800})
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            violations = axe_violations(page)
            if violations:
                found[(width, path)] = violations
    assert found == {}


def test_bulk_bar_shortcuts_and_palette_open(live_server, page, workspace_with_everything):
    sign_in(page, live_server.url, "olivia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/")
    page.keyboard.press("j")
    page.keyboard.press("x")
    # The bar's menus, the shortcuts and the palette load when first needed.
    page.locator("form#bulk summary").first.wait_for()
    assert axe_violations(page) == []
    page.keyboard.press("?")
    page.get_by_role("dialog", name="Keyboard shortcuts").wait_for()
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    page.keyboard.press("Control+k")
    page.locator("#palette [role=option]").first.wait_for()
    assert axe_violations(page) == []
