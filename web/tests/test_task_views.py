"""Creating, editing, reading and deleting tasks through their pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from web.tests.html import one, text
from workspace.models import FieldType, Priority, Task, TaskStatus
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    CommentFactory,
    CustomFieldFactory,
    MembershipFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(organization):
    return ProjectFactory(organization=organization, name="Website", slug="website")


def create_url(**query):
    url = reverse("web:task-create", kwargs={"org_slug": "acme"})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def valid(project, **overrides):
    return {
        "title": "Write the copy",
        "project": project.pk,
        "status": "todo",
        "priority": "high",
        **overrides,
    }


def tasks_of(organization):
    with organization_scope(organization):
        return list(Task.objects.order_by("number"))


class TestCreate:
    def test_past_the_write_limit_the_form_comes_back_with_what_was_typed(
        self, login, member, project, organization, settings
    ):
        settings.TANDEM_WRITE_LIMITS = {"free": 1, "pro": 10}
        client = login(member)
        client.post(create_url(), valid(project, title="The one allowed"))

        response = client.post(
            create_url(),
            valid(project, title="Typed with care", description="Two paragraphs of notes"),
        )

        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        form = one(response, "form.card")
        assert one(form, "input[name=title]")["value"] == "Typed with care"
        assert one(form, "textarea[name=description]").get_text().strip() == (
            "Two paragraphs of notes"
        )
        assert "allows 1 changes to tasks per hour" in text(one(form, "[role=alert]"))
        assert [t.title for t in tasks_of(organization)] == ["The one allowed"]

    def test_member_creates_a_task_and_lands_on_it(self, login, member, project, organization):
        response = login(member).post(create_url(), valid(project, assignee=member.pk))

        [task] = tasks_of(organization)
        assert response["Location"] == task.get_absolute_url()
        assert (task.number, task.title, task.priority) == (1, "Write the copy", Priority.HIGH)
        assert task.assignee_id == member.pk
        assert task.created_by == member.user

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"title": "  ab  "}, "title", "at least 3 characters"),
            ({"due_date": "1999-12-31"}, "due_date", "Choose a due date between 2000 and 2100."),
            ({"priority": "extreme"}, "priority", "Select a valid choice"),
        ],
    )
    def test_errors_show_next_to_the_field(
        self, login, member, project, organization, overrides, field, message
    ):
        response = login(member).post(create_url(), valid(project, **overrides))

        assert response.status_code == 422
        html = response.content.decode()
        field_block = html.split(f'id="div_id_{field}"')[1].split('id="div_id_')[0]
        assert message in field_block
        assert tasks_of(organization) == []

    def test_a_past_due_date_is_saved_with_a_warning(self, login, member, project, organization):
        client = login(member)
        past = "2020-05-04"

        response = client.post(create_url(), valid(project, due_date=past), follow=True)

        [task] = tasks_of(organization)
        assert task.due_date.isoformat() == past
        page = response.content.decode()
        assert "The due date, May 4, 2020, is in the past." in page
        assert "toast-warning" in page

    def test_an_edit_to_a_date_before_2000_is_refused(self, login, member, project, organization):
        client = login(member)
        client.post(create_url(), valid(project))
        [task] = tasks_of(organization)
        edit = reverse("web:task-edit", kwargs={"org_slug": "acme", "number": task.number})

        response = client.post(edit, valid(project, due_date="1900-01-01", version=task.version))

        assert response.status_code == 422
        assert "Choose a due date between 2000 and 2100." in response.content.decode()
        assert 'value="1900-01-01"' in response.content.decode()
        assert tasks_of(organization)[0].due_date is None

    def test_another_organizations_member_cannot_be_assigned(
        self, login, member, project, organization
    ):
        stranger = MembershipFactory()

        response = login(member).post(create_url(), valid(project, assignee=stranger.pk))

        assert response.status_code == 422
        assert tasks_of(organization) == []

    def test_archived_project_is_not_offered_and_refused(self, login, member, organization):
        archived = ProjectFactory(organization=organization, status="archived")

        page = login(member).get(create_url())
        response = login(member).post(create_url(), valid(archived))

        assert f'value="{archived.pk}"' not in page.content.decode()
        assert response.status_code == 422

    def test_without_projects_the_page_says_to_create_one(self, login, member):
        page = login(member).get(create_url())

        assert "there is no active project yet" in page.content.decode()

    def test_custom_fields_are_shown_validated_and_stored(
        self, login, member, project, organization
    ):
        CustomFieldFactory(
            project=project, name="Points", key="points", field_type=FieldType.NUMBER
        )
        CustomFieldFactory(
            project=project,
            name="Area",
            key="area",
            field_type=FieldType.CHOICE,
            options=["Web", "API"],
            required=True,
        )
        client = login(member)

        page = client.get(create_url(project="website")).content.decode()
        bad = client.post(create_url(), valid(project, cf_points="many", cf_area="Mobile"))
        good = client.post(create_url(), valid(project, cf_points="3", cf_area="API"))

        assert 'name="cf_points"' in page
        assert 'name="cf_area"' in page
        assert bad.status_code == 422
        assert "Enter a number." in bad.content.decode()
        assert "Select a valid choice" in bad.content.decode()
        assert good.status_code == 302
        [task] = tasks_of(organization)
        assert task.custom_fields == {"points": 3, "area": "API"}

    def test_choosing_another_project_swaps_in_its_custom_fields(
        self, login, member, project, organization
    ):
        other = ProjectFactory(organization=organization, slug="other")
        CustomFieldFactory(project=other, name="Budget", key="budget")

        response = login(member).get(create_url(project=other.pk), HTTP_HX_REQUEST="true")

        html = response.content.decode()
        assert html.lstrip().startswith('<div id="custom-fields"')
        assert 'name="cf_budget"' in html


class TestEdit:
    @pytest.fixture
    def task(self, project, member):
        with organization_scope(project.organization):
            return TaskFactory(project=project, title="Old title", created_by=member.user)

    def edit_url(self, task):
        return reverse("web:task-edit", kwargs={"org_slug": "acme", "number": task.number})

    def test_edit_saves_every_field(self, login, member, task, project):
        data = valid(
            project,
            title="New title",
            description="Details",
            status="done",
            priority="urgent",
            version=task.version,
        )

        response = login(member).post(self.edit_url(task), data)

        assert response["Location"] == task.get_absolute_url()
        [saved] = tasks_of(project.organization)
        assert (saved.title, saved.description, saved.status) == ("New title", "Details", "done")
        assert saved.completed_at is not None

    def test_edit_form_is_prefilled(self, login, member, task):
        page = login(member).get(self.edit_url(task)).content.decode()

        assert 'value="Old title"' in page
        assert f'value="{task.version}"' in page

    def opened(self, client, task) -> dict:
        """What the edit form posts back as it was opened: every input's value."""
        form = one(client.get(self.edit_url(task)), "form.card")
        data = {i["name"]: i.get("value", "") for i in form.select("input") if i.get("name")}
        for select in form.select("select"):
            chosen = select.select_one("option[selected]") or select.select_one("option")
            data[select["name"]] = chosen["value"]
        data["description"] = one(form, "textarea").get_text()
        return data

    def test_the_form_remembers_what_it_was_opened_with(self, login, member, task):
        data = self.opened(login(member), task)

        assert data["version"] == task.version
        assert data["initial-title"] == data["title"] == "Old title"
        assert data["initial-status"] == "todo"

    def test_a_stale_form_keeps_what_others_changed_in_fields_the_user_left_alone(
        self, login, member, admin, task
    ):
        client = login(member)
        data = self.opened(client, task)
        login(admin).post(
            self.edit_url(task), {**self.opened(login(admin), task), "status": "done"}
        )

        response = login(member).post(self.edit_url(task), {**data, "title": "My title"})

        assert response.status_code == 302
        saved = tasks_of(task.organization)[0]
        assert (saved.title, saved.status) == ("My title", "done")

    def test_a_field_both_changed_is_a_conflict_showing_both_values(
        self, login, member, admin, task
    ):
        data = self.opened(login(member), task)
        login(admin).post(
            self.edit_url(task), {**self.opened(login(admin), task), "title": "Their title"}
        )

        response = login(member).post(
            self.edit_url(task), {**data, "title": "My title", "priority": "urgent"}
        )

        assert response.status_code == 409
        conflicts = one(response, "[data-testid=conflicts]")
        assert "Title: theirs Their title, yours My title" in text(conflicts)
        form = one(response, "form.card")
        assert one(form, "input[name=title]")["value"] == "My title"  # what the user typed
        assert one(form, "input[name=version]")["value"] == tasks_of(task.organization)[0].version
        saved = tasks_of(task.organization)[0]
        assert (saved.title, saved.priority) == ("Their title", Priority.MEDIUM)

    @pytest.mark.parametrize(
        ("resolve", "title"), [("mine", "My title"), ("theirs", "Their title")]
    )
    def test_the_user_keeps_theirs_or_takes_the_other_and_the_rest_is_saved(
        self, login, member, admin, task, resolve, title
    ):
        client = login(member)
        data = self.opened(client, task)
        login(admin).post(
            self.edit_url(task), {**self.opened(login(admin), task), "title": "Their title"}
        )
        conflict = client.post(
            self.edit_url(task), {**data, "title": "My title", "priority": "urgent"}
        )
        form = one(conflict, "form.card")
        again = {i["name"]: i.get("value", "") for i in form.select("input") if i.get("name")}
        again.update(priority="urgent", status="todo", project=str(task.project_id))

        response = client.post(self.edit_url(task), {**again, "resolve": resolve})

        assert response.status_code == 302
        saved = tasks_of(task.organization)[0]
        assert (saved.title, saved.priority) == (title, Priority.URGENT)

    def test_a_form_without_a_version_is_refused(self, login, member, task, project):
        response = login(member).post(self.edit_url(task), valid(project, title="New title"))

        assert response.status_code == 400
        assert "out of date" in response.content.decode()
        assert tasks_of(project.organization)[0].title == "Old title"


