"""Hostile input against every form field, query parameter and free-text URL segment.

``CASES`` (forms and query strings), ``PATH_CASES`` (``<str:...>`` URL segments) and
``ACCOUNT_CASES`` (allauth) list every form of the site: how to build its URL, which fields it
reads and what a valid value of each looks like. Three kinds of tests use them:

- ``test_*_survive_hostile_input``: Hypothesis sends requests where some fields (or all of them)
  carry hostile values (very long strings, control characters and NUL bytes, HTML and script
  payloads, SQL fragments, invalid dates and numbers, the other organization's ids, numbers and
  slugs) and the others valid ones, so that hostile values also get stored;
- ``test_sharp_values_in_*``: each of the sharpest values (``SHARP``) in every field at once, so
  that each is tried everywhere on every run;
- ``test_stored_markup_is_rendered_as_text``: markup stored through each text field is shown
  escaped on every page that shows it.

For every response, and for the pages that show what a request may have stored, they assert:

1. never a server error (the test client re-raises it; the status is checked as well);
2. no markup from the input is rendered as HTML: no injected element, attribute or
   ``javascript:`` link in the parsed page;
3. never a cross-tenant write: the other organization's rows are unchanged, and no row of any
   organization points at another organization's project, member or task.

Each request runs in a savepoint that is rolled back afterwards, so requests do not see each
other's writes (and a database error cannot poison the ones that follow). Service-level custom
field values (wrong-type JSON) are in workspace/tests/test_hostile_custom_fields.py.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Value
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import User
from workspace.models import (
    FieldType,
    Membership,
    Organization,
    Priority,
    ProjectStatus,
    Role,
    Task,
    TaskStatus,
)
from workspace.tenancy import all_tenants, organization_scope
from workspace.tests.factories import (
    CommentFactory,
    CustomFieldFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = [
    pytest.mark.django_db,
    # ?sort=a.b: django-tables2 warns about the dotted accessor and ignores the unknown column.
    pytest.mark.filterwarnings("ignore:Use '__' to separate path components:DeprecationWarning"),
]

HTMX = {"HTTP_HX_REQUEST": "true"}
EXAMPLES = 20

# --- Hostile values ----------------------------------------------------------------------------

MARKUP = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "<xss-probe>",
    '" xss-attr="1',
    "' xss-attr='1",
    "</textarea><xss-probe>",
    "</title><script>alert(1)</script>",
    "</option></select><xss-probe>",
    '<a href="javascript:alert(1)">click</a>',
    "javascript:alert(1)",
    'https://example.com/"><xss-probe>',
    "www.example.com/'onmouseover='alert(1)'",
    "http://x.example/?a=<xss-probe>&b=\"'",
    "{{ request }}{% debug %}",
    "&lt;xss-probe&gt;",
    "<!--",
    "]]><xss-probe>",
)
SQL = (
    "' OR 1=1 --",
    "'; DROP TABLE workspace_task; --",
    '" OR ""="',
    "1; SELECT pg_sleep(0)",
    "1' UNION SELECT password FROM accounts_user --",
    "%",
    "_",
    "\\",
    "%%'",
    "$$",
)
DATES = (
    "2026-02-30",
    "99999-01-01",
    "",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "2026-13-01",
    "2026-1-1",
    "20260101",
    "-1",
    "today",
    "1e309",
    "2026-02-28T25:00:00",
    "2026-02-28T10:00:00+99:00",
    "\uff11\uff19\uff19\uff19-\uff10\uff11-\uff10\uff11",  # full-width digits
)
NUMBERS = (
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-inf",
    "-0",
    "0",
    "-1",
    "1.5",
    "0x10",
    "1_000",
    " 7 ",
    "\uff11\uff12",  # full-width digits
    "²",
    "٣",
    "9" * 40,
    "9" * 5000,
    "1e-999999",
    "2147483648",
    "9223372036854775808",
)
CONTROL = (
    "\x00",
    "a\x00b",
    "\x00<script>alert(1)</script>",
    "\x1b[31mred",
    "\r\n",
    "line\nbreak",
    "\t",
    "\x7f",
    "\x85",
    "\u202e",
    "\ufeff",
    "\u2028",
    "\u200b",
    "\U0001f600",
)
OTHER = ("me", "none", "true", "on", "1", "[]", "{}", '{"a": 1}', "null", "None", "  ", "-")
FIXED = MARKUP + SQL + DATES + NUMBERS + CONTROL + OTHER

OMIT = object()  # the field is not sent at all


class Long:
    """A long string, drawn as its part and repetition count so that failure reports stay
    readable; ``materialize`` turns it into the string that is sent."""

    def __init__(self, part: str, times: int):
        self.part, self.times = part, times

    def __repr__(self) -> str:
        return f"{self.part!r} * {self.times}"


def materialize(value):
    if isinstance(value, Long):
        return value.part * value.times
    if isinstance(value, list):
        return [materialize(item) for item in value]
    return value


def long_strings() -> st.SearchStrategy[Long]:
    return st.one_of(
        st.sampled_from(
            [
                Long("A", 10_000),
                Long("é", 10_000),
                Long("<script>alert(1)</script>", 400),
                Long("a\x00", 5_000),
                Long("9", 10_000),
                Long("(", 10_000),
                Long("http://a", 5_000),
                Long("www.a.", 2_000),
            ]
        ),
        st.builds(Long, st.sampled_from(FIXED), st.integers(50, 400)),
    )


def hostile(world: "World") -> st.SearchStrategy:
    """One hostile value; sometimes several of them (a repeated query/form key), sometimes none."""
    single = st.one_of(
        st.sampled_from(FIXED),
        st.sampled_from(world.foreign_ids),
        st.text(max_size=40),
        st.text(st.characters(codec="ascii"), max_size=20),
        st.builds(str.__add__, st.sampled_from(FIXED), st.text(max_size=10)),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        long_strings(),
    )
    return st.one_of(
        single, single, single, single, st.lists(single, min_size=2, max_size=3), st.just(OMIT)
    )


# --- Checking a response -----------------------------------------------------------------------

# (<svg> is not in the list: crispy-tailwind's select widget draws an arrow with one.)
INJECTED_TAGS = {"xss-probe", "img", "iframe", "object", "embed", "math", "video", "audio"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "hx-get", "hx-post", "data"}


class InjectionFinder(HTMLParser):
    """Collects what looks like markup that came from input rather than from our templates.
    Tandem's templates have no inline event handlers (the CSP forbids them), no images and no
    inline scripts, so any of those in a page was injected."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag in INJECTED_TAGS:
            self.found.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on") or name == "xss-attr" or "xss" in name:
                self.found.append(f"{name}= attribute on <{tag}>")
            value = re.sub(r"[\s\x00-\x1f]", "", (value or "")).lower()
            if name in URL_ATTRIBUTES and value.startswith(("javascript:", "data:text/html")):
                self.found.append(f"{name}={value[:40]!r} on <{tag}>")
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(" in data:
            self.found.append(f"script content {data[:60]!r}")


def assert_safe(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: HTTP {response.status_code}"
    if "html" not in response.get("Content-Type", "") or getattr(response, "streaming", False):
        return
    html = response.content.decode("utf-8", "replace")
    assert "<xss-probe" not in html, f"{where}: unescaped <xss-probe> markup"
    assert "<script>alert" not in html, f"{where}: unescaped <script> payload"
    finder = InjectionFinder()
    finder.feed(html)
    finder.close()
    assert not finder.found, f"{where}: injected markup {finder.found}"


# --- The two organizations ---------------------------------------------------------------------


@dataclass
class Victim:
    organization: Organization
    owner: object
    member: object
    project: object
    task: object
    comment: object
    invitation: object
    custom_field: object


@dataclass
class World:
    organization: Organization
    owner: object
    admin: object
    member: object
    project: object
    archived_project: object
    fields: dict  # FieldType -> CustomField
    task: object
    comment: object
    invitation: object
    deleted_task: object
    victim: Victim
    foreign_ids: list[str] = field(default_factory=list)

    def url(self, name: str, **kwargs) -> str:
        return reverse(f"web:{name}", kwargs={"org_slug": self.organization.slug, **kwargs})

    def task_url(self, name: str, task=None) -> str:
        return self.url(name, number=(task or self.task).number)

    def latest_task_url(self) -> str:
        with organization_scope(self.organization):
            number = Task.objects.order_by("-number").values_list("number", flat=True).first()
        return self.url("task-detail", number=number)

    def version(self) -> str:
        with organization_scope(self.organization):
            return Task.objects.get(pk=self.task.pk).version


def build_victim() -> Victim:
    organization = OrganizationFactory(slug="victim", name="Victim Inc")
    owner = MembershipFactory(organization=organization, role=Role.OWNER)
    member = MembershipFactory(organization=organization, role=Role.MEMBER)
    with organization_scope(organization):
        project = ProjectFactory(organization=organization, slug="victim-project", lead=member)
        custom_field = CustomFieldFactory(
            project=project, name="Secret", key="secret", field_type=FieldType.TEXT
        )
        # More tasks than the attacker has, so that its numbers do not exist in the attacker's org.
        tasks = TaskFactory.create_batch(
            5, project=project, created_by=member.user, assignee=member
        )
        task = tasks[-1]
        comment = CommentFactory(task=task, author=member.user)
        invitation = InvitationFactory(organization=organization, invited_by=owner.user)
    return Victim(organization, owner, member, project, task, comment, invitation, custom_field)


@pytest.fixture
def world(organization, owner, admin, member, settings) -> World:
    settings.TANDEM_WRITE_LIMITS = {"free": 10**9, "pro": 10**9}
    victim = build_victim()
    with organization_scope(organization):
        project = ProjectFactory(
            organization=organization, name="Apollo", slug="apollo", created_by=member.user
        )
        archived = ProjectFactory(
            organization=organization,
            name="Old",
            slug="old",
            status=ProjectStatus.ARCHIVED,
            created_by=owner.user,
        )
        fields = {
            FieldType.TEXT: CustomFieldFactory(project=project, name="Colour", key="colour"),
            FieldType.NUMBER: CustomFieldFactory(
                project=project, name="Points", key="points", field_type=FieldType.NUMBER
            ),
            FieldType.DATE: CustomFieldFactory(
                project=project, name="Launch", key="launch", field_type=FieldType.DATE
            ),
            FieldType.CHOICE: CustomFieldFactory(
                project=project,
                name="Size",
                key="size",
                field_type=FieldType.CHOICE,
                options=["Small", "Large"],
            ),
        }
        task = TaskFactory(
            project=project, title="Write the copy", created_by=member.user, assignee=member
        )
        comment = CommentFactory(task=task, author=owner.user, body="Looks good.")
        invitation = InvitationFactory(organization=organization, invited_by=owner.user)
        deleted_task = TaskFactory(
            project=project, created_by=owner.user, deleted_at=timezone.now(), deleted_by=owner.user
        )
    world = World(
        organization=organization,
        owner=owner,
        admin=admin,
        member=member,
        project=project,
        archived_project=archived,
        fields=fields,
        task=task,
        comment=comment,
        invitation=invitation,
        deleted_task=deleted_task,
        victim=victim,
    )
    v = victim
    # The first few are also swept through every field (test_sharp_values_in_every_field).
    world.foreign_ids = [
        str(value)
        for value in (
            v.member.pk,
            v.project.pk,
            v.project.slug,
            v.owner.user_id,
            archived.pk,
            deleted_task.pk,
            v.task.number,
            v.task.pk,
            v.organization.pk,
            v.organization.slug,
            v.owner.pk,
            v.member.user_id,
            v.comment.pk,
            v.invitation.pk,
            v.invitation.token,
            v.custom_field.pk,
            "cf_" + v.custom_field.key,
            archived.slug,
            deleted_task.number,
            0,
            -1,
            2**31,
            2**63,
        )
    ]
    return world


def _is_tenant_model(model) -> bool:
    return any(f.name == "organization" for f in model._meta.concrete_fields)


def victim_rows(victim: Victim) -> dict[str, str]:
    """A fingerprint (md5 of every column of every row, per table) of what belongs to the victim
    organization: its own row, its tenant rows, its members' accounts and e-mail addresses.
    One query, so that it can run around every request."""
    quote = connection.ops.quote_name
    memberships = quote(Membership._meta.db_table)
    members = f"SELECT user_id FROM {memberships} WHERE organization_id = %s"  # noqa: S608
    users = f"{members} UNION SELECT %s"
    where = {
        Organization: ("t.id = %s", [victim.organization.pk]),
        User: (f"t.id IN ({users})", [victim.organization.pk, victim.invitation.invited_by_id]),
        EmailAddress: (
            f"t.user_id IN ({users})",
            [victim.organization.pk, victim.invitation.invited_by_id],
        ),
    }
    for model in apps.get_app_config("workspace").get_models():
        if _is_tenant_model(model):
            where[model] = ("t.organization_id = %s", [victim.organization.pk])
    parts, params = [], []
    for model, (condition, args) in where.items():
        # Only table names (from the models) are formatted in; values are parameters.
        digest = "md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), ''))"
        table = quote(model._meta.db_table)
        parts.append(f"SELECT %s, {digest} FROM {table} t WHERE {condition}")  # noqa: S608
        params += [model._meta.label, *args]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return dict(cursor.fetchall())


def cross_tenant_links() -> list[str]:
    """Rows pointing at a project, member or task of another organization than their own."""
    checks = []
    with all_tenants():
        for model in apps.get_app_config("workspace").get_models():
            for fk in model._meta.concrete_fields:
                if (
                    fk.is_relation
                    and fk.name != "organization"
                    and _is_tenant_model(fk.related_model)
                ):
                    checks.append(
                        model._base_manager.filter(organization__isnull=False)
                        .exclude(**{f"{fk.name}__isnull": True})
                        .exclude(organization=F(f"{fk.name}__organization"))
                        .values_list(Value(f"{model.__name__}.{fk.name}"), "pk")
                    )
        return [f"{link} of row {pk}" for link, pk in checks[0].union(*checks[1:], all=True)]


def test_the_guards_notice_cross_tenant_writes(world):
    """The checks every example ends with are not vacuous."""
    before = victim_rows(world.victim)
    assert cross_tenant_links() == []
    with all_tenants():
        Task.objects.filter(pk=world.victim.task.pk).update(title="Overwritten")
        Task.objects.filter(pk=world.task.pk).update(assignee=world.victim.member)

    assert victim_rows(world.victim)["workspace.Task"] != before["workspace.Task"]
    assert cross_tenant_links() == [f"Task.assignee of row {world.task.pk}"]


@pytest.mark.parametrize(
    "html",
    [
        "<p><xss-probe></p>",
        '<input value="" xss-attr="1">',
        "<div><img src=x onerror=alert(1)></div>",
        "<svg onload=alert(1)>",
        '<a href=" javascript:alert(1)">x</a>',
        "<script>alert(1)</script>",
    ],
)
def test_the_page_check_notices_injected_markup(html):
    response = HttpResponse(f"<!DOCTYPE html><html><body>{html}</body></html>")
    with pytest.raises(AssertionError):
        assert_safe(response, "test page")


def test_the_page_check_accepts_escaped_markup():
    escaped = escape('<xss-probe> "><img src=x onerror=alert(1)> <script>alert(1)</script>')
    response = HttpResponse(f'<p title="{escaped}">{escaped}</p><svg viewBox="0 0 1 1"></svg>')
    assert_safe(response, "test page")


# --- The registry ------------------------------------------------------------------------------

Values = Callable[[World], list]


@dataclass(frozen=True)
class Case:
    """One form (or one page reading query parameters).

    ``fields`` maps each field to the valid values it may also get (so that the other fields'
    hostile values reach the services and get stored); ``query`` does the same for parameters in
    the URL of a POST; ``always`` is data every request needs; ``pages`` are read afterwards to see
    how what was stored is rendered."""

    name: str
    method: str
    path: Callable[[World], str]
    fields: dict[str, Values] | Callable[[World], dict[str, Values]]
    query: dict[str, Values] = field(default_factory=dict)
    always: Callable[[World], dict] = lambda w: {}
    actors: tuple[str, ...] = ("owner", "member")
    pages: Callable[[World], list[str]] = lambda w: []
    examples: int = EXAMPLES

    def __str__(self) -> str:
        return self.name


def just(*values) -> Values:
    return lambda w: list(values)


TEXT = just("Plain words", "Ünïcødé ✓", "<xss-probe> & \"quotes\" 'too'")
STATUS = just(*TaskStatus.values)
PRIORITY = just(*(p.key for p in Priority))
FUTURE = just("2031-01-15", "")


TASK_FIELDS: dict[str, Values] = {
    "title": just("Write the launch post", "<script>alert(1)</script> title", '"><xss-probe>'),
    "project": lambda w: [w.project.pk],
    "description": TEXT,
    "status": STATUS,
    "priority": PRIORITY,
    "due_date": FUTURE,
    "assignee": lambda w: ["", w.member.pk, w.owner.pk],
    "cf_colour": TEXT,
    "cf_points": just("42", "-1.25", ""),
    "cf_launch": just("2031-01-01", ""),
    "cf_size": just("Small", "Large", ""),
    "cf_secret": TEXT,  # the other organization's field
}


def task_pages(w: World) -> list[str]:
    return [w.latest_task_url(), w.url("task-list")]


def detail_pages(w: World) -> list[str]:
    return [w.task_url("task-detail"), w.url("task-list")]


def inline_case(name: str, valid: Values) -> Case:
    return Case(
        f"task-inline-{name}",
        "post",
        lambda w: w.url("task-inline", number=w.task.number, field=name),
        {name: valid, "version": lambda w: [w.version()], "context": just("row", "detail")},
        pages=detail_pages,
    )


LIST_FILTERS = {
    "q": TEXT,
    "status": STATUS,
    "priority": PRIORITY,
    "assignee": lambda w: ["me", "none", w.member.pk],
    "project": lambda w: [w.project.pk],
    "due_after": just("2020-01-01"),
    "due_before": just("2031-12-31"),
    "sort": just("number", "-priority", "due_date", "-created_at"),
    "page": just("1", "2"),
    "per_page": just("25", "100"),
}

CASES = [
    # Tasks
    Case(
        "task-create",
        "post",
        lambda w: w.url("task-create"),
        TASK_FIELDS,
        pages=task_pages,
        examples=30,
    ),
    Case(
        "task-create-project-query",
        "post",
        lambda w: w.url("task-create"),
        {},
        query={"project": lambda w: [w.project.slug, w.project.pk]},
        always=lambda w: {"title": "Write the launch post", "project": w.project.pk},
        pages=task_pages,
    ),
    Case(
        "task-create-page",
        "get",
        lambda w: w.url("task-create"),
        {"project": lambda w: [w.project.slug, w.project.pk, ""], "assignee": just("me")},
    ),
    Case(
        "task-edit",
        "post",
        lambda w: w.task_url("task-edit"),
        {**TASK_FIELDS, "version": lambda w: [w.version(), ""]},
        pages=detail_pages,
        examples=30,
    ),
    inline_case("title", TASK_FIELDS["title"]),
    inline_case("status", STATUS),
    inline_case("priority", PRIORITY),
    inline_case("due_date", FUTURE),
    Case(
        "task-assign",
        "post",
        lambda w: w.task_url("task-assign"),
        {
            "assignee": lambda w: ["", "me", w.member.pk, w.admin.pk],
            "version": lambda w: [w.version()],
            "context": just("row", "detail"),
        },
        pages=detail_pages,
    ),
    Case(
        "task-inline-control",
        "get",
        lambda w: w.url("task-inline", number=w.task.number, field="status"),
        {"context": just("row", "detail")},
    ),
    Case(
        "task-assign-control",
        "get",
        lambda w: w.task_url("task-assign"),
        {"context": just("row", "detail")},
    ),
    Case(
        "task-inline-next",
        "post",
        lambda w: w.url("task-inline", number=w.task.number, field="status"),
        {"next": lambda w: [w.url("task-list")]},
        query={"next": lambda w: [w.url("task-list")]},
        always=lambda w: {"status": "in_progress", "version": w.version()},
        pages=detail_pages,
    ),
    Case(
        "comment-create",
        "post",
        lambda w: w.task_url("comment-create"),
        {"body": TEXT},
        pages=lambda w: [w.task_url("task-detail")],
    ),
    Case(
        "comment-edit",
        "post",
        lambda w: w.url("comment-edit", number=w.task.number, pk=w.comment.pk),
        {"body": TEXT},
        actors=("owner",),
        pages=lambda w: [w.task_url("task-detail")],
    ),
    Case(
        "comment-edit-page",
        "get",
        lambda w: w.url("comment-edit", number=w.task.number, pk=w.comment.pk),
        {"cancel": just("1")},
        actors=("owner",),
    ),
    # Filters and query strings
    Case("task-list", "get", lambda w: w.url("task-list"), LIST_FILTERS, examples=30),
    Case("task-list-mine", "get", lambda w: w.url("task-list-mine"), LIST_FILTERS),
    Case("task-list-overdue", "get", lambda w: w.url("task-list-overdue"), LIST_FILTERS),
    Case(
        "project-detail",
        "get",
        lambda w: w.url("project-detail", project_slug=w.project.slug),
        LIST_FILTERS,
    ),
    Case(
        "activity",
        "get",
        lambda w: w.url("activity"),
        {
            "actor": lambda w: [w.owner.user_id],
            "action": just("created", "updated"),
            "object_type": just("task", "project"),
            "date_after": just("2020-01-01"),
            "date_before": just("2031-01-01"),
            "page": just("1"),
            "export": just("csv", ""),
        },
        actors=("owner",),
    ),
    # Projects and custom fields
    Case(
        "project-create",
        "post",
        lambda w: w.url("project-create"),
        {"name": TEXT, "description": TEXT, "lead": lambda w: ["", w.member.pk]},
        pages=lambda w: [w.url("project-list")],
    ),
    Case(
        "project-edit",
        "post",
        lambda w: w.url("project-edit", project_slug=w.project.slug),
        {"name": TEXT, "description": TEXT, "lead": lambda w: ["", w.member.pk]},
        pages=lambda w: [w.url("project-list"), w.url("project-detail", project_slug="apollo")],
    ),
    Case(
        "project-archive",
        "post",
        lambda w: w.url("project-archive", project_slug=w.project.slug),
        {"archived": just("1", "0")},
        pages=lambda w: [w.url("project-list")],
    ),
    Case(
        "project-fields",
        "post",
        lambda w: w.url("project-fields", project_slug=w.project.slug),
        {
            "name": TEXT,
            "field_type": just(*FieldType.values),
            "options": just("Red\nGreen", '<xss-probe>\n"><img src=x onerror=alert(1)>'),
            "required": just("on", ""),
        },
        pages=lambda w: [
            w.url("project-fields", project_slug="apollo"),
            w.url("task-create") + "?project=apollo",
            w.task_url("task-edit"),
        ],
    ),
    # Organization, members, invitations
    Case(
        "org-settings",
        "post",
        lambda w: w.url("org-settings"),
        {
            "form": just("name", "slug"),
            "name": TEXT,
            "slug": just("acme-2", "ACME-corp"),
        },
        actors=("owner", "admin"),
        pages=lambda w: [reverse("web:home")],
    ),
    Case(
        "member-role",
        "post",
        lambda w: w.url("member-role", pk=w.member.pk),
        lambda w: {f"m{w.member.pk}-role": just(*Role.values)},
        actors=("owner", "admin"),
        pages=lambda w: [w.url("member-list")],
    ),
    Case(
        "invitation-create",
        "post",
        lambda w: w.url("invitation-create"),
        {"email": just("new.person@example.com"), "role": just(*Role.values)},
        actors=("owner", "admin"),
        pages=lambda w: [w.url("member-list")],
    ),
    Case(
        "org-create",
        "post",
        lambda w: reverse("web:org-create"),
        {"name": TEXT},
        actors=("member",),
        pages=lambda w: [reverse("web:home")],
    ),
    Case(
        "profile",
        "post",
        lambda w: reverse("web:profile"),
        {
            "form": just("name", "email"),
            "name": TEXT,
            "notify_by_email": just("on", ""),
            "receive_digest": just("on", ""),
        },
        pages=lambda w: [reverse("web:profile"), w.url("member-list"), w.task_url("task-detail")],
    ),
    # Account lifecycle
    Case(
        "org-delete",
        "post",
        lambda w: w.url("org-delete"),
        {"confirmation": lambda w: [w.owner.organization.name, "Plain words", "<xss-probe>"]},
        actors=("owner",),
    ),
    Case("org-export", "post", lambda w: w.url("org-export"), {}, actors=("owner",)),
    Case(
        "account-delete",
        "post",
        lambda w: reverse("web:account-delete"),
        {"password": just("correct-horse-battery-staple", "wrong", "")},
        actors=("owner", "member"),
    ),
]

# Free-text URL segments (``<str:...>`` converters): the hostile value goes into the path.
PATH_CASES = [
    Case("invitation-token", "get", lambda w: "/invitations/{}/", {}),
    Case("invitation-token-post", "post", lambda w: "/invitations/{}/", {}),
    Case("unsubscribe-token", "get", lambda w: "/unsubscribe/{}/", {}),
    Case("unsubscribe-token-post", "post", lambda w: "/unsubscribe/{}/", {}),
    Case(
        "inline-field-name",
        "post",
        lambda w: w.url("task-detail", number=w.task.number) + "inline/{}/",
        {},
    ),
    Case("confirm-email-key", "get", lambda w: "/accounts/confirm-email/{}/", {}),
    Case("confirm-email-key-post", "post", lambda w: "/accounts/confirm-email/{}/", {}),
    Case("password-reset-key", "get", lambda w: "/accounts/password/reset/key/1-{}/", {}),
    Case(
        "trash-kind",
        "post",
        lambda w: w.url("trash") + "{}/" + f"{w.deleted_task.pk}/restore/",
        {},
    ),
    Case("export-token", "get", lambda w: w.url("org-export") + "{}/", {}),
]

# allauth's forms: signed out (sign-up, sign-in, reset), then signed in.
ACCOUNT_CASES = [
    Case(
        "signup",
        "post",
        lambda w: reverse("account_signup"),
        {
            "name": TEXT,
            "email": just("grace@example.com", "Grace+1@Example.com"),
            "password1": just("a-long-enough-passphrase"),
            "password2": just("a-long-enough-passphrase"),
        },
        actors=("anonymous",),
    ),
    Case(
        "login",
        "post",
        lambda w: reverse("account_login"),
        {
            "login": lambda w: [w.owner.user.email, "nobody@example.com"],
            "password": just("correct-horse-battery-staple", "wrong"),
            "remember": just("on", ""),
        },
        query={"next": lambda w: [w.url("task-list")]},
        actors=("anonymous",),
    ),
    Case(
        "password-reset",
        "post",
        lambda w: reverse("account_reset_password"),
        {"email": lambda w: [w.owner.user.email, "nobody@example.com"]},
        actors=("anonymous",),
    ),
    # Signed in: e-mail addresses, password change, re-authentication.
    Case(
        "account-email",
        "post",
        lambda w: reverse("account_email"),
        {
            "email": lambda w: ["second@example.com", w.owner.user.email],
            "action_add": just(""),
            "action_primary": just(""),
            "action_remove": just(""),
            "action_send": just(""),
        },
        actors=("owner",),
    ),
    Case(
        "password-change",
        "post",
        lambda w: reverse("account_change_password"),
        {
            "oldpassword": just("correct-horse-battery-staple"),
            "password1": just("another-long-passphrase"),
            "password2": just("another-long-passphrase"),
        },
        actors=("owner",),
    ),
    Case(
        "reauthenticate",
        "post",
        lambda w: reverse("account_reauthenticate"),
        {"password": just("correct-horse-battery-staple", "wrong")},
        query={"next": lambda w: [w.url("task-list")]},
        actors=("owner",),
    ),
]


# --- Running an example ------------------------------------------------------------------------


def draw_form(data, world: World, fields: dict[str, Values]) -> dict:
    """A few fields (sometimes all) get hostile values, the others valid ones."""
    names = sorted(fields)
    if not names:
        return {}
    hostile_names = data.draw(
        st.one_of(
            st.sets(st.sampled_from(names), min_size=1, max_size=min(3, len(names))),
            st.just(set(names)),
        ),
        label="hostile fields",
    )
    values = {}
    for name in names:
        if name in hostile_names:
            value = data.draw(hostile(world), label=name)
        else:
            value = data.draw(st.sampled_from(fields[name](world)), label=name)
        if value is not OMIT:
            values[name] = materialize(value)
    return values


class Runner:
    """Sends one case's generated requests. The actors sign in once (their sessions are made
    outside the examples' savepoints); the other organization's rows are read once: every
    example is rolled back, so they must look exactly like this after each one."""

    def __init__(self, client, world: World, case: Case):
        self.client, self.world, self.case = client, world, case
        self.sessions = {}
        for actor in case.actors:
            if actor != "anonymous":
                client.cookies = SimpleCookie()  # a new session, not a switch of this one
                client.force_login(getattr(world, actor).user)
                self.sessions[actor] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        for actor in self.sessions:
            self.sign_in(actor)
            assert client.get(reverse("web:profile")).status_code == 200, f"{actor} signed out"
        self.victim_before = victim_rows(world.victim)

    def sign_in(self, actor: str) -> None:
        self.client.cookies = SimpleCookie()
        if actor != "anonymous":
            self.client.cookies[django_settings.SESSION_COOKIE_NAME] = self.sessions[actor]

    def example(self, data, *, path: str | None = None) -> None:
        """One generated request: a few fields (sometimes all) hostile, the others valid."""
        actor = data.draw(st.sampled_from(self.case.actors), label="actor")
        htmx = data.draw(st.booleans(), label="htmx")
        query = draw_form(data, self.world, self.case.query)
        form = draw_form(data, self.world, self.fields())
        self.send(actor, htmx, path or self.case.path(self.world), query, form)

    def fields(self) -> dict[str, Values]:
        fields = self.case.fields
        return fields(self.world) if callable(fields) else fields

    def send(self, actor: str, htmx: bool, path: str, query: dict, form: dict) -> None:
        client, world, case = self.client, self.world, self.case
        cache.clear()  # sessions are read from the database again; rate limits start again
        with transaction.atomic():
            self.sign_in(actor)
            headers = HTMX if htmx else {}
            path = path + (f"?{urlencode(query, doseq=True)}" if query else "")
            if case.method == "get":
                response = client.get(path, form, **headers)
            else:
                response = client.post(path, {**form, **case.always(world)}, **headers)
            assert_safe(response, f"{case.method.upper()} {path[:200]}")
            # Refused input (4xx) stored nothing: only after a write are the pages read again.
            for page in case.pages(world) if response.status_code < 400 else ():
                assert_safe(client.get(page, follow=True), f"GET {page} after {case.name}")
            assert victim_rows(world.victim) == self.victim_before, "the other org's rows changed"
            assert cross_tenant_links() == []
            transaction.set_rollback(True)

    def explore(self, example: Callable | None = None) -> None:
        """Run ``example(data)`` (default: ``self.example``) for ``case.examples`` examples.

        Failures are not shrunk: every example is a few HTTP requests, and shrinking one
        failure would take minutes. The drawn values are printed with the failure instead."""

        @hypothesis_settings(
            max_examples=self.case.examples,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            derandomize=True,  # the same examples on every run: a failure is reproducible
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(data=st.data())
        def run(data):
            (example or self.example)(data)

        run()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_form_fields_survive_hostile_input(client, world, case):
    """Every field of every form, and every query parameter, with hostile values."""
    Runner(client, world, case).explore()


# The sharpest values, each sent in every field of every form at once (and in its query
# parameters), as the owner, so that each of them is tried everywhere on every run.
SHARP = (
    "\x00",
    "a\x00b",
    "²",
    "\u0661\u0662",  # Arabic-Indic digits
    "\uff11\uff12",  # full-width digits
    "-14814",
    "2147483648",
    "9223372036854775808",
    "1e309",
    "NaN",
    "2026-02-30",
    "99999-01-01",
    "0001-01-01",
    "9999-12-31",
    "",
    "   ",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '" xss-attr="1',
    "</textarea><xss-probe>",
    "' OR 1=1 --",
    Long("x", 10_000),
    Long("9", 5_000),
)


@pytest.mark.parametrize("case", CASES + ACCOUNT_CASES, ids=str)
def test_sharp_values_in_every_field(client, world, case):
    """Every value of ``SHARP`` (and the other organization's ids) in all fields at once. All
    failures of a case are reported together."""
    runner = Runner(client, world, case)
    actor = case.actors[0]
    failures = []
    for i, value in enumerate([*SHARP, *world.foreign_ids[:6]]):
        sent = materialize(value)
        query = dict.fromkeys(case.query, sent)
        form = dict.fromkeys(runner.fields(), sent)
        htmx = i % 2 == 1  # pages and htmx fragments, alternately
        try:
            runner.send(actor, htmx, case.path(world), query, form)
        except Exception as error:  # noqa: BLE001 - collect them all, then fail
            failures.append(f"{value!r} (htmx={htmx}): {type(error).__name__}: {error}"[:300])
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("case", PATH_CASES, ids=str)
def test_sharp_values_in_every_url_segment(client, world, case):
    """Every value of ``SHARP`` (and the other organization's ids) as the free-text segment."""
    runner = Runner(client, world, case)
    failures = []
    for i, value in enumerate([*SHARP, *world.foreign_ids[:6]]):
        segment = materialize(value).replace("/", "") or "-"
        path = case.path(world).format(quote(segment, safe=""))
        try:
            runner.send(case.actors[0], i % 2 == 1, path, {}, {})
        except Exception as error:  # noqa: BLE001 - collect them all, then fail
            failures.append(f"{value!r}: {type(error).__name__}: {error}"[:300])
    assert not failures, "\n".join(failures)


def hostile_segment(world: World) -> st.SearchStrategy[str]:
    values = st.one_of(
        st.sampled_from(FIXED), st.sampled_from(world.foreign_ids), st.text(max_size=40)
    )
    return values.map(lambda value: value.replace("/", "")).filter(bool)


@pytest.mark.parametrize("case", PATH_CASES, ids=str)
def test_url_segments_survive_hostile_input(client, world, case):
    """Free-text URL segments (tokens, field names, kinds) with hostile values."""
    runner = Runner(client, world, case)

    def example(data):
        segment = data.draw(hostile_segment(world), label="segment")
        runner.example(data, path=case.path(world).format(quote(segment, safe="")))

    runner.explore(example)


@pytest.mark.parametrize("case", ACCOUNT_CASES, ids=str)
def test_account_forms_survive_hostile_input(client, world, case, mailoutbox):
    """allauth's forms: sign-up, sign-in, password reset, e-mail addresses, password change
    (rate limits are reset for every example)."""
    Runner(client, world, case).explore()


# --- Stored markup is shown as text ------------------------------------------------------------

PROBE = '<xss-probe data-x="1">'
ESCAPED_PROBE = "&lt;xss-probe data-x=&quot;1&quot;&gt;"
# Markdown (comments, descriptions) comes out of the HTML sanitizer, which escapes text as HTML
# serializers do: <, > and & only (a quote in a text node is plain text).
MARKDOWN_ESCAPED_PROBE = '&lt;xss-probe data-x="1"&gt;'


@dataclass(frozen=True)
class Stored:
    """A form that stores ``PROBE`` and the pages that must show it, escaped."""

    name: str
    path: Callable[[World], str]
    data: Callable[[World], dict]
    pages: Callable[[World], list[str]]
    shown_as: str = ESCAPED_PROBE

    def __str__(self) -> str:
        return self.name


def new_task(w: World, **data) -> dict:
    return {
        "title": "Write the launch post",
        "project": w.project.pk,
        "status": "todo",
        "priority": "medium",
        "assignee": w.owner.pk,
        **data,
    }


def new_task_pages(w: World) -> list[str]:
    return [
        w.latest_task_url(),
        w.url("task-list"),
        w.url("project-detail", project_slug="apollo"),
        w.url("org-home"),
        w.url("activity"),
    ]


def project_pages(w: World) -> list[str]:
    return [w.url("project-list"), w.url("task-list"), w.url("task-create")]


def field_pages(w: World) -> list[str]:
    return [
        w.url("project-fields", project_slug="apollo"),
        w.url("task-create") + "?project=apollo",
        w.task_url("task-edit"),
    ]


STORED = [
    Stored(
        "task-title",
        lambda w: w.url("task-create"),
        lambda w: new_task(w, title=PROBE),
        new_task_pages,
    ),
    Stored(
        "task-description",
        lambda w: w.url("task-create"),
        lambda w: new_task(w, description=PROBE),
        lambda w: [w.latest_task_url()],
        MARKDOWN_ESCAPED_PROBE,
    ),
    Stored(
        "task-custom-text",
        lambda w: w.url("task-create"),
        lambda w: new_task(w, cf_colour=PROBE),
        lambda w: [w.latest_task_url()],
    ),
    Stored(
        "comment-body",
        lambda w: w.task_url("comment-create"),
        lambda w: {"body": PROBE},
        lambda w: [w.task_url("task-detail")],
        MARKDOWN_ESCAPED_PROBE,
    ),
    Stored(
        "project-name",
        lambda w: w.url("project-create"),
        lambda w: {"name": PROBE, "description": "", "lead": ""},
        project_pages,
    ),
    Stored(
        "project-description",
        lambda w: w.url("project-edit", project_slug="apollo"),
        lambda w: {"name": "Apollo", "description": PROBE, "lead": ""},
        lambda w: [w.url("project-detail", project_slug="apollo")],
    ),
    Stored(
        "custom-field-name",
        lambda w: w.url("project-fields", project_slug="apollo"),
        lambda w: {"name": PROBE, "field_type": "text", "options": ""},
        field_pages,
    ),
    Stored(
        "custom-field-option",
        lambda w: w.url("project-fields", project_slug="apollo"),
        lambda w: {"name": "Flavour", "field_type": "choice", "options": f"Plain\n{PROBE}"},
        field_pages,
    ),
    Stored(
        "organization-name",
        lambda w: w.url("org-settings"),
        lambda w: {"form": "name", "name": PROBE},
        lambda w: [w.url("org-home"), w.url("org-settings"), w.url("member-list")],
    ),
    Stored(
        "profile-name",
        lambda w: reverse("web:profile"),
        lambda w: {"form": "name", "name": PROBE},
        lambda w: [
            reverse("web:profile"),
            w.url("member-list"),
            w.url("org-home"),
            w.url("task-list"),
            w.task_url("task-detail"),
            w.url("task-create"),
            w.url("project-edit", project_slug="apollo"),
            w.url("activity"),
        ],
    ),
]


@pytest.mark.parametrize("stored", STORED, ids=str)
def test_stored_markup_is_rendered_as_text(client, world, stored):
    """What one member stores is shown to everybody as text: escaped on every page showing it."""
    client.force_login(world.owner.user)

    response = client.post(stored.path(world), stored.data(world))

    assert response.status_code == 302, f"{stored.name} was not stored"
    for page in stored.pages(world):
        response = client.get(page, follow=True)
        assert_safe(response, f"GET {page}")
        shown = response.content.decode()
        assert stored.shown_as in shown, f"{page} does not show {stored.name}"
