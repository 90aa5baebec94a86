"""Saved views in a real browser: the address saved is the one the page shows when saving,
filters changed in place (htmx) included, and the sidebar leads back to it."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import htmx_settled, sign_in
from workspace.models import Project, Role
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory


@pytest.fixture
def team(db):
    mia = MembershipFactory(
        role=Role.MEMBER,
        organization__name="Acme",
        organization__slug="acme",
        user__email="mia@example.com",
    )
    with organization_scope(mia.organization):
        project = ProjectFactory(organization=mia.organization, name="Launch", slug="launch")
        TaskFactory(project=project, title="Write the zebra summary")
        TaskFactory(project=project, title="Book the venue")
    return mia


def test_a_view_saved_after_filtering_in_place_keeps_the_filter(live_server, page, team):
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/p/launch/?view=list")
    page.get_by_role("searchbox", name="Search").press_sequentially("zebra")
    expect(page.locator("tbody tr.task")).to_have_count(1)
    htmx_settled(page)

    page.get_by_text("Save view", exact=True).click()
    page.get_by_label("Name").fill("Reports")
    page.get_by_role("button", name="Save", exact=True).click()

    link = page.locator("#saved-views-nav").get_by_role("link", name="Reports")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(f"{live_server.url}/o/acme/p/launch/?q=zebra&view=list")
    expect(page.locator("tbody tr.task")).to_have_count(1)


def test_a_filter_changed_after_sorting_by_a_header_keeps_the_sort(live_server, page, team):
    with organization_scope(team.organization):
        project = Project.objects.get(slug="launch")
        TaskFactory(project=project, title="Zebra crossing")
        TaskFactory(project=project, title="Alpha zebra")
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/")

    page.locator("thead").get_by_role("link", name="Title").click()
    expect(page).to_have_url(re.compile(r"sort=title"))
    htmx_settled(page)
    page.get_by_role("searchbox", name="Search").press_sequentially("zebra")

    expect(page).to_have_url(re.compile(r"q=zebra"))
    expect(page).to_have_url(re.compile(r"sort=title"))
    expect(page.locator("tbody tr.task a.title")).to_have_text(
        ["Alpha zebra", "Write the zebra summary", "Zebra crossing"]
    )
