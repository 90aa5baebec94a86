"""Bulk edits from the task lists: selection by number or by the list's filter, one write
against the plan's limit, the toast with its Undo, refusals as messages, never a 500."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from web.templatetags.tandem import undo_url
from workspace.models import BulkEdit, Priority, Role, Task, TaskLabel, TaskStatus
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    LabelFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mia(organization):
    return MembershipFactory(organization=organization, role=Role.MEMBER, user__name="Mia")


@pytest.fixture
def project(organization):
    with organization_scope(organization):
        return ProjectFactory(organization=organization, name="Launch", slug="launch")


def make(project, n, **fields):
    with organization_scope(project.organization):
        return TaskFactory.create_batch(n, project=project, **fields)


def fresh(task) -> Task:
    with organization_scope(task.organization):
        return Task.all_objects.get(pk=task.pk)


BULK = "/o/acme/tasks/bulk/"
# The bench holds its bulk scenario to this (scripts/bench.py).
BULK_QUERIES = 14


def only_bulk(project) -> BulkEdit:
    with organization_scope(project.organization):
        return BulkEdit.objects.get()


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_checked_numbers_change_and_the_toast_offers_undo(client, mia, project):
    tasks = make(project, 3, priority=Priority.LOW)
    untouched = make(project, 1, priority=Priority.LOW)[0]
    client.force_login(mia.user)

    response = client.post(
        BULK,
        {"op": "priority:high", "task": [t.number for t in tasks], "next": "/o/acme/tasks/"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/o/acme/tasks/"
    assert {fresh(t).priority for t in tasks} == {Priority.HIGH}
    assert fresh(untouched).priority == Priority.LOW
    message = next(iter(response.context["messages"]))
    assert str(message) == "Set the priority of 3 tasks to High."
    undo = undo_url(message)
    assert undo.startswith("/o/acme/tasks/bulk/")

    back = client.post(undo, follow=True)

    assert {fresh(t).priority for t in tasks} == {Priority.LOW}
    assert messages_of(back) == ["Undone: set the priority of 3 tasks to High."]


def test_all_matching_reevaluates_the_filter_on_the_server(client, mia, project):
    todo = make(project, 4, status=TaskStatus.TODO, priority=Priority.LOW)
    done = make(project, 2, status=TaskStatus.DONE, priority=Priority.LOW)
    client.force_login(mia.user)

    response = client.post(
        BULK,
        {
            "op": "priority:urgent",
            "all": "1",
            "query": urlencode({"status": "todo", "page": 2}),
            "task": [todo[0].number],
        },
        follow=True,
    )

    assert {fresh(t).priority for t in todo} == {Priority.URGENT}
    assert {fresh(t).priority for t in done} == {Priority.LOW}
    assert messages_of(response) == ["Set the priority of 4 tasks to Urgent."]


def test_all_matching_on_my_tasks_and_on_a_project_page(client, mia, organization, project):
    other = ProjectFactory(organization=organization, name="Other", slug="other")
    with organization_scope(organization):
        mine = TaskFactory(project=project, assignee=mia)
        mine_elsewhere = TaskFactory(project=other, assignee=mia)
        not_mine = TaskFactory(project=project)
    client.force_login(mia.user)

    client.post(
        BULK, {"op": "status:in_progress", "all": "1", "preset": "mine", "in_project": "launch"}
    )

    assert fresh(mine).status == TaskStatus.IN_PROGRESS
    assert fresh(mine_elsewhere).status == TaskStatus.TODO
    assert fresh(not_mine).status == TaskStatus.TODO


def test_numbers_of_another_organization_are_ignored(client, mia, project):
    elsewhere = OrganizationFactory(slug="elsewhere")
    with organization_scope(elsewhere):
        theirs = TaskFactory(project=ProjectFactory(organization=elsewhere))
    client.force_login(mia.user)

    response = client.post(BULK, {"op": "status:done", "task": [theirs.number]}, follow=True)

    assert fresh(theirs).status == TaskStatus.TODO
    assert messages_of(response) == ["Nothing to change."]


def test_refusals_come_back_as_messages(client, mia, project):
    task = make(project, 1)[0]
    client.force_login(mia.user)
    cases = [
        ({"op": "status:done"}, "Select the tasks to change first."),
        ({"op": "status:nope", "task": [task.number]}, "Choose what to change."),
        ({"op": "due_date", "due_date": "31/12/2030", "task": [task.number]}, "YYYY-MM-DD"),
        ({"op": "assignee:999999", "task": [task.number]}, "Choose what to change."),
        ({"op": "priority:low", "all": "1", "query": "due_after=garbage"}, "not valid"),
    ]
    for data, message in cases:
        response = client.post(BULK, data, follow=True)
        assert response.status_code == 200
        assert any(message in m for m in messages_of(response)), (data, messages_of(response))
    with organization_scope(project.organization):
        assert not BulkEdit.objects.exists()


@pytest.mark.parametrize("digit", ["\u00b2", "\u0663", "9" * 30])
def test_numbers_that_are_not_plain_digits_are_refused_with_a_message(client, mia, project, digit):
    """A superscript or Arabic-Indic digit is a digit to Python but not a number to the database;
    a very long one overflows it: each is refused as no choice, never a server error."""
    task = make(project, 1)[0]
    client.force_login(mia.user)
    cases = [
        ({"op": "status:done", "task": [digit]}, "Select the tasks to change first."),
        *(
            ({"op": f"{name}:{digit}", "task": [task.number]}, "Choose what to change.")
            for name in ("assignee", "project", "labels_add")
        ),
    ]
    for data, message in cases:
        response = client.post(BULK, data, follow=True)
        assert response.status_code == 200
        assert any(message in m for m in messages_of(response)), (data, messages_of(response))
    assert fresh(task).status == TaskStatus.TODO


def test_due_dates_assignees_and_the_trash(client, mia, project):
    task = make(project, 1, created_by=mia.user)[0]
    client.force_login(mia.user)

    client.post(BULK, {"op": "due_date", "due_date": "2030-12-31", "task": [task.number]})
    client.post(BULK, {"op": "assignee:me", "task": [task.number]})
    assert (str(fresh(task).due_date), fresh(task).assignee) == ("2030-12-31", mia)
    client.post(BULK, {"op": "due_date:none", "task": [task.number]})
    client.post(BULK, {"op": "assignee:none", "task": [task.number]})
    assert (fresh(task).due_date, fresh(task).assignee) == (None, None)
    client.post(BULK, {"op": f"project:{project.pk}", "task": [task.number]})
    response = client.post(BULK, {"op": "trash", "task": [task.number]}, follow=True)

    assert fresh(task).deleted_at is not None
    assert messages_of(response)[-1] == "Moved 1 task to the trash."


def test_one_bulk_edit_is_one_write_against_the_limit(client, mia, project, settings):
    settings.TANDEM_WRITE_LIMITS = {**settings.TANDEM_WRITE_LIMITS, "free": 1}
    tasks = make(project, 5, priority=Priority.LOW)
    client.force_login(mia.user)

    client.post(BULK, {"op": "priority:high", "task": [t.number for t in tasks]})
    refused = client.post(BULK, {"op": "priority:urgent", "task": [t.number for t in tasks]})

    assert {fresh(t).priority for t in tasks} == {Priority.HIGH}
    assert refused.status_code == 429


def test_the_list_shows_the_bar_and_row_checkboxes(client, mia, project):
    make(project, 3)
    client.force_login(mia.user)

    html = client.get("/o/acme/tasks/").content.decode()

    assert 'form id="bulk"' in html
    assert html.count('form="bulk" aria-label="Select #') == 3
    assert "data-bulk-page" in html
    # The bar's menus load when it first shows (BulkChoicesView), not with every list page.
    assert 'value="assignee:me"' not in html
    assert 'data-url="/o/acme/tasks/bulk/choices/"' in html


def test_the_bar_menus_load_on_demand_in_a_constant_number_of_queries(
    client, mia, project, organization, django_assert_max_num_queries
):
    with organization_scope(organization):
        MembershipFactory.create_batch(2, organization=organization, user__name="Colleague")
        LabelFactory(organization=organization, name="Bug")
    client.force_login(mia.user)
    url = reverse("web:task-bulk-choices", kwargs={"org_slug": "acme"})
    client.get(url)  # the cached choices are read once

    with django_assert_max_num_queries(4):
        html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    with organization_scope(organization):
        MembershipFactory.create_batch(5, organization=organization)
        ProjectFactory.create_batch(3, organization=organization)
        LabelFactory.create_batch(4, organization=organization)
    client.get(url)
    with django_assert_max_num_queries(4):
        more = client.get(url, HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in html
    assert 'value="assignee:me"' in html
    assert 'value="status:done"' in html
    assert f'value="project:{project.pk}"' in html
    assert "Colleague" in html
    assert 'value="labels_add:' in html
    assert 'value="labels_remove:' in html
    assert more.count('value="labels_add:') == 5
    # On a project's page the bar does not offer to move tasks to another project.
    assert 'value="project:' not in client.get(url + "?in_project=1").content.decode()


def test_bulk_add_and_remove_a_label_with_undo(client, mia, project, organization):
    with organization_scope(organization):
        bug = LabelFactory(organization=organization, name="Bug")
    tasks = make(project, 3)
    with organization_scope(organization):
        TaskLabel.objects.create(organization=organization, task=tasks[0], label=bug)
    client.force_login(mia.user)

    response = client.post(
        BULK, {"op": f"labels_add:{bug.pk}", "task": [t.number for t in tasks]}, follow=True
    )

    assert messages_of(response) == [
        "Added the label Bug to 2 tasks. Skipped 1: 1 already had the label Bug."
    ]
    with organization_scope(organization):
        assert TaskLabel.objects.filter(label=bug).count() == 3
    undone = client.post(
        reverse("web:task-bulk-undo", kwargs={"org_slug": "acme", "pk": only_bulk(project).pk}),
        follow=True,
    )
    assert messages_of(undone) == ["Undone: added the label Bug to 2 tasks."]
    with organization_scope(organization):
        assert list(TaskLabel.objects.values_list("task_id", flat=True)) == [tasks[0].pk]

    response = client.post(
        BULK, {"op": f"labels_remove:{bug.pk}", "task": [t.number for t in tasks]}, follow=True
    )

    assert messages_of(response) == [
        "Removed the label Bug from 1 task. Skipped 2: 2 did not have the label Bug."
    ]
    with organization_scope(organization):
        assert not TaskLabel.objects.exists()


def test_a_label_of_another_organization_is_refused(client, mia, project):
    elsewhere = OrganizationFactory(slug="elsewhere")
    with organization_scope(elsewhere):
        theirs = LabelFactory(organization=elsewhere, name="Theirs")
    tasks = make(project, 1)
    client.force_login(mia.user)

    response = client.post(
        BULK, {"op": f"labels_add:{theirs.pk}", "task": [tasks[0].number]}, follow=True
    )

    assert messages_of(response) == ["Choose what to change."]


def test_an_undo_of_another_organization_is_not_found(client, mia, project):
    elsewhere = OrganizationFactory(slug="elsewhere")
    stranger = MembershipFactory(organization=elsewhere, role=Role.OWNER)
    tasks = make(project, 1)
    client.force_login(mia.user)
    client.post(BULK, {"op": "priority:urgent", "task": [tasks[0].number]})
    bulk = only_bulk(project)
    client.force_login(stranger.user)

    response = client.post(
        reverse("web:task-bulk-undo", kwargs={"org_slug": "elsewhere", "pk": bulk.pk})
    )

    assert response.status_code == 404
    assert fresh(tasks[0]).priority == Priority.URGENT


def test_a_second_undo_says_so(client, mia, project):
    tasks = make(project, 1)
    client.force_login(mia.user)
    client.post(BULK, {"op": "priority:urgent", "task": [tasks[0].number]})
    url = reverse("web:task-bulk-undo", kwargs={"org_slug": "acme", "pk": only_bulk(project).pk})
    client.post(url)

    response = client.post(url, follow=True)

    assert messages_of(response)[-1] == "This change was already undone."


def test_a_bulk_post_costs_the_same_queries_for_5_or_60_tasks(client, mia, project):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(mia.user)
    data = {"all": "1", "query": "due_after=2099-01-01&due_before=2099-01-01"}

    def count(value):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(BULK, {**data, "op": f"status:{value}"})
        assert response.status_code == 302
        return len(queries)

    make(project, 5, due_date="2099-01-01")
    count("done")
    small = count("in_progress")
    make(project, 55, due_date="2099-01-01")
    large = count("done")

    assert small == large
    assert large <= BULK_QUERIES, large


def test_more_than_the_limit_runs_in_the_background_with_progress(
    client, mia, project, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("workspace.services.bulk.BULK_MAX", 2)
    tasks = make(project, 3, priority=Priority.LOW)
    client.force_login(mia.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            BULK, {"op": "priority:high", "all": "1", "next": "/o/acme/tasks/"}, follow=True
        )

    assert messages_of(response) == [
        "3 tasks match: they are changed in the background (the list shows the progress)."
    ]
    assert {fresh(t).priority for t in tasks} == {Priority.HIGH}
    bulk = only_bulk(project)
    progress = reverse("web:task-bulk-progress", kwargs={"org_slug": "acme", "pk": bulk.pk})
    page = response.content.decode()
    assert f'hx-get="{progress}"' in page
    shown = client.get(progress, HTTP_HX_REQUEST="true").content.decode()
    assert "Done: set the priority of 3 tasks to High." in shown
    assert "Undo" in shown
    # Shown once: the list no longer asks for it.
    assert f'hx-get="{progress}"' not in client.get("/o/acme/tasks/").content.decode()
    assert "Bulk change" in client.get(progress).content.decode()


def test_a_running_job_polls_its_progress(client, mia, project):
    tasks = make(project, 2)
    with organization_scope(project.organization):
        from workspace.services.bulk import task_bulk_queue

        bulk = task_bulk_queue(
            organization=project.organization,
            actor=mia,
            tasks=Task.objects.filter(pk__in=[t.pk for t in tasks]),
            field_name="status",
            value="done",
        )
    client.force_login(mia.user)
    url = reverse("web:task-bulk-progress", kwargs={"org_slug": "acme", "pk": bulk.pk})

    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()

    assert 'hx-trigger="every 1s"' in html
    assert 'max="2" value="0"' in html


def test_a_watcher_sees_one_inbox_item_for_the_whole_bulk_edit(client, mia, project, organization):
    from workspace.models import InboxItem
    from workspace.tests.factories import WatchFactory

    watcher = MembershipFactory(organization=organization, user__name="Wendy")
    tasks = make(project, 3)
    with organization_scope(organization):
        for task in tasks:
            WatchFactory(task=task, membership=watcher)
    client.force_login(mia.user)
    client.post(BULK, {"op": "status:in_progress", "task": [t.number for t in tasks]})
    client.force_login(watcher.user)

    html = client.get("/o/acme/inbox/").content.decode()

    assert html.count('data-testid="inbox-item"') == 1
    assert "Mia set the status of 3 of your tasks to In progress" in html
    for task in tasks:
        assert f'href="/o/acme/tasks/{task.number}/"' in html
    with organization_scope(organization):
        item = InboxItem.objects.get()
    assert client.get(f"/o/acme/inbox/{item.pk}/").url == "/o/acme/inbox/"
    archived = client.post(f"/o/acme/inbox/{item.pk}/archive/", follow=True)
    assert messages_of(archived)[0] == "Archived: a change of several tasks."
