import signal
import socket
import subprocess
import time
from contextlib import contextmanager, suppress

import pytest
from huey.contrib.djhuey import HUEY

from tasks.tests.backends import ScriptedSMTPBackend


@pytest.fixture
def smtp(settings, mailoutbox):
    """E-mail goes through ScriptedSMTPBackend: ``smtp.failures`` lists the errors to raise."""
    settings.EMAIL_BACKEND = "tasks.tests.backends.ScriptedSMTPBackend"
    ScriptedSMTPBackend.failures = []
    yield ScriptedSMTPBackend
    ScriptedSMTPBackend.failures = []


@pytest.fixture
def huey_memory():
    """The immediate-mode queue the tests use, emptied before and after (schedule, locks)."""
    HUEY.storage.flush_all()
    yield HUEY
    HUEY.storage.flush_all()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def redis_server(port: int):
    """A real Redis server on ``port`` for as long as the block runs."""
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def redis_queue(url: str | None = None):
    """Switch the app's Huey from immediate mode to a real Redis queue (the test Redis, or
    ``url``), and back afterwards."""
    from huey.storage import RedisStorage

    HUEY.immediate = False
    if url is not None:
        HUEY.storage = RedisStorage(HUEY.name, url=url)
    try:
        yield HUEY
    finally:
        with suppress(Exception):  # the server may be gone on purpose
            HUEY.storage.flush_all()
        HUEY.immediate = True


@contextmanager
def running_consumer(huey):
    """A real Huey consumer (worker threads and scheduler) in this process."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    consumer = huey.create_consumer(
        workers=2,
        worker_type="thread",
        periodic=False,
        initial_delay=0.05,
        max_delay=0.2,
        check_worker_health=False,
    )
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def wait_until(predicate, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def naive_utc(moment):
    """``moment`` as Huey stores etas (``utc=True``): naive, in UTC."""
    from datetime import UTC

    return moment.astimezone(UTC).replace(tzinfo=None)


def run_due(huey, moment):
    """Execute what Huey's schedule holds for ``moment`` (an aware datetime), as the consumer's
    scheduler does: due tasks (retries) leave the schedule and run. Returns them."""
    due = huey.read_schedule(naive_utc(moment))
    for task in due:
        huey.execute(task, naive_utc(moment))
    return due
