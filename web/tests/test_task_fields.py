"""A task's fields, shown first and edited on demand where they are shown (web.views.tasks
.TaskFieldView): the editor fragments, saving, refusals that show the saved value and why,
field-level merging of stale edits, conflicts, and the no-JavaScript path."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from web.tests.html import one, parse, text
from workspace.models import Priority, ProjectStatus, Task, TaskStatus
from workspace.services.tasks import task_update
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


def field_url(task, field):
    return reverse(
        "web:task-inline", kwargs={"org_slug": "acme", "number": task.number, "field": field}
    )


def assign_url(task):
    return reverse("web:task-assign", kwargs={"org_slug": "acme", "number": task.number})


def fresh(task) -> Task:
    with organization_scope(task.organization):
        return Task.objects.select_related("assignee").get(pk=task.pk)


def post(client, url, task, context="row", **data):
    payload = {"version": task.version, "context": context, **data}
    return client.post(url, payload, **HTMX)


# The class of each field's value button.
VALUE_CLASSES = {"status": "pill", "priority": "prio", "assignee": "who", "due_date": "due"}


def shown(response):
    """The field's value as the answer shows it: the first value button, a child of the cell
    the answer fills."""
    return parse(response).find("button", recursive=False)


def triggers(response) -> dict:
    return json.loads(response.get("HX-Trigger", "{}"))


def change_elsewhere(task, actor, **data):
    """Another person's edit, made from their own copy of the task."""
    with organization_scope(task.organization):
        task_update(task=Task.objects.get(pk=task.pk), actor=actor, data=data)


class TestEditors:
    def test_the_status_editor_is_a_menu_with_the_current_value_checked(self, login, member, task):
        response = login(member).get(field_url(task, "status") + "?context=row", **HTMX)

        assert response.status_code == 200
        form = one(response, "form.editor")
        assert form["hx-post"] == form["action"] == field_url(task, "status")
        assert form["hx-target"] == "closest .cell"
        assert form["hx-sync"] == "closest .task:queue all"  # one edit of a task at a time
        assert one(form, "input[name=version]")["value"] == task.version
        assert one(form, "input[name=context]")["value"] == "row"
        menu = one(form, "[role=menu]")
        assert menu["aria-label"] == f"Status of #{task.number}"
        choices = [(b["value"], text(b), b["aria-checked"]) for b in menu.select("button")]
        assert choices == [
            ("todo", "To do", "true"),
            ("in_progress", "In progress", "false"),
            ("done", "Done", "false"),
            ("cancelled", "Cancelled", "false"),
        ]
        assert all(b["type"] == "submit" and b["name"] == "status" for b in menu.select("button"))

    def test_the_priority_editor_offers_every_priority(self, login, member, task):
        response = login(member).get(field_url(task, "priority"), **HTMX)

        values = [b["value"] for b in parse(response).select("[role=menuitemradio]")]
        assert values == ["low", "medium", "high", "urgent"]
        assert one(response, '[aria-checked="true"]')["value"] == "medium"

    def test_the_assignee_editor_lists_members_by_name_with_a_filter(
        self, login, member, admin, task
    ):
        response = login(member).get(assign_url(task) + "?context=card", **HTMX)

        html = parse(response)
        assert one(html, "input[data-filter]")["aria-label"] == "Find a member"
        choices = [(b["value"], text(b)) for b in html.select("[role=menuitemradio]")]
        assert choices == [
            ("", "Unassigned"),
            (str(admin.pk), "Adam Admin"),
            (str(member.pk), "Mia Member"),
        ]
        assert one(html, f'[value="{admin.pk}"]')["data-initials"] == "AA"
        assert one(html, "input[name=context]")["value"] == "card"

    @pytest.mark.parametrize(("field", "value"), [("title", "Write the copy"), ("due_date", "")])
    def test_text_and_date_editors_hold_the_current_value_and_save_on_submit(
        self, login, member, task, field, value
    ):
        response = login(member).get(field_url(task, field) + "?context=detail", **HTMX)

        form = one(response, "form.editor")
        control = one(form, f"[name={field}]:not(button)")
        assert control.get("value", "") == value
        assert one(form, f"label[for={control['id']}]")  # labelled
        assert one(form, "button[type=submit]:not([name])").get_text(strip=True) == "Save"
        assert one(form, "button[data-cancel]")

    def test_without_javascript_opening_an_editor_leads_to_the_edit_page(self, login, member, task):
        response = login(member).get(field_url(task, "status"))

        edit = reverse("web:task-edit", kwargs={"org_slug": "acme", "number": task.number})
        assert response["Location"] == edit

    def test_unknown_field_is_404(self, login, member, task):
        response = post(login(member), field_url(task, "created_by"), task, created_by="1")

        assert response.status_code == 404


