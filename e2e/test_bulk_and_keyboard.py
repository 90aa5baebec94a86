"""Bulk edit, keyboard shortcuts and the command palette in a real browser."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import htmx_settled, sign_in
from workspace.models import Priority, Role, Task, TaskLabel, TaskStatus
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
    return mia, project


def make(project, n, **fields):
    with organization_scope(project.organization):
        return TaskFactory.create_batch(n, project=project, **fields)


def priorities(tasks):
    with organization_scope(tasks[0].organization):
        return [Task.objects.get(pk=t.pk).priority for t in tasks]


def statuses(tasks):
    with organization_scope(tasks[0].organization):
        return [Task.objects.get(pk=t.pk).status for t in tasks]


def test_select_three_rows_with_x_set_priority_reload_and_undo(live_server, page, team):
    _, project = team
    tasks = make(project, 4, priority=Priority.LOW)
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/")
    bar = page.locator("form#bulk")
    expect(bar).to_be_hidden()

    for _ in range(3):
        page.keyboard.press("j")
        page.keyboard.press("x")
    expect(bar).to_be_visible()
    expect(bar.locator("[data-bulk-count]")).to_have_text("3")
    bar.get_by_text("Priority", exact=True).click()
    bar.get_by_role("button", name="Urgent").click()

    expect(
        page.get_by_role("status").filter(has_text="Set the priority of 3 tasks")
    ).to_be_visible()
    page.reload()
    # The list shows newest first: j, j, j picked the three newest tasks.
    assert priorities(tasks) == [Priority.LOW] + [Priority.URGENT] * 3
    expect(page.locator("td.f-priority .prio.p-urgent")).to_have_count(3)

    page.goto(f"{live_server.url}/o/acme/tasks/")
    page.keyboard.press("j")
    page.keyboard.press("x")
    bar.get_by_text("Status", exact=True).click()
    bar.get_by_role("button", name="Done").click()
    page.get_by_role("status").filter(has_text="Set the status of 1 task").get_by_role(
        "button", name="Undo"
    ).click()
    expect(page.get_by_role("status").filter(has_text="Undone")).to_be_visible()
    assert statuses(tasks) == [TaskStatus.TODO] * 4


def test_shift_click_selects_a_range_and_the_header_checkbox_a_page(live_server, page, team):
    _, project = team
    make(project, 5)
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/")
    boxes = page.locator('tbody input[form="bulk"]')

    boxes.nth(0).click()
    # A swap elsewhere on the page (the sidebar's views load so; here a cell's editor opens and
    # closes) keeps where the range starts.
    last_row = page.locator("tbody tr.task").nth(4)
    last_row.locator(".f-status button").click()
    expect(last_row.locator("form.editor")).to_be_visible()
    page.keyboard.press("Escape")
    expect(last_row.locator("form.editor")).to_have_count(0)
    boxes.nth(3).click(modifiers=["Shift"])

    expect(page.locator("[data-bulk-count]")).to_have_text("4")
    page.get_by_label("Select every task on this page").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("5")
    page.get_by_role("button", name="Clear selection").click()
    expect(page.locator("form#bulk")).to_be_hidden()


def test_select_all_matching_a_filter_spanning_three_pages(live_server, page, team):
    _, project = team
    matching = make(project, 55, status=TaskStatus.IN_PROGRESS, priority=Priority.LOW)
    other = make(project, 3, status=TaskStatus.TODO, priority=Priority.LOW)
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/?status=in_progress&per_page=25")
    expect(page.locator("tbody tr.task")).to_have_count(25)

    page.get_by_label("Select every task on this page").check()
    page.get_by_role("button", name="Select all 55 tasks matching this filter").click()
    expect(page.locator("[data-bulk-count]")).to_have_text("All 55")
    bar = page.locator("form#bulk")
    bar.get_by_text("Priority", exact=True).click()
    bar.get_by_role("button", name="High").click()

    expect(
        page.get_by_role("status").filter(has_text="Set the priority of 55 tasks")
    ).to_be_visible()
    assert set(priorities(matching)) == {Priority.HIGH}
    assert set(priorities(other)) == {Priority.LOW}


def test_keyboard_only_status_change_keeps_focus(live_server, page, team):
    _, project = team
    tasks = make(project, 3, status=TaskStatus.TODO)
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/")

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("s")
    expect(page.get_by_role("menuitemradio", name="To do")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    htmx_settled(page)

    second = page.locator(f"#task-{tasks[1].number}")
    expect(second.locator(".f-status > button")).to_have_text("In progress")
    expect(second.locator(".f-status > button")).to_be_focused()
    assert statuses(tasks) == [TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.TODO]
    expect(page.locator("#announcer")).to_contain_text("Status of")


def test_typing_in_a_field_is_never_a_shortcut(live_server, page, team):
    _, project = team
    make(project, 2)
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/")

    page.keyboard.press("/")
    expect(page.locator("#id_q")).to_be_focused()
    page.keyboard.type("jx?")

    expect(page.locator("#id_q")).to_have_value("jx?")
    expect(page.locator("form#bulk")).to_be_hidden()
    expect(page.locator("#shortcuts")).to_be_hidden()


def test_question_mark_lists_the_shortcuts_and_g_sequences_go_places(live_server, page, team):
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/")

    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    for text in [
        "Next / previous task",
        "Change its status",
        "Change its labels",
        "Assign it to me",
        "My tasks",
    ]:
        expect(dialog).to_contain_text(text)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("g")
    page.keyboard.press("m")
    page.wait_for_url("**/o/acme/tasks/mine/")
    page.keyboard.press("g")
    page.keyboard.press("i")
    page.wait_for_url("**/o/acme/inbox/")


def test_i_assigns_to_me_and_c_opens_new_task_keeping_the_project(live_server, page, team):
    mia, project = team
    task = make(project, 1)[0]
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/p/launch/")

    page.keyboard.press("j")
    page.keyboard.press("i")
    expect(page.locator(f"#task-{task.number} .f-assignee > button")).to_have_text("Mia Member")
    with organization_scope(mia.organization):
        assert Task.objects.get(pk=task.pk).assignee == mia

    page.keyboard.press("Escape")
    page.locator("h1").click()
    page.keyboard.press("c")
    dialog = page.get_by_role("dialog", name="Create a task")
    expect(dialog.get_by_label("Project")).to_have_value(str(project.pk))
    expect(dialog.get_by_label("Title")).to_be_focused()
    page.keyboard.type("Book the venue")
    page.keyboard.press("Enter")

    page.wait_for_url("**/o/acme/tasks/*/")
    with organization_scope(mia.organization):
        created = Task.objects.get(title="Book the venue")
    assert created.project == project


def test_ctrl_k_finds_a_task_by_number_and_opens_it(live_server, page, team):
    _, project = team
    make(project, 3)
    wanted = make(project, 1, title="Renew the certificates")[0]
    make(project, 2)
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/")

    page.keyboard.press("Control+k")
    palette = page.get_by_role("combobox", name="Search tasks, projects, pages and actions")
    expect(palette).to_be_focused()
    palette.fill(str(wanted.number))
    expect(page.locator("#palette [role=option]").first).to_contain_text("Renew the certificates")
    page.keyboard.press("Enter")

    page.wait_for_url(f"**/o/acme/tasks/{wanted.number}/")


def test_palette_words_arrows_and_escape(live_server, page, team):
    _, project = team
    make(project, 1, title="Quarterly budget review")
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/")

    page.get_by_role("button", name="Search or jump to…").click()
    palette = page.get_by_role("combobox", name="Search tasks, projects, pages and actions")
    palette.fill("budget quarterly")
    expect(page.locator("#palette [role=option]").first).to_contain_text("Quarterly budget review")
    palette.fill("insights")
    expect(page.locator('#palette [role=option][aria-selected="true"]')).to_have_text("Insights")
    page.keyboard.press("Escape")
    expect(page.locator("#palette")).to_be_hidden()
    expect(page.get_by_role("button", name="Search or jump to…")).to_be_focused()


def test_bulk_add_a_label_from_the_bar_and_undo(live_server, page, team):
    mia, project = team
    tasks = make(project, 3)
    with organization_scope(mia.organization):
        LabelFactory(organization=mia.organization, name="backend")
    sign_in(page, live_server.url, "mia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/")
    bar = page.locator("form#bulk")

    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    bar.get_by_text("Add label", exact=True).click()
    bar.get_by_role("group", name="Add a label").get_by_role("button", name="backend").click()

    toast = page.get_by_role("status").filter(has_text="Added the label backend to 2 tasks")
    expect(toast).to_be_visible()
    expect(page.locator("td.f-labels .chip", has_text="backend")).to_have_count(2)
    with organization_scope(mia.organization):
        labelled = set(TaskLabel.objects.values_list("task_id", flat=True))
    assert labelled == {tasks[2].pk, tasks[1].pk}  # newest first: j, j picked #3 and #2

    toast.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("status").filter(has_text="Undone")).to_be_visible()
    expect(page.locator("td.f-labels .chip", has_text="backend")).to_have_count(0)
    with organization_scope(mia.organization):
        assert not TaskLabel.objects.exists()
