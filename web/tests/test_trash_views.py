"""The trash: what admins see there, and restoring projects, tasks and comments from it."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from web.tests.pages import from_element, table_rows, text
from workspace.models import Comment, Project, Role, Task
from workspace.services.comments import comment_delete
from workspace.services.projects import project_delete
from workspace.services.tasks import task_delete
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    CommentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

MARCH_1 = datetime(2024, 3, 1, 9, 15, tzinfo=UTC)
MARCH_2 = datetime(2024, 3, 2, 16, 40, tzinfo=UTC)
MARCH_3 = datetime(2024, 3, 3, 8, 5, tzinfo=UTC)


def trash_url(org_slug="acme"):
    return reverse("web:trash", kwargs={"org_slug": org_slug})


def restore_url(kind, pk):
    return reverse("web:trash-restore", kwargs={"org_slug": "acme", "kind": kind, "pk": pk})


def task_list_url():
    return reverse("web:task-list", kwargs={"org_slug": "acme"})


def task_url(task):
    return reverse("web:task-detail", kwargs={"org_slug": "acme", "number": task.number})


def activity_url(**query):
    url = reverse("web:activity", kwargs={"org_slug": "acme"})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def deleted(organization, fn, *, when, **kwargs):
    """Run a delete service at ``when``."""
    with organization_scope(organization), time_machine.travel(when, tick=False):
        fn(**kwargs)


def trash_rows(page: str, kind: str) -> dict[int, str]:
    """``{pk: row text}`` of one section of the trash page."""
    return {
        int(pk): text(row)
        for pk, row in re.findall(rf'<tr id="trash-{kind}-(\d+)">(.*?)</tr>', page, re.S)
    }


def listed_task_numbers(client) -> set[int]:
    page = client.get(task_list_url()).content.decode()
    return {int(n) for n in re.findall(r'<tr id="task-(\d+)"', page)}


def fresh(model, obj):
    with organization_scope(obj.organization):
        return model.all_objects.get(pk=obj.pk)


@pytest.fixture
def project(organization):
    with organization_scope(organization):
        return ProjectFactory(organization=organization, name="Website", slug="website")


@pytest.fixture
def task(project, member):
    with organization_scope(project.organization):
        return TaskFactory(project=project, title="Write the copy", created_by=member.user)


@pytest.fixture
def comment(task, member):
    with organization_scope(task.organization):
        return CommentFactory(task=task, author=member.user, body="Typo in the second line")


@pytest.fixture
def other_org():
    globex = OrganizationFactory(name="Globex", slug="globex")
    boss = MembershipFactory(organization=globex, role=Role.OWNER, user__name="Gina Globex")
    with organization_scope(globex):
        doomed = ProjectFactory(organization=globex, name="Globex doomed project")
        lost = TaskFactory(project=ProjectFactory(organization=globex), title="Globex lost task")
        project_delete(project=doomed, actor=boss)
        task_delete(task=lost, actor=boss)
    return globex


@pytest.fixture
def binned(organization, admin, member, project, task, comment):
    """One deleted project (with its task), one deleted task, one deleted comment; and live
    ones of each kind next to them."""
    with organization_scope(organization):
        old_site = ProjectFactory(organization=organization, name="Old site")
        old_page = TaskFactory(project=old_site, title="Old landing page")
        lost = TaskFactory(project=project, title="Lost task", created_by=member.user)
        CommentFactory(task=task, author=member.user, body="This one stays")
    deleted(organization, project_delete, when=MARCH_1, project=old_site, actor=admin)
    deleted(organization, task_delete, when=MARCH_2, task=lost, actor=member)
    deleted(organization, comment_delete, when=MARCH_3, comment=comment, actor=member)
    return {"project": old_site, "project_task": old_page, "task": lost, "comment": comment}


class TestTrashPage:
    def test_lists_what_was_deleted_with_who_and_when(self, login, admin, binned, other_org):
        page = login(admin).get(trash_url()).content.decode()

        projects = trash_rows(page, "project")
        assert list(projects) == [binned["project"].pk]
        assert (
            projects[binned["project"].pk]
            == "Old site Adam Admin Mar 1, 2024 09:15 Restore Old site"
        )

        tasks = trash_rows(page, "task")
        lost, old_page = binned["task"], binned["project_task"]
        assert list(tasks) == [lost.pk, old_page.pk]  # newest first
        assert tasks[lost.pk].startswith(f"#{lost.number} Lost task in Website Mia Member")
        assert "Mar 2, 2024 16:40" in tasks[lost.pk]
        assert f"#{old_page.number} Old landing page in Old site Adam Admin" in tasks[old_page.pk]

        comments = trash_rows(page, "comment")
        comment = binned["comment"]
        assert list(comments) == [comment.pk]
        assert comments[comment.pk].startswith(
            f"“Typo in the second line” by Mia Member on #{comment.task.number} Mia Member"
        )
        assert "Mar 3, 2024 08:05" in comments[comment.pk]

        assert '<time datetime="2024-03-02T16:40:00+00:00">' in page
        assert restore_url("task", lost.pk) in page

    def test_live_objects_are_not_listed(self, login, admin, binned, project, task):
        page = login(admin).get(trash_url()).content.decode()

        assert project.pk not in trash_rows(page, "project")
        assert task.pk not in trash_rows(page, "task")
        assert "This one stays" not in page
        assert "Write the copy" not in page

    def test_other_organizations_trash_is_not_listed(self, login, admin, binned, other_org):
        page = login(admin).get(trash_url()).content.decode()

        assert "Globex" not in page
        assert len(trash_rows(page, "project")) == 1
        assert len(trash_rows(page, "task")) == 2

    def test_empty_trash_says_what_it_is_for(self, login, admin, project, task):
        page = login(admin).get(trash_url()).content.decode()

        assert "The trash is empty" in page
        assert "Nothing here." not in page
        assert f'href="/o/{project.organization.slug}/tasks/">Back to all tasks' in page

    def test_deleter_who_left_is_shown_as_a_dash(self, login, admin, organization, task):
        gone = MembershipFactory(organization=organization, role=Role.ADMIN)
        deleted(organization, task_delete, when=MARCH_2, task=task, actor=gone)
        gone.user.delete()

        page = login(admin).get(trash_url()).content.decode()

        assert trash_rows(page, "task")[task.pk].startswith(f"#{task.number} Write the copy")
        assert " — Mar 2, 2024" in trash_rows(page, "task")[task.pk]

    def test_members_are_refused(self, login, member, binned):
        assert login(member).get(trash_url()).status_code == 403

    def test_query_count_does_not_grow_with_the_trash(
        self, login, admin, organization, django_assert_max_num_queries
    ):
        client = login(admin)
        client.get(trash_url())
        bin_some(organization, admin, 2)
        with django_assert_max_num_queries(15) as few:
            client.get(trash_url())
        bin_some(organization, admin, 15)
        with django_assert_max_num_queries(len(few.captured_queries)):
            page = client.get(trash_url()).content.decode()
        assert len(trash_rows(page, "comment")) == 17


def bin_some(organization, admin, count):
    """``count`` deleted projects, tasks (of live projects) and comments, by different people."""
    with organization_scope(organization):
        for i in range(count):
            deleter = MembershipFactory(organization=organization, role=Role.ADMIN)
            project_delete(project=ProjectFactory(organization=organization), actor=deleter)
            task = TaskFactory(project=ProjectFactory(organization=organization))
            author = MembershipFactory(organization=organization)
            comment = CommentFactory(task=task, author=author.user, body=f"Comment {i}")
            comment_delete(comment=comment, actor=author)
            task_delete(task=task, actor=deleter)


class TestRestore:
    def test_restoring_a_project_brings_back_the_tasks_deleted_with_it(
        self, login, admin, member, organization, project, task
    ):
        with organization_scope(organization):
            on_its_own = TaskFactory(
                project=project, title="Deleted before", created_by=member.user
            )
            other = TaskFactory(project=project, title="Second task")
        deleted(organization, task_delete, when=MARCH_1, task=on_its_own, actor=member)
        deleted(organization, project_delete, when=MARCH_2, project=project, actor=admin)
        client = login(admin)
        assert listed_task_numbers(client) == set()

        response = client.post(restore_url("project", project.pk), follow=True)

        assert response.redirect_chain == [(trash_url(), 302)]
        assert "Restored Website." in response.content.decode()
        assert fresh(Project, project).deleted_at is None
        assert listed_task_numbers(client) == {task.number, other.number}
        assert fresh(Task, on_its_own).deleted_at is not None
        page = response.content.decode()
        assert list(trash_rows(page, "task")) == [on_its_own.pk]
        assert list(trash_rows(page, "project")) == []
        project_page = client.get(reverse("web:project-detail", args=["acme", "website"]))
        assert project_page.status_code == 200

    def test_restoring_a_task(self, login, admin, member, organization, task):
        deleted(organization, task_delete, when=MARCH_1, task=task, actor=member)
        client = login(admin)
        assert client.get(task_url(task)).status_code == 404

        response = client.post(restore_url("task", task.pk), follow=True)

        assert response.redirect_chain == [(trash_url(), 302)]
        assert f"Restored #{task.number} Write the copy." in response.content.decode()
        restored = fresh(Task, task)
        assert (restored.deleted_at, restored.deleted_by) == (None, None)
        assert client.get(task_url(task)).status_code == 200
        assert task.number in listed_task_numbers(client)

    def test_restoring_a_comment(self, login, admin, member, organization, comment):
        deleted(organization, comment_delete, when=MARCH_1, comment=comment, actor=member)
        client = login(admin)
        assert "Typo in the second line" not in client.get(task_url(comment.task)).content.decode()

        response = client.post(restore_url("comment", comment.pk), follow=True)

        assert response.redirect_chain == [(trash_url(), 302)]
        assert "Restored the comment." in response.content.decode()
        assert fresh(Comment, comment).deleted_at is None
        page = client.get(task_url(comment.task)).content.decode()
        assert f'id="comment-{comment.pk}"' in page
        assert "Typo in the second line" in page

    def test_a_task_of_a_deleted_project_stays_deleted(
        self, login, admin, organization, project, task
    ):
        deleted(organization, project_delete, when=MARCH_1, project=project, actor=admin)

        response = login(admin).post(restore_url("task", task.pk), follow=True)

        assert response.redirect_chain == [(trash_url(), 302)]
        page = response.content.decode()
        alert = from_element(page, "toasts")
        assert 'role="alert"' in alert
        assert (
            f"#{task.number} belongs to the deleted project Website: restore the project instead."
            in text(alert)
        )
        assert "Restored" not in text(alert)
        assert fresh(Task, task).deleted_at is not None
        assert task.pk in trash_rows(page, "task")

    def test_a_comment_of_a_deleted_task_stays_deleted(
        self, login, admin, member, organization, task, comment
    ):
        deleted(organization, comment_delete, when=MARCH_1, comment=comment, actor=member)
        deleted(organization, task_delete, when=MARCH_2, task=task, actor=admin)

        response = login(admin).post(restore_url("comment", comment.pk), follow=True)

        assert f"deleted task #{task.number}: restore the task first" in text(
            from_element(response.content.decode(), "toasts")
        )
        assert fresh(Comment, comment).deleted_at is not None

    @pytest.mark.parametrize(
        ("kind", "shown"),
        [
            ("project", "restored project Website"),
            ("task", "restored task #1 Write the copy"),
            ("comment", "restored comment on #1"),
        ],
    )
    def test_each_restore_is_on_the_activity_page(
        self, login, admin, member, organization, project, task, comment, kind, shown
    ):
        target = {"project": project, "task": task, "comment": comment}[kind]
        if kind == "project":
            deleted(organization, project_delete, when=MARCH_1, project=project, actor=admin)
        elif kind == "task":
            deleted(organization, task_delete, when=MARCH_1, task=task, actor=member)
        else:
            deleted(organization, comment_delete, when=MARCH_1, comment=comment, actor=member)
        client = login(admin)

        client.post(restore_url(kind, target.pk))

        page = client.get(activity_url(action="restored")).content.decode()
        [row] = table_rows(from_element(page, "activity-table"))
        assert f"Adam Admin {shown}" in row
        everything = table_rows(
            from_element(client.get(activity_url()).content.decode(), "activity-table")
        )
        assert "restored" in everything[0]

    def test_unknown_kind_is_404(self, login, admin, binned):
        for kind in ("user", "membership", "organization", "projects", "Task"):
            response = login(admin).post(restore_url(kind, binned["task"].pk))
            assert response.status_code == 404, kind

    def test_live_and_missing_objects_are_404(self, login, admin, project, task, comment):
        client = login(admin)

        assert client.post(restore_url("project", project.pk)).status_code == 404
        assert client.post(restore_url("task", task.pk)).status_code == 404
        assert client.post(restore_url("comment", comment.pk)).status_code == 404
        assert client.post(restore_url("task", 999_999)).status_code == 404

    def test_another_organizations_deleted_objects_are_404(self, login, admin, other_org):
        with organization_scope(other_org):
            project = Project.all_objects.get(name="Globex doomed project")
            task = Task.all_objects.get(title="Globex lost task")

        client = login(admin)

        assert client.post(restore_url("project", project.pk)).status_code == 404
        assert client.post(restore_url("task", task.pk)).status_code == 404
        assert fresh(Project, project).deleted_at is not None
        assert fresh(Task, task).deleted_at is not None

    def test_get_is_not_allowed(self, login, admin, binned):
        response = login(admin).get(restore_url("task", binned["task"].pk))

        assert response.status_code == 405
        assert fresh(Task, binned["task"]).deleted_at is not None

    def test_members_cannot_restore_from_the_trash(self, login, member, binned):
        response = login(member).post(restore_url("task", binned["task"].pk))

        assert response.status_code == 403
        assert fresh(Task, binned["task"]).deleted_at is not None
