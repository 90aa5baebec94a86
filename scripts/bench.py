#!/usr/bin/env python3
"""`make bench`: load-test Tandem as it ships, beside its own authenticated floor.

Runs inside scripts/with-services.sh (DATABASE_URL and REDIS_URL point at throwaway servers):
seeds one organization of 100k tasks and 20 of 5k, starts gunicorn with the production settings
and the Redis cache, signs a member in, and drives each scenario with wrk from a separate process
(4 connections). Each scenario's throughput is reported as a ratio to the floor (a signed-in
member's organization page with no task data, measured in the same run), with the workers' CPU
time per request. Writes a table (bench-results/latest.md) and a JSON file mapping each scenario
to its figures and missed targets (run details beside it, in *.meta.json); the last line printed
is its path.

Live updates: with every scenario measured, it opens BENCH_STREAMS idle event streams
(/o/<org>/events/, loopback) at once, reports the workers' memory per open stream and the task
list's throughput while they are open, and checks that every stream is still open afterwards.
Last, it measures the task list on the WSGI setup the ASGI one replaced (gunicorn's sync workers
on project.wsgi), in the same run: the ASGI list must keep 90% of that throughput.

    BENCH_DURATION=15   seconds of load per scenario (after a warm-up)
    BENCH_WORKERS=4     gunicorn worker processes
    BENCH_STREAMS=500   idle event streams held open at once
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
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ORG = "bench1-1"
MEMBER = f"user4@{ORG}.example.com"
PASSWORD = "tandem-seed-password"  # noqa: S105 - the seeded accounts' password (workspace.seeding)
DETAIL_TASK = 1
EDIT_TASK = 2
# Inline edits go round these tasks (one slice per wrk connection), each from the version the
# previous edit returned; they start at EDIT_VERSION (set by PREPARE).
EDIT_POOL = (1001, 400)
EDIT_VERSION = "1764547200000000"  # 2025-12-01 00:00 UTC, as a version token
# Board moves go round these tasks (as edits do), toggling their status; BOARD_PROJECT is the
# project the project board shows (PREPARE names the organization's first project so).
MOVE_POOL = (3001, 400)
BOARD_PROJECT = "bench-board"
# The project list with custom fields: PREPARE names the organization's second project so and
# gives it two fields of known ids (a number and a choice) with a value on each of its tasks.
FIELDS_PROJECT = "bench-fields"
FIELD_NUMBER, FIELD_CHOICE = 900001, 900002
# A "load more" page deep in the To do column: the cards after this key (see workspace.ranks).
BOARD_CURSOR = "n0000050000V"
CONNECTIONS = 4
# The bulk scenario's tasks: BULK_TASKS numbers from BULK_FIRST, all due on BULK_DUE.
BULK_FIRST, BULK_TASKS, BULK_DUE = 20001, 1000, "2099-01-01"
INBOX_ITEMS = 1000
# Targets that hold for every scenario; each scenario adds its own (see SCENARIOS). Throughput is
# judged relative to the authenticated floor measured in the same run (this box is shared and
# noisy: absolute times from another day say little).
TARGETS = {"queries": 10, "p99_over_p50": 3.0, "rss_mb": 200}
FLOOR = "floor"
WSGI_LIST = "task_list_wsgi"
STREAMS_LIST = "task_list_with_streams"
STREAM_PATH = f"/o/{ORG}/events/"


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str  # query string included
    extra: dict = field(default_factory=dict)  # wrk environment (see bench.lua)
    # min_ratio: throughput / the floor's; max_bytes: response size; max_row_elements: DOM
    # elements per task row of the page.
    targets: dict = field(default_factory=dict)
    judged: bool = True  # False: shown for reference, held to no target
    timeout_s: int = 2  # wrk counts a slower answer as an error


SCENARIOS = [
    Scenario(FLOOR, "GET", f"/o/{ORG}/bench/floor/"),
    Scenario("org_home", "GET", f"/o/{ORG}/"),
    Scenario(
        "task_list",
        "GET",
        f"/o/{ORG}/tasks/",
        targets={
            "min_ratio": 0.5,
            "max_bytes": 60_000,
            "max_row_elements": 15,
            # ASGI (live updates) against the WSGI setup it replaced, measured in the same run.
            "min_ratio_to": (WSGI_LIST, 0.9),
        },
    ),
    Scenario(
        "task_list_filtered",
        "GET",
        f"/o/{ORG}/tasks/?status=todo&status=in_progress&assignee=me&q=report&sort=due_date",
    ),
    Scenario("task_list_page_200", "GET", f"/o/{ORG}/tasks/?page=200"),
    # Labels (workspace/seeding.py SEED_LABELS): any of a common and a rare one, and all of
    # two common ones, newest first. Every row shown carries chips.
    Scenario(
        "task_list_label_filter",
        "GET",
        f"/o/{ORG}/tasks/?label=frontend&label=blocked",
        targets={"min_ratio": 0.5, "max_bytes": 60_000},
    ),
    Scenario(
        "task_list_all_labels",
        "GET",
        f"/o/{ORG}/tasks/?label=bug&label=backend&label_mode=all&sort=due_date",
    ),
    # A project's list with a custom-field column (read with the rows, in the row cache key),
    # and filtered by one field and sorted by another (the sort runs on the project's tasks).
    Scenario(
        "project_list_custom_column",
        "GET",
        f"/o/{ORG}/p/{FIELDS_PROJECT}/?fields={FIELD_NUMBER}",
        targets={"min_ratio": 0.5, "max_bytes": 60_000},
    ),
    Scenario(
        "project_list_custom_filter",
        "GET",
        f"/o/{ORG}/p/{FIELDS_PROJECT}/?cf_{FIELD_CHOICE}=Won&cf_{FIELD_NUMBER}_min=10"
        f"&sort=-cf_{FIELD_NUMBER}",
        targets={"min_ratio": 0.4, "max_bytes": 60_000},
    ),
    Scenario("task_detail_50_comments", "GET", f"/o/{ORG}/tasks/{DETAIL_TASK}/"),
    Scenario("inbox_1000_items", "GET", f"/o/{ORG}/inbox/"),
    Scenario(
        "cell_editor",
        "GET",
        f"/o/{ORG}/tasks/{EDIT_TASK}/inline/status/?context=row",
        {"BENCH_HTMX": "1"},
        targets={"min_ratio": 0.7},
    ),
    # Every task of the organization as CSV (streamed: the peak RSS target covers it).
    Scenario("task_export_csv", "GET", f"/o/{ORG}/tasks/?export=csv", timeout_s=30),
    # Charts over 12 weeks from the insights snapshot (built below, as the job would).
    Scenario("insights", "GET", f"/o/{ORG}/insights/", targets={"min_ratio": 0.3}),
    Scenario(
        "inline_status_change",
        "POST",
        f"/o/{ORG}/tasks/{{n}}/inline/status/",
        {
            "BENCH_HTMX": "1",
            "BENCH_POOL": f"{EDIT_POOL[0]}:{EDIT_POOL[1]}",
            "BENCH_VERSION": EDIT_VERSION,
            "BENCH_TOGGLE": "status=todo,in_progress",
            "BENCH_BODY": "context=row",
        },
        targets={"min_ratio": 0.7},
    ),
    # The board: the frame (columns load themselves), one column's first page and a deep "load
    # more" page, and a move (each a status change from the version the previous one returned).
    Scenario("board", "GET", f"/o/{ORG}/board/", targets={"min_ratio": 0.4, "max_bytes": 80_000}),
    Scenario(
        "project_board",
        "GET",
        f"/o/{ORG}/p/{BOARD_PROJECT}/board/",
        targets={"min_ratio": 0.4, "max_bytes": 80_000},
    ),
    Scenario(
        "board_column",
        "GET",
        f"/o/{ORG}/board/column/?group=status&column=todo",
        {"BENCH_HTMX": "1"},
        targets={"min_ratio": 0.6},
    ),
    Scenario(
        "board_column_more",
        "GET",
        f"/o/{ORG}/board/column/?group=status&column=todo&cursor={BOARD_CURSOR}",
        {"BENCH_HTMX": "1"},
        targets={"min_ratio": 0.6},
    ),
    Scenario(
        "board_move",
        "POST",
        f"/o/{ORG}/tasks/{{n}}/move/",
        {
            "BENCH_HTMX": "1",
            "BENCH_POOL": f"{MOVE_POOL[0]}:{MOVE_POOL[1]}",
            "BENCH_VERSION": EDIT_VERSION,
            "BENCH_TOGGLE": "column=todo,in_progress",
            "BENCH_BODY": "group=status",
        },
        targets={"min_ratio": 0.6},
    ),
    # Bulk edit: "select all matching" a filter of exactly BULK_TASKS tasks (given a due date
    # no other task has, by PREPARE) and set their status, alternating between two statuses so
    # that every request changes them all. One transaction; must stay under 2 s at 100k tasks.
    Scenario(
        "bulk_status_1000",
        "POST",
        f"/o/{ORG}/tasks/bulk/",
        {
            "BENCH_BODY": "all=1&query="
            + urllib.parse.quote(f"due_after={BULK_DUE}&due_before={BULK_DUE}"),
            "BENCH_TOGGLE": "op=status:todo,status:in_progress",
            "BENCH_BULK": "1",
        },
        targets={"max_p50_ms": 2000, "max_queries": 14},
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
    from datetime import UTC, datetime
    from workspace.models import version_from_token
    for first, size in ({EDIT_POOL}, {MOVE_POOL}):
        # The pool, the warm-up's pool after it and the task before it (the query count's edit)
        # are live to-dos at a known version.
        Task.all_objects.filter(number__gte=first - 1, number__lt=first + 2 * size).update(
            status="todo",
            deleted_at=None,
            updated_at=version_from_token("{EDIT_VERSION}"),
            field_changed_at={{}},
        )
    from workspace import revisions
    from workspace.models import Project
    if not Project.objects.filter(slug="{BOARD_PROJECT}").exists():
        first_project = Project.objects.order_by("pk").first()
        Project.objects.filter(pk=first_project.pk).update(slug="{BOARD_PROJECT}")
    if not Project.objects.filter(slug="{FIELDS_PROJECT}").exists():
        second_project = Project.objects.order_by("pk")[1]
        Project.objects.filter(pk=second_project.pk).update(slug="{FIELDS_PROJECT}")
    from workspace.models import CustomField
    fields_project = Project.objects.get(slug="{FIELDS_PROJECT}")
    for pk, name, kind, options in (
        ({FIELD_NUMBER}, "Estimate", "number", []),
        ({FIELD_CHOICE}, "Stage", "choice", ["Lead", "Won", "Lost"]),
    ):
        CustomField.objects.update_or_create(
            pk=pk,
            defaults=dict(organization=organization, project=fields_project, name=name,
                          key=name.lower(), field_type=kind, options=options),
        )
    from django.db.models import Case, F, Value, When
    from django.db.models.functions import JSONObject, Mod
    from django.db.models.lookups import Exact
    third = Mod(F("number"), Value(3))
    Task.all_objects.filter(project=fields_project).update(
        custom_fields=JSONObject(
            estimate=Mod(F("number"), Value(40)),
            stage=Case(
                When(Exact(third, 0), then=Value("Lead")),
                When(Exact(third, 1), then=Value("Won")),
                default=Value("Lost"),
            ),
        )
    )
    from datetime import date
    Task.all_objects.filter(due_date=date.fromisoformat("{BULK_DUE}")).update(due_date=None)
    Task.all_objects.filter(
        number__gte={BULK_FIRST}, number__lt={BULK_FIRST} + {BULK_TASKS}
    ).update(due_date=date.fromisoformat("{BULK_DUE}"), deleted_at=None)
    revisions.changed(organization.pk, revisions.TASKS, revisions.DIRECTORY)
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
from workspace.models import Organization, Task
from workspace.tenancy import organization_scope
organization = Organization.objects.get(slug=ORG)
for scenario in scenarios:
    name, method, path, extra = (scenario[k] for k in ("name", "method", "path", "extra"))
    headers = {"HTTP_HX_REQUEST": "true"} if extra.get("BENCH_HTMX") else {}
    client.get(path) if method == "GET" else None
    if method == "POST" and not extra.get("BENCH_BULK"):
        number = int(extra["BENCH_POOL"].split(":")[0]) - 1  # just before the pool
        with organization_scope(organization):  # read before counting: not the request's
            version = Task.all_objects.get(number=number).version
    with CaptureQueriesContext(connection) as queries:
        if method == "GET":
            response = client.get(path, **headers)
        elif extra.get("BENCH_BULK"):
            from urllib.parse import parse_qsl
            data = {**dict(parse_qsl(extra["BENCH_BODY"])), "op": "status:in_progress"}
            response = client.post(path, data)
        else:
            field, values = extra["BENCH_TOGGLE"].split("=")
            data = dict(pair.split("=") for pair in extra["BENCH_BODY"].split("&"))
            data.update({field: values.split(",")[1], "version": version})
            response = client.post(path.replace("{n}", str(number)), data, **headers)
    counts[name] = {"queries": len(queries), "status": response.status_code}
print(json.dumps(counts))
"""


