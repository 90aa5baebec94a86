"""The board's re-spacing jobs: long manual-order keys become short ones, the order kept."""

import pytest

from tasks.board import respace_all_board_keys, respace_board_keys
from workspace import ranks
from workspace.models import Task
from workspace.services.board import Move, task_move
from workspace.services.tasks import task_create
from workspace.tenancy import organization_scope
from workspace.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded(organization, member):
    """Tasks moved, one after another, to the same spot (below #2): their keys grow long."""
    with organization_scope(organization):
        project = ProjectFactory(organization=organization)
        tasks = [
            task_create(organization=organization, actor=member, project=project, title=f"T {n}")
            for n in range(120)
        ]
        for task in tasks[2:]:
            task_move(task=Task.objects.get(pk=task.pk), actor=member, move=Move("status", above=2))
    return organization


def _state(organization):
    with organization_scope(organization):
        rows = list(Task.objects.board_order().values_list("number", "rank"))
    return [n for n, _ in rows], max(len(rank or "") for _, rank in rows)


def test_the_nightly_job_respaces_every_organization_with_long_keys(crowded):
    order, longest = _state(crowded)
    assert longest > ranks.LONG_KEY

    assert respace_all_board_keys.call_local() > 0

    assert _state(crowded) == (order, _state(crowded)[1])
    assert _state(crowded)[1] <= ranks.LONG_KEY
    assert respace_all_board_keys.call_local() == 0  # nothing long left


def test_the_job_for_one_organization(crowded):
    assert respace_board_keys.call_local(crowded.pk) > 0
    assert respace_board_keys.call_local(crowded.pk) == 0
    assert respace_board_keys.call_local(10**9) == 0  # an organization gone meanwhile
