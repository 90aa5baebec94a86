"""``/o/<org>/insights/`` and ``/o/<org>/p/<project>/insights/``: charts of throughput,
cumulative flow, cycle time, workload and aging work, with a CSV of each chart's numbers."""

import csv
from datetime import timedelta
from functools import lru_cache
from hashlib import blake2b
from pathlib import Path

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import SimpleLazyObject
from django.utils.text import slugify
from django.views.decorators.vary import vary_on_headers
from django.views.generic import TemplateView

from web import charts
from web.forms.insights import InsightsFilterForm
from web.htmx import wants_fragment
from web.mixins import OrganizationMixin
from workspace.insights.report import Report, finished_tasks, insights_report, member_names
from workspace.insights.weeks import day_start, week_end
from workspace.models import Priority, Project, TaskStatus

# Bottom-up in the cumulative flow: what is closed below, what waits on top.
FLOW_BANDS = (TaskStatus.CANCELLED, TaskStatus.DONE, TaskStatus.IN_PROGRESS, TaskStatus.TODO)
# Most severe first along each workload bar.
PRIORITY_ORDER = (Priority.URGENT, Priority.HIGH, Priority.MEDIUM, Priority.LOW)
WORKLOAD_BARS = 12  # bars drawn at most: the busiest people, then the others together
CSV_CHARTS = ("throughput", "flow", "cycle-time", "finished", "workload", "aging")


def week_label(week) -> str:
    return f"{week:%b} {week.day}"


def _date(moment, tz) -> str:
    local = moment.astimezone(tz)
    return f"{local:%b} {local.day}, {local.year}"


def _labels(report: Report) -> tuple[list[str], list[str]]:
    weeks = [w.week for w in report.weeks]
    return [week_label(w) for w in weeks], [f"{w:%b} {w.day}, {w.year}" for w in weeks]


def throughput_chart(report: Report, view: dict) -> dict:
    labels, long_labels = _labels(report)
    weeks = report.weeks
    chart = charts.grouped_bars(
        labels,
        [
            charts.Series("created", "created", [w.created for w in weeks]),
            charts.Series("completed", "completed", [w.completed for w in weeks]),
        ],
    )
    chart["table"] = [
        (label, charts.count(w.created), charts.count(w.completed))
        for label, w in zip(long_labels, weeks, strict=True)
    ]
    return chart


def flow_chart(report: Report, view: dict) -> dict:
    labels, long_labels = _labels(report)
    weeks = report.weeks
    chart = charts.stacked_area(
        labels,
        [
            charts.Series(status.value, status.label, [w.stock[status] for w in weeks])
            for status in FLOW_BANDS
        ],
    )
    chart["statuses"] = [status.label for status in reversed(FLOW_BANDS)]
    chart["table"] = [
        (
            f"{label} (now)" if n == len(weeks) - 1 else label,
            [charts.count(w.stock[status]) for status in reversed(FLOW_BANDS)],
            charts.count(w.total),
        )
        for n, (label, w) in enumerate(zip(long_labels, weeks, strict=True))
    ]
    return chart


def cycle_chart(report: Report, view: dict) -> dict:
    labels, long_labels = _labels(report)
    weeks, tz, tasks_url = report.weeks, view["tz"], view["tasks_url"]
    start = day_start(weeks[0].week, tz).timestamp()
    span = week_end(weeks[-1].week, tz).timestamp() - start
    dots = []
    for point in report.finished:
        duration = charts.days(point.seconds)
        dots.append(
            {
                "x": (point.completed_at.timestamp() - start) / span,
                "seconds": point.seconds,
                "href": f"{tasks_url}{point.number}/",
                "tip": f"#{point.number} {point.title}: {duration}",
                "task": f"#{point.number} {point.title}",
                "completed": _date(point.completed_at, tz),
                "duration": duration,
            }
        )
    chart = charts.scatter(
        labels,
        dots,
        [
            charts.Series("p85", "85th percentile", [w.cycle_p85 for w in weeks]),
            charts.Series("median", "Median", [w.cycle_median for w in weeks]),
        ],
    )
    chart["drawn"], chart["total"] = len(dots), report.finished_total
    chart["table"] = [
        (
            label,
            charts.count(w.cycle_count),
            charts.days(w.cycle_median),
            charts.days(w.cycle_p85),
        )
        for label, w in zip(long_labels, weeks, strict=True)
    ]
    return chart


PRIORITIES = [Priority(p) for p in PRIORITY_ORDER]


def _workload_row(name: str, by_priority: dict, total: int, overdue: int) -> dict:
    return {
        "label": name,
        "short": _short(name, 22),
        "values": {Priority(p).key: n for p, n in by_priority.items()},
        "note": f"{total:,} open · {overdue:,} overdue",
        "alert": overdue > 0,
        "tip": f"{name}: "
        + ", ".join(f"{by_priority.get(p, 0):,} {p.label.lower()}" for p in PRIORITIES)
        + f"; {overdue:,} overdue",
        "cells": [charts.count(by_priority.get(p, 0)) for p in PRIORITIES]
        + [charts.count(total), charts.count(overdue)],
    }


