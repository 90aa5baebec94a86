import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import pick_free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production_env() -> dict[str, str]:
    """Realistic production environment for the services make test started."""
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "project.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "tandem.example.com,127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://tandem.example.com",
        "DJANGO_ADMIN_URL": f"admin-{secrets.token_hex(4)}/",
        "EMAIL_URL": "smtp+tls://mailer:password@smtp.example.com:587",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return env


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class PostgresCluster:
    """A throwaway PostgreSQL cluster of the test's own, which it may stop and restart without
    disturbing the test database."""

    def __init__(self, directory, port: int):
        self.directory = directory
        self.port = port
        self.bin = os.environ.get("TANDEM_PG_BIN", "/usr/lib/postgresql/15/bin")
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        self.options = (
            f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off"
        )

    def _run(self, *args: str) -> None:
        # The server runs on in the background: never hand it a pipe to keep open.
        subprocess.run(
            [*self.as_pg, f"{self.bin}/{args[0]}", *args[1:]],
            cwd=self.directory,
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )

    def init(self) -> None:
        if self.as_pg:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(
            "initdb",
            "-D",
            f"{self.directory}/data",
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "tandem")

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            f"{self.directory}/data",
            "-l",
            f"{self.directory}/log",
            "-w",
            "-o",
            self.options,
            "start",
        )

    def restart(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            f"{self.directory}/data",
            "-l",
            f"{self.directory}/log",
            "-m",
            "fast",
            "-w",
            "-o",
            self.options,
            "restart",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", f"{self.directory}/data", "-m", "immediate", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/tandem"


@pytest.fixture
def private_postgres():
    # Not under pytest's tmp_path: the postgres user must be able to reach the directory.
    directory = Path(tempfile.mkdtemp(prefix="tandem-pg-"))
    directory.chmod(0o755)
    cluster = PostgresCluster(directory, pick_free_port())
    try:
        cluster.init()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
