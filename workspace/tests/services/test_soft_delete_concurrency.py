"""Deleting and restoring under concurrency, on two real PostgreSQL connections.

Each soft delete and restore locks the row it changes and reads it again under that lock, so a
second, concurrent call sees the first one's result instead of repeating it; a project's deletion
records its batch, and its restore brings back exactly that batch. A task is created or moved
into a project only under that project's lock, so it cannot slip into a project being deleted.
"""

import pytest
from django.core.exceptions import ValidationError

from workspace.models import AuditAction, AuditLog, Comment, Project, Role, Task
from workspace.services.comments import comment_delete
from workspace.services.projects import project_delete, project_restore
from workspace.services.tasks import task_create, task_delete, task_update
from workspace.tenancy import organization_scope
from workspace.tests.concurrency import race
from workspace.tests.factories import (
    CommentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup():
    organization = OrganizationFactory()
    admin = MembershipFactory(organization=organization, role=Role.ADMIN)
    with organization_scope(organization):
        project = ProjectFactory(organization=organization, name="Launch")
        task = TaskFactory(project=project, created_by=admin.user)
    return organization, admin, project, task


def _fresh(model, obj):
    return model.all_objects.get(pk=obj.pk)


def _entries(organization, obj, action) -> int:
    with organization_scope(organization):
        return AuditLog.objects.filter(object_id=obj.pk, action=action).count()


def test_a_task_deleted_with_its_project_at_the_same_moment_comes_back_with_it(setup):
    organization, admin, project, task = setup

    outcome = race(
        lambda: project_delete(project=_fresh(Project, project), actor=admin),
        lambda: task_delete(task=_fresh(Task, task), actor=admin),
        organization=organization,
    )

    assert outcome.second_error is None
    assert outcome.second_waited  # it really ran while the project's deletion was uncommitted
    with organization_scope(organization):
        deleted_project, deleted_task = _fresh(Project, project), _fresh(Task, task)
        assert deleted_task.deleted_at == deleted_project.deleted_at
        assert deleted_task.deletion_batch == deleted_project.deletion_batch
        assert project_restore(project=deleted_project, actor=admin) == 1
        assert _fresh(Task, task).deleted_at is None


def test_two_deletes_of_one_task_record_one_deletion(setup):
    organization, admin, _project, task = setup

    outcome = race(
        lambda: task_delete(task=_fresh(Task, task), actor=admin),
        lambda: task_delete(task=_fresh(Task, task), actor=admin),
        organization=organization,
    )

    assert outcome.second_error is None
    assert outcome.second_waited
    assert _entries(organization, task, AuditAction.DELETED) == 1


def test_two_deletes_of_one_comment_record_one_deletion(setup):
    organization, admin, _project, task = setup
    with organization_scope(organization):
        comment = CommentFactory(task=task, author=admin.user)

    outcome = race(
        lambda: comment_delete(comment=_fresh(Comment, comment), actor=admin),
        lambda: comment_delete(comment=_fresh(Comment, comment), actor=admin),
        organization=organization,
    )

    assert outcome.second_error is None
    assert outcome.second_waited
    assert _entries(organization, comment, AuditAction.DELETED) == 1


def test_two_restores_of_one_project_record_one_restore(setup):
    organization, admin, project, _task = setup
    with organization_scope(organization):
        project_delete(project=project, actor=admin)
        deleted = [_fresh(Project, project), _fresh(Project, project)]  # both loaded as deleted

    outcome = race(
        lambda: project_restore(project=deleted[0], actor=admin),
        lambda: project_restore(project=deleted[1], actor=admin),
        organization=organization,
    )

    assert outcome.second_error is None
    assert (outcome.first, outcome.second) == (1, 0)
    assert _entries(organization, project, AuditAction.RESTORED) == 1


def test_a_task_created_while_its_project_is_being_deleted_is_refused(setup):
    organization, admin, project, _task = setup

    outcome = race(
        lambda: project_delete(project=_fresh(Project, project), actor=admin),
        lambda: task_create(
            organization=organization,
            actor=admin,
            project=_fresh(Project, project),
            title="Slipped in",
        ),
        organization=organization,
    )

    assert outcome.second_waited
    assert isinstance(outcome.second_error, ValidationError)
    assert outcome.second_error.message_dict == {
        "project": ["The project Launch was deleted. Choose another project."]
    }
    with organization_scope(organization):
        assert not Task.all_objects.filter(title="Slipped in").exists()
        assert not Task.objects.filter(project=project).exists()


def test_a_task_created_just_before_its_project_is_deleted_goes_with_it(setup):
    organization, admin, project, _task = setup

    outcome = race(
        lambda: task_create(
            organization=organization, actor=admin, project=project, title="Just in time"
        ),
        lambda: project_delete(project=_fresh(Project, project), actor=admin),
        organization=organization,
    )

    assert outcome.second_error is None
    with organization_scope(organization):
        created = Task.all_objects.get(title="Just in time")
        assert created.deletion_batch == _fresh(Project, project).deletion_batch
        assert not Task.objects.filter(project=project).exists()


def test_a_task_moved_into_a_project_being_deleted_is_refused(setup):
    organization, admin, project, task = setup
    with organization_scope(organization):
        target = ProjectFactory(organization=organization, name="Target")

    outcome = race(
        lambda: project_delete(project=_fresh(Project, target), actor=admin),
        lambda: task_update(
            task=_fresh(Task, task), actor=admin, data={"project": _fresh(Project, target)}
        ),
        organization=organization,
    )

    assert outcome.second_waited
    assert isinstance(outcome.second_error, ValidationError)
    assert outcome.second_error.message_dict == {
        "project": ["The project Target was deleted. Choose another project."]
    }
    with organization_scope(organization):
        assert _fresh(Task, task).project_id == project.pk
