"""Fault tolerance against the real servers: Redis stopping mid-session, PostgreSQL restarting
between two requests."""

import socket
import subprocess
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from project.tests.test_entrypoint import running_entrypoint, wait_for_health
from tasks.notifications import deliver_pending_notifications
from tasks.tests.conftest import free_port, redis_queue, running_consumer, wait_until
from workspace.models import Notification, Role, Task, TaskStatus
from workspace.services.watching import watchers_add
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory


class RedisServer:
    """A Redis server of the test's own, which it can stop and start again on the same port."""

    def __init__(self, port: int):
        self.port = port
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
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
        assert wait_until(lambda: _listening(self.port), timeout=10)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


@pytest.fixture
def redis():
    server = RedisServer(free_port())
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def app_on(settings):
    """Point the app's configured cache (sessions, rate limits) at a given Redis."""
    configured = settings.CACHES["default"]

    def _point(url: str):
        options = {**configured.get("OPTIONS", {}), "retry_after": 0.5}
        settings.CACHES = {"default": {**configured, "LOCATION": url, "OPTIONS": options}}

    return _point


@pytest.mark.django_db(transaction=True)
def test_redis_stopping_mid_session(redis, app_on, client, mailoutbox, password):
    owner = MembershipFactory(
        role=Role.OWNER, organization__slug="acme", user__email="olivia@example.com"
    )
    # Mia created the task (so she watches it) and has her e-mails sent right away.
    mia = MembershipFactory(
        organization=owner.organization,
        user__email="mia@example.com",
        user__email_bundle_minutes=0,
    )
    with organization_scope(owner.organization):
        task = TaskFactory(
            project=ProjectFactory(organization=owner.organization), created_by=mia.user
        )
        watchers_add(task=task, memberships=[mia])
    app_on(redis.url)
    tasks_url = reverse("web:task-list", kwargs={"org_slug": "acme"})

    with redis_queue(redis.url):
        client.post(reverse("account_login"), {"login": "olivia@example.com", "password": password})
        assert client.get(tasks_url).status_code == 200

        redis.stop()

        # Pages still render, for the signed-in session...
        assert client.get(tasks_url).status_code == 200
        assert client.get(task.get_absolute_url()).status_code == 200
        # ...signing in still works...
        other = client.__class__()
        signed_in = other.post(
            reverse("account_login"), {"login": "mia@example.com", "password": password}
        )
        assert signed_in.status_code == 302
        assert other.get(tasks_url).status_code == 200
        # ...and a task edit commits, its notification waiting in the outbox.
        edited = client.post(
            reverse(
                "web:task-inline",
                kwargs={"org_slug": "acme", "number": task.number, "field": "status"},
            ),
            {"status": "done", "version": task.version, "context": "row"},
            HTTP_HX_REQUEST="true",
        )
        assert edited.status_code == 200
        with organization_scope(owner.organization):
            assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE
            assert Notification.objects.pending().count() == 1
        assert mail.outbox == []

    # Redis comes back: the consumer's sweep delivers the completion mail.
    redis.start()
    with (
        redis_queue(redis.url) as huey,
        running_consumer(huey),
        time_machine.travel(timezone.now() + timedelta(minutes=1), tick=True),
    ):
        deliver_pending_notifications()
        assert wait_until(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].to == ["mia@example.com"]


def test_postgresql_restarting_between_two_requests(
    private_postgres, production_env, free_port, tmp_path
):
    env = {
        **production_env,
        "DATABASE_URL": private_postgres.url,
        "REDIS_URL": "",
        "PORT": str(free_port),
        "HOST": "127.0.0.1",
        # One worker: the requests after the restart meet the pooled connection that the
        # requests before it used (and that the restart killed).
        "WEB_CONCURRENCY": "1",
    }
    health = f"http://127.0.0.1:{free_port}/healthz"
    ok = (200, {"status": "ok", "database": "ok", "cache": "ok"})

    with running_entrypoint(env, tmp_path / "container.log") as container:
        for _ in range(2):
            assert wait_for_health(health, container) == ok

        private_postgres.restart()

        # The very next requests succeed: pooled connections are checked before use.
        for _ in range(4):
            assert wait_for_health(health, container, timeout=5) == ok, container.output