def workload_chart(report: Report, view: dict) -> dict:
    people = [_workload_row(r.name, r.by_priority, r.total, r.overdue) for r in report.workload]
    drawn = people
    if len(report.workload) > WORKLOAD_BARS:  # the busiest, then everyone else together
        rest = report.workload[WORKLOAD_BARS - 1 :]
        together: dict = {}
        for row in rest:
            for p, n in row.by_priority.items():
                together[p] = together.get(p, 0) + n
        drawn = [
            *people[: WORKLOAD_BARS - 1],
            _workload_row(
                f"{len(rest)} others",
                together,
                sum(r.total for r in rest),
                sum(r.overdue for r in rest),
            ),
        ]
    keys = [(p.key, p.label) for p in PRIORITIES]
    chart = charts.horizontal_stacks(drawn, keys)
    chart["drawn"], chart["rows"], chart["priorities"] = chart["rows"], people, keys
    return chart


def aging_chart(report: Report, view: dict) -> dict:
    tz, tasks_url = view["tz"], view["tasks_url"]
    return charts.horizontal_stacks(
        [
            {
                "label": f"#{point.number} {point.title}",
                "short": _short(f"#{point.number} {point.title}", 24),
                "values": {"age": point.seconds / 86400},
                "note": charts.days(point.seconds),
                "tip": f"#{point.number} {point.title}: in progress for "
                f"{charts.days(point.seconds)}",
                "href": f"{tasks_url}{point.number}/",
                "assignee": point.assignee,
                "since": _date(point.started_at, tz),
            }
            for point in report.aging
        ],
        [("age", "days in progress")],
    )


def _week_content(report: Report, *fields) -> list:
    return [tuple(getattr(w, f) for f in fields) for w in report.weeks]


# Each chart: how it is drawn, and the values it shows (its cache key is a digest of them).
CHARTS = {
    "throughput": (throughput_chart, lambda r: _week_content(r, "week", "created", "completed")),
    "flow": (flow_chart, lambda r: [(w.week, sorted(w.stock.items())) for w in r.weeks]),
    "cycle": (
        cycle_chart,
        lambda r: (
            _week_content(r, "week", "cycle_count", "cycle_median", "cycle_p85"),
            [(p.number, p.title, p.completed_at, p.seconds) for p in r.finished],
        ),
    ),
    "workload": (
        workload_chart,
        lambda r: [(w.name, sorted(w.by_priority.items()), w.overdue) for w in r.workload],
    ),
    "aging": (
        aging_chart,
        lambda r: [
            (p.number, p.title, p.assignee, p.started_at, charts.days(p.seconds)) for p in r.aging
        ],
    ),
}


def insight_charts(report: Report, *, tasks_url: str, tz) -> dict:
    """Everything the chart templates draw and tabulate, as strings (see ``web.charts``)."""
    view = {"tasks_url": tasks_url, "tz": tz}
    return {name: build(report, view) for name, (build, _content) in CHARTS.items()}


CHART_TEMPLATES = ("throughput", "flow", "cycle_time", "workload", "aging", "grid", "grid_vertical")


@lru_cache(maxsize=1)
def _templates_digest() -> str:
    """Changes when a chart template does (a deploy must not serve charts drawn by the old)."""
    digest = blake2b(digest_size=8)
    for name in CHART_TEMPLATES:
        digest.update(Path(get_template(f"components/charts/{name}.html").origin.name).read_bytes())
    return digest.hexdigest()


def chart_keys(report: Report, *, tasks_url: str, csv_url: str, query: str) -> dict[str, str]:
    """Per chart, a digest of what it shows: the rendered chart is cached under it. Equal keys
    draw the same chart, and any change to a number, a name, a title or an age as shown is a
    new key (nothing to invalidate)."""
    common = (report.time_zone, tasks_url, csv_url, query, _templates_digest())
    return {
        name: blake2b(repr((name, common, content(report))).encode(), digest_size=16).hexdigest()
        for name, (_build, content) in CHARTS.items()
    }


def lazy_charts(report: Report, *, tasks_url: str, tz) -> dict:
    """The charts, each drawn only if a template asks for it (on a cache miss)."""
    view = {"tasks_url": tasks_url, "tz": tz}

    def later(build):
        return SimpleLazyObject(lambda: build(report, view))

    return {name: later(build) for name, (build, _content) in CHARTS.items()}


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


