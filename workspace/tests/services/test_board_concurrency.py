"""Board moves at the same moment, on two real PostgreSQL connections."""

import pytest

from workspace.models import Task
from workspace.services.board import Move, board_respace, task_move
from workspace.services.tasks import task_create
from workspace.tenancy import organization_scope
from workspace.tests.concurrency import race
from workspace.tests.factories import MembershipFactory, OrganizationFactory, ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup():
    organization = OrganizationFactory()
    member = MembershipFactory(organization=organization)
    other = MembershipFactory(organization=organization)
    with organization_scope(organization):
        project = ProjectFactory(organization=organization)
        tasks = [
            task_create(organization=organization, actor=member, project=project, title=f"Card {n}")
            for n in range(1, 6)
        ]
    return organization, member, other, tasks


def _fresh(task):
    return Task.objects.get(pk=task.pk)


def _order(organization):
    with organization_scope(organization):
        return list(Task.objects.board_order().values_list("number", "rank"))


def test_two_moves_to_the_same_spot_both_land_with_distinct_keys(setup):
    organization, member, other, tasks = setup

    outcome = race(
        lambda: task_move(task=_fresh(tasks[0]), actor=member, move=Move(group="status", above=4)),
        lambda: task_move(task=_fresh(tasks[1]), actor=other, move=Move(group="status", above=4)),
        organization=organization,
    )

    assert outcome.second_error is None
    assert outcome.second_waited  # it picked the same key first, and waited on the first's
    order = _order(organization)
    numbers = [number for number, _rank in order]
    assert numbers[:2] == [5, 4]
    assert sorted(numbers[2:4]) == [1, 2]  # both right below #4
    assert numbers[4:] == [3]
    ranks = [rank for _number, rank in order if rank]
    assert len(ranks) == len(set(ranks)) == 2


def test_respacing_waits_for_a_move_in_progress(setup):
    organization, member, _other, tasks = setup

    outcome = race(
        lambda: task_move(task=_fresh(tasks[0]), actor=member, move=Move(group="status", below=5)),
        lambda: board_respace(organization_id=organization.pk),
        organization=organization,
    )

    assert outcome.second_error is None
    assert outcome.second_waited
    assert [number for number, _rank in _order(organization)] == [1, 5, 4, 3, 2]
