"""Per-organization revisions (workspace.revisions): reads cached under them are never stale."""

import pytest
from django.db import transaction
from django.test import override_settings

from workspace import revisions
from workspace.models import Task
from workspace.services.tasks import task_create, task_update
from workspace.tests.factories import MembershipFactory, OrganizationFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def counting(organization):
    """A read that says how often it ran."""
    calls = []

    def read():
        calls.append(1)
        return Task.objects.filter(organization=organization).count()

    return calls, lambda: revisions.cached(organization.pk, revisions.TASKS, "count", read)


def test_a_cached_read_runs_once_until_its_topic_changes(in_org, member):
    calls, read = counting(in_org)

    assert (read(), read()) == (0, 0)
    assert len(calls) == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda org, member: task_create(
            organization=org, actor=member, project=ProjectFactory(organization=org), title="New"
        ),
        lambda org, member: ProjectFactory(organization=org),
        lambda org, member: MembershipFactory(organization=org).delete(),
    ],
    ids=["task created", "project saved", "member removed"],
)
def test_saving_what_a_topic_reads_moves_its_revision(in_org, member, change):
    calls, read = counting(in_org)
    read()

    change(in_org, member)
    read()

    assert len(calls) == 2


def test_a_task_edit_moves_the_revision_and_the_new_value_is_read(in_org, member):
    task = task_create(
        organization=in_org,
        actor=member,
        project=ProjectFactory(organization=in_org),
        title="Alpha",
    )
    titles = []

    def read():
        titles.append(1)
        return Task.objects.get(pk=task.pk).title

    def cached():
        return revisions.cached(in_org.pk, revisions.TASKS, "title", read)

    assert cached() == "Alpha"
    task_update(task=task, actor=member, data={"title": "Renamed"})
    assert cached() == "Renamed"


def test_renaming_a_person_moves_the_directory_of_each_of_their_organizations(member):
    elsewhere = MembershipFactory(user=member.user)
    before = {
        org: revisions.current(org, revisions.DIRECTORY)
        for org in (member.organization_id, elsewhere.organization_id)
    }

    member.user.name = "A new name"
    member.user.save(update_fields=["name"])

    for org, revision in before.items():
        assert revisions.current(org, revisions.DIRECTORY) != revision


def test_signing_in_moves_no_revision(member):
    before = revisions.current(member.organization_id, revisions.DIRECTORY)

    member.user.save(update_fields=["last_login"])

    assert revisions.current(member.organization_id, revisions.DIRECTORY) == before


def test_organizations_keep_their_own_revisions():
    a, b = OrganizationFactory(), OrganizationFactory()
    before = revisions.current(b.pk, revisions.TASKS)

    revisions.changed(a.pk, revisions.TASKS)

    assert revisions.current(b.pk, revisions.TASKS) == before


@pytest.mark.django_db(transaction=True)
def test_the_revision_moves_again_when_the_change_commits(organization):
    with transaction.atomic():
        revisions.changed(organization.pk, revisions.TASKS)
        during = revisions.current(organization.pk, revisions.TASKS)

    assert revisions.current(organization.pk, revisions.TASKS) != during


def test_unknown_topics_are_refused(organization):
    with pytest.raises(ValueError, match="unknown topics"):
        revisions.changed(organization.pk, "everything")


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
def test_without_a_cache_every_read_runs(in_org):
    calls, read = counting(in_org)

    read()
    read()

    assert len(calls) == 2


def test_a_projects_field_definitions_follow_every_change_to_its_fields(in_org, admin):
    """The list reads a project's fields under the directory revision: adding, renaming and
    removing a field each show on the next read."""
    from workspace.selectors import project_for_list
    from workspace.services.projects import (
        custom_field_create,
        custom_field_delete,
        custom_field_update,
    )

    project = ProjectFactory(organization=in_org)

    def project_fields(project):
        read = project_for_list(organization=in_org, slug=project.slug, membership=admin)
        return read.definitions

    assert project_fields(project=project) == []

    field = custom_field_create(project=project, actor=admin, name="Estimate", field_type="number")
    assert [f.name for f in project_fields(project=project)] == ["Estimate"]

    custom_field_update(field=field, actor=admin, name="Points")
    assert [(f.pk, f.name) for f in project_fields(project=project)] == [(field.pk, "Points")]

    custom_field_delete(field=field, actor=admin)
    assert project_fields(project=project) == []


def test_within_a_request_each_revision_is_read_once_and_its_own_changes_move_it(in_org):
    """``remembered`` (every organization request runs in it): reads share the revision they
    first saw, even when another request moves it meanwhile; a change made in the block moves
    it for the block's later reads."""
    from django.core.cache import cache

    cache_key = f"revision:{revisions.TASKS}:{in_org.pk}"
    calls, read = counting(in_org)
    with revisions.remembered():
        read()
        # Another request's change, straight in the cache (not through this block).
        cache.set(cache_key, 1)
        read()
        assert len(calls) == 1  # still this request's revision

        revisions.changed(in_org.pk, revisions.TASKS)
        read()
        assert len(calls) == 2

    cache.set(cache_key, 2)  # outside the block, every read asks the cache
    read()
    assert len(calls) == 3


def test_a_request_reads_all_of_an_organizations_revisions_in_one_round_trip(in_org):
    """The first revision a request asks for brings the organization's others with it: a list
    reads both the directory (its filters' choices) and the tasks (its count)."""
    from django.core.cache import cache

    revisions.current(in_org.pk, revisions.TASKS)
    revisions.current(in_org.pk, revisions.DIRECTORY)  # both exist now
    cache.set(f"revision:{revisions.DIRECTORY}:{in_org.pk}", 41)
    cache.set(f"revision:{revisions.TASKS}:{in_org.pk}", 42)
    with revisions.remembered():
        assert revisions.current(in_org.pk, revisions.TASKS) == 42
        cache.set(f"revision:{revisions.DIRECTORY}:{in_org.pk}", 43)  # after the read
        assert revisions.current(in_org.pk, revisions.DIRECTORY) == 41
