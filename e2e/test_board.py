"""The board in a real browser: drag and drop between and within columns, keyboard moves, a
second member seeing the result, and a move refused by the write limit put back."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import htmx_settled, sign_in
from workspace.models import Priority, Role, Task, TaskStatus
from workspace.services.tasks import task_create
from workspace.tenancy import organization_scope
from workspace.tests.factories import LabelFactory, MembershipFactory, ProjectFactory


@pytest.fixture
def team(db):
    """Mia (member) and Adam (admin) of Acme; tasks #1-#3 in To do (shown #3, #2, #1)."""
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
        tasks = [
            task_create(
                organization=mia.organization, actor=mia, project=project, title=f"Card {n}"
            )
            for n in ("one", "two", "three")
        ]
    return mia, adam, tasks


def saved(task) -> Task:
    with organization_scope(task.organization):
        return Task.objects.get(pk=task.pk)


def open_board(page, base_url):
    page.goto(f"{base_url}/o/acme/board/")
    expect(page.locator("#col-todo-cards .task").first).to_be_visible()
    htmx_settled(page)


def shown(page, column) -> list[str]:
    return page.locator(f"#col-{column}-cards .task").evaluate_all(
        "cards => cards.map(card => card.id)"
    )


def drag(page, card, target, *, below=False):
    """Press on the card's number and drag it onto ``target`` (a card or a column's list)."""
    handle = card.locator(".c-num")
    handle.scroll_into_view_if_needed()
    start = handle.bounding_box()
    box = target.bounding_box()
    page.mouse.move(start["x"] + 5, start["y"] + 5)
    page.mouse.down()
    page.mouse.move(start["x"] + 15, start["y"] + 15, steps=5)
    y = box["y"] + (box["height"] - 8 if below else 8)
    page.mouse.move(box["x"] + box["width"] / 2, y, steps=20)
    page.mouse.move(box["x"] + box["width"] / 2, y + (2 if below else -2), steps=5)
    page.mouse.up()


def test_drag_to_another_column_and_within_one_sticks(live_server, page, team, browser):
    _mia, _adam, (one, two, three) = team
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    open_board(page, live_server.url)
    assert shown(page, "todo") == ["task-3", "task-2", "task-1"]

    # To do -> In progress (an empty column).
    with page.expect_response(lambda r: r.url.endswith(f"/tasks/{two.number}/move/")) as answer:
        drag(page, page.locator(f"#task-{two.number}"), page.locator("#col-in_progress-cards"))
    assert answer.value.status == 200
    expect(page.locator(f"#col-in_progress-cards #task-{two.number}")).to_be_visible()
    expect(page.locator("#announcer")).to_contain_text(f"Moved #{two.number} to In progress")
    assert saved(two).status == TaskStatus.IN_PROGRESS

    # Within To do: #3 goes below #1.
    with page.expect_response(lambda r: r.url.endswith(f"/tasks/{three.number}/move/")) as again:
        drag(
            page,
            page.locator(f"#task-{three.number}"),
            page.locator(f"#task-{one.number}"),
            below=True,
        )
    assert again.value.status == 200

    page.reload()
    expect(page.locator(f"#col-in_progress-cards #task-{two.number}")).to_be_visible()
    expect(page.locator("#col-todo-cards .task")).to_have_count(2)
    assert shown(page, "todo") == [f"task-{one.number}", f"task-{three.number}"]

    # Another member sees the same board after a reload.
    other = browser.new_context()
    try:
        second = other.new_page()
        sign_in(second, live_server.url, "adam@example.com", DEFAULT_PASSWORD)
        open_board(second, live_server.url)
        assert shown(second, "todo") == [f"task-{one.number}", f"task-{three.number}"]
        expect(second.locator(f"#col-in_progress-cards #task-{two.number}")).to_be_visible()
    finally:
        other.close()

    # The task's history says so.
    page.goto(f"{live_server.url}/o/acme/tasks/{two.number}/")
    expect(page.locator("#task-history")).to_contain_text("In progress")


