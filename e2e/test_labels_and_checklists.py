"""Labels and checklists in a real browser: labels put on from a row by typing, a checklist
built, ticked and reordered on the task page."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import htmx_settled, mark_page, page_was_reloaded, sign_in
from workspace.models import ChecklistItem, Role, Task
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    TaskFactory,
)


@pytest.fixture
def team(db):
    mia = MembershipFactory(
        role=Role.MEMBER,
        organization__name="Acme",
        organization__slug="acme",
        user__name="Mia Member",
        user__email="mia@example.com",
    )
    with organization_scope(mia.organization):
        project = ProjectFactory(organization=mia.organization, name="Launch", slug="launch")
        task = TaskFactory(project=project, title="Draft the announcement", created_by=mia.user)
        for name, colour in (("bug", "red"), ("backend", "indigo"), ("ui", "blue")):
            LabelFactory(organization=mia.organization, name=name, colour=colour)
    return mia, task


def label_names(task) -> list[str]:
    with organization_scope(task.organization):
        return sorted(Task.objects.get(pk=task.pk).labels.values_list("name", flat=True))


def test_labels_are_put_on_from_a_row_by_typing_and_filter_the_list(live_server, page, team):
    _, task = team
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/")
    mark_page(page)
    row = page.locator(f"#task-{task.number}")

    row.get_by_role("button", name=f"Add labels to #{task.number}").click()
    search = row.get_by_role("searchbox", name="Find a label")
    expect(search).to_be_focused()
    search.fill("ba")  # only "backend" is left; Enter ticks it
    expect(row.locator(".label-option", has_text="bug")).to_be_hidden()
    search.press("Enter")
    search.fill("ui")
    search.press("Enter")
    expect(row.get_by_role("checkbox", name="backend")).to_be_checked()
    search.press("Enter")  # the filter is empty: Enter saves
    htmx_settled(page)

    expect(row.locator(".f-labels .chip")).to_have_text(["backend", "ui"])
    expect(row.get_by_role("link", name="Draft the announcement")).to_be_visible()
    assert label_names(task) == ["backend", "ui"]
    assert not page_was_reloaded(page)

    # A chip reopens the editor; unticking takes the label off.
    row.get_by_role("button", name="ui", exact=True).click()
    row.get_by_role("checkbox", name="ui").uncheck()
    row.get_by_role("button", name="Save").click()
    htmx_settled(page)
    expect(row.locator(".f-labels .chip")).to_have_text(["backend"])
    assert label_names(task) == ["backend"]

    page.goto(f"{live_server.url}/o/acme/tasks/?label=backend")
    expect(page.locator("tr.task")).to_have_count(1)
    page.goto(f"{live_server.url}/o/acme/tasks/?label=ui")
    expect(page.locator("tr.task")).to_have_count(0)


def test_the_filter_menus_load_every_member_and_label_when_first_opened(live_server, page, team):
    """The list carries only the chosen label (and the assignee presets); opening a menu
    brings the rest, ticked as the form stands, and choosing from it filters the list."""
    mia, task = team
    tom = MembershipFactory(organization=mia.organization, user__name="Tom Teammate")
    with organization_scope(mia.organization):
        TaskFactory(project=task.project, title="Tom's task", assignee=tom)
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/?label=ui")
    mark_page(page)
    filters = page.locator("#task-filters")
    assert filters.get_by_role("radio", name="Tom Teammate").count() == 0
    assert filters.get_by_role("checkbox", name="backend").count() == 0

    filters.locator("summary", has_text="Labels").click()
    expect(filters.get_by_role("checkbox", name="backend")).not_to_be_checked()
    expect(filters.get_by_role("checkbox", name="ui")).to_be_checked()
    filters.get_by_role("checkbox", name="ui").uncheck()
    expect(page.locator("#task-table tbody tr")).to_have_count(2)  # no label filter left
    htmx_settled(page)

    filters.locator("summary", has_text="Assignee").click()
    filters.get_by_role("radio", name="Tom Teammate").check()
    expect(page.locator("#task-table tbody tr")).to_have_count(1)
    expect(page.locator("#task-table a.title")).to_have_text("Tom's task")
    assert f"assignee={tom.pk}" in page.url
    assert "label=" not in page.url
    assert not page_was_reloaded(page)


def test_ticked_labels_survive_a_click_elsewhere_until_saved(live_server, page, team):
    _, task = team
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/")
    row = page.locator(f"#task-{task.number}")
    row.get_by_role("button", name=f"Add labels to #{task.number}").click()
    row.get_by_role("checkbox", name="bug").check()

    page.get_by_role("heading", level=1).click()  # somewhere else on the page

    expect(row.get_by_role("checkbox", name="bug")).to_be_checked()
    row.get_by_role("button", name="Save").click()
    htmx_settled(page)
    expect(row.locator(".f-labels .chip")).to_have_text(["bug"])
    assert label_names(task) == ["bug"]


def test_a_checklist_is_built_ticked_and_reordered_in_place(live_server, page, team):
    _, task = team
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}{task.get_absolute_url()}")
    mark_page(page)
    checklist = page.locator("#task-checklist")
    new_item = checklist.get_by_role("textbox", name="New checklist item")

    for text in ("Write the post", "Get a review", "Publish"):
        new_item.fill(text)
        new_item.press("Enter")
        htmx_settled(page)
        expect(new_item).to_have_value("")
        expect(new_item).to_be_focused()  # ready for the next one

    checklist.get_by_role("checkbox", name="Write the post").click()
    htmx_settled(page)
    expect(checklist.get_by_role("checkbox", name="Write the post")).to_have_attribute(
        "aria-checked", "true"
    )
    expect(checklist.get_by_test_id("checklist-progress")).to_have_text("1/3")

    checklist.get_by_role("button", name="Move “Publish” up").click()
    htmx_settled(page)
    expect(checklist.get_by_role("button", name="Move “Publish” up")).to_be_focused()
    expect(checklist.locator(".check")).to_have_text(["Write the post", "Publish", "Get a review"])

    checklist.get_by_role("button", name="Remove “Get a review”").click()
    htmx_settled(page)
    expect(checklist.locator(".check")).to_have_text(["Write the post", "Publish"])
    assert not page_was_reloaded(page)
    with organization_scope(task.organization):
        assert list(ChecklistItem.objects.filter(task=task).values_list("text", flat=True)) == [
            "Write the post",
            "Publish",
        ]

    page.goto(f"{live_server.url}/o/acme/tasks/")
    expect(page.locator(f"#task-{task.number} .chk")).to_have_text("1/2")