class TestSaving:
    @pytest.mark.parametrize(
        ("field", "value", "attribute", "expected", "display"),
        [
            ("status", "in_progress", "status", TaskStatus.IN_PROGRESS, "In progress"),
            ("priority", "urgent", "priority", Priority.URGENT, "Urgent"),
            (
                "due_date",
                "2031-01-15",
                "due_date",
                timezone.datetime(2031, 1, 15).date(),
                "Jan 15, 2031",
            ),
        ],
    )
    def test_an_edit_saves_and_answers_with_the_saved_value(
        self, login, member, task, field, value, attribute, expected, display
    ):
        response = post(login(member), field_url(task, field), task, **{field: value})

        assert response.status_code == 200
        saved = fresh(task)
        assert getattr(saved, attribute) == expected
        assert VALUE_CLASSES[field] in shown(response)["class"]
        assert text(shown(response)) == display
        assert response["X-Task-Version"] == saved.version  # the next edit's version
        assert triggers(response)["task-changed"] == {"number": task.number}
        assert "saved" in triggers(response)["announce"]["message"]
        assert parse(response).select("form") == []  # the editor is gone

    def test_a_new_title_is_saved_tidied_and_the_link_follows(self, login, member, task):
        response = post(
            login(member), field_url(task, "title"), task, "detail", title="  New   copy "
        )

        assert fresh(task).title == "New copy"
        assert one(response, "a.title").get_text() == "New copy"

    def test_a_status_change_redraws_the_due_date_it_makes_overdue_or_not(
        self, login, member, task
    ):
        with organization_scope(task.organization):
            Task.objects.filter(pk=task.pk).update(
                due_date=timezone.localdate() - timedelta(days=2)
            )

        response = post(login(member), field_url(task, "status"), fresh(task), status="done")

        redrawn = one(response, "[hx-swap-oob]")
        assert redrawn["hx-swap-oob"] == f"innerHTML:#task-{task.number} .f-due_date"
        assert "overdue" not in one(redrawn, "button.due")["class"]

    def test_the_detail_page_answer_targets_its_own_panel(self, login, member, task):
        with organization_scope(task.organization):
            Task.objects.filter(pk=task.pk).update(due_date=timezone.localdate())

        response = post(
            login(member), field_url(task, "status"), fresh(task), "detail", status="done"
        )

        assert one(response, "[hx-swap-oob]")["hx-swap-oob"] == "innerHTML:#task-fields .f-due_date"

    def test_clearing_the_due_date(self, login, member, task):
        with organization_scope(task.organization):
            Task.objects.filter(pk=task.pk).update(due_date=timezone.localdate())

        response = post(login(member), field_url(task, "due_date"), fresh(task), due_date="")

        assert fresh(task).due_date is None
        assert "none" in shown(response)["class"]
        assert shown(response)["aria-label"] == "No due date"

    def test_past_due_dates_are_allowed_when_editing_and_show_as_overdue(self, login, member, task):
        yesterday = timezone.localdate() - timedelta(days=1)

        response = post(
            login(member), field_url(task, "due_date"), task, due_date=yesterday.isoformat()
        )

        assert response.status_code == 200
        assert fresh(task).due_date == yesterday
        assert "overdue" in shown(response)["class"]
        assert "is in the past." in text(one(response, "#toasts"))  # the warning toast

    def test_a_due_date_before_2000_is_refused_and_kept_in_the_editor(self, login, member, task):
        response = post(login(member), field_url(task, "due_date"), task, due_date="1900-01-01")

        assert response.status_code == 422
        editor = one(response, "form.editor")
        assert one(editor, "input[name=due_date]")["value"] == "1900-01-01"
        assert "Choose a due date between 2000 and 2100." in text(editor)
        assert fresh(task).due_date is None

    def test_an_unchanged_value_is_quiet(self, login, member, task):
        response = post(login(member), field_url(task, "priority"), task, priority="medium")

        assert response.status_code == 200
        assert "task-changed" not in triggers(response)
        assert fresh(task).updated_at == task.updated_at

    def test_tasks_of_an_archived_project_can_still_be_closed(self, login, member, task, project):
        with organization_scope(project.organization):
            type(project).objects.filter(pk=project.pk).update(status=ProjectStatus.ARCHIVED)

        response = post(login(member), field_url(task, "status"), task, status="done")

        assert response.status_code == 200
        assert fresh(task).status == TaskStatus.DONE


