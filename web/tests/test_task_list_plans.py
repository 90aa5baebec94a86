"""What keeps the task and project lists fast on a large organization, pinned by PostgreSQL's
own plans.

One organization of 40k seeded tasks (plus a small second one, so that every index has to pick
the organization out) is enough for the planner to choose as it does at 100k; below about 30k it
finds a plain scan of the organization's rows cheaper for a text search, and it is. These tests
read the plans of the very queries the list views send, run with EXPLAIN (ANALYZE).
"""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from workspace.models import Membership, Organization, Project, Task
from workspace.seeding import SeedPlan, seed, seed_inbox
from workspace.selectors import INBOX_COUNT_CAP, SUMMARY_COUNT_CAP
from workspace.services.insights import insights_snapshot_build
from workspace.services.tasks import task_update
from workspace.tenancy import organization_scope

pytestmark = pytest.mark.django_db

TASKS = 40_000
JOINS = {"Nested Loop", "Hash Join", "Merge Join"}
FILTERED = {
    "status": ["todo", "in_progress"],
    "assignee": "me",
    "q": "report",
    "sort": "due_date",
}


@pytest.fixture(scope="module")
def big(django_db_setup, django_db_blocker):
    """A seeded organization and a signed-in member's client.

    The rows are committed and vacuumed, as a live database's are (plans inside a test's
    transaction would see unvacuumed pages and tables bloated by earlier runs), then flushed
    away as Django's transactional tests do."""
    with django_db_blocker.unblock():
        # The module's django_db mark makes pytest-django create the test database; never
        # seed (and flush) any other.
        assert connection.settings_dict["NAME"].startswith("test_")
        if Organization.objects.exists():
            pytest.fail("the query plan tests need an empty test database")
        try:
            plan = SeedPlan(orgs=1, users_per_org=30, tasks_per_org=TASKS, seed=77, prefix="plan")
            organization = seed(plan)[0]
            seed(SeedPlan(orgs=1, users_per_org=10, tasks_per_org=TASKS // 4, seed=78))
            with connection.cursor() as cursor:
                # Statistics from every row, not a random sample: the same plans on every run.
                cursor.execute("SET default_statistics_target = 1000")
                cursor.execute("VACUUM ANALYZE")
                cursor.execute("RESET default_statistics_target")
            member = User.objects.get(email=f"user4@{organization.slug}.example.com")
            with organization_scope(organization):
                seed_inbox(
                    organization=organization,
                    membership=Membership.objects.get(user=member),
                    items=2_000,
                )
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE workspace_inboxitem")
            client = Client()
            client.force_login(member)
            yield organization, client
        finally:
            call_command("flush", verbosity=0, interactive=False)


def _plans(client, organization: Organization, query: dict, page="task-list") -> dict[str, dict]:
    """A page's queries of tasks (SQL -> EXPLAIN ANALYZE plan), from a real request."""
    url = reverse(f"web:{page}", kwargs={"org_slug": organization.slug})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200
    plans = {}
    with connection.cursor() as cursor:
        for sql in (q["sql"] for q in captured.captured_queries):
            # The header's inbox count joins tasks too: it has its own test below.
            inbox = '"workspace_inboxitem"' in sql
            if sql.startswith("SELECT") and '"workspace_task"' in sql and not inbox:
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
                plans[sql] = cursor.fetchone()[0][0]["Plan"]
    return plans


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _scans_of_tasks(plan: dict) -> list[dict]:
    """Scans of the task table and of its indexes (bitmap index scans name no table)."""
    return [
        n
        for n in _nodes(plan)
        if n.get("Relation Name") == "workspace_task"
        or n.get("Index Name", "").startswith(("task_", "workspace_task"))
    ]


def _page_query(plans: dict) -> tuple[str, dict]:
    return next((sql, plan) for sql, plan in plans.items() if "LIMIT" in sql and "COUNT" not in sql)


def _seq_scans_of_tasks(plan: dict) -> list[dict]:
    return [
        n
        for n in _nodes(plan)
        if n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "workspace_task"
    ]


def test_text_search_goes_through_the_trigram_indexes(big):
    organization, client = big

    _, plan = _page_query(_plans(client, organization, {"q": "report"}))

    indexes = {n.get("Index Name") for n in _nodes(plan)}
    assert {"task_title_trgm", "task_description_trgm"} <= indexes, json.dumps(plan)[:3000]
    assert not _seq_scans_of_tasks(plan)


def test_filtered_and_sorted_list_narrows_through_an_index(big):
    """Status + assignee + search, sorted by due date: the planner starts from the most
    selective of the indexes made for it (member and status, or the trigram indexes) and
    sorts only the few matching rows."""
    organization, client = big

    _, plan = _page_query(_plans(client, organization, FILTERED))

    scans = [n for n in _nodes(plan) if n.get("Index Name")]
    assert {n["Index Name"] for n in scans} & {
        "task_org_assignee_status",
        "task_title_trgm",
        "task_description_trgm",
    }, json.dumps(plan)[:3000]
    assert not _seq_scans_of_tasks(plan)
    # Starting from (assignee, status), the planner reads the member's open tasks: about one
    # in sixteen of the organization's (2,344 of 40,000 in one run, where the trigram indexes
    # read fewer). Which one it picks depends on ANALYZE's random sample; both narrow.
    assert max(n["Actual Rows"] for n in _scans_of_tasks(plan)) < TASKS // 10


def test_unfiltered_list_reads_the_newest_rows_off_an_index_without_sorting(big):
    organization, client = big

    _, plan = _page_query(_plans(client, organization, {}))

    kinds = [n["Node Type"] for n in _nodes(plan)]
    # The chips' label names: the whole labels table is a dozen rows here (one page), which
    # the planner rightly reads whole; with many organizations it goes through the key.
    assert set(_seq_scans(plan)) <= {"workspace_label"}, json.dumps(plan)[:3000]
    assert "Sort" not in kinds  # the index is in list order: no sort over 20k rows
    scanned = max(n["Actual Rows"] for n in _scans_of_tasks(plan))
    assert scanned <= 50


def test_the_page_count_stops_at_the_cap(big):
    organization, client = big

    plans = _plans(client, organization, {})

    count_plan = next(plan for sql, plan in plans.items() if "COUNT" in sql)
    assert max(n["Actual Rows"] for n in _scans_of_tasks(count_plan)) <= 10_001


def test_a_deep_page_skips_rows_before_joining_and_joins_only_its_own(big):
    organization, client = big

    sql, plan = _page_query(_plans(client, organization, {"page": 200}))

    assert "OFFSET 9950" in sql
    skipping = [n for n in _nodes(plan) if n.get("Actual Rows", 0) >= 9_950]
    assert skipping, json.dumps(plan)[:3000]
    assert not {n["Node Type"] for n in skipping} & JOINS  # the skipped rows are never joined
    joins = [n for n in _nodes(plan) if n["Node Type"] in JOINS]
    assert joins
    assert max(n["Actual Rows"] for n in joins) <= 50


def test_project_list_counts_read_each_projects_index_range_up_to_the_cap(big):
    """Open and done counts per project go through the (organization, project, status) index
    and stop one past the summary cap: never a scan of the organization's tasks, never a sort.
    (Index-only or bitmap scan, as the visibility map has it; either reads one project's rows.)"""
    organization, client = big

    (plan,) = _plans(client, organization, {}, page="project-list").values()

    scans = _scans_of_tasks(plan)
    assert not _seq_scans_of_tasks(plan), json.dumps(plan)[:3000]
    assert {n["Index Name"] for n in scans if "Index Name" in n} == {"task_org_project_status"}
    rows_read = [n["Actual Rows"] for n in scans if n.get("Relation Name") == "workspace_task"]
    assert max(rows_read) == SUMMARY_COUNT_CAP + 1  # per project, of thousands
    sorts = [n for n in _nodes(plan) if n["Node Type"] == "Sort"]
    assert all(n["Actual Rows"] < 100 for n in sorts)  # the projects, not tasks


@pytest.mark.parametrize("sort", ["title", "-title", "created_at", "-created_at"])
def test_sorting_by_title_or_creation_reads_the_page_off_an_index(big, sort):
    organization, client = big

    _, plan = _page_query(_plans(client, organization, {"sort": sort}))

    assert not _seq_scans_of_tasks(plan), json.dumps(plan)[:3000]
    sorts = [n for n in _nodes(plan) if n["Node Type"] in ("Sort", "Incremental Sort")]
    assert all(n["Actual Rows"] <= 50 for n in sorts), json.dumps(plan)[:3000]
    assert max(n["Actual Rows"] for n in _scans_of_tasks(plan)) <= 100


GROUP_INDEXES = {
    "status": "task_org_status_number",
    "project": "task_org_project_number",
    "assignee": "task_org_assignee_number",
}


@pytest.mark.parametrize(
    "sort", ["status", "-status", "project", "-project", "assignee", "-assignee"]
)
def test_sorting_by_a_group_reads_a_page_per_group_not_the_organization(big, sort):
    """Status, project and assignee sorts walk the groups in display order, reading at most a
    page of each from its (organization, column, number) index: never every task, never a sort
    of them."""
    organization, client = big

    _, plan = _page_query(_plans(client, organization, {"sort": sort}))

    assert not _seq_scans_of_tasks(plan), json.dumps(plan)[:3000]
    indexes = {n.get("Index Name") for n in _scans_of_tasks(plan)}
    assert GROUP_INDEXES[sort.lstrip("-")] in indexes, json.dumps(plan)[:3000]
    loops = [
        n for n in _scans_of_tasks(plan) if n.get("Index Name") == GROUP_INDEXES[sort.lstrip("-")]
    ]
    read = sum(n["Actual Rows"] * n.get("Actual Loops", 1) for n in loops)
    assert read <= 31 * 50, json.dumps(plan)[:3000]  # at most 50 per group (30 members + nobody)
    sorted_rows = [n["Actual Rows"] for n in _nodes(plan) if n["Node Type"] == "Sort"]
    assert all(rows <= 31 * 50 for rows in sorted_rows)


def test_the_header_inbox_count_reads_the_unread_index_up_to_its_cap(big):
    """Every organization page counts the member's unread inbox items: one query on the
    ``inbox_unread`` partial index that stops at 100 rows, however many there are (here about
    700 unread of 2,000)."""
    organization, client = big
    url = reverse("web:project-list", kwargs={"org_slug": organization.slug})

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    [sql] = [q["sql"] for q in captured.captured_queries if "workspace_inboxitem" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0][0]["Plan"]

    assert "COUNT(*)" in sql
    scans = [n for n in _nodes(plan) if n.get("Relation Name") == "workspace_inboxitem"]
    assert [n.get("Index Name") for n in scans] == ["inbox_unread"], json.dumps(plan)[:3000]
    assert max(n["Actual Rows"] for n in scans) <= INBOX_COUNT_CAP + 1
    assert not [n for n in _nodes(plan) if n["Node Type"] == "Seq Scan"]


# --- Insights ------------------------------------------------------------------------------------
# The insights page reads the snapshot (a few hundred rows), the audit log since it was built,
# the tasks changed since, and the aging and scatter tasks off their own indexes.
SNAPSHOT_TABLES = {"workspace_task", "workspace_auditlog", "workspace_insightcell"}


@pytest.fixture(scope="module")
def insights(big, django_db_blocker):
    """The seeded organization's snapshot, then 20 tasks changed after it was built."""
    organization, client = big
    with django_db_blocker.unblock(), organization_scope(organization):
        insights_snapshot_build(organization=organization)
        member = Membership.objects.get(user__email=f"user4@{organization.slug}.example.com")
        for task in Task.objects.filter(status="todo").order_by("number")[:20]:
            task_update(task=task, actor=member, data={"status": "in_progress"})
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE workspace_insightcell")
            cursor.execute("ANALYZE workspace_insighttaskstate")
    return organization, client


def _page_plans(client, url: str, query: dict) -> dict[str, dict]:
    """Every query of a real request (SQL -> EXPLAIN ANALYZE plan)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200
    assert response.context["report"].source == "snapshot"
    plans = {}
    with connection.cursor() as cursor:
        for sql in (q["sql"] for q in captured.captured_queries):
            if sql.lstrip("(").startswith("SELECT"):
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
                plans[sql] = cursor.fetchone()[0][0]["Plan"]
    return plans


def _rows_read(plan: dict, tables: set[str]) -> int:
    """Rows the scans of ``tables`` (and of their indexes) returned, over all their loops."""
    return sum(
        n.get("Actual Rows", 0) * n.get("Actual Loops", 1)
        for n in _nodes(plan)
        if n["Node Type"].endswith("Scan")
        and (
            n.get("Relation Name") in tables
            or n.get("Index Name", "").startswith(("task_", "audit_", "insight_"))
        )
    )


@pytest.mark.parametrize(
    ("query", "most_rows"),
    [
        ({}, 1_000),
        ({"period": "26"}, 1_000),
        ({"assignee": "me", "priority": ["high", "urgent"]}, 8_000),
    ],
    ids=["12 weeks", "26 weeks", "filtered"],
)
def test_insights_read_bounded_rows_through_indexes(insights, query, most_rows):
    organization, client = insights
    for page, kwargs in (("web:insights", {}), ("web:project-insights", {"project_slug": None})):
        if "project_slug" in kwargs:
            with organization_scope(organization):
                kwargs = {"project_slug": Project.objects.order_by("pk").first().slug}
        url = reverse(page, kwargs={"org_slug": organization.slug, **kwargs})

        plans = _page_plans(client, url, query)

        for sql, plan in plans.items():
            seq = [
                n
                for n in _nodes(plan)
                if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in SNAPSHOT_TABLES
            ]
            assert not seq, (sql[:300], json.dumps(plan)[:2000])
            assert _rows_read(plan, SNAPSHOT_TABLES) <= most_rows, (sql[:300], query)
        cells = [plan for sql, plan in plans.items() if '"workspace_insightcell"' in sql]
        assert {n.get("Index Name") for n in _nodes(cells[0])} >= {"insight_cell_lookup"}


def _seq_scans(plan: dict) -> list[str]:
    return [n["Relation Name"] for n in _nodes(plan) if n["Node Type"] == "Seq Scan"]


@pytest.mark.parametrize(
    "query",
    [
        {"label": "frontend"},  # a quarter of the tasks
        {"label": "blocked"},  # one in a hundred
        {"label": ["bug", "frontend"], "label_mode": "all"},
        {"label": ["blocked", "docs"], "sort": "due_date"},
    ],
    ids=["common", "rare", "all-of-two", "any-of-two-by-due-date"],
)
def test_a_label_filter_reads_indexes_and_only_the_rows_it_needs(big, query):
    """Each label is an EXISTS on the task labels: a common one is probed row by row along the
    sort index (a page stops after about 50 / share rows), a rare one is read from the
    (label, task) index first. Never a scan of either table, whatever the labels."""
    organization, client = big

    plans = _plans(client, organization, query)
    _, plan = _page_query(plans)
    count_plan = next(p for s, p in plans.items() if "COUNT" in s)

    big_tables = {"workspace_task", "workspace_tasklabel"}
    for each in (plan, count_plan):
        assert not set(_seq_scans(each)) & big_tables, json.dumps(each)[:3000]
    assert max(n["Actual Rows"] for n in _scans_of_tasks(plan)) < TASKS // 10
    indexes = {n.get("Index Name") for n in _nodes(plan)}
    assert indexes & {"tasklabel_label_task", "tasklabel_unique"}, json.dumps(plan)[:3000]


@pytest.mark.parametrize(
    "kind", ["number", "choice"], ids=["sort-by-number", "filter-and-sort-by-choice"]
)
def test_a_custom_field_sort_reads_only_the_projects_tasks(big, kind):
    """No index can serve a sort by a project's own field, so the list sorts the project's
    tasks only: the project narrows the rows through an (organization, project, ...) index and
    the page is a top-N sort of those (a sixth of the organization here), never a scan of the
    organization's tasks."""
    from django.db.models import Case, F, Value, When
    from django.db.models.functions import JSONObject, Mod
    from django.db.models.lookups import Exact

    from workspace.models import CustomField

    organization, client = big
    with organization_scope(organization):
        project = Project.objects.filter(organization=organization).order_by("pk").first()
        field = CustomField.objects.create(
            organization=organization,
            project=project,
            name="Stage" if kind == "choice" else "Estimate",
            key="stage" if kind == "choice" else "estimate",
            field_type=kind,
            options=["Lead", "Won", "Lost"] if kind == "choice" else [],
        )
        in_project = Task.objects.filter(project=project).count()
        if kind == "choice":  # a third of the project's tasks are "Won"
            third = Mod(F("number"), Value(3))
            Task.objects.filter(project=project).update(
                custom_fields=JSONObject(
                    stage=Case(When(Exact(third, 0), then=Value("Won")), default=Value("Lead"))
                )
            )
    query = {"sort": f"-cf_{field.pk}", "fields": field.pk}
    if kind == "choice":
        query[f"cf_{field.pk}"] = "Won"
    url = reverse(
        "web:project-detail", kwargs={"org_slug": organization.slug, "project_slug": project.slug}
    )
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200
    page = next(
        q["sql"]
        for q in captured.captured_queries
        if '"workspace_task"' in q["sql"]
        and "LIMIT" in q["sql"]
        and "COUNT" not in q["sql"]
        and "workspace_inboxitem" not in q["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {page}")
        plan = cursor.fetchone()[0][0]["Plan"]

    assert not _seq_scans_of_tasks(plan), json.dumps(plan)[:3000]
    indexes = {n.get("Index Name") for n in _scans_of_tasks(plan)}
    assert indexes & {"task_org_project_status", "task_org_project_number"}, json.dumps(plan)[:3000]
    # The index scan also visits dead row versions until a vacuum: the test's own UPDATE leaves
    # a copy of each of the project's rows, and the module's earlier (rolled back) edits a few.
    copies = 2 if kind == "choice" else 1
    assert max(n["Actual Rows"] for n in _scans_of_tasks(plan)) <= copies * in_project + 50
    assert in_project < TASKS // 4
    sorts = [n for n in _nodes(plan) if n["Node Type"] == "Sort"]
    assert sorts
    # The project's tasks are sorted top-N into the page's keys (no full sort); only the page's
    # own rows are then joined to their assignees and put in that order.
    top_n = [n for n in sorts if n.get("Sort Method", "").startswith("top-N")]
    assert top_n, json.dumps(sorts)
    assert all(n in top_n or n["Actual Rows"] <= 50 for n in sorts), json.dumps(sorts)
    members = [n for n in _nodes(plan) if n.get("Relation Name") == "workspace_membership"]
    assert all(n["Actual Loops"] <= 50 for n in members), json.dumps(members)
