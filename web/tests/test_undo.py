"""Undoing a task deletion from the toast: the deleter for ten minutes, admins at any time."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from web.tests.pages import from_element, text
from workspace.models import AuditAction, AuditLog, Role, Task
from workspace.services.projects import project_delete
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

DELETED_AT = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)
UNDO_FORM = re.compile(
    r'<form method="post" action="(?P<action>[^"]+)">\s*'
    r'<input type="hidden" name="csrfmiddlewaretoken" value="(?P<csrf>[^"]+)">\s*'
    r'<button type="submit"[^>]*>Undo</button>\s*</form>'
)


def task_url(task):
    return reverse("web:task-detail", kwargs={"org_slug": "acme", "number": task.number})


def delete_url(task):
    return reverse("web:task-delete", kwargs={"org_slug": "acme", "number": task.number})


def undo_url(task):
    return reverse("web:task-restore", kwargs={"org_slug": "acme", "number": task.number})


def task_list_url():
    return reverse("web:task-list", kwargs={"org_slug": "acme"})


def fresh(task):
    with organization_scope(task.organization):
        return Task.all_objects.get(pk=task.pk)


@pytest.fixture
def project(organization):
    with organization_scope(organization):
        return ProjectFactory(organization=organization, name="Website", slug="website")


@pytest.fixture
def task(project, member):
    with organization_scope(project.organization):
        return TaskFactory(project=project, title="Write the copy", created_by=member.user)


@pytest.fixture
def clock():
    """Time stands still at DELETED_AT until the test moves it."""
    with time_machine.travel(DELETED_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def deleted_by_member(clock, login, member, task):
    """The member deleted their own task at DELETED_AT."""
    response = login(member).post(delete_url(task))
    assert response.status_code == 302
    assert fresh(task).deleted_at == DELETED_AT
    return task


class TestToast:
    def test_deleting_lands_on_the_list_with_an_undo_toast(self, login, member, task):
        response = login(member).post(delete_url(task), follow=True)

        assert response.redirect_chain == [(task_list_url(), 302)]
        toasts = from_element(response.content.decode(), "toasts")
        assert f"Deleted #{task.number} Write the copy." in text(toasts)
        form = UNDO_FORM.search(toasts)
        assert form is not None, toasts
        assert form["action"] == undo_url(task)
        assert 'data-timeout="10000"' in toasts
        assert f'<tr id="task-{task.number}"' not in response.content.decode()

    def test_other_success_messages_have_no_undo(self, login, member, task):
        response = login(member).post(
            reverse(
                "web:task-inline",
                kwargs={"org_slug": "acme", "number": task.number, "field": "status"},
            ),
            {"status": "done", "version": task.version},
            follow=True,
        )

        toasts = from_element(response.content.decode(), "toasts")
        assert "status updated" in text(toasts)
        assert "Undo" not in toasts

    def test_the_toast_shows_once(self, login, member, task):
        client = login(member)
        client.post(delete_url(task), follow=True)

        page = client.get(task_list_url()).content.decode()

        assert "Undo" not in from_element(page, "toasts")

    def test_the_undo_form_restores_the_task_and_lands_on_it(self, member, task):
        client = Client(enforce_csrf_checks=True)  # as a browser would: the toast's own token
        client.force_login(member.user)
        page = client.get(delete_url(task)).content.decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        after_delete = client.post(delete_url(task), {"csrfmiddlewaretoken": csrf}, follow=True)
        form = UNDO_FORM.search(from_element(after_delete.content.decode(), "toasts"))

        response = client.post(form["action"], {"csrfmiddlewaretoken": form["csrf"]}, follow=True)

        assert response.redirect_chain == [(task_url(task), 302)]
        assert response.status_code == 200
        assert f"Restored #{task.number} Write the copy." in text(
            from_element(response.content.decode(), "toasts")
        )
        restored = fresh(task)
        assert (restored.deleted_at, restored.deleted_by) == (None, None)
        assert f'<tr id="task-{task.number}"' in client.get(task_list_url()).content.decode()
        with organization_scope(task.organization):
            last = AuditLog.objects.filter(object_id=task.pk).first()
        assert (last.action, last.actor) == (AuditAction.RESTORED, member.user)


class TestUndoWindow:
    @pytest.mark.parametrize(
        "later",
        [timedelta(seconds=5), timedelta(minutes=9, seconds=59), timedelta(minutes=10)],
    )
    def test_the_deleter_can_undo_for_ten_minutes(
        self, clock, login, member, deleted_by_member, later
    ):
        clock.shift(later)

        response = login(member).post(undo_url(deleted_by_member))

        assert response.status_code == 302
        assert response["Location"] == task_url(deleted_by_member)
        assert fresh(deleted_by_member).deleted_at is None

    @pytest.mark.parametrize(
        "later", [timedelta(minutes=10, seconds=1), timedelta(minutes=11), timedelta(days=2)]
    )
    def test_after_that_the_deleter_is_refused(
        self, clock, login, member, deleted_by_member, later
    ):
        clock.shift(later)
        client = login(member)

        response = client.post(undo_url(deleted_by_member))

        assert response.status_code == 403
        assert fresh(deleted_by_member).deleted_at == DELETED_AT
        assert client.get(task_url(deleted_by_member)).status_code == 404

    def test_another_member_cannot_undo(self, clock, login, organization, deleted_by_member):
        colleague = MembershipFactory(organization=organization, role=Role.MEMBER)

        response = login(colleague).post(undo_url(deleted_by_member))

        assert response.status_code == 403
        assert fresh(deleted_by_member).deleted_at == DELETED_AT

    @pytest.mark.parametrize("later", [timedelta(minutes=1), timedelta(minutes=11)])
    def test_an_admin_can_restore_any_time(self, clock, login, admin, deleted_by_member, later):
        clock.shift(later)

        response = login(admin).post(undo_url(deleted_by_member), follow=True)

        assert response.redirect_chain == [(task_url(deleted_by_member), 302)]
        assert fresh(deleted_by_member).deleted_at is None

    def test_an_admin_can_restore_days_later(self, clock, login, admin, deleted_by_member):
        clock.shift(timedelta(days=30))

        response = login(admin).post(undo_url(deleted_by_member))

        assert response.status_code == 302
        assert fresh(deleted_by_member).deleted_at is None

    def test_undo_after_the_project_was_deleted_explains_why_not(
        self, clock, login, admin, member, project, deleted_by_member
    ):
        with organization_scope(project.organization):
            project_delete(project=project, actor=admin)
        clock.shift(timedelta(minutes=1))

        response = login(member).post(undo_url(deleted_by_member), follow=True)

        assert response.redirect_chain == [(task_list_url(), 302)]
        toasts = from_element(response.content.decode(), "toasts")
        assert 'role="alert"' in toasts
        assert "belongs to the deleted project Website" in text(toasts)
        assert fresh(deleted_by_member).deleted_at == DELETED_AT

    def test_undo_needs_a_post(self, login, member, deleted_by_member):
        assert login(member).get(undo_url(deleted_by_member)).status_code == 405
        assert fresh(deleted_by_member).deleted_at == DELETED_AT

    def test_unknown_task_number_is_404(self, login, admin, task):
        response = login(admin).post(
            reverse("web:task-restore", kwargs={"org_slug": "acme", "number": 9999})
        )

        assert response.status_code == 404
