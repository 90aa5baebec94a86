"""Room on the interpreter's frame stack for each request: a workaround for CPython 3.11.

CPython 3.11 keeps Python frames in 16 KiB chunks. It maps a new chunk when a call does not fit in
the current one and unmaps it as soon as that call returns, so a loop that calls across a chunk
boundary pays an ``mmap`` and a ``munmap`` per call (CPython gh-142183, fixed in later releases by
caching a chunk). Where the boundary falls depends on the depth at which a request starts: on the
task list it fell inside the per-row rendering, and ``strace`` counted about 1,000 map/unmap pairs
per request, 9 ms of kernel time on a 25 ms page.

Calling the application from a frame with a large locals area moves the request to the start of a
fresh 128 KiB chunk (one map per request), where every frame a request needs fits; the cost is
setting 8,192 locals to NULL once per request. ``make bench`` shows the difference.
"""

from collections.abc import Callable

LOCALS = 8192  # 64 KiB of frame: CPython rounds the new chunk up to 128 KiB


def _roomy_caller(locals_count: int) -> Callable:
    names = " = ".join(f"_{n}" for n in range(locals_count))
    source = (
        "def call(function, *args):\n"
        "    if function is None:  # never true: the names only make the frame large\n"
        f"        {names} = None\n"
        "    return function(*args)\n"
    )
    namespace: dict = {}
    exec(compile(source, "<stackroom>", "exec"), namespace)  # noqa: S102 - generated above
    return namespace["call"]


_call = _roomy_caller(LOCALS)


def call_with_stack_room(function: Callable, *args):
    """``function(*args)`` from a frame that leaves it a whole chunk (ASGI's synchronous part)."""
    return _call(function, *args)


def with_stack_room(application: Callable) -> Callable:
    """The WSGI ``application``, called from a frame that leaves the request a whole chunk."""

    def roomy_application(environ, start_response):
        return _call(application, environ, start_response)

    roomy_application.__wrapped__ = application
    return roomy_application