@method_decorator(vary_on_headers("HX-Request"), name="dispatch")
class InsightsView(OrganizationMixin, TemplateView):
    """The page, or (htmx) its charts region after the filters or the period changed."""

    template_name = "web/insights.html"
    http_method_names = ["get"]

    def get_project(self) -> Project | None:
        return None

    def build(self) -> tuple[InsightsFilterForm, Project | None, Report]:
        names = member_names(organization=self.organization)
        form = InsightsFilterForm(self.request.GET, names=names, membership=self.membership)
        project = self.get_project()
        report = insights_report(
            organization=self.organization,
            scope=form.scope(project),
            weeks=form.weeks,
            names=names,
        )
        return form, project, report

    def get_context_data(self, **kwargs):
        form, project, report = self.build()
        tz = self.organization.tzinfo
        tasks_url = reverse("web:task-list", kwargs={"org_slug": self.organization.slug})
        query = form.query()
        csv_url = self.request.path
        controls = form.controls()
        kwargs.update(
            form=form,
            controls=controls,
            project=project,
            report=report,
            # Each drawn only when its cached rendering is missing (see chart_keys).
            charts=lazy_charts(report, tasks_url=tasks_url, tz=tz),
            chart_keys=chart_keys(report, tasks_url=tasks_url, csv_url=csv_url, query=query),
            query=query,
            period_links=[
                {
                    "weeks": weeks,
                    "label": label,
                    "current": weeks == form.weeks,
                    "href": f"{self.request.path}?{form.query(period=str(weeks))}".rstrip("?"),
                }
                for weeks, label in controls["periods"]
            ],
            csv_url=csv_url,
            as_of=report.now,
            period_start=report.weeks[0].week,
            period_end=report.weeks[-1].week + timedelta(days=6),
            stats={
                "completed": charts.count(report.completed_total),
                "created": charts.count(report.created_total),
                "cycle_median": charts.days(report.cycle_median),
                "open": charts.count(report.open_total),
                "overdue": charts.count(report.overdue_total),
            },
        )
        return super().get_context_data(**kwargs)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        with timezone.override(self.organization.tzinfo):  # dates as the organization reads them
            return response.render()

    def get_template_names(self):
        htmx = self.request.htmx
        if wants_fragment(self.request) and not htmx.history_restore_request:
            return [f"{self.template_name}#insights-charts"]
        return [self.template_name]


class ProjectInsightsMixin:
    def get_project(self) -> Project:
        if not hasattr(self, "_project"):
            self._project = get_object_or_404(
                Project.objects.filter(organization=self.organization),
                slug=self.kwargs["project_slug"],
            )
        return self._project


class ProjectInsightsView(ProjectInsightsMixin, InsightsView):
    pass


class InsightsCsvView(InsightsView):
    """``insights/<chart>.csv``: the numbers behind one chart, for the same filters."""

    def get(self, request, *args, **kwargs):
        chart = self.kwargs["chart"]
        if chart not in CSV_CHARTS:
            raise Http404("No such chart.")
        form, project, report = self.build()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        scope = slugify(project.slug if project else self.organization.slug)
        name = f"{scope}-{chart}-{report.now:%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        writer = csv.writer(response)
        for row in self.rows(chart, form, project, report):
            writer.writerow(row)
        return response

    def rows(self, chart, form, project, report):
        weeks = report.weeks
        if chart == "throughput":
            yield ["week", "created", "completed"]
            for w in weeks:
                yield [w.week.isoformat(), w.created, w.completed]
        elif chart == "flow":
            yield ["week", *(s.value for s in reversed(FLOW_BANDS)), "total"]
            for w in weeks:
                yield [w.week.isoformat(), *(w.stock[s] for s in reversed(FLOW_BANDS)), w.total]
        elif chart == "cycle-time":
            yield ["week", "finished", "median_days", "p85_days"]
            for w in weeks:
                yield [w.week.isoformat(), w.cycle_count, _days(w.cycle_median), _days(w.cycle_p85)]
        elif chart == "finished":
            yield ["task", "title", "started_at", "completed_at", "cycle_days"]
            tz = self.organization.tzinfo
            for number, title, started_at, completed_at in finished_tasks(
                organization=self.organization,
                scope=form.scope(project),
                weeks=form.weeks,
                now=report.now,
            ).iterator():
                seconds = (completed_at - started_at).total_seconds()
                yield [
                    number,
                    _csv_text(title),
                    started_at.astimezone(tz).isoformat(timespec="seconds"),
                    completed_at.astimezone(tz).isoformat(timespec="seconds"),
                    _days(seconds),
                ]
        elif chart == "workload":
            yield ["assignee", *(Priority(p).key for p in PRIORITY_ORDER), "open", "overdue"]
            for row in report.workload:
                counts = [row.by_priority.get(p, 0) for p in PRIORITY_ORDER]
                yield [_csv_text(row.name), *counts, row.total, row.overdue]
        else:  # aging
            yield ["task", "title", "assignee", "started_at", "days_in_progress"]
            tz = self.organization.tzinfo
            for point in report.aging:
                yield [
                    point.number,
                    _csv_text(point.title),
                    _csv_text(point.assignee),
                    point.started_at.astimezone(tz).isoformat(timespec="seconds"),
                    _days(point.seconds),
                ]


class ProjectInsightsCsvView(ProjectInsightsMixin, InsightsCsvView):
    pass


def _days(seconds) -> str:
    return "" if seconds is None else f"{seconds / 86400:.2f}"


def _csv_text(value: str) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) is quoted with an apostrophe."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
