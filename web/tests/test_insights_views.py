"""The insights pages: charts, filters and the period in the query string, htmx swapping the
charts, a CSV per chart, and the organization's time zone setting."""

import csv
import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from web.tests.pages import text
from web.views import insights as views
from workspace.models import Organization, Priority, Role, TaskStatus
from workspace.services.projects import project_delete
from workspace.services.tasks import task_create, task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, OrganizationFactory, ProjectFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 25, 15, 0, tzinfo=PARIS)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def acme(organization, owner, member):
    """Acme (in Paris) with a Website project: one task done after three days in progress, one
    in progress, one to do (overdue) of the member's, created over the last weeks."""
    Organization.objects.filter(pk=organization.pk).update(time_zone="Europe/Paris")
    organization.refresh_from_db()

    def at(month, day, hour=10):
        return time_machine.travel(datetime(2026, month, day, hour, tzinfo=PARIS), tick=False)

    with organization_scope(organization):
        with at(3, 2):
            website = ProjectFactory(organization=organization, name="Website", slug="website")
            shipped = task_create(
                organization=organization,
                actor=owner,
                project=website,
                title="Ship =the= release",
                priority=Priority.HIGH,
                assignee=owner,
            )
            late = task_create(
                organization=organization,
                actor=owner,
                project=website,
                title="Write the changelog",
                assignee=member,
                due_date=date(2026, 3, 20),
            )
        with at(3, 9):
            task_update(task=shipped, actor=owner, data={"status": TaskStatus.IN_PROGRESS})
            busy = task_create(
                organization=organization,
                actor=member,
                project=website,
                title='=HYPERLINK("http://evil")',
                status=TaskStatus.IN_PROGRESS,
                assignee=member,
                priority=Priority.URGENT,
            )
        with at(3, 12):
            task_update(task=shipped, actor=owner, data={"status": TaskStatus.DONE})
    return {"website": website, "shipped": shipped, "late": late, "busy": busy}


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def url(name="web:insights", **kwargs):
    return reverse(name, kwargs={"org_slug": "acme", **kwargs})


def test_the_page_draws_every_chart_with_its_numbers(login, member, acme, now):
    client = login(member)

    response = client.get(url())

    assert response.status_code == 200
    html = response.content.decode()
    for chart in ("throughput", "flow", "cycle-time", "workload", "aging"):
        assert f'id="chart-{chart}"' in html
        assert f'href="/o/acme/insights/{chart}.csv"' in html
    assert 'href="/o/acme/insights/finished.csv"' in html
    assert "<svg" in html
    assert "style=" not in html
    stats = text(re.search(r'data-testid="insights-stats">(.*?)</dl>', html, re.S).group(1))
    assert stats == "Completed 1 Created 3 Median cycle time 3.0 days Open now 2 Overdue now 1"
    # Weeks begin on Monday in Paris; the period is 12 weeks by default.
    assert "Jan 5 \N{EN DASH} Mar 29, 2026" in text(html)
    assert "as of Mar 25, 15:00" in text(html)
    assert 'aria-current="true">12 weeks</a>' in html
    # The finished task is a dot that opens it, and a row of the table.
    shipped = acme["shipped"].number
    assert html.count(f'href="/o/acme/tasks/{shipped}/"') == 2
    # Nav: the organization's sections name Insights, and it is the current one.
    assert re.search(r'href="/o/acme/insights/"[^>]*aria-current="page">Insights</a>', html)


def test_the_numbers_tables_read_as_the_charts_say(login, member, acme, now):
    html = login(member).get(url(), {"period": "4"}).content.decode()

    throughput = re.search(r"Throughput per week</caption>.*?<tbody>(.*?)</tbody>", html, re.S)
    rows = [text(row) for row in re.findall(r"<tr>(.*?)</tr>", throughput.group(1))]
    assert rows == ["Mar 2, 2026 2 0", "Mar 9, 2026 1 1", "Mar 16, 2026 0 0", "Mar 23, 2026 0 0"]
    flow = re.search(r"at the end of each week</caption>.*?<tbody>(.*?)</tbody>", html, re.S)
    rows = [text(row) for row in re.findall(r"<tr>(.*?)</tr>", flow.group(1))]
    assert rows == [
        "Mar 2, 2026 2 0 0 0 2",
        "Mar 9, 2026 1 1 1 0 3",
        "Mar 16, 2026 1 1 1 0 3",
        "Mar 23, 2026 (now) 1 1 1 0 3",
    ]
    workload = re.search(r"per assignee and priority</caption>.*?<tbody>(.*?)</tbody>", html, re.S)
    rows = [text(row) for row in re.findall(r"<tr>(.*?)</tr>", workload.group(1))]
    assert rows == ["Mia Member 1 0 1 0 2 1"]


