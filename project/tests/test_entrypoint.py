"""Smoke test of the container entrypoint, run outside Docker against the test PostgreSQL."""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager

import environ
import psycopg

from project.tests.conftest import ROOT


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


def wait_for(url: str, process: subprocess.Popen, timeout: float = 60.0) -> tuple[int, dict]:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the entrypoint exited early:\n{process.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local URL
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())
        except OSError as exc:
            last_error = exc
            time.sleep(0.25)
    raise AssertionError(f"{url} did not answer within {timeout}s: {last_error}")


@contextmanager
def running_entrypoint(env: dict[str, str]):
    process = subprocess.Popen(
        ["scripts/entrypoint.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_entrypoint_migrates_and_serves_healthz(production_env, free_port):
    with scratch_database() as database_url:
        env = {**production_env, "DATABASE_URL": database_url, "PORT": str(free_port)}
        env["HOST"] = "127.0.0.1"
        with running_entrypoint(env) as process:
            status, body = wait_for(f"http://127.0.0.1:{free_port}/healthz", process)
            assert process.poll() is None, process.stdout.read()

        output = process.stdout.read()
        assert status == 200, output
        assert body == {"status": "ok", "database": "ok", "cache": "ok"}
        # migrate ran against the empty database before gunicorn started
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