class TestDetailAndDelete:
    def test_detail_shows_the_task_its_fields_and_comments(self, login, member, project):
        with organization_scope(project.organization):
            task = TaskFactory(project=project, title="Ship it", description="See https://x.io")
            CommentFactory(task=task, body="First!")

        response = login(member).get(task.get_absolute_url())

        panel = one(response, "#task-fields")
        assert text(one(panel, ".f-title a.title")) == "Ship it"
        assert panel["data-url"] == task.get_absolute_url()
        assert one(panel, ".f-title > button")["aria-label"] == f"Rename #{task.number}"
        assert {cell["class"][1] for cell in panel.select(".cell:has(> button)")} == {
            "f-title",
            "f-status",
            "f-priority",
            "f-assignee",
            "f-due_date",
            "f-labels",
        }
        page = response.content.decode()
        assert '<a href="https://x.io"' in page
        assert "First!" in page

    def test_detail_query_count_does_not_grow_with_comments(
        self, login, member, project, django_assert_max_num_queries
    ):
        with organization_scope(project.organization):
            task = TaskFactory(project=project)
            CommentFactory.create_batch(5, task=task)
        client = login(member)
        client.get(task.get_absolute_url())
        with django_assert_max_num_queries(15) as measured:
            client.get(task.get_absolute_url())
        with organization_scope(project.organization):
            CommentFactory.create_batch(45, task=task)

        with django_assert_max_num_queries(len(measured.captured_queries)):
            page = client.get(task.get_absolute_url()).content.decode()

        assert page.count('<li id="comment-') == 50

    def test_creator_deletes_after_confirming(self, login, member, project):
        with organization_scope(project.organization):
            task = TaskFactory(project=project, created_by=member.user)
        client = login(member)
        url = reverse("web:task-delete", kwargs={"org_slug": "acme", "number": task.number})

        assert "Delete #" in client.get(url).content.decode()
        response = client.post(url)

        assert response["Location"] == reverse("web:task-list", kwargs={"org_slug": "acme"})
        assert tasks_of(project.organization) == []
        assert client.get(task.get_absolute_url()).status_code == 404

    def test_other_members_cannot_delete(self, login, member, admin, project):
        with organization_scope(project.organization):
            task = TaskFactory(project=project, created_by=admin.user)
        url = reverse("web:task-delete", kwargs={"org_slug": "acme", "number": task.number})

        assert login(member).get(url).status_code == 403
        assert login(member).post(url).status_code == 403
        assert len(tasks_of(project.organization)) == 1

    def test_unknown_number_is_404(self, login, member):
        url = reverse("web:task-detail", kwargs={"org_slug": "acme", "number": 999})

        assert login(member).get(url).status_code == 404


def test_dashboard_shows_my_work(login, member, project):
    today = timezone.localdate()
    with organization_scope(project.organization):
        TaskFactory(project=project, title="Mine and due", assignee=member, due_date=today)
        TaskFactory(project=project, title="Mine and done", assignee=member, status=TaskStatus.DONE)

    page = login(member).get(reverse("web:org-home", kwargs={"org_slug": "acme"})).content.decode()

    assert "Mine and due" in page
    assert 'data-testid="my-open-count">1<' in page


def test_dashboard_counts_past_the_cap_read_as_the_cap_and_more(
    login, member, project, monkeypatch
):
    monkeypatch.setattr("workspace.selectors.SUMMARY_COUNT_CAP", 2)
    overdue = timezone.localdate() - timedelta(days=1)
    with organization_scope(project.organization):
        TaskFactory.create_batch(3, project=project, assignee=member, due_date=overdue)

    page = login(member).get(reverse("web:org-home", kwargs={"org_slug": "acme"})).content.decode()

    assert 'data-testid="my-open-count">2+<' in page
    assert 'data-testid="overdue-count">2+<' in page
