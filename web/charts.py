"""Chart geometry: numbers in, coordinates out. The templates under ``components/charts/`` draw
the SVG from these values (no markup is built here); every shape gets a CSS class, never a
style, so that the Content-Security-Policy needs no inline styles.

Coordinates are in the chart's viewBox (``WIDTH`` wide; the SVG scales to its container) and
are handed over as short strings: a template prints a string as it is, while every number it
prints goes through localization, which costs more than drawing the chart.
"""

import math
from dataclasses import dataclass

WIDTH = 640
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28  # plot margins: y labels on the left, x labels below
MAX_X_LABELS = 9
ROW = 26  # height of a horizontal bar's row


def px(value: float) -> str:
    """A coordinate as SVG reads it: at most one decimal."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def count(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def days(seconds: float | None) -> str:
    """A duration as people read it: "40 min", "5 h", "3.2 days", "12 days"."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{max(seconds / 60, 1):.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.0f} h"
    value = seconds / 86400
    return f"{value:.1f} days" if value < 10 else f"{value:.0f} days"


def nice_top(value: float, *, steps: int = 4, whole: bool = False) -> tuple[float, float]:
    """A round top for an axis reaching ``value``, and its tick step (1, 2 or 5 x 10^n, at
    least 1 for ``whole`` numbers: counts of tasks)."""
    if value <= 0:
        return 1.0, 1.0
    raw = value / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    if whole:
        step = max(step, 1)
    return step * math.ceil(value / step - 1e-9), step


@dataclass
class Frame:
    """The viewBox and the plot area inside it."""

    height: int
    width: int = WIDTH
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def baseline(self) -> float:
        return self.top + self.plot_height

    def as_dict(self) -> dict:
        return {
            "width": px(self.width),
            "height": px(self.height),
            "left": px(self.left),
            "right": px(self.width - self.right),
            "top": px(self.top),
            "baseline": px(self.baseline),
            "plot_height": px(self.plot_height),
            "label_y": px(self.baseline + 16),
            "tick_x": px(self.left - 6),
            "row_label_x": px(self.left - 8),
        }


class Scale:
    """Values from 0 to a round top, onto the plot's height (or width, ``horizontal``)."""

    def __init__(self, highest: float, frame: Frame, *, horizontal: bool = False, label=count):
        self.top, self.step = nice_top(highest, whole=label is count)
        self.frame = frame
        self.horizontal = horizontal
        self.label = label

    def __call__(self, value: float) -> float:
        if self.horizontal:
            return self.frame.left + self.frame.plot_width * value / self.top
        return self.frame.top + self.frame.plot_height * (1 - value / self.top)

    def ticks(self) -> list[dict]:
        steps = round(self.top / self.step)
        return [
            {"at": px(self(n * self.step)), "label": self.label(n * self.step)}
            for n in range(steps + 1)
        ]


def _every(items: int) -> int:
    """Label every n-th of ``items`` along the x axis."""
    return max(1, math.ceil(items / MAX_X_LABELS))


@dataclass
class Series:
    key: str  # CSS: fill-series-<key>, fill-status-<key>, stroke-series-<key>
    label: str
    values: list


def _box(x: float, y: float, width: float, height: float) -> str:
    """A rectangle as path data."""
    return f"M{px(x)},{px(y)}h{px(width)}v{px(height)}h{px(-width)}Z"


def grouped_bars(labels: list[str], series: list[Series], *, height: int = 220) -> dict:
    """Bars side by side for each label (throughput: created and completed per week). Each
    series is one path; each label gets a hover area with its numbers."""
    frame = Frame(height=height)
    scale = Scale(max((v for s in series for v in s.values), default=0), frame)
    slot = frame.plot_width / max(len(labels), 1)
    width = slot * 0.8 / max(len(series), 1)
    every = _every(len(labels))
    paths = []
    for m, s in enumerate(series):
        boxes = []
        for n, value in enumerate(s.values):
            if value:
                y = scale(value)
                x = frame.left + slot * n + slot * 0.1 + width * m
                boxes.append(_box(x, y, max(width - 1, 1), frame.baseline - y))
        paths.append({"key": s.key, "path": "".join(boxes) or "M0,0"})
    groups = [
        {
            "label": label if n % every == 0 else "",
            "label_x": px(frame.left + slot * (n + 0.5)),
            "hit_x": px(frame.left + slot * n),
            "tip": f"Week of {label}: "
            + ", ".join(f"{count(s.values[n])} {s.label}" for s in series),
        }
        for n, label in enumerate(labels)
    ]
    return {
        "frame": {**frame.as_dict(), "slot": px(slot)},
        "ticks": scale.ticks(),
        "paths": paths,
        "groups": groups,
    }