def test_keyboard_moves_with_keys_and_the_move_menu(live_server, page, team):
    _mia, _adam, (one, _two, three) = team
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    open_board(page, live_server.url)

    # Alt+Shift+ArrowDown: #3 goes one down, focus stays on its Move button.
    move_button = page.locator(f"#task-{three.number} [data-move]")
    move_button.focus()
    with page.expect_response(lambda r: r.url.endswith("/move/")):
        page.keyboard.press("Alt+Shift+ArrowDown")
    htmx_settled(page)
    assert shown(page, "todo")[:2] == ["task-2", f"task-{three.number}"]
    expect(page.locator(f"#task-{three.number} [data-move]")).to_be_focused()

    # Alt+Shift+ArrowRight: to the next column.
    with page.expect_response(lambda r: r.url.endswith("/move/")):
        page.keyboard.press("Alt+Shift+ArrowRight")
    htmx_settled(page)
    expect(page.locator(f"#col-in_progress-cards #task-{three.number}")).to_be_visible()

    # From one of the card's values, focus stays on that value.
    page.locator(f"#task-{three.number} .f-priority > button").focus()
    for key, column in (("ArrowLeft", "todo"), ("ArrowRight", "in_progress")):
        with page.expect_response(lambda r: r.url.endswith("/move/")):
            page.keyboard.press(f"Alt+Shift+{key}")
        htmx_settled(page)
        expect(page.locator(f"#col-{column}-cards #task-{three.number}")).to_be_visible()
        expect(page.locator(f"#task-{three.number} .f-priority > button")).to_be_focused()

    # The Move menu: #1 to Done (a folded column, unfolded to show it).
    page.locator(f"#task-{one.number} [data-move]").click()
    menu = page.get_by_role("menu", name=f"Move #{one.number} to")
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    page.keyboard.press("ArrowDown")
    with page.expect_response(lambda r: r.url.endswith("/move/")):
        menu.get_by_role("menuitem", name="Done", exact=True).click()
    htmx_settled(page)
    expect(page.locator(f"#col-done-cards #task-{one.number}")).to_be_visible()

    page.reload()
    expect(page.locator(f"#col-in_progress-cards #task-{three.number}")).to_be_attached()
    expect(page.locator(f"#col-done-cards #task-{one.number}")).to_be_attached()
    assert saved(one).status == TaskStatus.DONE


def test_a_move_refused_by_the_write_limit_puts_the_card_back(live_server, page, team, settings):
    settings.TANDEM_WRITE_LIMITS = {"free": 1, "pro": 30}
    _mia, _adam, (one, two, _three) = team
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    open_board(page, live_server.url)
    with page.expect_response(lambda r: r.url.endswith("/move/")):
        drag(page, page.locator(f"#task-{one.number}"), page.locator("#col-in_progress-cards"))
    htmx_settled(page)

    with page.expect_response(lambda r: r.url.endswith("/move/")) as answer:
        drag(page, page.locator(f"#task-{two.number}"), page.locator("#col-in_progress-cards"))
    htmx_settled(page)

    assert answer.value.status == 429
    expect(page.locator("#toasts")).to_contain_text("changes to tasks per hour")
    expect(page.locator(f"#col-todo-cards #task-{two.number}")).to_be_visible()
    assert shown(page, "todo") == ["task-3", f"task-{two.number}"]
    assert saved(two).status == TaskStatus.TODO


def test_j_and_k_move_between_cards_and_shortcuts_act_on_the_focused_card(live_server, page, team):
    mia, _adam, (one, two, three) = team
    with organization_scope(mia.organization):
        LabelFactory(organization=mia.organization, name="Urgent fix")
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    open_board(page, live_server.url)

    page.keyboard.press("j")
    expect(page.locator("#task-3 a.title")).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator("#task-1 a.title")).to_be_focused()
    page.keyboard.press("k")
    card = page.locator("#task-2")
    expect(card.locator("a.title")).to_be_focused()

    page.keyboard.press("p")
    expect(page.get_by_role("menuitemradio", name="Urgent")).to_be_visible()
    page.get_by_role("menuitemradio", name="Urgent").focus()
    page.keyboard.press("Enter")
    htmx_settled(page)

    expect(card.locator(".f-priority > button")).to_contain_text("Urgent")
    expect(card.locator(".f-priority > button")).to_be_focused()
    assert saved(two).priority == Priority.URGENT
    assert saved(one).priority == saved(three).priority != Priority.URGENT

    # "l" opens the focused card's labels editor.
    page.keyboard.press("l")
    search = card.get_by_role("searchbox", name="Find a label")
    expect(search).to_be_focused()
    card.get_by_role("checkbox", name="Urgent fix").check()
    card.get_by_role("button", name="Save").click()
    htmx_settled(page)
    expect(card.locator(".f-labels .chip")).to_have_text(["Urgent fix"])
    with organization_scope(mia.organization):
        assert [label.name for label in saved(two).labels.all()] == ["Urgent fix"]