PROFILE = """
import cProfile, json, pstats
from django.test import Client
from accounts.models import User
from workspace.models import Organization, Task
from workspace.tenancy import organization_scope
scenarios = json.loads(INPUT)
client = Client()
client.force_login(User.objects.get(email=MEMBER))
organization = Organization.objects.get(slug=ORG)
out = {}
for scenario in scenarios:
    name, method, path, extra = (scenario[k] for k in ("name", "method", "path", "extra"))
    headers = {"HTTP_HX_REQUEST": "true"} if extra.get("BENCH_HTMX") else {}
    profile = cProfile.Profile()
    for i in range(REPEAT + 3):  # three to warm caches, then REPEAT profiled
        if method == "GET":
            request = lambda: client.get(path, **headers)
        else:
            number = int(extra["BENCH_POOL"].split(":")[0]) - 1
            with organization_scope(organization):
                version = Task.all_objects.get(number=number).version
            field, values = extra["BENCH_TOGGLE"].split("=")
            data = dict(pair.split("=") for pair in extra["BENCH_BODY"].split("&"))
            data.update({field: values.split(",")[i % 2], "version": version})
            url = path.replace("{n}", str(number))
            request = lambda: client.post(url, data, **headers)
        if i >= 3:
            profile.enable()
        request()
        profile.disable()
    stats = pstats.Stats(profile).stats
    out[name] = [
        [f"{filename}:{line}({function})", calls, own, cumulative]
        for (filename, line, function), (_prim, calls, own, cumulative, _callers) in stats.items()
    ]
print(json.dumps(out))
"""

