"""Task rows drawn from the cache (web.fragments): exactly what a fresh render would show."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from web import fragments
from web.tests.html import one, text
from workspace.models import Task
from workspace.services.tasks import task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(organization, member):
    with organization_scope(organization):
        return TaskFactory(
            project=ProjectFactory(organization=organization, name="Apollo"),
            title="Draft the plan",
            assignee=member,
        )


def list_page(client):
    return client.get(reverse("web:task-list", kwargs={"org_slug": "acme"}))


def row(response, task):
    return one(response, f"tr#task-{task.number}")


def test_a_row_from_the_cache_is_the_row_a_fresh_render_draws(login, member, task):
    client = login(member)
    fresh = str(row(list_page(client), task))

    cached = str(row(list_page(client), task))
    cache.clear()
    client.force_login(member.user)
    redrawn = str(row(list_page(client), task))

    assert cached == fresh == redrawn


def renamed(instance, name):
    instance.name = name
    instance.save()


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        (lambda t: Task.objects.filter(pk=t.pk).update(title="Renamed quietly"), "Renamed quietly"),
        (lambda t: renamed(t.project, "Zeus"), "Zeus"),
        (lambda t: renamed(t.assignee.user, "Mia Renamed"), "Mia Renamed"),
    ],
    ids=["title", "project name", "assignee name"],
)
def test_a_row_changes_as_soon_as_anything_it_shows_changes(login, member, task, change, shown):
    """Rows are keyed by what they show: the task's own values, drawn at once even when a
    plain UPDATE bypasses every signal, and the names they take from the organization's
    directory (its project's, its assignee's), drawn as soon as a rename moves the directory's
    revision."""
    client = login(member)
    list_page(client)

    with organization_scope(task.organization):
        change(task)

    assert shown in text(row(list_page(client), task))


def test_an_edit_shows_in_the_list_and_its_count(login, member, task, organization):
    client = login(member)
    assert "1\u20131 of 1" in list_page(client).content.decode()
    with organization_scope(organization):
        task_update(task=Task.objects.get(pk=task.pk), actor=member, data={"status": "done"})
        TaskFactory(project=task.project)

    page = list_page(client)

    assert text(one(page, f"#task-{task.number} .f-status > button")) == "Done"
    assert "1\u20132 of 2" in page.content.decode()


def test_a_cache_entry_that_is_not_a_rendered_fragment_is_never_shown(
    login, member, task, monkeypatch
):
    client = login(member)
    asked = []
    get_many = fragments.cache.get_many
    monkeypatch.setattr(
        fragments.cache, "get_many", lambda keys: asked.extend(keys) or get_many(keys)
    )
    list_page(client)
    # Something else wrote plain text under the rows' keys (not a rendered SafeString).
    for key in asked:
        cache.set(key, "<script>alert(1)</script>")

    html = list_page(client).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "Draft the plan" in html
