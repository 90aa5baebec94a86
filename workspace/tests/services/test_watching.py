"""Who watches a task: the creator, the assignee, commenters and the mentioned, automatically;
anyone else by choice."""

import pytest
from django.core.exceptions import PermissionDenied

from workspace.models import Watch
from workspace.services.comments import comment_create, comment_update
from workspace.services.tasks import task_create, task_update
from workspace.services.watching import task_watch, watcher_ids
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(in_org):
    return ProjectFactory(organization=in_org)


@pytest.fixture
def team(organization):
    return [MembershipFactory(organization=organization) for _ in range(3)]


def mention(membership) -> str:
    return f"@[{membership.user.display_name}](member:{membership.pk})"


def test_the_creator_and_the_assignee_watch_a_new_task(project, member, team):
    task = task_create(
        organization=project.organization,
        actor=member,
        project=project,
        title="Write the launch post",
        assignee=team[0],
    )

    assert watcher_ids(task=task) == {member.pk, team[0].pk}


def test_members_mentioned_in_the_description_watch_it(project, member, team):
    task = task_create(
        organization=project.organization,
        actor=member,
        project=project,
        title="Plan the offsite",
        description=f"Ask {mention(team[1])} about dates",
    )

    assert watcher_ids(task=task) == {member.pk, team[1].pk}


def test_a_new_assignee_starts_watching_and_the_old_one_keeps_watching(project, member, team):
    task = task_create(
        organization=project.organization,
        actor=member,
        project=project,
        title="Fix the login page",
        assignee=team[0],
    )

    task_update(task=task, actor=member, data={"assignee": team[1]})

    assert watcher_ids(task=task) == {member.pk, team[0].pk, team[1].pk}


def test_commenting_and_being_mentioned_in_a_comment_make_you_watch(project, member, team):
    task = TaskFactory(project=project)

    comment_create(task=task, actor=team[0], body=f"Thoughts, {mention(team[1])}?")

    assert watcher_ids(task=task) == {team[0].pk, team[1].pk}


def test_a_mention_added_by_editing_a_comment_makes_them_watch(project, team):
    task = TaskFactory(project=project)
    comment = comment_create(task=task, actor=team[0], body="Thoughts, anyone?")

    comment_update(comment=comment, actor=team[0], body=f"Thoughts, {mention(team[2])}?")

    assert watcher_ids(task=task) == {team[0].pk, team[2].pk}


def test_a_mention_of_someone_outside_the_organization_watches_nothing(project, team):
    outsider = MembershipFactory()  # another organization's membership id
    task = TaskFactory(project=project)

    comment_create(task=task, actor=team[0], body=f"cc {mention(outsider)}")

    assert watcher_ids(task=task) == {team[0].pk}


def test_anyone_can_watch_and_unwatch_and_doing_it_twice_changes_nothing(project, team):
    task = TaskFactory(project=project)

    task_watch(task=task, actor=team[2], watching=True)
    task_watch(task=task, actor=team[2], watching=True)
    assert watcher_ids(task=task) == {team[2].pk}
    assert Watch.objects.filter(task=task).count() == 1

    task_watch(task=task, actor=team[2], watching=False)
    task_watch(task=task, actor=team[2], watching=False)
    assert watcher_ids(task=task) == set()


def test_an_unwatched_commenter_is_back_when_commenting_again(project, team):
    task = TaskFactory(project=project)
    comment_create(task=task, actor=team[0], body="First")
    task_watch(task=task, actor=team[0], watching=False)

    comment_create(task=task, actor=team[1], body="Second")
    assert team[0].pk not in watcher_ids(task=task)  # someone else's comment does not

    comment_create(task=task, actor=team[0], body="Third")
    assert team[0].pk in watcher_ids(task=task)


def test_a_member_of_another_organization_cannot_watch_even_bypassing_the_views(project):
    task = TaskFactory(project=project)
    stranger = MembershipFactory()

    with pytest.raises(PermissionDenied):
        task_watch(task=task, actor=stranger, watching=True)

    assert watcher_ids(task=task) == set()
