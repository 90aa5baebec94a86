"""`make bench` (scripts/bench.py): what it reports as missed targets, its table, and how it reads
CPU time and rows from what it measured."""

import importlib.util
import os

from project.tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

LIST = bench.Scenario(
    "task_list",
    "GET",
    "/o/x/tasks/",
    targets={"min_ratio": 0.5, "max_bytes": 60_000, "max_row_elements": 15},
)
PLAIN = bench.Scenario("org_home", "GET", "/o/x/")


def _figures(**overrides):
    figures = {
        "method": "GET",
        "p50_ms": 12.0,
        "p95_ms": 30.0,
        "p99_ms": 30.0,
        "rps": 300.0,
        "errors": 0,
        "queries": 8,
        "bytes": 50_000,
        "ratio_to_floor": 0.6,
        "cpu_ms": 7.5,
        "row_elements": 12.0,
    }
    return {**figures, **overrides}


def test_figures_within_every_target_miss_nothing():
    assert bench.misses(LIST, _figures()) == []
    assert bench.misses(PLAIN, _figures(ratio_to_floor=0.1, bytes=500_000)) == []


def test_each_missed_target_is_named_with_its_figure():
    found = bench.misses(
        LIST,
        _figures(
            p99_ms=40.0, queries=11, errors=3, ratio_to_floor=0.31, bytes=61_234, row_elements=48
        ),
    )

    assert found == [
        "11 queries > 10",
        "3 errors",
        "p99 40.0 ms > 3x p50 12.0 ms",
        "throughput 31% of the floor < 50%",
        "61234 bytes > 60000",
        "48 elements per row > 15",
    ]


def test_a_scenario_without_targets_of_its_own_still_has_the_general_ones():
    assert bench.misses(PLAIN, _figures(p99_ms=36.1, queries=12)) == [
        "12 queries > 10",
        "p99 36.1 ms > 3x p50 12.0 ms",
    ]


def test_a_reference_scenario_is_held_to_no_target():
    static = bench.Scenario("static_page", "GET", "/bench/baseline/", judged=False)

    assert bench.misses(static, _figures(p99_ms=90.0, errors=1, queries=0)) == []


def test_every_scenario_runs_under_the_floor_s_organization_and_the_floor_comes_first():
    assert bench.SCENARIOS[0].name == bench.FLOOR
    assert len({s.name for s in bench.SCENARIOS}) == len(bench.SCENARIOS)
    assert all(s.path.startswith(f"/o/{bench.ORG}/") for s in bench.SCENARIOS)


def test_the_table_has_a_row_per_scenario_with_its_ratio_and_cpu_time():
    text = bench.table(
        {"task_list": _figures(), "floor": _figures(rps=500.0, ratio_to_floor=1.0, cpu_ms=3.25)},
        [70.1, 71.5],
    )

    lines = text.splitlines()
    assert lines[0].startswith("| scenario | method | p50 ms |")
    assert "x floor | CPU ms/req |" in lines[0]
    assert "| task_list | GET | 12.0 | 30.0 | 30.0 | 300.0 | 0.60 | 7.5 | 0 | 8 | 50000 |" in lines
    assert "| floor | GET | 12.0 | 30.0 | 30.0 | 500.0 | 1.00 | 3.25 | 0 | 8 | 50000 |" in lines
    assert lines[-1] == "Peak RSS per gunicorn worker (MB): [70.1, 71.5]"


def test_row_elements_counts_what_each_task_row_holds():
    html = (
        "<table><tbody>"
        '<tr id="task-2"><td><a href="/t/2/">#2</a></td><td><span>To do</span></td></tr>'
        '<tr id="task-1"><td><a href="/t/1/">#1</a><br></td><td>x</td></tr>'
        '</tbody></table><ul><li id="other">not a row</li></ul>'
    )

    # Row 2: tr, td, a, td, span = 5; row 1: tr, td, a, br, td = 5.
    assert bench.row_elements(html) == 5.0
    assert bench.row_elements("<p>no rows</p>") == 0.0


def test_cpu_times_are_read_from_proc_stat(tmp_path):
    stat = tmp_path / "stat"
    # pid (comm with ) spaces) state ppid ... : fields 14-17 are utime stime cutime cstime.
    stat.write_text("42 (gunicorn: worker )) S 1 42 42 0 -1 4194560 10 0 0 0 120 30 7 3 20 0\n")

    assert bench.cpu_fields(stat) == [120, 30, 7, 3]


def test_the_machine_line_names_the_cores():
    assert f"{os.cpu_count()} cores" in bench.machine()


def test_the_warm_up_edits_other_tasks_than_the_measured_run():
    extra = {"BENCH_POOL": "1001:400", "BENCH_VERSION": "1"}
    args = ("http://x", "POST", "/o/x/tasks/{n}/inline/status/", extra, "c", "t")

    warm = bench.warm_up(args)

    assert warm[3]["BENCH_POOL"] == "1401:400"
    assert bench.warm_up(("http://x", "GET", "/o/x/", {}, "c", "t"))[3] == {}


def test_the_asgi_list_is_judged_against_the_wsgi_list_of_the_same_run():
    results = {bench.WSGI_LIST: _figures(rps=400.0)}
    scenario = next(s for s in bench.SCENARIOS if s.name == "task_list")

    assert bench.misses(scenario, _figures(rps=380.0), results) == []
    assert bench.misses(scenario, _figures(rps=340.0), results) == [
        "throughput 85% of task_list_wsgi < 90%"
    ]


def test_event_streams_that_failed_or_closed_are_missed_targets_and_reported():
    streams = {
        "requested": 500,
        "opened": 498,
        "failed": 2,
        "closed_early": 1,
        "rss_kb_per_stream": 40.5,
    }
    figures = _figures(streams=streams)
    scenario = bench.Scenario(bench.STREAMS_LIST, "GET", "/o/x/tasks/")

    assert bench.misses(scenario, figures) == ["2 streams failed to open, 1 closed early"]
    text = bench.table({bench.STREAMS_LIST: figures}, [70.0])
    assert "498 of 500 event streams open (2 failed, 1 closed early)" in text
    assert "40.5 KB of worker memory per stream" in text


def test_profiled_time_is_told_by_part_of_the_stack():
    part = bench.profile_part
    site = "/x/.venv/lib/python3.11/site-packages"
    assert part(f"{site}/psycopg/cursor.py:100(execute)") == "database round trips (psycopg)"
    assert part(f"{site}/django/template/base.py:1(render)").startswith("templates")
    assert part(f"{site}/django/db/models/query.py:1(filter)").startswith("ORM")
    assert part(f"{bench.ROOT}/workspace/services/inbox.py:1(inbox_notify)") == "Tandem's own code"
    assert part(f"{site}/django_tables2/tables.py:1(x)") == "django_tables2"
    assert part("~:0(<method 'join' of 'str' objects>)") == "built-in functions (C)"
    assert part("/usr/lib/python3.11/json/encoder.py:1(encode)") == "Python's standard library"


def test_a_scenario_can_wait_longer_than_wrk_s_default_timeout():
    by_name = {s.name: s for s in bench.SCENARIOS}
    assert by_name["task_export_csv"].timeout_s > 2
    assert by_name["task_list"].timeout_s == 2