def stacked_area(labels: list[str], bands: list[Series], *, height: int = 240) -> dict:
    """Bands stacked bottom-up (cumulative flow), one point per label, as SVG path data."""
    frame = Frame(height=height)
    points = len(labels)
    totals = [sum(band.values[n] for band in bands) for n in range(points)]
    scale = Scale(max(totals, default=0), frame)
    step = frame.plot_width / max(points - 1, 1)
    xs = [frame.left + step * n for n in range(points)]
    base = [0] * points
    drawn = []
    for band in bands:
        top = [base[n] + band.values[n] for n in range(points)]
        outline = [(xs[n], scale(top[n])) for n in range(points)]
        outline += [(xs[n], scale(base[n])) for n in reversed(range(points))]
        path = "M" + " L".join(f"{px(x)},{px(y)}" for x, y in outline) + " Z"
        drawn.append({"key": band.key, "label": band.label, "path": path})
        base = top
    every = _every(points)
    columns = []
    for n, label in enumerate(labels):
        first, last = n == 0, n == points - 1
        columns.append(
            {
                "label": label if n % every == 0 else "",
                "anchor": "start" if first else "end" if last else "middle",
                "x": px(xs[n]),
                "hit_x": px(xs[n] if first else xs[n] - step / 2),
                "hit_width": px(step / 2 if first or last else step),
                "tip": "; ".join(
                    [label, *(f"{count(b.values[n])} {b.label.lower()}" for b in reversed(bands))]
                ),
            }
        )
    return {
        "frame": frame.as_dict(),
        "ticks": scale.ticks(),
        "bands": list(reversed(drawn)),  # the legend reads top-down
        "columns": columns,
    }


def scatter(labels: list[str], dots: list[dict], lines: list[Series], *, height=240) -> dict:
    """Dots (``x``: 0..1 across the labels' span, ``seconds``: a duration) over step lines of
    one value per label (seconds, or None), on an axis in days."""
    frame = Frame(height=height)
    highest = max(
        [d["seconds"] for d in dots] + [v for s in lines for v in s.values if v is not None],
        default=0,
    )
    scale = Scale(highest / 86400, frame, label=lambda v: f"{v:g}")
    slot = frame.plot_width / max(len(labels), 1)
    drawn_dots = [
        {
            **dot,
            "cx": px(frame.left + frame.plot_width * min(max(dot["x"], 0), 1)),
            "cy": px(scale(dot["seconds"] / 86400)),
        }
        for dot in dots
    ]
    drawn_lines = []
    for line in lines:
        segments, current = [], []
        for n, value in enumerate([*line.values, None]):
            if value is None:
                if current:
                    segments.append("M" + " L".join(current))
                current = []
                continue
            y = px(scale(value / 86400))
            current += [
                f"{px(frame.left + slot * n)},{y}",
                f"{px(frame.left + slot * (n + 1))},{y}",
            ]
        drawn_lines.append({"key": line.key, "label": line.label, "paths": segments})
    every = _every(len(labels))
    return {
        "frame": frame.as_dict(),
        "ticks": scale.ticks(),
        "dots": drawn_dots,
        "lines": drawn_lines,
        "columns": [
            {"label": label, "x": px(frame.left + slot * (n + 0.5))}
            for n, label in enumerate(labels)
            if n % every == 0
        ],
    }


def horizontal_stacks(rows: list[dict], keys: list[tuple[str, str]]) -> dict:
    """One bar per row, split into segments (``row["values"]``: key -> value, drawn in the
    order of ``keys``; each key is one path), with ``row["label"]`` on its left and
    ``row["note"]`` after it. Rows keep their other fields."""
    frame = Frame(height=max(len(rows), 1) * ROW + 24, left=150, right=110, bottom=20)
    scale = Scale(max((sum(r["values"].values()) for r in rows), default=0), frame, horizontal=True)
    boxes: dict[str, list[str]] = {key: [] for key, _label in keys}
    drawn = []
    for n, row in enumerate(rows):
        y = frame.top + n * ROW
        total = 0
        for key, _label in keys:
            value = row["values"].get(key, 0)
            if value:
                start = scale(total)
                total += value
                boxes[key].append(_box(start, y + 4, max(scale(total) - start, 1), ROW - 8))
        drawn.append(
            {
                **row,
                "y": px(y),
                "text_y": px(y + 17),
                "end_x": px(scale(total) + 6),
            }
        )
    return {
        "frame": {**frame.as_dict(), "row": px(ROW), "plot_width": px(frame.plot_width)},
        "rows": drawn,
        "paths": [{"key": key, "path": "".join(boxes[key]) or "M0,0"} for key, _label in keys],
        "ticks": scale.ticks(),
    }
