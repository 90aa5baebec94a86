"""The checklist on the task page: items added, ticked, moved and removed in place."""

import pytest
from bs4 import Tag
from django.urls import reverse

from web.tests.html import one, parse, text
from workspace.models import ChecklistItem, Task
from workspace.services.checklists import checklist_item_add
from workspace.tenancy import organization_scope
from workspace.tests.factories import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def task(organization, member):
    with organization_scope(organization):
        project = ProjectFactory(organization=organization)
        return TaskFactory(project=project, created_by=member.user, title="Launch")


def url(name, task, **kwargs):
    return reverse(name, kwargs={"org_slug": "acme", "number": task.number, **kwargs})


def add(task, member, *texts):
    with organization_scope(task.organization):
        return [checklist_item_add(task=task, actor=member, text=t) for t in texts]


def items(source):
    root = source if isinstance(source, Tag) else parse(source)
    return [
        (text(one(li, ".check")), one(li, ".check")["aria-checked"])
        for li in root.select("[data-testid=checklist-item]")
    ]


def test_adding_an_item_answers_with_the_checklist_and_its_progress(login, member, admin, task):
    response = login(member).post(
        url("web:checklist-add", task), {"text": "Write the post", "assignee": admin.pk}, **HTMX
    )

    assert response.status_code == 200
    section = one(response, "#task-checklist")
    assert items(section) == [("Write the post", "false")]
    assert text(one(section, "[data-testid=checklist-progress]")) == "0/1"
    assert "Adam Admin" in text(one(section, "[data-testid=checklist-item]"))
    assert one(section, "#checklist-new")["value"] == ""  # ready for the next item
    assert "task-changed" in response["HX-Trigger"]


def test_an_empty_item_is_refused_with_the_message(login, member, task):
    response = login(member).post(url("web:checklist-add", task), {"text": "   "}, **HTMX)

    assert response.status_code == 422
    assert "This field is required." in text(one(response, "#checklist-error"))


def test_a_too_long_item_comes_back_with_what_was_typed(login, member, task):
    typed = "x" * 301
    response = login(member).post(url("web:checklist-add", task), {"text": typed}, **HTMX)

    assert response.status_code == 422
    assert one(response, "#checklist-new")["value"] == typed
    assert one(response, "#checklist-new")["aria-invalid"] == "true"


def test_ticking_moving_and_removing_in_place(login, member, task):
    first, second, third = add(task, member, "One", "Two", "Three")
    client = login(member)

    ticked = client.post(url("web:checklist-tick", task, pk=second.pk), {"done": "1"}, **HTMX)
    assert items(ticked) == [("One", "false"), ("Two", "true"), ("Three", "false")]
    assert text(one(ticked, "[data-testid=checklist-progress]")) == "1/3"

    moved = client.post(url("web:checklist-move", task, pk=third.pk), {"direction": "up"}, **HTMX)
    assert [t for t, _ in items(moved)] == ["One", "Three", "Two"]
    # The first item cannot move up, the last cannot move down.
    page = parse(moved)
    assert page.select(f"#up-{first.pk}") == []
    assert page.select(f"#down-{second.pk}") == []

    removed = client.post(url("web:checklist-delete", task, pk=first.pk), **HTMX)
    assert [t for t, _ in items(removed)] == ["Three", "Two"]
    with organization_scope(task.organization):
        fresh = Task.objects.get(pk=task.pk)
        assert (fresh.checklist_done, fresh.checklist_total) == (1, 2)


def test_without_javascript_each_form_posts_and_comes_back_to_the_task(login, member, task):
    (item,) = add(task, member, "Plain")
    client = login(member)

    response = client.post(url("web:checklist-tick", task, pk=item.pk), {"done": "1"})

    assert response.status_code == 302
    assert response["Location"] == task.get_absolute_url()
    with organization_scope(task.organization):
        assert ChecklistItem.objects.get(pk=item.pk).done is True


def test_the_task_page_shows_the_checklist_and_its_history(login, member, task):
    add(task, member, "Draft")

    page = login(member).get(task.get_absolute_url())

    assert items(page) == [("Draft", "false")]
    history = [text(li) for li in parse(page).select("[data-testid=history-entry]")]
    assert any("checklist: — → added “Draft”" in line for line in history)


def test_an_item_of_another_task_is_a_404(login, member, task, organization):
    with organization_scope(organization):
        other = TaskFactory(project=task.project, created_by=member.user)
    (item,) = add(other, member, "Elsewhere")

    response = login(member).post(url("web:checklist-tick", task, pk=item.pk), {"done": "1"})

    assert response.status_code == 404
