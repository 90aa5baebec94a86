"""`make bench` (scripts/bench.py): what it reports as missed targets, and its table."""

import importlib.util
import os

from project.tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def _figures(**overrides):
    figures = {
        "method": "GET",
        "p50_ms": 12.0,
        "p95_ms": 30.0,
        "p99_ms": 60.0,
        "rps": 300.0,
        "errors": 0,
        "queries": 8,
        "bytes": 1000,
        "ratio_to_baseline": 0.25,
    }
    return {**figures, **overrides}


def test_figures_within_every_target_miss_nothing():
    assert bench.misses("task_list", _figures()) == []
    assert bench.misses("inline_status_change", _figures(method="POST", p50_ms=19.9)) == []


def test_each_missed_target_is_named_with_its_figure():
    found = bench.misses(
        "task_list",
        _figures(p50_ms=25.0, p99_ms=120.5, queries=11, errors=3, ratio_to_baseline=0.05),
    )

    assert found == [
        "p50 25.0 ms >= 25.0",
        "p99 120.5 ms >= 100.0",
        "11 queries > 10",
        "3 errors",
        "throughput 5% of the baseline < 20%",
    ]


def test_posts_have_their_own_latency_target_and_the_baseline_none():
    assert bench.misses("inline_status_change", _figures(method="POST", p50_ms=21.0)) == [
        "p50 21.0 ms >= 20.0"
    ]
    assert bench.misses("baseline", _figures(p50_ms=90.0, p99_ms=400.0)) == []


def test_the_table_has_a_row_per_scenario_and_the_workers_memory():
    text = bench.table(
        {"task_list": _figures(), "baseline": _figures(rps=1200.0, ratio_to_baseline=1.0)},
        [70.1, 71.5],
    )

    lines = text.splitlines()
    assert lines[0].startswith("| scenario | method | p50 ms |")
    assert "| task_list | GET | 12.0 | 30.0 | 60.0 | 300.0 | 0.25 | 0 | 8 | 1000 |" in lines
    assert "| baseline | GET | 12.0 | 30.0 | 60.0 | 1200.0 | 1.00 | 0 | 8 | 1000 |" in lines
    assert lines[-1] == "RSS per gunicorn worker after the run (MB): [70.1, 71.5]"


def test_the_machine_line_names_the_cores():
    assert f"{os.cpu_count()} cores" in bench.machine()