# Where a profile's own time is spent, by the first of these found in the function's file.
PROFILE_PARTS = [
    ("database round trips (psycopg)", "/psycopg"),
    ("templates (django.template, partials)", "/django/template/"),
    ("templates (django.template, partials)", "/template_partials/"),
    ("ORM: building queries, rows to objects", "/django/db/"),
    ("sessions and authentication", "/django/contrib/"),
    ("sessions and authentication", "/allauth/"),
    ("Tandem's own code", f"{ROOT}/web/"),
    ("Tandem's own code", f"{ROOT}/workspace/"),
    ("Tandem's own code", f"{ROOT}/accounts/"),
    ("Tandem's own code", f"{ROOT}/project/"),
    ("Django's request, middleware, forms, utils", "/django/"),
]
PROFILE_REPEAT = 60


def profile_part(where: str) -> str:
    for part, marker in PROFILE_PARTS:
        if marker in where:
            return part
    if "site-packages/" in where:  # another library: by its package
        return where.split("site-packages/")[1].split("/")[0].split(".")[0]
    if where.startswith("~"):
        return "built-in functions (C)"
    return "Python's standard library"


def profiles(env, scenarios: list[Scenario]) -> str:
    """In-process cProfile of ``scenarios`` (the floor first, to compare with) over
    PROFILE_REPEAT requests each: own time by part of the stack, and the heaviest of Tandem's
    own functions by cumulative time. The profiler slows function-heavy code more than waiting,
    so read the shares against the floor's, not as absolute milliseconds."""
    code = (
        PROFILE.replace("INPUT", repr(json.dumps([asdict(s) for s in scenarios])))
        .replace("MEMBER", repr(MEMBER))
        .replace("ORG", repr(ORG))
        .replace("REPEAT", str(PROFILE_REPEAT))
    )
    output = manage(env, "shell", "--verbosity", "0", "-c", code)
    found = json.loads(output.strip().splitlines()[-1])
    lines = [
        f"Profiles: cProfile, {PROFILE_REPEAT} requests each, in process (Django's test client "
        "on the benchmark's data). Own time by part of the stack, then Tandem's heaviest "
        "functions (cumulative).",
    ]
    for name, rows in found.items():
        total = sum(own for _where, _calls, own, _cum in rows) or 1
        parts: dict[str, float] = {}
        for where, _calls, own, _cum in rows:
            parts[profile_part(where)] = parts.get(profile_part(where), 0) + own
        per_request = total * 1000 / PROFILE_REPEAT
        lines += ["", f"### {name}: {per_request:.1f} ms per request under the profiler", ""]
        lines += ["| part | share | ms/req |", "|---|---:|---:|"]
        for part, own in sorted(parts.items(), key=lambda item: -item[1])[:10]:
            lines.append(f"| {part} | {own / total:.0%} | {own * 1000 / PROFILE_REPEAT:.1f} |")
        # Below the middleware and mixins every request passes through whole.
        ours = sorted(
            (
                row
                for row in rows
                if str(ROOT) in row[0] and "/.venv/" not in row[0] and row[3] < 0.8 * total
            ),
            key=lambda row: -row[3],
        )[:12]
        lines += ["", "| Tandem function | calls/req | cumulative ms/req |", "|---|---:|---:|"]
        for where, calls, _own, cumulative in ours:
            short = where.replace(f"{ROOT}/", "")
            ms = cumulative * 1000 / PROFILE_REPEAT
            lines.append(f"| `{short}` | {calls / PROFILE_REPEAT:g} | {ms:.1f} |")
    return "\n".join(lines)