def test_the_period_and_filters_come_from_the_query_string(login, member, owner, acme, now):
    client = login(member)

    html = client.get(url(), {"period": "4", "assignee": "me", "priority": ["urgent"]}).content
    html = html.decode()

    assert 'aria-current="true">4 weeks</a>' in html
    # The period links keep the filters, and the form keeps the period.
    assert 'href="/o/acme/insights/?period=26&amp;assignee=me&amp;priority=urgent"' in html
    assert '<input type="hidden" name="period" value="4" form="insights-filters">' in html
    assert '<option value="me" selected>Me</option>' in html
    assert 'value="urgent" checked' in html
    stats = text(re.search(r'data-testid="insights-stats">(.*?)</dl>', html, re.S).group(1))
    assert stats == "Completed 0 Created 1 Median cycle time — Open now 1 Overdue now 0"
    assert f"#{acme['busy'].number}" in html
    assert f"#{acme['late'].number} " not in html


def test_htmx_swaps_only_the_charts_and_history_restores_get_the_page(login, member, acme, now):
    client = login(member)

    fragment = client.get(url(), {"period": "26"}, **HTMX)
    restore = client.get(url(), {"period": "26"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)

    assert fragment.content.decode().lstrip().startswith('<div id="insights-charts"')
    assert "<html" not in fragment.content.decode()
    assert 'aria-current="true">26 weeks</a>' in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]
    assert "<html" in restore.content.decode()


