"""Inline edits of a task's fields, from list rows and from the detail page."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from workspace.models import Priority, Task, TaskStatus
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def project(organization):
    return ProjectFactory(organization=organization, name="Website", slug="website")


@pytest.fixture
def task(project, member):
    with organization_scope(project.organization):
        return TaskFactory(project=project, title="Write the copy", created_by=member.user)


def inline_url(task, field):
    return reverse(
        "web:task-inline", kwargs={"org_slug": "acme", "number": task.number, "field": field}
    )


def assign_url(task):
    return reverse("web:task-assign", kwargs={"org_slug": "acme", "number": task.number})


def fresh(task):
    with organization_scope(task.organization):
        return Task.objects.select_related("assignee").get(pk=task.pk)


def post(client, url, task, context="row", **data):
    payload = {"version": task.updated_at.isoformat(), "context": context, **data}
    return client.post(url, payload, **HTMX)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("status", "in_progress", ("status", TaskStatus.IN_PROGRESS)),
        ("priority", "urgent", ("priority", Priority.URGENT)),
        ("title", "  Write   the new copy ", ("title", "Write the new copy")),
        ("due_date", "2031-01-15", ("due_date", timezone.datetime(2031, 1, 15).date())),
    ],
)
def test_row_edit_saves_and_returns_the_row(login, member, task, field, value, expected):
    response = post(login(member), inline_url(task, field), task, **{field: value})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="task-{task.number}"')
    assert getattr(fresh(task), expected[0]) == expected[1]
    assert json.loads(response["HX-Trigger"])["task-changed"] == {"number": task.number}


def test_detail_edit_returns_the_field_panel(login, member, task):
    response = post(login(member), inline_url(task, "status"), task, "detail", status="done")

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="task-fields"')
    assert '<option value="done" selected>' in html
    assert fresh(task).completed_at is not None


def test_clearing_the_due_date(login, member, task):
    with organization_scope(task.organization):
        Task.objects.filter(pk=task.pk).update(due_date=timezone.localdate())
    task = fresh(task)

    post(login(member), inline_url(task, "due_date"), task, due_date="")

    assert fresh(task).due_date is None


def test_invalid_value_swaps_back_the_field_with_its_error(login, member, task):
    response = post(login(member), inline_url(task, "title"), task, title="ab")

    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="task-{task.number}"')
    assert 'role="alert"' in html
    assert "at least 3 characters" in html
    assert 'value="ab"' in html  # what the user typed stays in the field
    assert fresh(task).title == "Write the copy"
    assert "HX-Trigger" not in response


def test_unknown_choice_is_refused(login, member, task):
    response = post(login(member), inline_url(task, "status"), task, status="shipped")

    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert fresh(task).status == TaskStatus.TODO


def test_unknown_field_is_404(login, member, task):
    response = post(login(member), inline_url(task, "created_by"), task, created_by="1")

    assert response.status_code == 404


def test_stale_edit_does_not_overwrite_a_newer_change(login, member, task):
    seen = task.updated_at
    other_tab = post(login(member), inline_url(task, "title"), task, title="Changed elsewhere")
    assert other_tab.status_code == 200

    response = login(member).post(
        inline_url(task, "title"),
        {"title": "My older edit", "version": seen.isoformat(), "context": "row"},
        **HTMX,
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "changed this task" in html
    assert 'value="Changed elsewhere"' in html  # the newer value is shown
    assert fresh(task).title == "Changed elsewhere"


def test_missing_or_garbled_version_is_refused(login, member, task):
    response = login(member).post(
        inline_url(task, "status"), {"status": "done", "version": "yesterday"}, **HTMX
    )

    assert response.status_code == 422
    assert fresh(task).status == TaskStatus.TODO


def test_without_javascript_the_edit_redirects_back(login, member, task):
    client = login(member)
    next_url = reverse("web:task-list", kwargs={"org_slug": "acme"}) + "?status=todo"

    response = client.post(
        inline_url(task, "priority"),
        {"priority": "high", "version": task.updated_at.isoformat(), "next": next_url},
    )

    assert response.status_code == 302
    assert response["Location"] == next_url
    assert fresh(task).priority == Priority.HIGH


def test_without_javascript_an_error_becomes_a_message(login, member, task):
    client = login(member)

    response = client.post(
        inline_url(task, "title"),
        {"title": "x", "version": task.updated_at.isoformat()},
        follow=True,
    )

    assert "at least 3 characters" in response.content.decode()


def test_redirect_target_must_be_local(login, member, task):
    response = login(member).post(
        inline_url(task, "priority"),
        {
            "priority": "high",
            "version": task.updated_at.isoformat(),
            "next": "https://evil.example/",
        },
    )

    assert response["Location"] == task.get_absolute_url()


class TestAssign:
    def test_assign_to_me(self, login, member, task):
        response = post(login(member), assign_url(task), task, "detail", assignee="me")

        assert response.status_code == 200
        assert fresh(task).assignee == member

    def test_assign_to_a_teammate_and_unassign(self, login, member, admin, task):
        client = login(member)
        post(client, assign_url(task), task, assignee=str(admin.pk))
        assert fresh(task).assignee == admin

        post(client, assign_url(task), fresh(task), assignee="")
        assert fresh(task).assignee is None

    def test_member_of_another_organization_cannot_be_assigned(self, login, member, task):
        stranger = MembershipFactory()

        response = post(login(member), assign_url(task), task, assignee=str(stranger.pk))

        assert response.status_code == 422
        assert fresh(task).assignee is None


def test_tasks_of_an_archived_project_can_still_be_closed(login, member, task, project):
    with organization_scope(project.organization):
        type(project).objects.filter(pk=project.pk).update(status="archived")

    response = post(login(member), inline_url(task, "status"), task, status="done")

    assert response.status_code == 200
    assert fresh(task).status == TaskStatus.DONE


def test_success_toast_rides_along(login, member, task):
    response = post(login(member), inline_url(task, "priority"), task, priority="low")

    assert "updated." in response.content.decode()
    assert 'hx-swap-oob="beforeend"' in response.content.decode()


def test_unchanged_value_is_quiet(login, member, task):
    response = post(login(member), inline_url(task, "priority"), task, priority="medium")

    assert response.status_code == 200
    assert "updated." not in response.content.decode()
    assert fresh(task).updated_at == task.updated_at


def test_past_due_dates_are_allowed_when_editing(login, member, task):
    yesterday = timezone.localdate() - timedelta(days=1)

    response = post(
        login(member), inline_url(task, "due_date"), task, due_date=yesterday.isoformat()
    )

    assert response.status_code == 200
    assert fresh(task).due_date == yesterday
    assert "is-overdue" in response.content.decode()
    assert "is in the past." in response.content.decode()  # the warning toast


def test_an_inline_due_date_before_2000_is_refused(login, member, task):
    response = post(login(member), inline_url(task, "due_date"), task, due_date="1900-01-01")

    assert response.status_code == 422
    assert "Choose a due date between 2000 and 2100." in response.content.decode()
    assert fresh(task).due_date is None


def test_the_row_opens_the_assignee_select_on_demand(login, member, admin, task):
    client = login(member)
    list_page = client.get(reverse("web:task-list", kwargs={"org_slug": "acme"})).content.decode()
    assert f'hx-get="{assign_url(task)}?context=row"' in list_page
    assert 'name="assignee"' not in list_page.split('id="task-table"')[1]

    control = client.get(assign_url(task) + "?context=row", **HTMX).content.decode()

    assert control.startswith(f'<form method="post" action="{assign_url(task)}"')
    assert 'hx-target="closest tr"' in control
    assert f'<option value="{admin.pk}">Adam Admin</option>' in control


def test_opening_a_control_without_javascript_leads_to_the_task(login, member, task):
    response = login(member).get(assign_url(task))

    assert response["Location"] == task.get_absolute_url()


def test_row_links_and_forms_point_at_the_real_routes(login, member, task):
    """Rows build their URLs from prefixes, for speed: they must match the URLconf."""
    row = (
        login(member)
        .get(reverse("web:task-list", kwargs={"org_slug": "acme"}))
        .content.decode()
        .split(f'<tr id="task-{task.number}"')[1]
        .split("</tr>")[0]
    )

    assert f'href="{task.get_absolute_url()}"' in row
    assert f'href="{task.project.get_absolute_url()}"' in row
    for field in ("title", "status", "priority", "due_date"):
        assert f'action="{inline_url(task, field)}"' in row
    edit = reverse("web:task-edit", kwargs={"org_slug": "acme", "number": task.number})
    assert f'href="{edit}"' in row