def count_queries(env) -> dict:
    scenarios = [asdict(scenario) for scenario in SCENARIOS]
    code = (
        COUNT_QUERIES.replace("INPUT", repr(json.dumps(scenarios)))
        .replace("MEMBER", repr(MEMBER))
        .replace("ORG", repr(ORG))
    )
    return json.loads(manage(env, "shell", "--verbosity", "0", "-c", code).strip().splitlines()[-1])


def warm_up(args: tuple) -> tuple:
    """The warm-up's wrk arguments: edits go round the pool after the measured one, so that the
    measured run starts from the versions it expects."""
    base, method, path, extra, cookie, csrf = args
    if "BENCH_POOL" not in extra:
        return args
    first, size = (int(n) for n in extra["BENCH_POOL"].split(":"))
    return (base, method, path, {**extra, "BENCH_POOL": f"{first + size}:{size}"}, cookie, csrf)


def cpu_fields(stat: Path) -> list[int]:
    """utime, stime, cutime, cstime (clock ticks) from /proc/<pid>/stat."""
    after_name = stat.read_text().rsplit(")", 1)[1].split()
    return [int(value) for value in after_name[11:15]]


class RowElements(HTMLParser):
    """Counts the elements inside each task row (``<tr id="task-…">`` or
    ``<li id="task-…">``) of a page."""

    VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self):
        super().__init__()
        self.rows = 0
        self.elements = 0
        self.depth = 0  # open elements inside the current row, the row itself included

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.elements += 1
            if tag not in self.VOID:
                self.depth += 1
        elif tag in ("tr", "li") and (dict(attrs).get("id") or "").startswith("task-"):
            self.rows += 1
            self.elements += 1
            self.depth = 1

    def handle_startendtag(self, tag, attrs):
        if self.depth:
            self.elements += 1

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    @property
    def per_row(self) -> float:
        return round(self.elements / self.rows, 1) if self.rows else 0.0


