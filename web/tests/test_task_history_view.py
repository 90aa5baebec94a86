"""The History panel of the task page: what it says, its htmx refresh, its query count."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from web.tests.pages import section, text
from workspace.audit import audit_record
from workspace.models import AuditAction, Priority, Role, TaskStatus
from workspace.services.comments import comment_create, comment_delete, comment_update
from workspace.services.tasks import task_create, task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
CREATED_AT = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)


def task_url(task):
    return reverse("web:task-detail", kwargs={"org_slug": "acme", "number": task.number})


def inline_url(task, field):
    return reverse(
        "web:task-inline", kwargs={"org_slug": "acme", "number": task.number, "field": field}
    )


def comment_url(task):
    return reverse("web:comment-create", kwargs={"org_slug": "acme", "number": task.number})


def history(html: str) -> list[str]:
    """The text of each entry of the History panel, top to bottom."""
    panel = section(html, "task-history")
    listing = panel[panel.index("<ol") : panel.rindex("</ol>")]
    entries = re.split(r'<li [^>]*data-testid="history-entry">', listing)[1:]
    return [text(entry) for entry in entries]


@pytest.fixture
def clock():
    with time_machine.travel(CREATED_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def project(organization):
    with organization_scope(organization):
        return ProjectFactory(organization=organization, name="Website", slug="website")


@pytest.fixture
def task(clock, project, member):
    """Created through the service, so its history starts with "created the task"."""
    with organization_scope(project.organization):
        return task_create(
            organization=project.organization, actor=member, project=project, title="Write the copy"
        )


class TestPanel:
    def test_status_change_and_comment_newest_first(self, clock, login, member, task):
        client = login(member)
        clock.shift(timedelta(minutes=1))
        changed = client.post(
            inline_url(task, "status"),
            {"status": "in_progress", "version": task.version, "context": "detail"},
            **HTMX,
        )
        assert changed.status_code == 200
        clock.shift(timedelta(minutes=1))
        commented = client.post(comment_url(task), {"body": "Draft is in the doc."}, **HTMX)
        assert commented.status_code == 200
        clock.shift(timedelta(minutes=3))

        entries = history(client.get(task_url(task)).content.decode())

        assert entries == [
            "Mia Member commented 3 minutes ago",
            "Mia Member updated the task status: To do → In progress 4 minutes ago",
            "Mia Member created the task 5 minutes ago",
        ]

    def test_other_changes_read_naturally(self, clock, login, admin, member, task):
        with organization_scope(task.organization):
            clock.shift(timedelta(minutes=1))
            task_update(
                task=task,
                actor=admin,
                data={
                    "title": "Write the final copy",
                    "priority": Priority.URGENT,
                    "assignee": member,
                    "description": "A long text " * 20,
                },
            )
            clock.shift(timedelta(minutes=1))
            comment = comment_create(task=task, actor=member, body="First")
            clock.shift(timedelta(minutes=1))
            comment_update(comment=comment, actor=member, body="First, edited")
            clock.shift(timedelta(minutes=1))
            comment_delete(comment=comment, actor=member)
        clock.shift(timedelta(minutes=1))

        entries = history(login(member).get(task_url(task)).content.decode())

        assert entries[0] == "Mia Member deleted a comment 1 minute ago"
        assert entries[1] == "Mia Member updated a comment 2 minutes ago"
        assert entries[2] == "Mia Member commented 3 minutes ago"
        update = entries[3]
        assert update.startswith("Adam Admin updated the task")
        assert "title: Write the copy → Write the final copy" in update
        assert "priority: Medium → Urgent" in update
        assert "assignee: — → Mia Member" in update
        assert "changed the description" in update
        assert "A long text" not in update
        assert entries[4].startswith("Mia Member created the task")
        assert len(entries) == 5

    def test_only_this_tasks_entries(self, clock, login, member, project, task):
        with organization_scope(project.organization):
            other = task_create(
                organization=project.organization, actor=member, project=project, title="Other"
            )
            task_update(task=other, actor=member, data={"status": TaskStatus.DONE})
            comment_create(task=other, actor=member, body="Elsewhere")

        entries = history(login(member).get(task_url(task)).content.decode())

        assert entries == ["Mia Member created the task 0 minutes ago"]

    def test_system_and_former_members(self, clock, login, organization, member, task):
        gone = MembershipFactory(organization=organization, role=Role.MEMBER, user__name="Gus")
        with organization_scope(organization):
            task_update(task=task, actor=gone, data={"status": TaskStatus.DONE})
            gone.delete()  # Gus left the organization; what he did stays his
            audit_record(
                organization=organization,
                actor=None,
                action=AuditAction.UPDATED,
                target=task,
                changed_fields={"status": ["Done", "Cancelled"]},
            )
        clock.shift(timedelta(minutes=2))

        entries = history(login(member).get(task_url(task)).content.decode())

        assert entries[0].startswith("System updated the task status: Done → Cancelled")
        assert entries[1].startswith("Gus updated the task status: To do → Done")

    def test_values_are_escaped(self, clock, login, member, task):
        with organization_scope(task.organization):
            task_update(task=task, actor=member, data={"title": "<script>alert(1)</script>"})

        page = login(member).get(task_url(task)).content.decode()

        panel = section(page, "task-history")
        assert "<script>alert(1)</script>" not in panel
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in panel

    def test_the_panel_shows_the_latest_fifty(self, clock, login, member, task):
        with organization_scope(task.organization):
            for i in range(55):
                clock.shift(timedelta(seconds=1))
                audit_record(
                    organization=task.organization,
                    actor=member,
                    action=AuditAction.UPDATED,
                    target=task,
                    changed_fields={"title": [f"Title {i}", f"Title {i + 1}"]},
                )

        entries = history(login(member).get(task_url(task)).content.decode())

        assert len(entries) == 50
        assert "title: Title 54 → Title 55" in entries[0]
        assert "title: Title 5 → Title 6" in entries[-1]


class TestHtmx:
    def test_history_target_gets_only_the_panel(self, clock, login, member, task):
        response = login(member).get(task_url(task), HTTP_HX_TARGET="task-history", **HTMX)

        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith('<section id="task-history"')
        assert html.rstrip().endswith("</section>")
        assert 'id="task-fields"' not in html
        assert "<html" not in html
        assert history(html) == ["Mia Member created the task 0 minutes ago"]

    def test_the_panel_refreshes_itself_after_changes(self, clock, login, member, task):
        page = login(member).get(task_url(task)).content.decode()

        panel = section(page, "task-history")
        assert f'hx-get="{task_url(task)}"' in panel
        assert 'hx-trigger="task-changed from:body, comment-added from:body"' in panel
        assert 'hx-swap="outerHTML"' in panel

    def test_other_htmx_targets_get_the_whole_page(self, clock, login, member, task):
        response = login(member).get(task_url(task), HTTP_HX_TARGET="main", **HTMX)

        assert "<html" in response.content.decode()

    def test_boosted_request_gets_the_whole_page(self, clock, login, member, task):
        response = login(member).get(
            task_url(task), HTTP_HX_TARGET="task-history", HTTP_HX_BOOSTED="true", **HTMX
        )

        assert "<html" in response.content.decode()

    def test_page_and_panel_vary_on_htmx_headers(self, clock, login, member, task):
        # One URL answers with the page or the panel depending on HX-Request: caches must
        # keep them apart (STYLE.md 4: vary_on_headers("HX-Request")).
        client = login(member)

        page = client.get(task_url(task))
        panel = client.get(task_url(task), HTTP_HX_TARGET="task-history", **HTMX)

        for response in (page, panel):
            assert "HX-Request" in response.get("Vary", ""), response.get("Vary")


class TestQueryCount:
    def test_detail_page_queries_do_not_grow_with_history(
        self, clock, login, organization, member, task, django_assert_max_num_queries
    ):
        client = login(member)
        client.get(task_url(task))  # warm up the session and the content types cache
        add_history(organization, task, 4)
        with django_assert_max_num_queries(30) as few:
            first = client.get(task_url(task))
        assert len(history(first.content.decode())) == 5
        add_history(organization, task, 35)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(task_url(task))
        assert len(history(response.content.decode())) == 40

    def test_panel_queries_do_not_grow_with_history(
        self, clock, login, organization, member, task, django_assert_max_num_queries
    ):
        client = login(member)
        client.get(task_url(task))
        headers = {"HTTP_HX_TARGET": "task-history", **HTMX}
        add_history(organization, task, 4)
        with django_assert_max_num_queries(30) as few:
            client.get(task_url(task), **headers)
        add_history(organization, task, 35)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(task_url(task), **headers)
        assert len(history(response.content.decode())) == 40


def add_history(organization, task, count):
    """``count`` history entries by as many different people: task edits and comments."""
    with organization_scope(organization):
        for i in range(count):
            person = MembershipFactory(organization=organization)
            if i % 2:
                comment_create(task=task, actor=person, body=f"Comment {i}")
            else:
                task_update(task=task, actor=person, data={"title": f"Write the copy, take {i}"})
