import resource
import sys
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started
from django.db import close_old_connections

from project.stackroom import LOCALS, _call, with_stack_room

CALLS = 200


def _leaf():
    return 1


def _worst_faults_calling_at_each_depth(max_depth: int = 250) -> int:
    """Page faults while calling a function ``CALLS`` times, at the worst of many stack depths.

    A call that crosses into a frame chunk CPython has just unmapped touches a fresh page, so
    thrashing shows as one minor fault per call at the depth where the boundary falls.
    """

    def at(depth: int) -> int:
        if depth:
            return at(depth - 1)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(CALLS):
            _leaf()
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    return max(at(depth) for depth in range(max_depth))


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the thrashing is CPython 3.11's")
def test_calls_across_a_frame_chunk_boundary_thrash_without_the_room():
    assert _worst_faults_calling_at_each_depth() >= CALLS


def test_a_request_started_with_stack_room_does_not_thrash():
    # 250 nested frames: deeper than Tandem's deepest request path, all inside one chunk.
    assert _call(_worst_faults_calling_at_each_depth) < CALLS // 10


def test_the_wrapper_passes_the_request_through_and_returns_the_response():
    calls = []

    def application(environ, start_response):
        calls.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"ok"]

    wrapped = with_stack_room(application)
    assert wrapped({"PATH_INFO": "/x"}, lambda status, headers: None) == [b"ok"]
    assert calls == ["/x"]
    assert wrapped.__wrapped__ is application
    assert LOCALS * 8 >= 64 * 1024  # a 64 KiB frame: CPython maps a 128 KiB chunk for it


def test_the_deployed_wsgi_application_serves_requests_with_stack_room(db):
    from project import wsgi

    assert isinstance(wsgi.application.__wrapped__, WSGIHandler)
    environ = {"PATH_INFO": "/healthz", "HTTP_HOST": "testserver"}
    setup_testing_defaults(environ)
    statuses = []
    # As Django's test client does: the test's connection (inside its transaction) stays open.
    request_started.disconnect(close_old_connections)
    try:
        response = wsgi.application(environ, lambda status, headers: statuses.append(status))
        body = b"".join(response)
    finally:
        request_started.connect(close_old_connections)
    assert statuses == ["200 OK"], body[:200]