def row_elements(html: str) -> float:
    parser = RowElements()
    parser.feed(html)
    return parser.per_row


class Gunicorn:
    def __init__(self, env, log_path: Path, extra_args: tuple = ()):
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
                *extra_args,
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

    def workers(self) -> list[Path]:
        master = self.process.pid
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                status = (proc / "status").read_text()
            except OSError:
                continue
            if re.search(rf"^PPid:\s+{master}$", status, re.M):
                found.append(proc)
        return found

    def worker_rss_mb(self) -> list[float]:
        """Each worker's peak resident memory so far (VmHWM): what an export or a big page
        needed at its height, not what is left after it."""
        rss = []
        for proc in self.workers():
            kb = re.search(r"^VmHWM:\s+(\d+)", (proc / "status").read_text(), re.M)
            rss.append(round(int(kb.group(1)) / 1024, 1))
        return sorted(rss)

    def worker_cpu_seconds(self) -> float:
        """User + system CPU of every worker so far, the recycled ones included (the master's
        "children" times count workers it has reaped)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = cpu_fields(Path(f"/proc/{self.process.pid}/stat"))[2:4]
        for proc in self.workers():
            try:
                total += cpu_fields(proc / "stat")[0:2]
            except OSError:
                continue  # exited in between: the master's children times will hold it
        return sum(total) / ticks

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


# The setup ASGI replaced: gunicorn's synchronous workers on the WSGI application.
WSGI_ARGS = ("--worker-class", "sync", "project.wsgi:application")


def open_streams(base: str, cookie: str, count: int, seconds: float = 60) -> tuple[list, int]:
    """Open ``count`` event streams (each a socket that has read its response's head); gives up
    after ``seconds``. Returns the open sockets and how many failed."""
    address = urllib.parse.urlsplit(base)
    request = (
        f"GET {STREAM_PATH} HTTP/1.1\r\nHost: {address.netloc}\r\nCookie: {cookie}\r\n"
        "Accept: text/event-stream\r\n\r\n"
    ).encode()
    opened, failed = [], 0
    deadline = time.monotonic() + seconds
    for _ in range(count):
        if time.monotonic() > deadline:
            failed += 1
            continue
        try:
            sock = socket.create_connection((address.hostname, address.port), timeout=10)
            sock.sendall(request)
            head = sock.recv(4096)
        except OSError:
            failed += 1
            continue
        if head.startswith(b"HTTP/1.1 200") and b"text/event-stream" in head:
            opened.append(sock)
        else:
            failed += 1
            sock.close()
    return opened, failed


def still_open(sockets: list) -> int:
    """How many of ``sockets`` the server has not closed (heartbeats are read and dropped)."""
    alive = 0
    for sock in sockets:
        sock.setblocking(False)
        try:
            alive += 1 if sock.recv(65536) else 0
        except BlockingIOError:
            alive += 1  # nothing to read: open and idle
        except OSError:
            pass
    return alive


def measure_with_streams(server, base, cookie, csrf, duration, count) -> dict:
    """The task list's figures while ``count`` idle streams are open, with the streams' cost."""
    list_path = f"/o/{ORG}/tasks/"
    rss_before = sum(server.worker_rss_mb())
    sockets, failed = open_streams(base, cookie, count)
    try:
        time.sleep(2)  # let every worker settle its new connections
        rss_open = sum(server.worker_rss_mb())
        figures = run_wrk(base, "GET", list_path, {}, cookie, csrf, duration)
        alive = still_open(sockets)
    finally:
        for sock in sockets:
            sock.close()
    figures["streams"] = {
        "requested": count,
        "opened": len(sockets),
        "failed": failed,
        "closed_early": len(sockets) - alive,
        "rss_kb_per_stream": round((rss_open - rss_before) * 1024 / max(len(sockets), 1), 1),
    }
    return figures


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


def fetch(base: str, path: str, cookie: str) -> str:
    request = urllib.request.Request(f"{base}{path}", headers={"Cookie": cookie})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.read().decode()


def run_wrk(base, method, path, extra, cookie, csrf, duration, timeout_s=2) -> dict:
    env = {
        **os.environ,
        "BENCH_METHOD": method,
        "BENCH_COOKIE": cookie,
        "BENCH_CSRF": csrf,
        "BENCH_REFERER": base,
        **extra,
    }
    # Edits of a pool of tasks track each task's version per connection: one thread each.
    threads = CONNECTIONS if "BENCH_POOL" in extra else 2
    env["BENCH_THREADS"] = str(threads)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{CONNECTIONS}",
        f"-d{duration}s",
        f"--timeout={timeout_s}s",
        "-s",
        "scripts/bench.lua",
    ]
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
        "requests": summary["requests"],
    }


def misses(scenario: Scenario, figures: dict, results: dict | None = None) -> list[str]:
    """The targets ``figures`` miss: the general ones, then the scenario's own (``results``:
    every scenario's figures, for targets relative to another scenario)."""
    found = []
    if not scenario.judged:
        return found
    budget = scenario.targets.get("max_queries", TARGETS["queries"])
    if (figures.get("queries") or 0) > budget:
        found.append(f"{figures['queries']} queries > {budget}")
    if figures["errors"]:
        found.append(f"{figures['errors']} errors")
    if figures["p50_ms"] and figures["p99_ms"] > TARGETS["p99_over_p50"] * figures["p50_ms"]:
        found.append(
            f"p99 {figures['p99_ms']} ms > {TARGETS['p99_over_p50']:g}x p50 {figures['p50_ms']} ms"
        )
    targets = scenario.targets
    if "min_ratio" in targets and figures["ratio_to_floor"] < targets["min_ratio"]:
        found.append(
            f"throughput {figures['ratio_to_floor']:.0%} of the floor < {targets['min_ratio']:.0%}"
        )
    if "max_p50_ms" in targets and figures["p50_ms"] > targets["max_p50_ms"]:
        found.append(f"p50 {figures['p50_ms']} ms > {targets['max_p50_ms']} ms")
    if "max_bytes" in targets and figures["bytes"] > targets["max_bytes"]:
        found.append(f"{figures['bytes']} bytes > {targets['max_bytes']}")
    if (
        "max_row_elements" in targets
        and figures.get("row_elements", 0) > targets["max_row_elements"]
    ):
        found.append(f"{figures['row_elements']} elements per row > {targets['max_row_elements']}")
    other, ratio = targets.get("min_ratio_to", (None, 0))
    if other and results and results.get(other, {}).get("rps"):
        relative = figures["rps"] / results[other]["rps"]
        if relative < ratio:
            found.append(f"throughput {relative:.0%} of {other} < {ratio:.0%}")
    streams = figures.get("streams")
    if streams and (streams["failed"] or streams["closed_early"]):
        found.append(
            f"{streams['failed']} streams failed to open, {streams['closed_early']} closed early"
        )
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
        "| scenario | method | p50 ms | p95 ms | p99 ms | req/s | x floor | CPU ms/req | errors "
        "| queries | bytes |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    rows = [
        f"| {name} | {f['method']} | {f['p50_ms']} | {f['p95_ms']} | {f['p99_ms']} | {f['rps']} "
        f"| {f['ratio_to_floor']:.2f} | {f['cpu_ms']} | {f['errors']} | {f['queries']} "
        f"| {f['bytes']} |"
        for name, f in results.items()
    ]
    lines = [header, *rows, "", f"Peak RSS per gunicorn worker (MB): {rss}"]
    for name, f in results.items():
        if "streams" in f:
            streams = f["streams"]
            lines.append(
                f"{name}: {streams['opened']} of {streams['requested']} event streams open "
                f"({streams['failed']} failed, {streams['closed_early']} closed early), "
                f"{streams['rss_kb_per_stream']} KB of worker memory per stream"
            )
    return "\n".join(lines)


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
    # The periodic job keeps snapshots current; no consumer runs here, so build it once.
    manage(env, "build_insights", ORG)
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
        list_html = fetch(base, f"/o/{ORG}/tasks/", cookie)
        # For reference: a static page of the list's size, through Django with no page work.
        static = Scenario(
            "static_page", "GET", f"/bench/baseline/?bytes={len(list_html)}", judged=False
        )
        scenarios = [*SCENARIOS, static]
        results = {}
        for scenario in scenarios:
            log(f"{scenario.name}: warm-up, then {duration}s with {CONNECTIONS} connections")
            args = (base, scenario.method, scenario.path, scenario.extra, cookie, csrf)
            run_wrk(*warm_up(args), 3, scenario.timeout_s)
            cpu_before = server.worker_cpu_seconds()
            figures = run_wrk(*args, duration, scenario.timeout_s)
            cpu = server.worker_cpu_seconds() - cpu_before
            figures["cpu_ms"] = round(cpu * 1000 / max(figures.pop("requests"), 1), 2)
            figures["queries"] = queries.get(scenario.name, {}).get("queries", 0)
            if "max_row_elements" in scenario.targets:
                figures["row_elements"] = row_elements(fetch(base, scenario.path, cookie))
            results[scenario.name] = figures
        rss = server.worker_rss_mb()
        streams = int(os.environ.get("BENCH_STREAMS", "500"))
        log(f"{STREAMS_LIST}: {streams} idle event streams open, then the list for {duration}s")
        figures = measure_with_streams(server, base, cookie, csrf, duration, streams)
        figures["cpu_ms"] = None  # the streams' heartbeats run on the same workers
        figures.pop("requests")
        figures["queries"] = queries.get("task_list", {}).get("queries", 0)
        results[STREAMS_LIST] = figures
        scenarios.append(Scenario(STREAMS_LIST, "GET", f"/o/{ORG}/tasks/"))
    finally:
        server.stop()

    # The same list on the WSGI setup the ASGI one replaced, in the same run.
    log(f"{WSGI_LIST}: warm-up, then {duration}s on gunicorn's sync workers (project.wsgi)")
    wsgi = Gunicorn(env, workdir / "gunicorn-wsgi.log", WSGI_ARGS)
    try:
        wsgi.wait_ready(base)
        cookie, csrf = sign_in(base)
        args = (base, "GET", f"/o/{ORG}/tasks/", {}, cookie, csrf)
        run_wrk(*warm_up(args), 3)
        cpu_before = wsgi.worker_cpu_seconds()
        figures = run_wrk(*args, duration)
        cpu = wsgi.worker_cpu_seconds() - cpu_before
        figures["cpu_ms"] = round(cpu * 1000 / max(figures.pop("requests"), 1), 2)
        figures["queries"] = queries.get("task_list", {}).get("queries", 0)
        results[WSGI_LIST] = figures
        scenarios.append(Scenario(WSGI_LIST, "GET", f"/o/{ORG}/tasks/", judged=False))
    finally:
        wsgi.stop()

    floor_rps = results[FLOOR]["rps"] or 1
    for figures in results.values():
        figures["ratio_to_floor"] = round(figures["rps"] / floor_rps, 3)
    by_name = {scenario.name: scenario for scenario in scenarios}
    report = {
        name: {**figures, "misses": misses(by_name[name], figures, results)}
        for name, figures in results.items()
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
        "targets": {
            "every scenario": TARGETS,
            **{s.name: s.targets for s in scenarios if s.targets},
        },
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
    # Where the time goes in every scenario that missed a throughput target, beside the floor.
    slow = [
        by_name[name]
        for name, f in report.items()
        if any("throughput" in miss for miss in f["misses"]) and by_name[name] in SCENARIOS
    ]
    if slow:
        log(f"profiling {', '.join(s.name for s in slow)} beside the floor")
        profile_path = path.with_suffix(".profile.md")
        profile_path.write_text(profiles(env, [SCENARIOS[0], *slow]) + "\n")
        print(profile_path)
    print(text)
    missed = {name: f["misses"] for name, f in report.items() if f["misses"]}
    if any(mb >= TARGETS["rss_mb"] for mb in rss):
        missed["rss"] = [f"worker RSS {max(rss)} MB >= {TARGETS['rss_mb']}"]
    print("Targets missed: " + json.dumps(missed) if missed else "All targets met.")
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
