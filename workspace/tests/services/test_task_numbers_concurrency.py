"""Task numbers come from a per-organization counter: unique and gap-free, even under load."""

import threading

import pytest
from django.db import connection, transaction

from workspace.models import Task
from workspace.services.tasks import task_create
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, OrganizationFactory, ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
TASKS_PER_THREAD = 5


class Boom(Exception):
    pass


@pytest.fixture
def setup():
    organization = OrganizationFactory()
    member = MembershipFactory(organization=organization)
    project = ProjectFactory(organization=organization)
    return organization, member, project


def _numbers(organization) -> list[int]:
    with organization_scope(organization):
        return sorted(Task.all_objects.values_list("number", flat=True))


def test_concurrent_creations_get_unique_gap_free_numbers(setup):
    organization, member, project = setup
    barrier = threading.Barrier(THREADS)
    errors = []

    def work(worker):
        try:
            with organization_scope(organization):
                barrier.wait(timeout=10)
                for i in range(TASKS_PER_THREAD):
                    task_create(
                        organization=organization,
                        actor=member,
                        project=project,
                        title=f"Task {worker}-{i}",
                    )
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert _numbers(organization) == list(range(1, THREADS * TASKS_PER_THREAD + 1))
    organization.refresh_from_db()
    assert organization.task_counter == THREADS * TASKS_PER_THREAD


def test_a_rolled_back_creation_leaves_no_gap(setup):
    organization, member, project = setup

    def create(title):
        return task_create(organization=organization, actor=member, project=project, title=title)

    def create_then_roll_back():
        with transaction.atomic():
            create("Lost")
            raise Boom

    with organization_scope(organization):
        create("First")
        with pytest.raises(Boom):
            create_then_roll_back()
        last = create("Next")

    assert last.number == 2
    assert _numbers(organization) == [1, 2]