class TestRefusals:
    """A refused edit answers with the saved value and why; typed text stays in its editor."""

    def test_a_too_short_title_reopens_the_editor_with_what_was_typed(self, login, member, task):
        response = post(login(member), field_url(task, "title"), task, "detail", title="ab")

        assert response.status_code == 422
        assert one(response, "a.title").get_text() == "Write the copy"  # the saved value
        editor = one(response, "form.editor")
        assert one(editor, "input[name=title]")["value"] == "ab"  # what was typed
        assert "at least 3 characters" in text(editor)
        assert fresh(task).title == "Write the copy"
        assert "task-changed" not in triggers(response)

    def test_an_unknown_choice_shows_the_saved_value_and_the_reason(self, login, member, task):
        response = post(login(member), field_url(task, "status"), task, status="shipped")

        assert response.status_code == 422
        assert text(shown(response)) == "To do"
        assert "Select a valid choice" in text(one(response, "[role=alert]"))
        assert fresh(task).status == TaskStatus.TODO

    @pytest.mark.parametrize(
        "version", [None, "", "yesterday", "2026-01-01T00:00:00+00:00", "9" * 30]
    )
    def test_a_missing_or_garbled_version_is_refused_not_skipped(
        self, login, member, task, version
    ):
        data = {"status": "done", "context": "row"}
        if version is not None:
            data["version"] = version

        response = login(member).post(field_url(task, "status"), data, **HTMX)

        assert response.status_code == 400
        assert text(shown(response)) == "To do"
        assert "out of date" in text(one(response, "[role=alert]"))
        assert fresh(task).status == TaskStatus.TODO

    def test_the_member_of_another_organization_cannot_be_assigned(self, login, member, task):
        stranger = MembershipFactory()

        response = post(login(member), assign_url(task), task, assignee=str(stranger.pk))

        assert response.status_code == 422
        assert text(shown(response)) == "Unassigned"
        assert fresh(task).assignee is None

    def test_past_the_write_limit_the_cell_shows_the_saved_value_and_when_to_retry(
        self, login, member, task, settings
    ):
        settings.TANDEM_WRITE_LIMITS = {"free": 1, "pro": 10}
        client = login(member)
        hour = timezone.now().replace(minute=0, second=5, microsecond=0) + timedelta(hours=1)
        with time_machine.travel(hour, tick=False):
            post(client, field_url(task, "priority"), task, priority="high")
            refused = post(
                client, field_url(task, "title"), fresh(task), "detail", title="Typed title"
            )

        assert refused.status_code == 429
        assert refused["Retry-After"] == str(3600 - 5)
        assert one(refused, "a.title").get_text() == "Write the copy"
        editor = one(refused, "form.editor")
        assert one(editor, "input[name=title]")["value"] == "Typed title"
        assert "allows 1 changes to tasks per hour" in text(editor)
        assert fresh(task).title == "Write the copy"


