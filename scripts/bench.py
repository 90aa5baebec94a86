#!/usr/bin/env python3
"""`make bench`: load-test Tandem as it ships, beside the framework's own floor.

Runs inside scripts/with-services.sh (DATABASE_URL and REDIS_URL point at throwaway servers):
seeds one organization of 100k tasks and 20 of 5k, starts gunicorn with the production settings
and the Redis cache, signs a member in, and drives each scenario with wrk from a separate process
(4 connections). Writes a table (bench-results/latest.md) and a JSON file mapping each scenario
to its figures (run details beside it, in *.meta.json); the last line printed is its path.

    BENCH_DURATION=15   seconds of load per scenario (after a warm-up)
    BENCH_WORKERS=4     gunicorn worker processes
"""

import http.cookiejar
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ORG = "bench1-1"
MEMBER = f"user4@{ORG}.example.com"
PASSWORD = "tandem-seed-password"  # noqa: S105 - the seeded accounts' password (workspace.seeding)
DETAIL_TASK = 1
EDIT_TASK = 2
CONNECTIONS = 4
INBOX_ITEMS = 1000
TARGETS = {"p50_ms": 25.0, "p99_ms": 100.0, "post_p50_ms": 20.0, "queries": 10, "rss_mb": 200}

SCENARIOS = [
    # name, method, path (query included), extra wrk environment
    ("org_home", "GET", f"/o/{ORG}/", {}),
    ("task_list", "GET", f"/o/{ORG}/tasks/", {}),
    (
        "task_list_filtered",
        "GET",
        f"/o/{ORG}/tasks/?status=todo&status=in_progress&assignee=me&q=report&sort=due_date",
        {},
    ),
    ("task_list_page_200", "GET", f"/o/{ORG}/tasks/?page=200", {}),
    ("task_detail_50_comments", "GET", f"/o/{ORG}/tasks/{DETAIL_TASK}/", {}),
    ("inbox_1000_items", "GET", f"/o/{ORG}/inbox/", {}),
    (
        "inline_status_change",
        "POST",
        f"/o/{ORG}/tasks/{EDIT_TASK}/inline/status/",
        {"BENCH_HTMX": "1", "BENCH_TOGGLE": "status=todo,in_progress", "BENCH_BODY": "context=row"},
    ),
]


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(port: int, static_root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DJANGO_STATIC_ROOT": str(static_root),
        # Plain HTTP on loopback: no TLS proxy in front of the benchmark.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SESSION_COOKIE_SECURE": "false",
        "DJANGO_CSRF_COOKIE_SECURE": "false",
        "TANDEM_BENCH_BASELINE": "true",
        # The benchmark member writes far more than a person would; limits still run.
        "TANDEM_WRITE_LIMIT_PRO": "100000000",
        "HUEY_QUEUE_NAME": f"bench-{secrets.token_hex(4)}",
        "EMAIL_URL": "dummymail://",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": os.environ.get("BENCH_WORKERS", "4"),
        "DATABASE_POOL_MAX_SIZE": "2",
    }


def manage(env, *args) -> str:
    result = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


PREPARE = f"""
from workspace import markdown
from workspace.models import Comment, Membership, Organization, Task
from workspace.seeding import seed_inbox
from workspace.tenancy import organization_scope
from accounts.models import User
organization = Organization.objects.get(slug="{ORG}")
with organization_scope(organization):
    task = Task.objects.get(number={DETAIL_TASK})
    missing = 50 - Comment.objects.filter(task=task).count()
    authors = list(User.objects.filter(memberships__organization=organization)[:5])
    Comment.objects.bulk_create(
        [Comment(organization=organization, task=task, author=authors[n % 5],
                 body=f"Comment {{n}}", body_html=markdown.render(f"Comment {{n}}").html)
         for n in range(max(0, missing))]
    )
    Task.objects.filter(number={EDIT_TASK}).update(status="todo")
    member = Membership.objects.get(user__email="{MEMBER}")
    seed_inbox(organization=organization, membership=member, items={INBOX_ITEMS})
    print(Comment.objects.filter(task=task).count())
"""

COUNT_QUERIES = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from accounts.models import User
scenarios = json.loads(INPUT)
client = Client()
client.force_login(User.objects.get(email=MEMBER))
counts = {}
for name, method, path, extra in scenarios:
    headers = {"HTTP_HX_REQUEST": "true"} if extra.get("BENCH_HTMX") else {}
    client.get(path) if method == "GET" else None
    with CaptureQueriesContext(connection) as queries:
        if method == "GET":
            response = client.get(path, **headers)
        else:
            response = client.post(path, {"context": "row", "status": "in_progress"}, **headers)
    counts[name] = {"queries": len(queries), "status": response.status_code}
