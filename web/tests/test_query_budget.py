"""The benchmark's scenarios (``make bench``) stay within 10 queries, whatever the data size."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from workspace import revisions
from workspace.models import FieldType, Role, Task, TaskLabel, TaskStatus
from workspace.services.insights import insights_snapshot_build
from workspace.services.tasks import task_update
from workspace.services.watching import watchers_add
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    CommentFactory,
    CustomFieldFactory,
    InboxItemFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    TaskFactory,
)

BUDGET = 10
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def workspace_data(organization, member):
    """``grow(n)`` adds n tasks (spread over projects, members, statuses and due dates), n
    comments on task #1 and n items in the member's inbox to the member's organization."""
    with organization_scope(organization):
        projects = ProjectFactory.create_batch(3, organization=organization)
        colleagues = [
            member,
            *MembershipFactory.create_batch(3, organization=organization, role=Role.MEMBER),
        ]
        first = TaskFactory(project=projects[0], assignee=member, title="First report")
        labels = [
            LabelFactory(organization=organization, name=name) for name in ("bug", "ui", "docs")
        ]
        # Its watchers hear about every status change the benchmark's POST makes.
        watchers_add(task=first, memberships=colleagues)
        # The second project's custom fields (its list's column, filter and sort; the first
        # one opens as a board once the board scenario has shown it).
        estimate = CustomFieldFactory(
            project=projects[1], name="Estimate", key="estimate", field_type=FieldType.NUMBER
        )
        stage = CustomFieldFactory(
            project=projects[1],
            name="Stage",
            key="stage",
            field_type=FieldType.CHOICE,
            options=["Lead", "Won", "Lost"],
        )
        first.custom_fields_list = (projects[1].slug, estimate.pk, stage.pk)

    def grow(n: int):
        today = timezone.localdate()
        with organization_scope(organization):
            for i in range(n):
                task = TaskFactory(
                    project=projects[i % 3],
                    assignee=colleagues[i % 4] if i % 5 else None,
                    status=TaskStatus.values[i % 4],
                    due_date=today + timedelta(days=i % 9 - 4),
                    title=f"Weekly report {i}" if i % 2 else f"Task {i}",
                    custom_fields={"estimate": i % 7, "stage": ["Lead", "Won", "Lost"][i % 3]}
                    if i % 3 == 1
                    else {},
                )
                for label in labels[: i % 4]:  # none to three labels each
                    TaskLabel.objects.create(organization=organization, task=task, label=label)
                CommentFactory(task=first, author=colleagues[i % 4].user)
                InboxItemFactory(task=task, recipient=member, actor=colleagues[1 + i % 3].user)

    return first, grow


