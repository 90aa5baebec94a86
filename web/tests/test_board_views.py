"""The board (``/o/<org>/board/``, ``/o/<org>/p/<project>/board/``): the frame, columns that
load and page themselves, and moves (``/o/<org>/tasks/<n>/move/``)."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from web.tests.html import one, parse, text
from workspace.models import AuditAction, AuditLog, Priority, Task, TaskStatus
from workspace.services.tasks import task_create, task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
CARD = re.compile(r'<li\b[^>]*\bid="task-(\d+)"')


def numbers(response) -> list[int]:
    return [int(n) for n in CARD.findall(response.content.decode())]


@pytest.fixture
def project(organization):
    with organization_scope(organization):
        return ProjectFactory(organization=organization, name="Apollo", slug="apollo")


@pytest.fixture
def make_tasks(organization, project, member):
    def _make(count, **fields):
        fields.setdefault("project", project)
        with organization_scope(organization):
            return [
                task_create(organization=organization, actor=member, title=f"Card {n}", **fields)
                for n in range(count)
            ]

    return _make


@pytest.fixture
def client_(login, member):
    return login(member)


def board_url(**query):
    url = reverse("web:board", kwargs={"org_slug": "acme"})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def column_url(column, project=None, **query):
    if project:
        url = reverse(
            "web:project-board-column", kwargs={"org_slug": "acme", "project_slug": project}
        )
    else:
        url = reverse("web:board-column", kwargs={"org_slug": "acme"})
    query = {"group": "status", "column": column, **query}
    return url + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def move_url(number):
    return reverse("web:task-move", kwargs={"org_slug": "acme", "number": number})


def reload(task):
    with organization_scope(task.organization):
        return Task.objects.get(pk=task.pk)


# --- the frame ----------------------------------------------------------------------------------


def test_the_board_shows_one_column_per_status_done_and_cancelled_folded(client_, make_tasks):
    make_tasks(3)

    response = client_.get(board_url())

    assert response.status_code == 200
    page = parse(response.content)
    columns = page.select("section.board-col")
    assert [text(c.select_one("h2")) for c in columns] == [
        "To do",
        "In progress",
        "Done",
        "Cancelled",
    ]
    assert [("is-collapsed" in c["class"]) for c in columns] == [False, False, True, True]
    # Each column loads its own cards: the page holds none.
    assert numbers(response) == []
    lists = page.select("[data-cards]")
    assert all("column=" in ol["hx-get"] for ol in lists)
    assert {ol["hx-trigger"] for ol in lists} == {"load, board-refresh"}
    assert one(response.content, 'nav[aria-label="Acme"] a[aria-current="page"]').text == "Board"


def test_group_by_assignee_and_priority(client_, member, organization):
    with organization_scope(organization):
        MembershipFactory(organization=organization, user__name="Zed Zulu")

    by_assignee = parse(client_.get(board_url(group="assignee")).content)
    by_priority = parse(client_.get(board_url(group="priority")).content)

    assert [text(h) for h in by_assignee.select("section.board-col h2")] == [
        "Unassigned",
        "Mia Member",
        "Zed Zulu",
    ]
    assert [text(h) for h in by_priority.select("section.board-col h2")] == [
        "Urgent",
        "High",
        "Medium",
        "Low",
    ]


def test_filters_and_grouping_travel_to_the_columns(client_, make_tasks):
    response = client_.get(board_url(group="priority", priority="high", q="Card"))

    urls = [ol["hx-get"] for ol in parse(response.content).select("[data-cards]")]
    assert all(
        "group=priority" in url and "priority=high" in url and "q=Card" in url for url in urls
    )


def test_a_filter_on_the_board_s_own_grouping_shows_only_its_columns(client_, member, organization):
    with organization_scope(organization):
        MembershipFactory(organization=organization, user__name="Zed Zulu")

    def headings(**query):
        page = parse(client_.get(board_url(**query)).content)
        return [text(h) for h in page.select("section.board-col h2")]

    statuses = "status=todo&status=done"
    assert headings(**{"status": "todo"}) == ["To do"]
    page = parse(client_.get(board_url() + "?" + statuses).content)
    assert [text(h) for h in page.select("section.board-col h2")] == ["To do", "Done"]
    assert headings(group="priority", priority="high") == ["High"]
    assert headings(group="assignee", assignee="me") == ["Mia Member"]
    assert headings(group="assignee", assignee="none") == ["Unassigned"]
    # A filter on another field, or a value naming no column, leaves every column.
    assert headings(group="priority", status="todo") == ["Urgent", "High", "Medium", "Low"]
    assert headings(status="nonsense") == ["To do", "In progress", "Done", "Cancelled"]


def test_the_list_and_the_board_link_to_each_other(client_, project):
    tasks_page = parse(client_.get(reverse("web:task-list", kwargs={"org_slug": "acme"})).content)
    board = parse(client_.get(board_url(priority="high")).content)
    project_page = parse(
        client_.get(
            reverse("web:project-detail", kwargs={"org_slug": "acme", "project_slug": "apollo"})
        ).content
    )

    assert tasks_page.select_one('nav[aria-label="View"] a:not([aria-current])')["href"] == (
        "/o/acme/board/"
    )
    assert board.select_one('nav[aria-label="View"] a:not([aria-current])')["href"] == (
        "/o/acme/tasks/?priority=high"
    )
    assert project_page.select_one('nav[aria-label="View"] a:not([aria-current])')["href"] == (
        "/o/acme/p/apollo/board/"
    )


def test_the_board_page_costs_the_same_at_any_size(client_, organization, make_tasks):
    make_tasks(2)
    client_.get(board_url(group="assignee"))  # warm the per-organization caches
    with CaptureQueriesContext(connection) as small:
        client_.get(board_url(group="assignee"))

    make_tasks(30)
    with organization_scope(organization):
        for n in range(8):
            MembershipFactory(organization=organization, user__name=f"Member {n}")
    client_.get(board_url(group="assignee"))
    with CaptureQueriesContext(connection) as large:
        response = client_.get(board_url(group="assignee"))

    assert len(parse(response.content).select("section.board-col")) == 10
    assert len(large) == len(small)
    assert len(large) <= 10


# --- columns ------------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["\u00b2", "\u0663", "9" * 30])
def test_an_assignee_column_that_is_not_a_plain_number_is_not_found(client_, column):
    response = client_.get(column_url(column, group="assignee"), **HTMX)

    assert response.status_code == 404


def test_a_column_shows_its_first_25_cards_newest_first_and_its_count(client_, make_tasks):
    tasks = make_tasks(30)
    make_tasks(2, status=TaskStatus.DONE)

    response = client_.get(column_url("todo"), **HTMX)

    assert response.status_code == 200
    assert numbers(response) == [t.number for t in reversed(tasks)][:25]
    count = one(response.content, "#col-todo-count")
    assert count["hx-swap-oob"] == "true"
    assert text(count).startswith("30")
    more = one(response.content, "li.board-more")
    assert more["hx-trigger"] == "intersect once"

    rest = client_.get(more["hx-get"], **HTMX)

    assert numbers(rest) == [t.number for t in reversed(tasks)][25:]
    assert "board-more" not in rest.content.decode()
    assert "col-todo-count" not in rest.content.decode()  # counted once


def test_a_column_follows_the_filters_and_the_project(client_, organization, member, make_tasks):
    high = make_tasks(2, priority=Priority.HIGH)
    make_tasks(2)
    with organization_scope(organization):
        other = ProjectFactory(organization=organization, slug="other")
    elsewhere = make_tasks(1, project=other, priority=Priority.HIGH)

    filtered = client_.get(column_url("todo", priority="high"), **HTMX)
    in_project = client_.get(column_url("todo", project="other"), **HTMX)

    assert numbers(filtered) == [elsewhere[0].number, high[1].number, high[0].number]
    assert numbers(in_project) == [elsewhere[0].number]


def test_an_empty_column_says_so(client_):
    response = client_.get(column_url("cancelled"), **HTMX)

    assert "No tasks" in response.content.decode()
    assert text(one(response.content, "#col-cancelled-count")).startswith("0")


def test_cards_on_the_board_are_tasks_with_a_move_button(client_, make_tasks):
    (task,) = make_tasks(1)

    card = one(client_.get(column_url("todo"), **HTMX).content, f"#task-{task.number}")

    assert "task" in card["class"]
    assert card.select_one("a.title")["href"] == f"/o/acme/tasks/{task.number}/"
    assert card["data-version"] == task.version
    assert card.select_one("[data-move]")["aria-label"] == f"Move #{task.number} to…"
    assert card.select_one(".f-status > button")  # the same editors as list rows


@pytest.mark.parametrize(
    "query",
    [
        {"column": "nope"},
        {"group": "assignee", "column": "123456"},
        {"group": "priority", "column": "max"},
    ],
)
def test_unknown_columns_are_404(client_, query):
    url = reverse("web:board-column", kwargs={"org_slug": "acme"})
    assert client_.get(url, {"group": "status", **query}, **HTMX).status_code == 404


def test_a_garbled_cursor_is_a_clear_400(client_):
    response = client_.get(column_url("todo", cursor="../x"), **HTMX)

    assert response.status_code == 400
    assert "does not exist" in response.content.decode()


def test_a_column_costs_the_same_at_any_size(client_, make_tasks):
    make_tasks(3)
    client_.get(column_url("todo"), **HTMX)
    with CaptureQueriesContext(connection) as small:
        client_.get(column_url("todo"), **HTMX)
    make_tasks(40)
    client_.get(column_url("todo"), **HTMX)
    with CaptureQueriesContext(connection) as large:
        response = client_.get(column_url("todo"), **HTMX)

    assert len(numbers(response)) == 25
    assert len(large) == len(small)


# --- moves --------------------------------------------------------------------------------------


def test_dropping_a_card_in_another_column_changes_its_status(client_, organization, make_tasks):
    tasks = make_tasks(3)
    target = tasks[0]

    response = client_.post(
        move_url(target.number),
        {"group": "status", "column": "in_progress", "version": target.version},
        **HTMX,
    )

    assert response.status_code == 200
    moved = reload(target)
    assert moved.status == TaskStatus.IN_PROGRESS
    assert response["X-Task-Version"] == moved.version
    card = one(response.content, f"#task-{target.number}")
    assert card["data-version"] == moved.version
    assert "Moved #" in response["HX-Trigger"]
    with organization_scope(organization):
        assert AuditLog.objects.filter(object_id=target.pk, action=AuditAction.UPDATED).exists()


def test_dropping_a_card_between_two_others_keeps_that_order(client_, make_tasks):
    tasks = make_tasks(4)  # shown 4, 3, 2, 1 (by number: newest first)
    first = tasks[0]

    client_.post(
        move_url(first.number),
        {"group": "status", "above": tasks[3].number, "version": first.version},
        **HTMX,
    )

    shown = numbers(client_.get(column_url("todo"), **HTMX))
    assert shown == [tasks[3].number, first.number, tasks[2].number, tasks[1].number]


def test_a_stale_move_is_refused_with_a_toast(client_, organization, admin, make_tasks):
    (task,) = make_tasks(1)
    with organization_scope(organization):
        task_update(task=reload(task), actor=admin, data={"status": TaskStatus.DONE})

    response = client_.post(
        move_url(task.number),
        {"group": "status", "column": "in_progress", "version": task.version},
        **HTMX,
    )

    assert response.status_code == 409
    assert response["HX-Retarget"] == "#toasts"
    assert "now Done" in response.content.decode()
    assert reload(task).status == TaskStatus.DONE


def test_a_move_of_a_deleted_task_is_a_404_toast(client_, organization, make_tasks):
    (task,) = make_tasks(1)
    with organization_scope(organization):
        Task.objects.filter(pk=task.pk).update(deleted_at=task.created_at)

    response = client_.post(
        move_url(task.number),
        {"group": "status", "column": "done", "version": task.version},
        **HTMX,
    )

    assert response.status_code == 404
    assert response["HX-Retarget"] == "#toasts"
    assert "deleted" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"column": "nope"},
        {"column": "done", "version": "garbled"},
        {"above": "abc"},
        {"above": "999"},
    ],
)
def test_bad_moves_are_clear_4xx_toasts(client_, make_tasks, data):
    (task,) = make_tasks(1)
    data = {"group": "status", "version": task.version, **data}

    response = client_.post(move_url(task.number), data, **HTMX)

    assert response.status_code == 422
    assert response["HX-Retarget"] == "#toasts"
    assert reload(task).status == TaskStatus.TODO


def test_a_move_past_the_write_limit_is_refused(client_, settings, make_tasks):
    settings.TANDEM_WRITE_LIMITS = {"free": 1, "pro": 30}
    first, second = make_tasks(2)
    ok = client_.post(
        move_url(first.number),
        {"group": "status", "column": "done", "version": first.version},
        **HTMX,
    )

    refused = client_.post(
        move_url(second.number),
        {"group": "status", "column": "done", "version": second.version},
        **HTMX,
    )

    assert ok.status_code == 200
    assert refused.status_code == 429
    assert refused["HX-Retarget"] == "#toasts"
    assert reload(second).status == TaskStatus.TODO


# --- the chosen view ---------------------------------------------------------------------------


def project_page(**query):
    url = reverse("web:project-detail", kwargs={"org_slug": "acme", "project_slug": "apollo"})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_a_project_opens_as_the_member_last_looked_at_it(login, member, admin, project):
    client_ = login(member)
    assert client_.get(project_page()).status_code == 200  # a list at first

    board = client_.get(
        reverse("web:project-board", kwargs={"org_slug": "acme", "project_slug": "apollo"})
    )
    again = client_.get(project_page(priority="high"))
    others = login(admin).get(project_page())
    client_ = login(member)

    assert board.status_code == 200
    assert again.status_code == 302
    assert again["Location"] == "/o/acme/p/apollo/board/?priority=high"
    assert others.status_code == 200  # remembered per member

    switch = parse(client_.get(again["Location"]).content)
    list_link = switch.select_one('nav[aria-label="View"] a:not([aria-current])')["href"]
    assert list_link == "/o/acme/p/apollo/?priority=high&view=list"
    assert client_.get(list_link).status_code == 200
    assert client_.get(project_page()).status_code == 200  # the list again


def test_choosing_a_view_of_another_organization_s_project_is_refused(member):
    from django.core.exceptions import PermissionDenied

    from workspace.services.board import project_layout_remember
    from workspace.tests.factories import OrganizationFactory

    other = OrganizationFactory()
    with organization_scope(other):
        foreign = ProjectFactory(organization=other)
    with pytest.raises(PermissionDenied):
        project_layout_remember(project=foreign, actor=member, layout="board")


def test_the_board_downloads_its_tasks_with_its_filters(client_, project, make_tasks):
    """Issue 19: a board view downloads as CSV or XLSX, with the board's filters; the links
    follow the filters (out of band in the board's htmx answer)."""
    make_tasks(2, priority=Priority.HIGH)
    make_tasks(1, priority=Priority.LOW)
    project_board = reverse(
        "web:project-board", kwargs={"org_slug": "acme", "project_slug": "apollo"}
    )
    page = parse(client_.get(project_board + "?priority=high&group=priority").content)
    link = one(page, "#board-export [data-testid=export-csv]")["href"]
    assert link == "/o/acme/p/apollo/?priority=high&export=csv"
    assert one(page, "#board-export [data-testid=export-xlsx]")["href"].endswith("export=xlsx")

    # A member who last looked at the project as a board still downloads (no redirect).
    response = client_.get(link)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(row[5] for row in rows[1:]) == ["High", "High"]  # the filter's tasks only

    answer = parse(client_.get(board_url(priority="low"), HTTP_HX_REQUEST="true").content)
    oob = one(answer, "#board-export")
    assert oob["hx-swap-oob"] == "true"
    assert one(oob, "[data-testid=export-csv]")["href"] == "/o/acme/tasks/?priority=low&export=csv"
