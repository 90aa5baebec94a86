"""Unique values taken at the same moment by two transactions.

A service checks that a name or address is free before it inserts it, but a concurrent
transaction that has not committed yet is invisible to that check: the insert then waits for it
and fails with an IntegrityError once it commits. ``unless_taken`` turns that into the answer the
sequential case gets: the service looks again (now the other row is visible) and raises its form
error, or, for values the user did not choose (generated slugs), picks the next free one.
"""

from collections.abc import Callable
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

ATTEMPTS = 5


class Taken(Exception):
    """The value was taken by a concurrent transaction: pick another one and try again."""


@contextmanager
def unless_taken(is_taken: Callable[[], bool], error: ValidationError | None = None):
    """Run the block in a savepoint. When it violates a unique constraint and ``is_taken()``
    now sees the value taken, raise ``error`` (or ``Taken`` when there is none); any other
    integrity error propagates unchanged."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        if not is_taken():
            raise
        if error is None:
            raise Taken from None
        raise error from None


def with_fresh_value(attempt: Callable[[], object], error: ValidationError):
    """Call ``attempt`` (which raises ``Taken`` when its generated value was taken meanwhile)
    until it succeeds, at most ``ATTEMPTS`` times; then give up with ``error``."""
    for _ in range(ATTEMPTS):
        try:
            return attempt()
        except Taken:
            continue
    raise error