def _scenarios(first):
    tasks = reverse("web:task-list", kwargs={"org_slug": "acme"})
    filtered = {"status": ["todo", "in_progress"], "assignee": "me", "q": "report"}
    slug, estimate, stage = first.custom_fields_list
    project = reverse("web:project-detail", kwargs={"org_slug": "acme", "project_slug": slug})
    return {
        "project_list_custom_column": ("get", project, {"fields": [estimate, stage]}, {}),
        "project_list_custom_filter": (
            "get",
            project,
            {f"cf_{stage}": "Won", f"cf_{estimate}_min": "1", "sort": f"-cf_{estimate}"},
            {},
        ),
        "org_home": ("get", reverse("web:org-home", kwargs={"org_slug": "acme"}), {}, {}),
        "task_list": ("get", tasks, {}, {}),
        "task_list_filtered": ("get", tasks, {**filtered, "sort": "due_date"}, {}),
        "task_list_page_2": ("get", tasks, {"page": 2, "per_page": 25}, {}),
        "task_list_label_filter": ("get", tasks, {"label": ["bug", "docs"]}, {}),
        "task_list_all_labels": (
            "get",
            tasks,
            {"label": ["bug", "ui"], "label_mode": "all", "sort": "due_date"},
            {},
        ),
        "task_list_htmx": ("get", tasks, filtered, HTMX),
        "task_detail": ("get", first.get_absolute_url(), {}, {}),
        "cell_editor": (
            "get",
            reverse(
                "web:task-inline",
                kwargs={"org_slug": "acme", "number": first.number, "field": "assignee"},
            ),
            {"context": "row"},
            HTMX,
        ),
        **{
            f"task_list_by_{sort}": ("get", tasks, {"sort": sort}, {})
            for sort in ("title", "status", "-project", "assignee")
        },
        "inbox": ("get", reverse("web:inbox", kwargs={"org_slug": "acme"}), {}, {}),
        "insights": ("get", reverse("web:insights", kwargs={"org_slug": "acme"}), {}, {}),
        "project_insights_filtered": (
            "get",
            reverse(
                "web:project-insights",
                kwargs={"org_slug": "acme", "project_slug": first.project.slug},
            ),
            {"assignee": "me", "priority": ["medium", "high"], "period": "26"},
            HTMX,
        ),
        "board": ("get", reverse("web:board", kwargs={"org_slug": "acme"}), {}, {}),
        "project_board_by_assignee": (
            "get",
            reverse(
                "web:project-board",
                kwargs={"org_slug": "acme", "project_slug": first.project.slug},
            ),
            {"group": "assignee", "q": "report"},
            {},
        ),
        "board_column": (
            "get",
            reverse("web:board-column", kwargs={"org_slug": "acme"}),
            {"group": "status", "column": "todo"},
            HTMX,
        ),
        "board_column_more": (
            "get",
            reverse("web:board-column", kwargs={"org_slug": "acme"}),
            {"group": "status", "column": "todo", "cursor": "n0000000040V"},
            HTMX,
        ),
        "board_move": (
            "post",
            reverse("web:task-move", kwargs={"org_slug": "acme", "number": first.number}),
            {"group": "status", "column": "in_progress"},
            HTMX,
        ),
        "inline_status_change": (
            "post",
            reverse(
                "web:task-inline",
                kwargs={"org_slug": "acme", "number": first.number, "field": "status"},
            ),
            {"status": "in_progress", "context": "row"},
            HTMX,
        ),
    }


def _counts(client, first) -> dict[str, int]:
    counts = {}
    for name, (method, url, data, headers) in _scenarios(first).items():
        if method == "post":  # toggle back and forth: every POST writes a change
            first.refresh_from_db()
            field = "column" if "column" in data else "status"
            data = {
                **data,
                field: "todo" if first.status != "todo" else "in_progress",
                "version": first.version,
            }
        # Every read kept under the organization's revisions is read again: the worst case.
        revisions.changed(first.organization_id, revisions.TASKS, revisions.DIRECTORY)
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(url, data, **headers)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(queries)
    return counts


def test_every_benchmark_scenario_stays_within_budget_as_data_grows(login, member, workspace_data):
    first, grow = workspace_data
    client = login(member)
    grow(5)
    _counts(client, first)  # first visits write a few things once (last visit, session)

    small = _counts(client, first)
    grow(60)
    large = _counts(client, first)

    assert large == small
    assert max(large.values()) <= BUDGET, {k: v for k, v in large.items() if v > BUDGET}


def test_insights_from_a_snapshot_stay_within_budget_however_many_tasks_changed_since(
    login, member, workspace_data
):
    """From the snapshot plus the tasks changed since it was built: their count changes how
    many rows are read, never how many queries."""
    first, grow = workspace_data
    grow(16)
    organization = first.organization
    with organization_scope(organization):
        insights_snapshot_build(organization=organization)
        tasks = list(Task.objects.order_by("number"))
    client = login(member)
    pages = [
        reverse("web:insights", kwargs={"org_slug": "acme"}),
        reverse(
            "web:project-insights", kwargs={"org_slug": "acme", "project_slug": first.project.slug}
        ),
    ]

    def counts(changed, **data):
        with organization_scope(organization):
            for task in changed:
                task_update(task=task, actor=member, data=data or {"status": "done"})
        result = []
        for page in pages:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page, {"assignee": "me"})
            assert response.status_code == 200
            assert response.context["report"].source == "snapshot"
            result.append(len(queries))
        return result

    counts(tasks[:1])
    few = counts(tasks[1:2])
    many = counts(tasks[2:10])
    # Moved in or out of the filtered assignee's tasks: their past weeks are read too.
    others = [task for task in tasks[10:] if task.assignee_id != member.pk]
    reassigned = counts(others[:2], assignee=member)

    assert many == few
    assert max(many) <= BUDGET, many
    assert max(reassigned) <= BUDGET, reassigned
