"""Plan limits on task writes: per member and organization, per hour, in the shared cache."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from workspace.models import Plan, Task, TaskStatus
from workspace.services.tasks import task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# The top of an hour, so that a test's writes never straddle two windows.
HOUR = timezone.now().replace(minute=0, second=5, microsecond=0) + timedelta(hours=1)


@pytest.fixture
def task(organization, member):
    with organization_scope(organization):
        project = ProjectFactory(organization=organization)
        return TaskFactory(project=project, created_by=member.user)


def edit_title(client, task, title, **headers):
    with organization_scope(task.organization):
        version = Task.objects.get(pk=task.pk).version
    url = reverse(
        "web:task-inline",
        kwargs={"org_slug": task.organization.slug, "number": task.number, "field": "title"},
    )
    return client.post(url, {"title": title, "version": version, "context": "row"}, **headers)


def title_of(task):
    with organization_scope(task.organization):
        return Task.objects.get(pk=task.pk).title


def test_the_101st_write_in_an_hour_on_free_is_refused(login, member, task):
    client = login(member)
    with time_machine.travel(HOUR, tick=False):
        for n in range(100):
            assert edit_title(client, task, f"Title number {n}").status_code == 302

        refused = edit_title(client, task, "One too many")

    assert refused.status_code == 429
    assert refused["Retry-After"] == str(3600 - 5)
    page = refused.content.decode()
    assert "Free plan, which allows 100 changes to tasks per hour" in page
    assert "again in 60 minutes" in page
    assert title_of(task) == "Title number 99"


def test_a_pro_organization_is_not_limited_at_101(login, member, task, organization):
    organization.plan = Plan.PRO
    organization.save()
    client = login(member)
    with time_machine.travel(HOUR, tick=False):
        for n in range(101):
            assert edit_title(client, task, f"Title number {n}").status_code == 302

    assert title_of(task) == "Title number 100"


@pytest.fixture
def small_limits(settings):
    settings.TANDEM_WRITE_LIMITS = {"free": 3, "pro": 30}


def test_limits_are_per_member(login, member, admin, task, small_limits):
    with time_machine.travel(HOUR, tick=False):
        for n in range(3):
            edit_title(login(member), task, f"Member edit {n}")
        assert edit_title(login(member), task, "Refused").status_code == 429

        assert edit_title(login(admin), task, "Admin edit").status_code == 302


def test_limits_are_per_organization(login, member, task, small_limits):
    elsewhere = MembershipFactory(user=member.user)
    with organization_scope(elsewhere.organization):
        other_task = TaskFactory(
            project=ProjectFactory(organization=elsewhere.organization), created_by=member.user
        )
    with time_machine.travel(HOUR, tick=False):
        for n in range(3):
            edit_title(login(member), task, f"Acme edit {n}")
        assert edit_title(login(member), task, "Refused").status_code == 429

        assert edit_title(login(member), other_task, "Other organization").status_code == 302


def test_every_kind_of_task_write_counts(login, member, task, small_limits):
    client = login(member)
    slug = task.organization.slug
    with time_machine.travel(HOUR, tick=False):
        client.post(
            reverse("web:comment-create", kwargs={"org_slug": slug, "number": task.number}),
            {"body": "One"},
        )
        client.post(
            reverse("web:task-assign", kwargs={"org_slug": slug, "number": task.number}),
            {"assignee": "me", "version": task.version, "context": "row"},
        )
        client.post(
            reverse("web:task-create", kwargs={"org_slug": slug}),
            {"title": "Three", "project": task.project_id, "status": "todo", "priority": "low"},
        )
        refused = client.post(
            reverse("web:comment-create", kwargs={"org_slug": slug, "number": task.number}),
            {"body": "Four"},
        )

    assert refused.status_code == 429


def test_reads_are_never_limited(login, member, task, small_limits):
    client = login(member)
    with time_machine.travel(HOUR, tick=False):
        for n in range(4):
            edit_title(client, task, f"Edit {n}")
        for _ in range(10):
            assert client.get(task.get_absolute_url()).status_code == 200
            assert (
                client.get(reverse("web:task-list", kwargs={"org_slug": "acme"})).status_code == 200
            )


def test_the_limit_resets_with_the_next_hour(login, member, task, small_limits):
    client = login(member)
    with time_machine.travel(HOUR, tick=False):
        for n in range(4):
            edit_title(client, task, f"Edit {n}")
    with time_machine.travel(HOUR + timedelta(hours=1), tick=False):
        assert edit_title(client, task, "A new hour").status_code == 302


def test_htmx_gets_a_toast_not_a_broken_swap(login, member, task, small_limits):
    """(A field edit instead answers with its cell: web/tests/test_task_fields.py.)"""
    client = login(member)
    comment_url = reverse("web:comment-create", kwargs={"org_slug": "acme", "number": task.number})
    with time_machine.travel(HOUR + timedelta(minutes=50), tick=False):
        for n in range(3):
            edit_title(client, task, f"Edit {n}", **HTMX)
        response = client.post(comment_url, {"body": "Refused"}, **HTMX)

    assert response.status_code == 429
    assert response["HX-Retarget"] == "#toasts"
    assert response["HX-Reswap"] == "beforeend"
    html = response.content.decode()
    assert html.lstrip().startswith("<div data-toast")
    assert "again in 10 minutes" in html
    assert "<html" not in html


def test_a_done_task_stays_done_when_refused(login, member, task, small_limits):
    """A refused write changes nothing, whatever it was."""
    client = login(member)
    url = reverse(
        "web:task-inline", kwargs={"org_slug": "acme", "number": task.number, "field": "status"}
    )
    with time_machine.travel(HOUR, tick=False):
        for n in range(3):
            edit_title(client, task, f"Edit {n}")
        client.post(url, {"status": "done", "version": "", "context": "row"})

    with organization_scope(task.organization):
        assert Task.objects.get(pk=task.pk).status == TaskStatus.TODO


# Only accepted writes count: a refused one (an invalid form, a stale edit) costs nothing.


def test_invalid_inline_edits_do_not_count(login, member, task, small_limits):
    client = login(member)
    with time_machine.travel(HOUR, tick=False):
        for _ in range(5):
            assert edit_title(client, task, "x", **HTMX).status_code == 422
        for n in range(3):
            assert edit_title(client, task, f"Accepted {n}").status_code == 302

        assert edit_title(client, task, "One too many").status_code == 429

    assert title_of(task) == "Accepted 2"


def test_conflicting_edits_do_not_count(login, member, task, small_limits):
    client = login(member)
    url = reverse(
        "web:task-inline", kwargs={"org_slug": "acme", "number": task.number, "field": "title"}
    )
    stale = task.version
    with organization_scope(task.organization):  # someone else renames it meanwhile
        task_update(task=Task.objects.get(pk=task.pk), actor=member, data={"title": "Theirs"})
    with time_machine.travel(HOUR, tick=False):
        for _ in range(5):
            response = client.post(url, {"title": "Stale", "version": stale}, **HTMX)
            assert response.status_code == 409
        for n in range(3):
            assert edit_title(client, task, f"Accepted {n}").status_code == 302

        assert edit_title(client, task, "One too many").status_code == 429


def test_refused_task_forms_and_empty_comments_do_not_count(login, member, task, small_limits):
    client = login(member)
    slug = task.organization.slug
    create = reverse("web:task-create", kwargs={"org_slug": slug})
    comment = reverse("web:comment-create", kwargs={"org_slug": slug, "number": task.number})
    with time_machine.travel(HOUR, tick=False):
        for _ in range(3):
            invalid = {"title": "x", "project": task.project_id, "priority": "low"}
            assert client.post(create, invalid).status_code == 422
            assert client.post(comment, {"body": "   "}).status_code == 302  # back, with why
            assert client.post(comment, {"body": ""}, **HTMX).status_code == 422
        for n in range(3):
            assert client.post(comment, {"body": f"Comment {n}"}).status_code == 302

        assert client.post(comment, {"body": "One too many"}).status_code == 429

    with organization_scope(task.organization):
        assert list(task.comments.values_list("body", flat=True)) == [
            "Comment 0",
            "Comment 1",
            "Comment 2",
        ]


def test_a_write_over_the_limit_is_refused_before_it_runs(login, member, task, small_limits):
    client = login(member)
    with time_machine.travel(HOUR, tick=False):
        for n in range(3):
            edit_title(client, task, f"Edit {n}")

        refused = [edit_title(client, task, "Refused").status_code for _ in range(3)]
        invalid_refused = edit_title(client, task, "x").status_code

    assert refused == [429, 429, 429]
    assert invalid_refused == 429
    assert title_of(task) == "Edit 2"
