"""Project pages: list with counts, create, edit, archive, delete, detail, custom fields."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from web.tests.html import parse
from workspace.models import CustomField, FieldType, Project, ProjectStatus, Task, TaskStatus
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    CustomFieldFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<tr\b[^>]*\bid="task-(\d+)"')


def url(name, **kwargs):
    return reverse(f"web:{name}", kwargs={"org_slug": "acme", **kwargs})


def project_url(name, project, **kwargs):
    return url(name, project_slug=project.slug, **kwargs)


def numbers(response) -> list[int]:
    return [int(n) for n in ROW.findall(response.content.decode())]


def project_row(html: str, slug: str) -> str:
    match = re.search(rf'<tr id="project-{re.escape(slug)}">(.*?)</tr>', html, re.S)
    assert match, f"no row for project {slug}"
    return match.group(1)


def counts_in(row: str) -> tuple[int, int]:
    open_count = re.search(r'data-testid="open-count">\s*(\d+)\s*<', row).group(1)
    done_count = re.search(r'data-testid="done-count">\s*(\d+)\s*<', row).group(1)
    return int(open_count), int(done_count)


def reload(organization, project, manager="objects"):
    with organization_scope(organization):
        return getattr(Project, manager).filter(pk=project.pk).first()


@pytest.fixture
def project(organization, member):
    with organization_scope(organization):
        return ProjectFactory(
            organization=organization, name="Apollo", slug="apollo", created_by=member.user
        )


def add_tasks(organization, project, **counts):
    """``add_tasks(org, project, todo=2, done=1, ...)``."""
    with organization_scope(organization):
        return [
            task
            for status, count in counts.items()
            for task in TaskFactory.create_batch(
                count, project=project, status=status, created_by=project.created_by
            )
        ]


class TestProjectList:
    def test_shows_open_and_done_counts_per_project(self, login, member, organization, project):
        with organization_scope(organization):
            gemini = ProjectFactory(organization=organization, name="Gemini", slug="gemini")
            empty = ProjectFactory(organization=organization, name="Mercury", slug="mercury")
        add_tasks(organization, project, todo=2, in_progress=1, done=4, cancelled=3)
        add_tasks(organization, gemini, in_progress=5, done=1)
        with organization_scope(organization):
            # Soft-deleted tasks are not counted.
            TaskFactory(project=project, status=TaskStatus.TODO, deleted_at=timezone.now())
            TaskFactory(project=gemini, status=TaskStatus.DONE, deleted_at=timezone.now())

        html = login(member).get(url("project-list")).content.decode()

        assert counts_in(project_row(html, "apollo")) == (3, 4)
        assert counts_in(project_row(html, "gemini")) == (5, 1)
        assert counts_in(project_row(html, empty.slug)) == (0, 0)

    def test_counts_are_not_multiplied_by_the_lead_join(self, login, member, organization):
        with organization_scope(organization):
            led = ProjectFactory(organization=organization, slug="led", lead=member)
        add_tasks(organization, led, todo=2, done=2)

        html = login(member).get(url("project-list")).content.decode()

        row = project_row(html, "led")
        assert counts_in(row) == (2, 2)
        assert member.user.display_name in row

    def test_counts_past_the_cap_read_as_the_cap_and_more(
        self, login, member, organization, project, monkeypatch
    ):
        monkeypatch.setattr("workspace.selectors.SUMMARY_COUNT_CAP", 3)
        add_tasks(organization, project, todo=3, in_progress=2, done=3)

        row = project_row(login(member).get(url("project-list")).content.decode(), "apollo")

        assert re.search(r'data-testid="open-count">\s*3\+\s*<', row)
        assert re.search(r'data-testid="done-count">\s*3\s*<', row)

    def test_archived_projects_are_listed_apart(self, login, admin, organization, project):
        with organization_scope(organization):
            ProjectFactory(
                organization=organization, name="Old", slug="old", status=ProjectStatus.ARCHIVED
            )

        html = login(admin).get(url("project-list")).content.decode()

        active, archived = html.split('aria-label="Archived projects"')
        assert 'id="project-apollo"' in active
        assert 'id="project-old"' in archived
        assert "Unarchive" in archived

    def test_members_see_no_management_buttons(self, login, member, project):
        html = login(member).get(url("project-list")).content.decode()

        assert 'id="project-apollo"' in html
        assert project_url("project-archive", project) not in html
        assert project_url("project-delete", project) not in html

    def test_admins_see_management_buttons(self, login, admin, project):
        html = login(admin).get(url("project-list")).content.decode()

        assert project_url("project-archive", project) in html
        assert project_url("project-delete", project) in html

    def test_other_organizations_projects_are_not_listed(self, login, member, project):
        other = OrganizationFactory(slug="globex")
        with organization_scope(other):
            ProjectFactory(organization=other, name="Globex secret", slug="secret")

        html = login(member).get(url("project-list")).content.decode()

        assert "Globex secret" not in html

    def test_query_count_does_not_grow_with_projects(
        self, login, member, organization, django_assert_max_num_queries
    ):
        def make_projects(count):
            with organization_scope(organization):
                for _ in range(count):
                    project = ProjectFactory(
                        organization=organization, lead=member, created_by=member.user
                    )
                    for status in (TaskStatus.TODO, TaskStatus.DONE, TaskStatus.IN_PROGRESS):
                        TaskFactory(project=project, status=status, created_by=member.user)

        client = login(member)
        client.get(url("project-list"))  # warm up the session
        make_projects(5)
        with django_assert_max_num_queries(12) as few:
            response = client.get(url("project-list"))
        assert response.content.decode().count('<tr id="project-') == 5

        make_projects(25)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(url("project-list"))
        html = response.content.decode()
        assert html.count('<tr id="project-') == 30
        assert html.count('data-testid="open-count">2<') == 30


class TestProjectCreate:
    def test_form_renders(self, login, member):
        response = login(member).get(url("project-create"))

        assert response.status_code == 200
        assert 'name="name"' in response.content.decode()

    def test_member_creates_a_project(self, login, member, admin, organization):
        response = login(member).post(
            url("project-create"),
            {"name": "  Moon   landing ", "description": "One small step", "lead": admin.pk},
        )

        with organization_scope(organization):
            project = Project.objects.get(organization=organization)
        assert response.status_code == 302
        assert response["Location"] == project_url("project-detail", project)
        assert project.name == "Moon landing"
        assert project.slug == "moon-landing"
        assert project.description == "One small step"
        assert project.lead == admin
        assert project.created_by == member.user

    def test_success_message_is_shown(self, login, member):
        response = login(member).post(url("project-create"), {"name": "Moon"}, follow=True)

        assert "Project Moon created." in response.content.decode()

    def test_same_name_gets_a_fresh_slug(self, login, member, project):
        response = login(member).post(url("project-create"), {"name": "Apollo"})

        assert response["Location"] == url("project-detail", project_slug="apollo-2")

    @pytest.mark.parametrize("name", ["A", " A ", "   "])
    def test_too_short_name_is_refused_with_a_message(self, login, member, organization, name):
        response = login(member).post(url("project-create"), {"name": name})

        assert response.status_code == 422
        html = response.content.decode()
        if name.strip():
            assert "Give the project a name of at least 2 characters." in html
        else:
            assert "This field is required." in html
        with organization_scope(organization):
            assert not Project.objects.exists()

    def test_lead_from_another_organization_is_refused(self, login, member, organization):
        other = OrganizationFactory(slug="globex")
        stranger = MembershipFactory(organization=other)

        response = login(member).post(url("project-create"), {"name": "Moon", "lead": stranger.pk})

        assert response.status_code == 422
        with organization_scope(organization):
            assert not Project.objects.exists()


class TestProjectEdit:
    def test_form_shows_current_values(self, login, member, project):
        html = login(member).get(project_url("project-edit", project)).content.decode()

        assert 'value="Apollo"' in html
        assert "Edit Apollo" in html

    def test_saves_and_redirects(self, login, member, organization, project):
        response = login(member).post(
            project_url("project-edit", project),
            {"name": "Apollo 11", "description": "To the moon", "lead": member.pk},
        )

        assert response.status_code == 302
        assert response["Location"] == project_url("project-detail", project)
        project = reload(organization, project)
        assert project.name == "Apollo 11"
        assert project.slug == "apollo"  # links keep working
        assert project.description == "To the moon"
        assert project.lead == member

    def test_too_short_name_is_refused(self, login, member, organization, project):
        response = login(member).post(project_url("project-edit", project), {"name": "X"})

        assert response.status_code == 422
        assert "at least 2 characters" in response.content.decode()
        assert reload(organization, project).name == "Apollo"

    def test_other_organizations_project_is_404(self, login, member):
        other = OrganizationFactory(slug="globex")
        with organization_scope(other):
            foreign = ProjectFactory(organization=other, slug="foreign")

        client = login(member)
        assert client.get(project_url("project-edit", foreign)).status_code == 404
        assert (
            client.post(project_url("project-edit", foreign), {"name": "Mine"}).status_code == 404
        )
        assert reload(other, foreign).name != "Mine"


class TestArchive:
    def test_admin_archives_and_unarchives(self, login, admin, organization, project):
        client = login(admin)

        response = client.post(project_url("project-archive", project), {"archived": "1"})
        assert response.status_code == 302
        assert response["Location"] == url("project-list")
        assert reload(organization, project).status == ProjectStatus.ARCHIVED
        html = client.get(url("project-list")).content.decode()
        assert "Project Apollo archived." in html
        assert 'id="project-apollo"' in html.split('aria-label="Archived projects"')[1]

        client.post(project_url("project-archive", project), {"archived": "0"})
        assert reload(organization, project).status == ProjectStatus.ACTIVE
        html = client.get(url("project-list")).content.decode()
        assert 'aria-label="Archived projects"' not in html

    def test_owner_may_archive(self, login, owner, organization, project):
        login(owner).post(project_url("project-archive", project), {"archived": "1"})

        assert reload(organization, project).status == ProjectStatus.ARCHIVED

    @pytest.mark.parametrize("archived", ["1", "0"])
    def test_member_is_forbidden(self, login, member, organization, project, archived):
        if archived == "0":
            with organization_scope(organization):
                Project.objects.filter(pk=project.pk).update(status=ProjectStatus.ARCHIVED)
        before = reload(organization, project).status

        response = login(member).post(
            project_url("project-archive", project), {"archived": archived}
        )

        assert response.status_code == 403
        assert reload(organization, project).status == before

    def test_get_is_not_allowed(self, login, admin, project):
        assert login(admin).get(project_url("project-archive", project)).status_code == 405

    def test_archived_project_page_says_so(self, login, admin, organization, project):
        client = login(admin)
        client.post(project_url("project-archive", project), {"archived": "1"})

        html = client.get(project_url("project-detail", project)).content.decode()

        assert "Archived" in html
        # No way to add a task to it (the shortcuts dialog's general "New task" link remains).
        assert f"?project={project.slug}" not in html


class TestDelete:
    def test_admin_sees_the_confirmation(self, login, admin, project):
        response = login(admin).get(project_url("project-delete", project))

        assert response.status_code == 200
        assert "Delete Apollo?" in response.content.decode()

    def test_member_is_forbidden(self, login, member, organization, project):
        add_tasks(organization, project, todo=1)
        client = login(member)

        assert client.get(project_url("project-delete", project)).status_code == 403
        assert client.post(project_url("project-delete", project)).status_code == 403
        assert reload(organization, project) is not None

    def test_project_and_its_tasks_disappear(self, login, admin, member, organization, project):
        with organization_scope(organization):
            keeper = ProjectFactory(organization=organization, name="Keeper", slug="keeper")
            kept = TaskFactory(project=keeper, title="Kept task")
            doomed = [
                TaskFactory(project=project, title=f"Doomed task {i}", assignee=admin)
                for i in range(3)
            ]
        client = login(admin)

        response = client.post(project_url("project-delete", project))

        assert response.status_code == 302
        assert response["Location"] == url("project-list")
        assert reload(organization, project) is None
        assert reload(organization, project, "all_objects").deleted_at is not None
        with organization_scope(organization):
            assert not Task.objects.filter(pk__in=[t.pk for t in doomed]).exists()
            assert Task.objects.filter(pk=kept.pk).exists()

        projects_html = client.get(url("project-list")).content.decode()
        assert 'id="project-apollo"' not in projects_html
        assert 'id="project-keeper"' in projects_html
        for list_name in ("task-list", "task-list-mine"):
            response = client.get(url(list_name))
            assert "Doomed task" not in response.content.decode()
        assert numbers(client.get(url("task-list"))) == [kept.number]
        assert client.get(project_url("project-detail", project)).status_code == 404
        assert client.get(url("task-detail", number=doomed[0].number)).status_code == 404


class TestProjectDetail:
    def test_lists_only_this_projects_tasks(self, login, member, organization, project):
        with organization_scope(organization):
            other = ProjectFactory(organization=organization, slug="other")
            mine = TaskFactory.create_batch(3, project=project)
            TaskFactory.create_batch(2, project=other)
            TaskFactory(project=project, deleted_at=timezone.now())

        response = login(member).get(project_url("project-detail", project))

        assert response.status_code == 200
        assert numbers(response) == sorted((t.number for t in mine), reverse=True)
        html = response.content.decode()
        assert "<h1>" in html
        assert "Apollo" in html

    def test_filters_apply_within_the_project(self, login, member, organization, project):
        with organization_scope(organization):
            other = ProjectFactory(organization=organization, slug="other")
            done = TaskFactory(project=project, status=TaskStatus.DONE)
            TaskFactory(project=project, status=TaskStatus.TODO)
            TaskFactory(project=other, status=TaskStatus.DONE)

        response = login(member).get(project_url("project-detail", project), {"status": "done"})

        assert numbers(response) == [done.number]

    def test_project_filter_cannot_escape_the_project(self, login, member, organization, project):
        with organization_scope(organization):
            other = ProjectFactory(organization=organization, slug="other")
            TaskFactory(project=other, title="Elsewhere")
            here = TaskFactory(project=project)

        response = login(member).get(project_url("project-detail", project), {"project": other.pk})

        assert response.status_code == 200
        assert numbers(response) == [here.number]
        assert "Elsewhere" not in response.content.decode()

    def test_filter_form_posts_back_to_the_project_page(self, login, member, project):
        html = login(member).get(project_url("project-detail", project)).content.decode()

        assert f'hx-get="{project_url("project-detail", project)}"' in html
        filters = parse(html).select_one("form#task-filters")
        assert filters.select('[name="project"]') == []  # no project picker on a project's page

    def test_description_is_escaped_and_links_are_clickable(
        self, login, member, organization, project
    ):
        with organization_scope(organization):
            Project.objects.filter(pk=project.pk).update(
                description="<b>bold</b> see https://example.com"
            )

        html = login(member).get(project_url("project-detail", project)).content.decode()

        assert "<b>bold</b>" not in html
        assert "&lt;b&gt;bold&lt;/b&gt;" in html
        assert '<a href="https://example.com"' in html

    def test_unknown_and_foreign_projects_are_404(self, login, member):
        other = OrganizationFactory(slug="globex")
        with organization_scope(other):
            foreign = ProjectFactory(organization=other, slug="foreign")
        client = login(member)

        assert client.get(url("project-detail", project_slug="nope")).status_code == 404
        assert client.get(project_url("project-detail", foreign)).status_code == 404


class TestCustomFields:
    def fields(self, organization, project):
        with organization_scope(organization):
            return list(CustomField.objects.filter(project=project).order_by("position", "pk"))

    def test_page_lists_the_fields(self, login, member, organization, project):
        with organization_scope(organization):
            CustomFieldFactory(project=project, name="Estimate", field_type=FieldType.NUMBER)

        response = login(member).get(project_url("project-fields", project))

        assert response.status_code == 200
        html = response.content.decode()
        assert "Estimate" in html
        assert "Number" in html

    def test_add_a_choice_field_with_options(self, login, member, organization, project):
        client = login(member)

        response = client.post(
            project_url("project-fields", project),
            {"name": "T-shirt size", "field_type": "choice", "options": "S\n M \n\nL\n"},
        )

        assert response.status_code == 302
        assert response["Location"] == project_url("project-fields", project)
        [field] = self.fields(organization, project)
        assert field.name == "T-shirt size"
        assert field.key == "t_shirt_size"
        assert field.field_type == FieldType.CHOICE
        assert field.options == ["S", "M", "L"]
        html = client.get(project_url("project-fields", project)).content.decode()
        assert "S, M, L" in html
        assert "Field T-shirt size added." in html

    def test_add_a_required_text_field(self, login, member, organization, project):
        login(member).post(
            project_url("project-fields", project),
            {"name": "Customer", "field_type": "text", "required": "on"},
        )

        [field] = self.fields(organization, project)
        assert field.field_type == FieldType.TEXT
        assert field.required is True
        assert field.options == []

    def test_choice_without_options_is_refused(self, login, member, organization, project):
        response = login(member).post(
            project_url("project-fields", project),
            {"name": "Size", "field_type": "choice", "options": "  \n "},
        )

        assert response.status_code == 422
        assert "A choice field needs at least one option." in response.content.decode()
        assert self.fields(organization, project) == []

    def test_duplicate_name_is_refused(self, login, member, organization, project):
        with organization_scope(organization):
            CustomFieldFactory(project=project, name="Size", key="size")

        response = login(member).post(
            project_url("project-fields", project), {"name": "size", "field_type": "text"}
        )

        assert response.status_code == 422
        assert "already has a field with this name" in response.content.decode()
        assert len(self.fields(organization, project)) == 1

    def test_admin_removes_a_field(self, login, admin, organization, project):
        with organization_scope(organization):
            field = CustomFieldFactory(project=project, name="Estimate")
            kept = CustomFieldFactory(project=project, name="Customer")
        client = login(admin)
        delete_url = project_url("project-field-delete", project, pk=field.pk)
        assert delete_url in client.get(project_url("project-fields", project)).content.decode()

        response = client.post(delete_url)

        assert response.status_code == 302
        assert response["Location"] == project_url("project-fields", project)
        assert self.fields(organization, project) == [kept]

    def test_member_cannot_remove_a_field(self, login, member, organization, project):
        with organization_scope(organization):
            field = CustomFieldFactory(project=project, name="Estimate")
        client = login(member)
        delete_url = project_url("project-field-delete", project, pk=field.pk)

        assert delete_url not in client.get(project_url("project-fields", project)).content.decode()
        assert client.post(delete_url).status_code == 403
        assert self.fields(organization, project) == [field]

    def test_field_of_another_project_is_404(self, login, admin, organization, project):
        with organization_scope(organization):
            other = ProjectFactory(organization=organization, slug="other")
            field = CustomFieldFactory(project=other)

        response = login(admin).post(project_url("project-field-delete", project, pk=field.pk))

        assert response.status_code == 404
        assert self.fields(organization, other) == [field]
