"""Task rows in a real browser: values shown first, editors on demand, edits never lost."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import htmx_settled, sign_in
from workspace.models import Priority, Role, Task, TaskStatus
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    CommentFactory,
    CustomFieldFactory,
    MembershipFactory,
    ProjectFactory,
    TaskFactory,
)


@pytest.fixture
def team(db):
    """Mia (member) and Adam (admin) of Acme, with task #1 in project Launch."""
    mia = MembershipFactory(
        role=Role.MEMBER,
        organization__name="Acme",
        organization__slug="acme",
        user__name="Mia Member",
        user__email="mia@example.com",
    )
    adam = MembershipFactory(
        organization=mia.organization,
        role=Role.ADMIN,
        user__name="Adam Admin",
        user__email="adam@example.com",
    )
    with organization_scope(mia.organization):
        project = ProjectFactory(organization=mia.organization, name="Launch", slug="launch")
        task = TaskFactory(project=project, title="Draft the announcement", created_by=mia.user)
    return mia, adam, task


def saved(task) -> Task:
    with organization_scope(task.organization):
        return Task.objects.get(pk=task.pk)


def value(row, field):
    return row.locator(f".f-{field} > button")


def choose(page, row, field, label):
    value(row, field).click()
    page.get_by_role("menuitemradio", name=label, exact=True).click()


