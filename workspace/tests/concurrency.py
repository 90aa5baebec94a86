"""Two transactions on two real PostgreSQL connections, interleaved on purpose.

``race(first, second, organization=...)`` runs ``first`` in a transaction on one thread and keeps
that transaction open; it then runs ``second`` on another thread (another connection) and commits
``first`` only once ``second`` is blocked waiting for one of its locks (or has finished without
waiting). That is the worst moment for ``second``: it started while ``first`` was uncommitted, and
it resumes after ``first`` committed. The outcome of both is returned.

Tests using it need ``pytest.mark.django_db(transaction=True)``: the threads' connections must see
each other's commits.
"""

import threading
import time
from dataclasses import dataclass

from django.db import connection, transaction

from workspace.tenancy import organization_scope

TIMEOUT = 20  # seconds


@dataclass
class Outcome:
    first: object = None
    first_error: BaseException | None = None
    second: object = None
    second_error: BaseException | None = None
    second_waited: bool = False


def lock_waiters() -> int:
    """Backends of the test database waiting for a lock right now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def race(first, second, *, organization) -> Outcome:
    outcome = Outcome()
    first_done = threading.Event()
    release = threading.Event()

    def run_first():
        try:
            with organization_scope(organization), transaction.atomic():
                outcome.first = first()
                first_done.set()
                release.wait(TIMEOUT)
        except Exception as error:  # noqa: BLE001 - reported to the test
            outcome.first_error = error
        finally:
            first_done.set()
            connection.close()

    def run_second():
        first_done.wait(TIMEOUT)
        try:
            with organization_scope(organization):
                outcome.second = second()
        except Exception as error:  # noqa: BLE001 - reported to the test
            outcome.second_error = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    first_done.wait(TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while threads[1].is_alive() and time.monotonic() < deadline:
        if lock_waiters():
            outcome.second_waited = True
            break
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a transaction never finished"
    if outcome.first_error is not None:
        raise outcome.first_error
    return outcome
