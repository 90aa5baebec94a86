"""Insights in a real browser: the charts draw, the period switch redraws them in place, nothing
trips the Content-Security-Policy, and axe finds no serious accessibility problem."""

from datetime import timedelta
from pathlib import Path

import time_machine
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import htmx_settled, mark_page, page_was_reloaded, sign_in
from workspace.models import Priority, Role, TaskStatus
from workspace.services.projects import project_create
from workspace.services.tasks import task_create, task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# Collects what the browser reports as blocked by the CSP (init scripts run before the page's
# own and are not subject to its policy).
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def history(owner):
    """Work over the last ten weeks: three tasks finished long ago, two this week."""
    organization = owner.organization
    now = timezone.now()
    with organization_scope(organization):
        project = project_create(organization=organization, actor=owner, name="Launch")

        def task(title, weeks_ago, **fields):
            with time_machine.travel(now - timedelta(weeks=weeks_ago), tick=False):
                return task_create(
                    organization=organization,
                    actor=owner,
                    project=project,
                    title=title,
                    assignee=owner,
                    **fields,
                )

        def move(created, status, weeks_ago):
            with time_machine.travel(now - timedelta(weeks=weeks_ago), tick=False):
                task_update(task=created, actor=owner, data={"status": status})

        for n in range(3):
            old = task(f"Old work {n}", 9, priority=Priority.HIGH)
            move(old, TaskStatus.IN_PROGRESS, 9 - n / 10)
            move(old, TaskStatus.DONE, 8)
        task("Plan the launch", 0)
        busy = task("Write the announcement", 0, priority=Priority.URGENT)
        move(busy, TaskStatus.IN_PROGRESS, 0)


def axe_violations(page) -> list[str]:
    # Evaluated by the test runner, not served by the app: the page's CSP does not apply.
    page.evaluate(AXE.read_text())
    results = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa',"
        " 'best-practice']})).violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
    )
    return [v for v in results if v["impact"] in ("serious", "critical")]


def test_insights_period_switch_redraws_the_charts(live_server, page):
    owner = MembershipFactory(
        role=Role.OWNER,
        organization__name="Acme",
        organization__slug="acme",
        user__name="Olivia Owner",
        user__email="olivia@example.com",
    )
    history(owner)
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.add_init_script(WATCH_CSP)

    sign_in(page, live_server.url, "olivia@example.com", DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Acme").get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", name="Insights", exact=True)).to_be_visible()
    for chart in ("Throughput", "Cumulative flow", "Cycle time", "Workload", "Aging work"):
        expect(page.get_by_role("heading", name=chart, exact=True)).to_be_visible()
    stats = page.get_by_test_id("insights-stats")
    expect(stats).to_contain_text("Completed3")
    throughput = page.locator("#chart-throughput")
    expect(throughput.locator("svg .chart-group")).to_have_count(12)
    expect(page.get_by_role("link", name="12 weeks")).to_have_attribute("aria-current", "true")
    assert axe_violations(page) == []

    # Four weeks: the old work drops out, the charts are redrawn without a reload.
    mark_page(page)
    page.get_by_role("link", name="4 weeks").click()
    expect(page).to_have_url(f"{live_server.url}/o/acme/insights/?period=4")
    expect(throughput.locator("svg .chart-group")).to_have_count(4)
    expect(stats).to_contain_text("Completed0")
    expect(stats).to_contain_text("Open now2")
    expect(page.get_by_role("link", name="4 weeks")).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("link", name="4 weeks")).to_be_focused()
    htmx_settled(page)
    assert not page_was_reloaded(page)

    # A filter keeps the period; the numbers of each chart are one click away.
    page.get_by_label("Assignee", exact=True).select_option("none")
    expect(page).to_have_url(f"{live_server.url}/o/acme/insights/?assignee=none&period=4")
    expect(stats).to_contain_text("Open now0")
    htmx_settled(page)
    page.locator("#chart-throughput summary").click()
    expect(page.locator("#chart-throughput table tbody tr")).to_have_count(4)
    assert axe_violations(page) == []

    # Hovering a week shows its numbers.
    page.locator("#chart-throughput svg .chart-hit").last.hover()
    expect(page.locator(".chart-tip")).to_contain_text("Week of")

    assert page.evaluate("window.__cspViolations") == []
    assert page_errors == []


def test_the_period_switch_works_without_javascript(live_server, browser):
    owner = MembershipFactory(
        role=Role.OWNER,
        organization__slug="acme",
        user__email="olivia@example.com",
    )
    history(owner)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)

    sign_in(page, live_server.url, "olivia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/insights/")
    page.get_by_role("link", name="26 weeks").click()

    expect(page).to_have_url(f"{live_server.url}/o/acme/insights/?period=26")
    expect(page.locator("#chart-throughput svg .chart-group")).to_have_count(26)
    page.get_by_label("Assignee", exact=True).select_option("me")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(f"{live_server.url}/o/acme/insights/?assignee=me&period=26")
    expect(page.get_by_test_id("insights-stats")).to_contain_text("Completed3")
    context.close()