def test_a_filter_that_is_not_valid_is_said_and_left_out(login, member, acme, now):
    stranger = MembershipFactory(organization=OrganizationFactory())
    client = login(member)

    response = client.get(url(), {"period": "7", "assignee": str(stranger.pk), "priority": "bogus"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "That filter was left out." in html
    assert "is not one of the available choices" in html
    assert 'aria-current="true">12 weeks</a>' in html
    stats = text(re.search(r'data-testid="insights-stats">(.*?)</dl>', html, re.S).group(1))
    assert stats.startswith("Completed 1 Created 3")  # everyone's tasks


def test_a_project_s_insights_count_its_tasks(login, member, owner, acme, now):
    with organization_scope(acme["website"].organization):
        other = ProjectFactory(organization=acme["website"].organization, slug="other")
        task_create(organization=other.organization, actor=owner, project=other, title="Elsewhere")
    client = login(member)

    website = client.get(url("web:project-insights", project_slug="website")).content.decode()
    elsewhere = client.get(url("web:project-insights", project_slug="other")).content.decode()
    project_page = client.get(reverse("web:project-detail", args=["acme", "website"]))

    stats = re.compile(r'data-testid="insights-stats">(.*?)</dl>', re.S)
    assert text(stats.search(website).group(1)).startswith("Completed 1 Created 3")
    assert text(stats.search(elsewhere).group(1)).startswith("Completed 0 Created 1")
    assert 'href="/o/acme/p/website/insights/throughput.csv"' in website
    assert 'href="/o/acme/p/website/">Website</a>' in website
    assert 'href="/o/acme/p/website/insights/"' in project_page.content.decode()


def test_an_unknown_or_deleted_project_is_not_found(login, owner, acme, now):
    with organization_scope(acme["website"].organization):
        project_delete(project=acme["website"], actor=owner)
    client = login(owner)

    assert client.get(url("web:project-insights", project_slug="website")).status_code == 404
    assert client.get(url("web:project-insights", project_slug="nope")).status_code == 404
    assert (
        client.get(url("web:project-insights-csv", project_slug="nope", chart="flow")).status_code
        == 404
    )


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_each_chart_s_numbers_download_as_csv(login, member, acme, now):
    client = login(member)
    shipped, busy = acme["shipped"], acme["busy"]

    throughput = client.get(url("web:insights-csv", chart="throughput"), {"period": "4"})
    assert throughput["Content-Disposition"] == (
        'attachment; filename="acme-throughput-2026-03-25.csv"'
    )
    assert read_csv(throughput) == [
        ["week", "created", "completed"],
        ["2026-03-02", "2", "0"],
        ["2026-03-09", "1", "1"],
        ["2026-03-16", "0", "0"],
        ["2026-03-23", "0", "0"],
    ]
    assert read_csv(client.get(url("web:insights-csv", chart="flow"), {"period": "4"}))[-1] == [
        "2026-03-23",
        "1",
        "1",
        "1",
        "0",
        "3",
    ]
    assert read_csv(client.get(url("web:insights-csv", chart="cycle-time"), {"period": "4"}))[
        1:3
    ] == [["2026-03-02", "0", "", ""], ["2026-03-09", "1", "3.00", "3.00"]]
    assert read_csv(client.get(url("web:insights-csv", chart="finished"))) == [
        ["task", "title", "started_at", "completed_at", "cycle_days"],
        [
            str(shipped.number),
            "'Ship =the= release"[1:],
            "2026-03-09T10:00:00+01:00",
            "2026-03-12T10:00:00+01:00",
            "3.00",
        ],
    ]
    assert read_csv(client.get(url("web:insights-csv", chart="workload"))) == [
        ["assignee", "urgent", "high", "medium", "low", "open", "overdue"],
        ["Mia Member", "1", "0", "1", "0", "2", "1"],
    ]
    assert read_csv(client.get(url("web:insights-csv", chart="aging"))) == [
        ["task", "title", "assignee", "started_at", "days_in_progress"],
        [
            str(busy.number),
            '\'=HYPERLINK("http://evil")',  # not a formula in a spreadsheet
            "Mia Member",
            "2026-03-09T10:00:00+01:00",
            "16.21",
        ],
    ]


def test_an_unknown_chart_is_not_found(login, member, acme):
    assert login(member).get(url("web:insights-csv", chart="pie")).status_code == 404


def test_the_page_costs_the_same_queries_whatever_the_filters(
    login, member, acme, now, django_assert_max_num_queries
):
    client = login(member)
    client.get(url())
    for query in ({}, {"period": "26", "assignee": "none"}, {"priority": ["high", "low"]}):
        with django_assert_max_num_queries(10):
            assert client.get(url(), query).status_code == 200


# --- The time zone setting ----------------------------------------------------------------------
def test_an_admin_sets_the_organization_s_time_zone(login, admin, organization):
    client = login(admin)
    settings_url = reverse("web:org-settings", args=["acme"])

    page = client.get(settings_url).content.decode()
    response = client.post(settings_url, {"form": "time_zone", "time_zone": "Pacific/Auckland"})

    assert re.search(r'<option value="UTC"\s+selected\s*>UTC</option>', page)
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.time_zone == "Pacific/Auckland"
    assert "Days now begin at midnight in Pacific/Auckland." in text(
        client.get(settings_url).content.decode()
    )


def test_a_time_zone_that_does_not_exist_is_refused_with_the_form_kept(login, admin, organization):
    response = login(admin).post(
        reverse("web:org-settings", args=["acme"]),
        {"form": "time_zone", "time_zone": "Europe/Atlantis"},
    )

    assert response.status_code == 422
    assert "Select a valid choice. Europe/Atlantis is not one of the available choices." in (
        text(response.content.decode())
    )
    organization.refresh_from_db()
    assert organization.time_zone == "UTC"


def test_members_are_shown_no_settings(login, member, organization):
    assert login(member).get(reverse("web:org-settings", args=["acme"])).status_code == 403
    assert member.role == Role.MEMBER


def test_the_workload_draws_the_busiest_people_and_the_others_together(
    login, owner, organization, now
):
    with organization_scope(organization):
        project = ProjectFactory(organization=organization)
        for n in range(14):
            person = MembershipFactory(organization=organization, user__name=f"Person {n:02}")
            for _ in range(1 + n % 3):
                task_create(
                    organization=organization,
                    actor=owner,
                    project=project,
                    title="Some work",
                    assignee=person,
                )

    html = login(owner).get(url()).content.decode()

    chart = re.search(r'id="chart-workload".*?<svg class="chart".*?</svg>', html, re.S).group(0)
    labels = re.findall(r'class="chart-label"[^>]*>([^<]+)</text>', chart)
    assert len(labels) == 12
    assert labels[-1] == "3 others"
    assert labels[:4] == ["Person 02", "Person 05", "Person 08", "Person 11"]  # 3 open each
    table = re.search(r"per assignee and priority</caption>.*?<tbody>(.*?)</tbody>", html, re.S)
    assert len(re.findall(r"<tr>", table.group(1))) == 14


def test_each_chart_is_drawn_once_for_the_same_numbers_and_anew_when_they_change(
    login, member, owner, acme, now, monkeypatch
):
    drawn = []

    def recording(name, build):
        return lambda report, view: drawn.append(name) or build(report, view)

    monkeypatch.setattr(
        views,
        "CHARTS",
        {name: (recording(name, build), key) for name, (build, key) in views.CHARTS.items()},
    )
    client = login(member)

    first = client.get(url()).content.decode()
    assert drawn == ["throughput", "flow", "cycle", "workload", "aging"]
    drawn.clear()
    again = client.get(url()).content.decode()
    assert drawn == []
    other_period = client.get(url(), {"period": "4"}).content.decode()
    assert len(drawn) == 5  # each chart's CSV link carries the period
    drawn.clear()
    with organization_scope(acme["busy"].organization):
        task_update(task=acme["busy"], actor=owner, data={"title": "Renamed while cached"})
    renamed = client.get(url()).content.decode()
    assert drawn == ["aging"]  # the only chart naming it

    charts_region = re.compile(r'<div class="grid gap-4 xl:grid-cols-2">.*</figure>', re.S)
    assert charts_region.search(again).group(0) == charts_region.search(first).group(0)
    assert 'aria-current="true">4 weeks</a>' in other_period
    assert "Renamed while cached" in renamed
    assert "Renamed while cached" not in first


def test_an_organization_without_tasks_gets_empty_charts(login, member):
    response = login(member).get(url())

    assert response.status_code == 200
    html = response.content.decode()
    stats = text(re.search(r'data-testid="insights-stats">(.*?)</dl>', html, re.S).group(1))
    assert stats == "Completed 0 Created 0 Median cycle time — Open now 0 Overdue now 0"
    assert "No open tasks." in html
    assert "Nothing is in progress." in html
    assert html.count('class="chart"') == 3  # throughput, flow and cycle time still draw axes
