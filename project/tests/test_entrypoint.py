"""Smoke tests of the container entrypoint, run outside Docker against the test PostgreSQL and
Redis: migrations, gunicorn, and the Huey consumer running a job the web app queued."""

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import environ
import psycopg
import pytest

from project.tests.conftest import ROOT, run_manage


@contextmanager
def scratch_database():
    """A brand-new, empty database on the test server, dropped afterwards."""
    url = os.environ["DATABASE_URL"]
    config = environ.Env.db_url_config(url)
    name = f"tandem_entrypoint_{uuid.uuid4().hex[:8]}"
    admin_dsn = f"host={config['HOST']} port={config['PORT']} user={config['USER']} dbname=postgres"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Entrypoint:
    def __init__(self, process: subprocess.Popen, log: Path):
        self.process = process
        self.log = log

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None


@contextmanager
def running_entrypoint(env: dict[str, str], log: Path):
    with log.open("w") as sink:
        process = subprocess.Popen(
            ["scripts/entrypoint.sh"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    entrypoint = Entrypoint(process, log)
    try:
        yield entrypoint
    finally:
        if entrypoint.alive():
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_for_health(url: str, entrypoint: Entrypoint, timeout: float = 90.0) -> tuple[int, dict]:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if not entrypoint.alive():
            raise AssertionError(f"the entrypoint exited early:\n{entrypoint.output}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local URL
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())
        except OSError as exc:
            last_error = exc
            time.sleep(0.25)
    raise AssertionError(f"{url} did not answer within {timeout}s: {last_error}")


def wait_until(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def deployment(production_env, free_port, tmp_path):
    """Environment of a container: production settings, a fresh database, the test Redis with a
    queue of its own, e-mail written to files."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    with scratch_database() as database_url:
        env = {
            **production_env,
            "DATABASE_URL": database_url,
            "HUEY_QUEUE_NAME": f"entrypoint-{uuid.uuid4().hex[:8]}",
            "EMAIL_URL": f"filemail:///{mail_dir}",
            "PORT": str(free_port),
            "HOST": "127.0.0.1",
            "TANDEM_SITE_URL": f"http://127.0.0.1:{free_port}",
            # Plain HTTP on loopback: no TLS proxy in front of this test.
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SESSION_COOKIE_SECURE": "false",
            "DJANGO_CSRF_COOKIE_SECURE": "false",
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        }
        # The image collects static files at build time; pages need the manifest.
        collected = run_manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
        assert collected.returncode == 0, collected.stderr
        yield env, f"http://127.0.0.1:{free_port}", mail_dir


def test_entrypoint_migrates_and_serves_healthz(deployment, tmp_path):
    env, base, _mail = deployment

    with running_entrypoint(env, tmp_path / "container.log") as container:
        status, body = wait_for_health(f"{base}/healthz", container)
        assert container.alive(), container.output

    output = container.output
    assert status == 200, output
    assert body == {"status": "ok", "database": "ok", "cache": "ok"}
    # migrate ran against the empty database before the servers started
    assert "Applying accounts.0001_initial... OK" in output
    # production logs are JSON lines carrying a request id
    access = [
        json.loads(line)
        for line in output.splitlines()
        if line.startswith("{") and '"tandem.access"' in line
    ]
    assert access
    assert access[0]["path"] == "/healthz"
    assert access[0]["status"] == 200
    assert access[0]["request_id"] != "-"


def _sign_in_and_invite(base: str, email: str) -> None:
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path: str, data: dict) -> None:
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": csrf}).encode()
        request = urllib.request.Request(  # noqa: S310 - a local http URL
            f"{base}{path}", data=body, headers={"Referer": base}
        )
        browser.open(request, timeout=10).close()

    browser.open(f"{base}/accounts/login/", timeout=10).close()
    post("/accounts/login/", {"login": "demo@tandem.localhost", "password": "tandem-demo-password"})
    browser.open(f"{base}/o/demo/members/", timeout=10).close()
    post("/o/demo/invitations/", {"email": email, "role": "member"})


def test_entrypoint_runs_the_consumer_for_jobs_the_web_app_queues(deployment, tmp_path):
    env, base, mail_dir = deployment

    with running_entrypoint(env, tmp_path / "container.log") as container:
        wait_for_health(f"{base}/healthz", container)
        demo = run_manage("demo", env=env)
        assert demo.returncode == 0, demo.stderr

        _sign_in_and_invite(base, "newcomer@example.com")

        def invitation_mailed() -> bool:
            return any("newcomer@example.com" in f.read_text() for f in mail_dir.glob("*.log"))

        assert wait_until(invitation_mailed), container.output
        assert container.alive()

    mail = next(f.read_text() for f in mail_dir.glob("*.log") if "newcomer@" in f.read_text())
    assert re.search(rf"{re.escape(base)}/invitations/[\w-]+/", mail)
    assert "Huey consumer started" in container.output


def _consumer_pid(container: Entrypoint) -> int | None:
    """The run_huey process the entrypoint started (its process group is the entrypoint's)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "run_huey" in cmdline and os.getpgid(int(proc.name)) == container.process.pid:
                return int(proc.name)
        except (OSError, ProcessLookupError):
            continue
    return None


def test_the_container_exits_non_zero_when_the_consumer_dies(deployment, tmp_path):
    env, base, _mail = deployment

    with running_entrypoint(env, tmp_path / "container.log") as container:
        wait_for_health(f"{base}/healthz", container)
        assert wait_until(lambda: _consumer_pid(container) is not None)
        os.kill(_consumer_pid(container), signal.SIGKILL)

        assert wait_until(lambda: not container.alive()), container.output

    assert container.process.returncode != 0
    assert "stopping the container" in container.output
