"""Live updates in real browsers: two members of one organization, each in their own context."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import live_connected, mark_page, page_was_reloaded, sign_in
from workspace.models import Priority, Role
from workspace.services.tasks import task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory

LIVE = 2_000  # ms: what the issue promises


@pytest.fixture
def team(transactional_db):
    """Ana (admin) and Ben (member) of Acme with task #1; Cleo is in another organization."""
    ana = MembershipFactory(
        role=Role.ADMIN,
        organization__name="Acme",
        organization__slug="acme",
        user__name="Ana Admin",
        user__email="ana@example.com",
    )
    ben = MembershipFactory(
        organization=ana.organization,
        role=Role.MEMBER,
        user__name="Ben Member",
        user__email="ben@example.com",
    )
    cleo = MembershipFactory(
        organization__name="Globex",
        organization__slug="globex",
        user__name="Cleo Other",
        user__email="cleo@example.com",
    )
    with organization_scope(ana.organization):
        project = ProjectFactory(organization=ana.organization, name="Launch", slug="launch")
        task = TaskFactory(project=project, title="Draft the announcement", created_by=ana.user)
    return ana, ben, cleo, task


def open_as(browser, base_url, email, path):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base_url, email, DEFAULT_PASSWORD)
    page.goto(f"{base_url}{path}")
    live_connected(page)
    return page


def record_events(page) -> None:
    page.evaluate(
        "window.__live = []; document.addEventListener('live:event', (e) => "
        "window.__live.push(e.detail))"
    )


def test_changes_reach_the_other_member_without_a_reload(asgi_server, browser, team):
    _, ben, _, task = team
    url = asgi_server.url
    ben_list = open_as(browser, url, "ben@example.com", "/o/acme/tasks/")
    ben_task = ben_list.context.new_page()
    ben_task.goto(f"{url}/o/acme/tasks/{task.number}/")
    live_connected(ben_task)
    cleo_page = open_as(browser, url, "cleo@example.com", "/o/globex/tasks/")
    record_events(cleo_page)
    ana_page = open_as(browser, url, "ana@example.com", f"/o/acme/tasks/{task.number}/")
    # Ben is on the task page too: Ana sees him there (presence), from the same stream.
    expect(ana_page.get_by_test_id("task-viewers")).to_have_text(
        "Ben Member is viewing", timeout=LIVE
    )
    for page in (ben_list, ben_task):
        mark_page(page)
    # Ben has half typed a comment (the box keeps focus) when the task changes.
    comment_box = ben_task.get_by_placeholder("Write a comment", exact=False)
    comment_box.fill("I think we should wait for")

    ana_page.locator("#task-fields .f-status > button").click()
    ana_page.get_by_role("menuitemradio", name="In progress", exact=True).click()

    row = ben_list.locator(f"#task-{task.number}")
    expect(row.locator(".f-status > button")).to_have_text("In progress", timeout=LIVE)
    expect(ben_task.locator("#task-fields .f-status > button")).to_have_text(
        "In progress", timeout=LIVE
    )
    expect(comment_box).to_have_value("I think we should wait for")
    assert not page_was_reloaded(ben_list)
    assert not page_was_reloaded(ben_task)

    # Ana mentions Ben: his unread count changes on the page he has open.
    expect(ben_list.get_by_test_id("inbox-unread")).to_have_count(0)
    ana_page.get_by_placeholder("Write a comment", exact=False).fill(
        f"@[Ben Member](member:{ben.pk}) can you review?"
    )
    ana_page.get_by_role("button", name="Comment").click()
    expect(ben_list.get_by_test_id("inbox-unread")).to_have_text("1", timeout=LIVE)
    # Ben's task page shows the comment, and his typing is still there.
    expect(ben_task.get_by_test_id("comment-body")).to_contain_text("can you review?", timeout=LIVE)
    expect(comment_box).to_have_value("I think we should wait for")

    # Cleo's stream (another organization) carried none of it.
    assert cleo_page.evaluate("window.__live") == []
    for page in (ben_list, cleo_page, ana_page):
        page.context.close()


