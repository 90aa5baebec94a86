"""Chart geometry: what the SVG templates draw, from plain numbers."""

import re

import pytest

from web import charts
from web.charts import Series


@pytest.mark.parametrize(
    ("value", "whole", "top", "step"),
    [
        (0, True, 1, 1),
        (1, True, 1, 1),
        (1, False, 1, 0.5),
        (3, True, 3, 1),
        (7, True, 8, 2),
        (10, True, 10, 5),
        (101, True, 150, 50),
        (0.3, False, 0.3, 0.1),
        (2.6, False, 3, 1),
    ],
)
def test_axes_end_on_a_round_number(value, whole, top, step):
    assert charts.nice_top(value, whole=whole) == pytest.approx((top, step))


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "—"),
        (30, "1 min"),
        (25 * 60, "25 min"),
        (5 * 3600, "5 h"),
        (3 * 86400 + 7200, "3.1 days"),
        (12 * 86400, "12 days"),
    ],
)
def test_durations_read_in_minutes_hours_or_days(seconds, shown):
    assert charts.days(seconds) == shown


def boxes(path: str) -> list[tuple[float, float, float, float]]:
    """(x, y, width, height) of each rectangle in path data."""
    return [
        tuple(float(n) for n in match)
        for match in re.findall(r"M([-\d.]+),([-\d.]+)h([-\d.]+)v([-\d.]+)h[-\d.]+Z", path)
    ]


def test_grouped_bars_are_as_tall_as_their_values_on_a_shared_axis():
    chart = charts.grouped_bars(
        ["Mar 2", "Mar 9", "Mar 16"],
        [Series("created", "created", [4, 0, 2]), Series("completed", "completed", [1, 3, 0])],
    )

    frame = chart["frame"]
    assert [tick["label"] for tick in chart["ticks"]] == ["0", "1", "2", "3", "4"]
    baseline, top = float(frame["baseline"]), float(frame["top"])
    unit = (baseline - top) / 4
    created, completed = (boxes(p["path"]) for p in chart["paths"])
    assert [round(h / unit, 3) for _x, _y, _w, h in created] == [4, 2]  # no bar for zero
    assert [round(h / unit, 3) for _x, _y, _w, h in completed] == [1, 3]
    assert all(round(y + h, 1) == baseline for _x, y, _w, h in created + completed)
    assert created[0][0] < completed[0][0] < created[1][0]  # side by side, week after week
    assert chart["groups"][1]["tip"] == "Week of Mar 9: 0 created, 3 completed"


def test_stacked_areas_pile_up_to_the_total():
    chart = charts.stacked_area(
        ["W1", "W2"], [Series("done", "Done", [1, 3]), Series("todo", "To do", [2, 1])]
    )

    done, todo = chart["bands"][1], chart["bands"][0]  # top band first, for the legend
    assert (done["key"], todo["key"]) == ("done", "todo")
    frame = chart["frame"]
    # Todo's upper edge reaches the totals (3 and 4, on an axis up to 4).
    first, second = re.findall(r"[ML]([\d.]+),([\d.]+)", todo["path"])[:2]
    unit = (float(frame["baseline"]) - float(frame["top"])) / 4
    assert float(frame["baseline"]) - float(first[1]) == pytest.approx(3 * unit, abs=0.1)
    assert float(second[1]) == pytest.approx(float(frame["top"]), abs=0.1)
    assert chart["columns"][1]["tip"] == "W2; 1 to do; 3 done"


def test_scatter_dots_sit_at_their_time_and_duration_in_days():
    chart = charts.scatter(
        ["W1", "W2"],
        [{"x": 0.5, "seconds": 2 * 86400, "href": "/t/1/"}],
        [Series("median", "Median", [86400, None])],
    )

    frame = chart["frame"]
    (dot,) = chart["dots"]
    middle = (float(frame["left"]) + float(frame["right"])) / 2
    assert float(dot["cx"]) == pytest.approx(middle, abs=0.1)
    assert float(dot["cy"]) == pytest.approx(float(frame["top"]), abs=0.1)  # the axis' top: 2
    (median,) = chart["lines"]
    assert len(median["paths"]) == 1  # the week without a value has no line
    assert [tick["label"] for tick in chart["ticks"]][-1] == "2"


def test_horizontal_stacks_put_segments_end_to_end_in_key_order():
    chart = charts.horizontal_stacks(
        [{"label": "Ada", "values": {"high": 2, "low": 2}}, {"label": "Bo", "values": {"low": 1}}],
        [("high", "High"), ("low", "Low")],
    )

    high, low = (boxes(p["path"]) for p in chart["paths"])
    assert len(high) == 1
    assert len(low) == 2
    assert high[0][0] + high[0][2] == pytest.approx(low[0][0])  # low starts where high ends
    assert low[1][2] == pytest.approx(high[0][2] / 2)  # one low task is half of two high ones
    assert [row["y"] for row in chart["rows"]] == ["12", "38"]