class TestStaleEdits:
    """Edits carry the version they were made from: other fields changed since merge; the same
    field changed since is a conflict the user settles."""

    def test_an_edit_of_another_field_merges_and_redraws_what_changed_meanwhile(
        self, login, member, admin, task
    ):
        seen = fresh(task)
        change_elsewhere(task, admin, priority=Priority.URGENT)

        response = post(login(member), field_url(task, "status"), seen, status="in_progress")

        assert response.status_code == 200
        saved = fresh(task)
        assert (saved.status, saved.priority) == (TaskStatus.IN_PROGRESS, Priority.URGENT)
        redrawn = one(response, f'[hx-swap-oob="innerHTML:#task-{task.number} .f-priority"]')
        assert text(redrawn) == "Urgent"
        assert response["X-Task-Version"] == saved.version

    def test_the_same_field_changed_meanwhile_is_a_conflict_showing_both_values(
        self, login, member, admin, task
    ):
        seen = fresh(task)
        change_elsewhere(task, admin, status=TaskStatus.DONE)

        response = post(login(member), field_url(task, "status"), seen, status="cancelled")

        assert response.status_code == 409
        assert text(shown(response)) == "Done"  # theirs, as saved
        conflict = one(response, "[role=alertdialog]")
        assert "Adam Admin changed the status to Done" in text(conflict)
        assert "You chose Cancelled" in text(conflict)
        keep = one(conflict, "form")
        assert one(keep, "input[name=status]")["value"] == "cancelled"
        assert one(keep, "input[name=version]")["value"] == fresh(task).version
        assert fresh(task).status == TaskStatus.DONE

    def test_keep_mine_saves_over_theirs(self, login, member, admin, task):
        seen = fresh(task)
        change_elsewhere(task, admin, status=TaskStatus.DONE)
        client = login(member)
        conflict = post(client, field_url(task, "status"), seen, status="cancelled")
        keep = one(conflict, "[role=alertdialog] form")

        response = client.post(
            keep["action"], {i["name"]: i["value"] for i in keep.select("input")}, **HTMX
        )

        assert response.status_code == 200
        assert fresh(task).status == TaskStatus.CANCELLED

    def test_two_quick_edits_from_one_version_both_land(self, login, member, task):
        """The browser queues them, but even sent together from the same version, edits of two
        fields both land."""
        client = login(member)
        seen = fresh(task)

        first = post(client, field_url(task, "priority"), seen, priority="high")
        second = post(client, field_url(task, "status"), seen, status="in_progress")

        assert (first.status_code, second.status_code) == (200, 200)
        saved = fresh(task)
        assert (saved.priority, saved.status) == (Priority.HIGH, TaskStatus.IN_PROGRESS)


class TestAssign:
    def test_assign_to_me(self, login, member, task):
        response = post(login(member), assign_url(task), task, "detail", assignee="me")

        assert response.status_code == 200
        assert fresh(task).assignee == member
        assert text(shown(response)) == "Mia Member"
        assert shown(response)["data-initials"] == "MM"

    def test_assign_to_a_teammate_and_unassign(self, login, member, admin, task):
        client = login(member)
        post(client, assign_url(task), task, assignee=str(admin.pk))
        assert fresh(task).assignee == admin

        response = post(client, assign_url(task), fresh(task), assignee="")

        assert fresh(task).assignee is None
        assert text(shown(response)) == "Unassigned"


class TestWithoutJavaScript:
    def test_an_edit_redirects_back(self, login, member, task):
        next_url = reverse("web:task-list", kwargs={"org_slug": "acme"}) + "?status=todo"

        response = login(member).post(
            field_url(task, "priority"),
            {"priority": "high", "version": task.version, "next": next_url},
        )

        assert response.status_code == 302
        assert response["Location"] == next_url
        assert fresh(task).priority == Priority.HIGH

    def test_an_error_becomes_a_message(self, login, member, task):
        response = login(member).post(
            field_url(task, "title"), {"title": "x", "version": task.version}, follow=True
        )

        assert "at least 3 characters" in response.content.decode()

    def test_the_redirect_target_must_be_local(self, login, member, task):
        response = login(member).post(
            field_url(task, "priority"),
            {"priority": "high", "version": task.version, "next": "https://evil.example/"},
        )

        assert response["Location"] == task.get_absolute_url()