print(json.dumps(counts))
"""


def count_queries(env) -> dict:
    code = COUNT_QUERIES.replace("INPUT", repr(json.dumps(SCENARIOS))).replace(
        "MEMBER", repr(MEMBER)
    )
    return json.loads(manage(env, "shell", "--verbosity", "0", "-c", code).strip().splitlines()[-1])


class Gunicorn:
    def __init__(self, env, log_path: Path):
        self.env = env
        self.log = log_path.open("w")
        self.pidfile = log_path.with_suffix(".pid")
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(Path(PYTHON).with_name("gunicorn")),
                "--config",
                "project/gunicorn.conf.py",
                "--pid",
                str(self.pidfile),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, base: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.25)
        raise SystemExit("gunicorn did not become healthy")

    def worker_rss_mb(self) -> list[float]:
        master = self.process.pid
        rss = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                status = (proc / "status").read_text()
            except OSError:
                continue
            if re.search(rf"^PPid:\s+{master}$", status, re.M):
                kb = int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1))
                rss.append(round(kb / 1024, 1))
        return sorted(rss)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def sign_in(base: str) -> tuple[str, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/", timeout=10).close()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    body = urllib.parse.urlencode(
        {"login": MEMBER, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - local URL
        f"{base}/accounts/login/", data=body, headers={"Referer": base}
    )
    opener.open(request, timeout=10).close()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit("could not sign the benchmark member in")
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), cookies["csrftoken"]


def page_size(base: str, path: str, cookie: str) -> int:
    request = urllib.request.Request(f"{base}{path}", headers={"Cookie": cookie})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return len(response.read())


def run_wrk(base, method, path, extra, cookie, csrf, duration) -> dict:
    env = {
        **os.environ,
        "BENCH_METHOD": method,
        "BENCH_COOKIE": cookie,
        "BENCH_CSRF": csrf,
        "BENCH_REFERER": base,
        **extra,
    }
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "-s", "scripts/bench.lua"]
    result = subprocess.run(  # noqa: S603
        [*command, f"{base}{path}"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    seconds = summary["duration_us"] / 1e6
    requests = max(summary["requests"], 1)
    return {
        "method": method,
        "path": path,
        "p50_ms": round(summary["p50_us"] / 1000, 2),
        "p95_ms": round(summary["p95_us"] / 1000, 2),
        "p99_ms": round(summary["p99_us"] / 1000, 2),
        "rps": round(summary["requests"] / seconds, 1),
        "errors": summary["status_errors"] + summary["socket_errors"],
        "bytes": round(summary["bytes"] / requests),
    }


def misses(name: str, figures: dict) -> list[str]:
    found = []
    read = figures["method"] == "GET" and name != "baseline"
    if read and figures["p50_ms"] >= TARGETS["p50_ms"]:
        found.append(f"p50 {figures['p50_ms']} ms >= {TARGETS['p50_ms']}")
    if read and figures["p99_ms"] >= TARGETS["p99_ms"]:
        found.append(f"p99 {figures['p99_ms']} ms >= {TARGETS['p99_ms']}")
    if figures["method"] == "POST" and figures["p50_ms"] >= TARGETS["post_p50_ms"]:
        found.append(f"p50 {figures['p50_ms']} ms >= {TARGETS['post_p50_ms']}")
    if (figures.get("queries") or 0) > TARGETS["queries"]:
        found.append(f"{figures['queries']} queries > {TARGETS['queries']}")
    if figures["errors"]:
        found.append(f"{figures['errors']} errors")
    if name == "task_list" and figures["ratio_to_baseline"] < 0.2:
        found.append(f"throughput {figures['ratio_to_baseline']:.0%} of the baseline < 20%")
    return found


POSTGRES_VERSION = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SHOW server_version")
    print("PostgreSQL " + cursor.fetchone()[0].split()[0])
"""