def test_two_quick_edits_of_one_row_both_land_over_a_slow_network(live_server, page, team):
    _, _, task = team
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 150, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    page.goto(f"{live_server.url}/o/acme/tasks/")
    row = page.locator(f"#task-{task.number}")
    # Hold the status edit in flight, as a slow network would, while the priority is changed.
    held = []
    page.route(
        "**/inline/status/",
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    choose(page, row, "status", "In progress")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(20)
    assert len(held) == 1
    choose(page, row, "priority", "High")
    page.wait_for_timeout(300)
    # The browser sends one edit of a task at a time: the second waits for the first.
    assert [url for url in posts if "/inline/priority/" in url] == []
    held[0].continue_()

    expect(value(row, "priority")).to_have_text("High")
    expect(value(row, "status")).to_have_text("In progress")
    htmx_settled(page)
    page.reload()
    row = page.locator(f"#task-{task.number}")
    expect(value(row, "status")).to_have_text("In progress")
    expect(value(row, "priority")).to_have_text("High")
    assert (saved(task).status, saved(task).priority) == (TaskStatus.IN_PROGRESS, Priority.HIGH)


def test_a_conflict_shows_both_values_and_the_user_chooses(live_server, browser, team):
    _, _, task = team
    contexts = [browser.new_context(), browser.new_context()]
    mine, theirs = (context.new_page() for context in contexts)
    try:
        sign_in(mine, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
        sign_in(theirs, live_server.url, "adam@example.com", DEFAULT_PASSWORD)
        for page in (mine, theirs):
            page.goto(f"{live_server.url}/o/acme/tasks/")
        my_row, their_row = (p.locator(f"#task-{task.number}") for p in (mine, theirs))

        value(my_row, "status").click()  # Mia opens the editor ...
        expect(mine.get_by_role("menuitemradio", name="Cancelled")).to_be_visible()
        choose(theirs, their_row, "status", "Done")  # ... Adam changes the status meanwhile
        expect(value(their_row, "status")).to_have_text("Done")
        mine.get_by_role("menuitemradio", name="Cancelled").click()

        conflict = mine.get_by_role("alertdialog")
        expect(conflict).to_contain_text("Adam Admin changed the status to Done")
        expect(conflict).to_contain_text("You chose Cancelled")
        expect(value(my_row, "status")).to_have_text("Done")  # theirs is what is saved
        assert saved(task).status == TaskStatus.DONE
        conflict.get_by_role("button", name="Keep mine").click()

        expect(value(my_row, "status")).to_have_text("Cancelled")
        expect(conflict).to_have_count(0)
        assert saved(task).status == TaskStatus.CANCELLED
        theirs.reload()
        expect(value(theirs.locator(f"#task-{task.number}"), "status")).to_have_text("Cancelled")
    finally:
        for context in contexts:
            context.close()


def test_keyboard_editing_keeps_focus_on_the_edited_value(live_server, page, team):
    _, _, task = team
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/")
    status = value(page.locator(f"#task-{task.number}"), "status")

    status.focus()
    page.keyboard.press("Enter")
    checked = page.get_by_role("menuitemradio", name="To do")
    expect(checked).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitemradio", name="Done")).to_be_focused()
    page.keyboard.press("Escape")  # cancel: nothing saved, focus back on the value
    expect(page.get_by_role("menu")).to_have_count(0)
    expect(status).to_be_focused()
    assert saved(task).status == TaskStatus.TODO

    page.keyboard.press("Enter")
    expect(page.get_by_role("menuitemradio", name="To do")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    expect(status).to_have_text("In progress")
    expect(status).to_be_focused()
    assert saved(task).status == TaskStatus.IN_PROGRESS
    expect(page.locator("#announcer")).to_contain_text(f"Status of #{task.number} saved.")


def test_a_refused_title_keeps_what_was_typed_and_shows_why(live_server, page, team):
    _, _, task = team
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}{task.get_absolute_url()}")
    page.get_by_role("button", name=f"Rename #{task.number}").click()

    title = page.get_by_label("Title")
    expect(title).to_be_focused()
    title.fill("ab")
    page.keyboard.press("Enter")

    expect(page.locator("#task-fields .f-title form.editor")).to_contain_text(
        "at least 3 characters"
    )
    expect(page.locator("#task-fields a.title")).to_have_text("Draft the announcement")
    expect(page.get_by_label("Title")).to_have_value("ab")
    page.get_by_label("Title").fill("Draft the launch announcement")
    page.keyboard.press("Enter")
    expect(page.locator("#task-fields a.title")).to_have_text("Draft the launch announcement")
    expect(page.get_by_role("button", name=f"Rename #{task.number}")).to_be_focused()


def test_toasts_leave_on_their_own_and_never_pile_up(live_server, page, team):
    mia, _, task = team
    with organization_scope(task.organization):
        CommentFactory.create_batch(4, task=task, author=mia.user)
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}{task.get_absolute_url()}")
    page.on("dialog", lambda dialog: dialog.accept())
    toasts = page.locator("#toasts [data-toast]")

    for _ in range(4):
        page.locator("#comment-list").get_by_role("button", name="Delete").first.click()
        htmx_settled(page)

    expect(page.locator("#comment-list li")).to_have_count(0)
    assert toasts.count() <= 3
    expect(toasts.first).to_contain_text("Comment deleted.")
    expect(toasts).to_have_count(0, timeout=9_000)  # each leaves after about 6 s


def test_a_refused_new_task_keeps_what_was_typed(live_server, page, team, settings):
    settings.TANDEM_WRITE_LIMITS = {"free": 0, "pro": 0}
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/new/")

    page.get_by_label("Title").fill("Plan the launch party")
    page.get_by_label("Description").fill("Venue, catering and a playlist.")
    page.get_by_role("button", name="Create task").click()

    expect(page.get_by_role("alert")).to_contain_text("allows 0 changes to tasks per hour")
    expect(page.get_by_label("Title")).to_have_value("Plan the launch party")
    expect(page.get_by_label("Description")).to_have_value("Venue, catering and a playlist.")


PHONE_PAGES = [
    "/o/acme/",
    "/o/acme/tasks/",
    "/o/acme/tasks/1/",
    "/o/acme/members/",
    "/o/acme/projects/",
    "/o/acme/p/launch/",
    "/o/acme/p/launch/fields/",
    "/accounts/profile/",
]


def test_on_a_phone_no_page_is_wider_than_the_screen(live_server, browser, team):
    mia, adam, task = team
    with organization_scope(task.organization):
        for n in range(12):
            TaskFactory(
                project=task.project,
                title=f"A long title that must wrap on a narrow screen, number {n}",
                assignee=(mia, adam)[n % 2],
                priority=Priority.URGENT,
            )
        CustomFieldFactory(project=task.project, name="Estimate in story points")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
        for path in PHONE_PAGES:
            page.goto(f"{live_server.url}{path}")
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width}px wide"
        # The organization's navigation collapses into a menu.
        page.goto(f"{live_server.url}/o/acme/tasks/")
        nav = page.locator("#org-nav")
        expect(nav).to_be_hidden()
        page.get_by_role("link", name="Menu").click()
        expect(nav).to_be_visible()
        expect(nav.get_by_role("link", name="My tasks")).to_be_visible()
        # Filter menus open within the screen.
        page.locator("#task-filters summary", has_text="Status").click()
        expect(page.get_by_label("In progress")).to_be_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        page.keyboard.press("Escape")
        # Rows read as cards: the title on its own line, every value still editable.
        row = page.locator("tbody tr.task").first
        box = row.bounding_box()
        assert box["width"] <= 390
        expect(row.locator(".f-status > button")).to_be_visible()
        assert re.search(r"long title", row.locator("a.title").inner_text())
    finally:
        context.close()


def test_at_1280_pixels_the_table_fits_its_card(live_server, browser, team):
    _, adam, task = team
    with organization_scope(task.organization):
        TaskFactory(
            project=task.project,
            title="An unusually long task title that goes on and on to see that it wraps "
            "inside its cell instead of pushing the table wider than its card",
            assignee=adam,
            due_date=task.created_at.date(),
        )
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
        page.goto(f"{live_server.url}/o/acme/tasks/")
        fits = page.evaluate(
            """() => {
                const table = document.querySelector('#task-table table');
                return [table.scrollWidth, table.parentElement.clientWidth];
            }"""
        )
        assert fits[0] <= fits[1], fits
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
        expect(page.locator("#task-table thead th")).to_have_count(8)  # every column shows
    finally:
        context.close()
