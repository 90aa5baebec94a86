"""The live event brokers: numbering, replays, fan-out, presence, and Redis going away."""

import asyncio
import concurrent.futures
import shutil
import subprocess
import time

import pytest
from django.conf import settings

from conftest import pick_free_port
from workspace import broker as brokers
from workspace.services.tasks import task_create
from workspace.tenancy import organization_scope
from workspace.tests.factories import ProjectFactory


@pytest.fixture(params=["local", "redis"])
def broker(request):
    if request.param == "local":
        return brokers.LocalBroker()
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    return brokers.RedisBroker(settings.REDIS_URL)


def in_own_loop(function):
    """``function`` (a coroutine function) as a plain one, run on an event loop of its own in
    another thread (the e2e tests' Playwright keeps a loop running in this one)."""

    def call(*args):
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, function(*args)).result()

    return call


def test_events_are_numbered_per_organization_and_replayed(broker):
    org = pick_free_port()  # any id no other test uses
    first = broker.publish(org, {"kind": "member"})
    second = broker.publish(org, {"kind": "task", "task": 4})
    other = broker.publish(org + 1, {"kind": "member"})

    assert second == first + 1
    assert broker.last_id(org) == second
    assert other == broker.last_id(org + 1)
    replay = in_own_loop(broker.replay)
    assert replay(org, first) == [{"id": second, "kind": "task", "task": 4}]
    assert replay(org, second) == []
    assert replay(org, second + 5) is None  # the counter started again: reset


def test_a_subscription_receives_its_organizations_events_only(broker):
    org = pick_free_port()

    async def run():
        subscription = await broker.subscribe(org)
        try:
            await asyncio.to_thread(broker.publish, org + 1, {"kind": "member"})
            await asyncio.to_thread(broker.publish, org, {"kind": "task", "task": 1})
            event = await asyncio.wait_for(subscription.queue.get(), 3)
            assert subscription.queue.empty()
            return event
        finally:
            await broker.unsubscribe(subscription)

    event = in_own_loop(run)()
    assert event["kind"] == "task"
    assert broker.connections() == 0


def test_presence_lists_who_has_a_task_open(broker):
    org = pick_free_port()

    async def run():
        await broker.presence_touch(org, 3, 11)
        await broker.presence_touch(org, 3, 12)
        await broker.presence_leave(org, 3, 11)

    in_own_loop(run)()
    assert broker.viewers(org, 3) == {12}
    assert broker.viewers(org, 4) == set()


def test_a_slow_stream_is_told_to_reset_instead_of_growing_without_bound():
    broker = brokers.LocalBroker()

    async def run():
        subscription = await broker.subscribe(1)
        for number in range(brokers.QUEUE_SIZE + 1):
            subscription.deliver({"id": number, "kind": "task"})
        events = [subscription.queue.get_nowait() for _ in range(subscription.queue.qsize())]
        await broker.unsubscribe(subscription)
        return events

    assert in_own_loop(run)() == [brokers.RESET]


@pytest.mark.django_db
def test_writes_work_while_redis_is_unreachable(
    organization, owner, caplog, django_capture_on_commit_callbacks
):
    """Pages and writes do not depend on live updates: the event is logged and dropped."""
    dead = brokers.RedisBroker(f"redis://127.0.0.1:{pick_free_port()}/0")
    brokers.reset_for_tests(dead)
    try:
        with organization_scope(organization):
            project = ProjectFactory(organization=organization)
            with django_capture_on_commit_callbacks(execute=True):
                task = task_create(
                    organization=organization, actor=owner, project=project, title="Still saved"
                )
        started = time.monotonic()
        assert dead.publish(organization.pk, {"kind": "member"}) is None
        assert time.monotonic() - started < 0.05  # left alone for a while: no timeout to wait
    finally:
        brokers.reset_for_tests(None)
    assert task.pk
    assert "live events: publish failed" in caplog.text
    assert dead.viewers(organization.pk, task.number) == set()


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
def test_streams_are_told_to_refresh_when_redis_comes_back(tmp_path):
    port = pick_free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]

    def start():
        process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        import redis

        while time.monotonic() < deadline:
            try:
                redis.Redis(port=port).ping()
                return process
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    server = start()
    broker = brokers.RedisBroker(f"redis://127.0.0.1:{port}/0", retry_after=0.1)

    async def run():
        nonlocal server
        subscription = await broker.subscribe(1)
        try:
            server.terminate()
            server.wait(5)
            await asyncio.sleep(0.5)
            assert broker.publish(1, {"kind": "member"}) is None  # lost while Redis is down
            server = await asyncio.to_thread(start)
            return await asyncio.wait_for(subscription.queue.get(), 10)
        finally:
            await broker.unsubscribe(subscription)

    try:
        assert in_own_loop(run)() == brokers.RESET
    finally:
        server.terminate()
        server.wait(5)
