"""Making a task repeat from its page."""

import datetime as dt

import pytest
from django.urls import reverse

from web.tests.html import one, parse, text
from workspace.models import Recurrence, Task
from workspace.tenancy import organization_scope
from workspace.tests.factories import ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

RULE = {
    "frequency": "weekly",
    "interval": "2",
    "weekdays": ["0", "3"],
    "monthly": "day",
    "ends": "count",
    "count": "5",
    "trigger": "completed",
}


@pytest.fixture
def task(organization, member):
    with organization_scope(organization):
        project = ProjectFactory(organization=organization)
        return TaskFactory(
            project=project, created_by=member.user, due_date=dt.date(2026, 12, 3), title="Sync"
        )


def repeat_url(task):
    return reverse("web:task-repeat", kwargs={"org_slug": "acme", "number": task.number})


def test_the_rule_is_saved_and_shown_in_words(login, member, task):
    client = login(member)

    response = client.post(repeat_url(task), RULE, follow=True)

    assert text(one(response, "[data-testid=repeat-words]")).startswith(
        "Every 2 weeks on Mon and Thu, 5 times, the next one is created when this one is completed"
    )
    form = one(response, "#task-repeat form")
    assert one(form, "input[name=interval]")["value"] == "2"
    with organization_scope(task.organization):
        series = Recurrence.objects.get()
        assert Task.objects.get(pk=task.pk).recurrence_id == series.pk


def test_a_refused_rule_comes_back_with_the_form_as_typed(login, member, task):
    response = login(member).post(repeat_url(task), {**RULE, "ends": "until", "until": ""})

    assert response.status_code == 422
    page = parse(response)
    assert "Choose the last date." in text(one(page, "#task-repeat"))
    assert one(page, "#task-repeat input[name=interval]")["value"] == "2"
    assert one(page, "#task-repeat details").has_attr("open")


def test_a_task_without_due_date_is_told_why(login, member, task):
    with organization_scope(task.organization):
        Task.objects.filter(pk=task.pk).update(due_date=None)

    response = login(member).post(repeat_url(task), RULE)

    assert response.status_code == 422
    assert "Give the task a due date first" in text(one(response, "#task-repeat"))


def test_stopping(login, member, task):
    client = login(member)
    client.post(repeat_url(task), RULE)

    response = client.post(repeat_url(task), {"stop": "1"}, follow=True)

    assert "does not repeat" in text(one(response, "#task-repeat"))
    with organization_scope(task.organization):
        assert Recurrence.objects.get().active is False