def machine() -> str:
    """CPU model, cores, memory and OS of this machine, for the report."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.M)
    parts = [
        model.group(1).strip() if model else platform.machine(),
        f"{os.cpu_count()} cores",
        f"{int(memory.group(1)) / 1024**2:.0f} GiB" if memory else "",
        platform.platform(terse=True),
    ]
    return ", ".join(p for p in parts if p)


def table(results: dict, rss: list[float]) -> str:
    header = (
        "| scenario | method | p50 ms | p95 ms | p99 ms | req/s | x baseline | errors | queries "
        "| bytes |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    rows = [
        f"| {name} | {f['method']} | {f['p50_ms']} | {f['p95_ms']} | {f['p99_ms']} | {f['rps']} "
        f"| {f['ratio_to_baseline']:.2f} | {f['errors']} | {f['queries']} | {f['bytes']} |"
        for name, f in results.items()
    ]
    return "\n".join([header, *rows, "", f"RSS per gunicorn worker after the run (MB): {rss}"])


def main() -> int:
    duration = int(os.environ.get("BENCH_DURATION", "15"))
    for tool in ("wrk",):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing (make bench installs it with apt)")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workdir = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    env = environment(port, workdir / "static")

    started = time.monotonic()
    log("migrating and collecting static files")
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    log("seeding: 1 organization x 100k tasks, 20 x 5k (skipped when already there)")
    manage(
        env,
        "seed_demo",
        "--orgs",
        "1",
        "--users-per-org",
        "40",
        "--tasks-per-org",
        "100000",
        "--seed",
        "1",
        "--prefix",
        "bench",
        "--plan",
        "pro",
        "--quiet",
    )
    manage(
        env,
        "seed_demo",
        "--orgs",
        "20",
        "--users-per-org",
        "15",
        "--tasks-per-org",
        "5000",
        "--seed",
        "2",
        "--prefix",
        "bench",
        "--quiet",
    )
    manage(env, "shell", "--verbosity", "0", "-c", PREPARE)
    subprocess.run(  # noqa: S603
        ["psql", env["DATABASE_URL"], "-qc", "VACUUM ANALYZE"],  # noqa: S607 - psql from apt
        check=True,
        capture_output=True,
    )
    log(f"seeded in {time.monotonic() - started:.0f}s; counting queries per scenario")
    queries = count_queries(env)

    server = Gunicorn(env, workdir / "gunicorn.log")
    try:
        server.wait_ready(base)
        cookie, csrf = sign_in(base)
        list_bytes = page_size(base, SCENARIOS[1][2], cookie)
        scenarios = [*SCENARIOS, ("baseline", "GET", f"/bench/baseline/?bytes={list_bytes}", {})]
        results = {}
        for name, method, path, extra in scenarios:
            log(f"{name}: warm-up, then {duration}s with {CONNECTIONS} connections")
            run_wrk(base, method, path, extra, cookie, csrf, 3)
            results[name] = run_wrk(base, method, path, extra, cookie, csrf, duration)
            results[name]["queries"] = queries.get(name, {}).get("queries", 0)
        rss = server.worker_rss_mb()
    finally:
        server.stop()

    baseline_rps = results["baseline"]["rps"] or 1
    for figures in results.values():
        figures["ratio_to_baseline"] = round(figures["rps"] / baseline_rps, 3)
    report = {
        name: {**figures, "misses": misses(name, figures)} for name, figures in results.items()
    }
    meta = {
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "postgresql": manage(env, "shell", "--verbosity", "0", "-c", POSTGRES_VERSION)
        .strip()
        .splitlines()[-1],
        "python": platform.python_version(),
        "connections": CONNECTIONS,
        "gunicorn_workers": int(env["WEB_CONCURRENCY"]),
        "duration_s": duration,
        "worker_rss_mb": rss,
        "targets": TARGETS,
        "total_s": round(time.monotonic() - started),
    }
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"bench-{stamp}.json"
    path.write_text(json.dumps(report, indent=2))
    path.with_suffix(".meta.json").write_text(json.dumps(meta, indent=2))
    text = table(results, rss)
    (out / "latest.md").write_text(
        f"{text}\n\nRan {meta['ran_at']} on {meta['machine']}; Python {meta['python']}, "
        f"{meta['postgresql']}; {meta['gunicorn_workers']} gunicorn workers, "
        f"{CONNECTIONS} connections, {duration} s per scenario.\n"
    )
    print(text)
    missed = {name: f["misses"] for name, f in report.items() if f["misses"]}
    if any(mb >= TARGETS["rss_mb"] for mb in rss):
        missed["rss"] = [f"worker RSS {max(rss)} MB >= {TARGETS['rss_mb']}"]
    print("Targets missed: " + json.dumps(missed) if missed else "All targets met.")
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