def test_an_edit_through_one_process_reaches_a_browser_on_another(
    asgi_server, second_process, browser, team
):
    _, _, _, task = team
    ben = open_as(browser, second_process, "ben@example.com", "/o/acme/tasks/")
    mark_page(ben)
    ana = open_as(browser, asgi_server.url, "ana@example.com", "/o/acme/tasks/")

    ana.locator(f"#task-{task.number} .f-priority > button").click()
    ana.get_by_role("menuitemradio", name="Urgent", exact=True).click()

    expect(ben.locator(f"#task-{task.number} .f-priority > button")).to_have_text(
        "Urgent", timeout=LIVE
    )
    assert not page_was_reloaded(ben)
    for page in (ben, ana):
        page.context.close()


def test_an_open_editor_says_when_someone_else_changed_its_field(asgi_server, browser, team):
    _, _, _, task = team
    ben = open_as(browser, asgi_server.url, "ben@example.com", "/o/acme/tasks/")
    ana = open_as(browser, asgi_server.url, "ana@example.com", "/o/acme/tasks/")
    ben_row = ben.locator(f"#task-{task.number}")
    ben_row.locator(".f-due_date > button").click()
    ben_input = ben_row.locator(".editor input[name=due_date]")
    ben_input.fill("2031-05-01")

    ana_row = ana.locator(f"#task-{task.number}")
    ana_row.locator(".f-due_date > button").click()
    ana_row.locator(".editor input[name=due_date]").fill("2030-03-04")
    ana_row.get_by_role("button", name="Save").click()

    expect(ben_row.locator(".editor-stale")).to_contain_text(
        "Someone else changed this", timeout=LIVE
    )
    expect(ben_input).to_have_value("2031-05-01")
    # Saving now asks which value to keep (the editor kept the version it was opened at).
    ben_row.get_by_role("button", name="Save").click()
    expect(ben_row.get_by_role("alertdialog")).to_contain_text("after you opened it")
    for page in (ben, ana):
        page.context.close()


def test_a_row_that_no_longer_matches_the_filter_leaves(asgi_server, browser, team):
    _, _, _, task = team
    ben = open_as(browser, asgi_server.url, "ben@example.com", "/o/acme/tasks/?status=todo")
    ana = open_as(browser, asgi_server.url, "ana@example.com", "/o/acme/tasks/")
    expect(ben.locator(f"#task-{task.number}")).to_be_visible()

    ana.locator(f"#task-{task.number} .f-status > button").click()
    ana.get_by_role("menuitemradio", name="Done", exact=True).click()

    expect(ben.locator(f"#task-{task.number}")).to_have_count(0, timeout=LIVE)
    for page in (ben, ana):
        page.context.close()


def test_without_a_stream_the_page_polls(live_server, browser, team):
    """pytest-django's live server is WSGI: the stream answers 204 and the page polls (ETag)."""
    ana, _, _, task = team
    context = browser.new_context()
    ben = context.new_page()
    sign_in(ben, live_server.url, "ben@example.com", DEFAULT_PASSWORD)
    ben.goto(f"{live_server.url}/o/acme/tasks/")
    ben.wait_for_selector("body[data-live-state=polling]", state="attached")
    mark_page(ben)
    polls = []
    ben.on("response", lambda r: polls.append(r.status) if "poll=" in r.url else None)
    with organization_scope(task.organization):
        task_update(task=task, actor=ana, data={"priority": Priority.URGENT})

    expect(ben.locator(f"#task-{task.number} .f-priority > button")).to_have_text(
        "Urgent", timeout=8_000
    )
    assert not page_was_reloaded(ben)
    assert 200 in polls
    context.close()


def test_the_board_shows_a_teammates_change_without_a_reload(asgi_server, browser, team):
    """Issue 17 on the board of issue 13: Ana changes a status in the list; Ben's board moves
    the card to its new column within 2 s, and his page is not reloaded."""
    _, _, _, task = team
    url = asgi_server.url
    ben_board = open_as(browser, url, "ben@example.com", "/o/acme/board/")
    card = f"#task-{task.number}"
    expect(ben_board.locator(f"[data-value=todo] {card}")).to_be_visible()
    mark_page(ben_board)
    ana_list = open_as(browser, url, "ana@example.com", "/o/acme/tasks/")

    ana_list.locator(f"{card} .f-status > button").click()
    ana_list.get_by_role("menuitemradio", name="In progress", exact=True).click()

    expect(ben_board.locator(f"[data-value=in_progress] {card}")).to_be_visible(timeout=LIVE)
    expect(ben_board.locator(f"[data-value=todo] {card}")).to_have_count(0)
    assert not page_was_reloaded(ben_board)
    for page in (ben_board, ana_list):
        page.context.close()
