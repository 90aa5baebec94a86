"""The Content-Security-Policy allows no inline script, no inline style and no eval. Scan every
template (e-mails aside: they are not served as pages and need inline styles) and every string in
the Python code under web/ that builds HTML, and the pages allauth renders from its own
templates, for anything the policy would block."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

BASE = Path(settings.BASE_DIR)
TEMPLATES = BASE / "templates"
WEB = BASE / "web"
EXEMPT = (TEMPLATES / "email", TEMPLATES / "account" / "email")  # e-mails, never served

# An attribute starts after whitespace, or right after a template tag ({% if %}style=...).
_ATTRIBUTE_START = r"(?:^|(?<=\s)|(?<=%\}))"
RULES: dict[str, re.Pattern] = {
    "inline <script> (no src=)": re.compile(r"<script\b(?![^>]*(?<![\w-])src\s*=)[^>]*>", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "on* event handler attribute": re.compile(_ATTRIBUTE_START + r"on[a-z]+\s*=", re.I),
    "style= attribute": re.compile(_ATTRIBUTE_START + r"style\s*=", re.I),
    "javascript: URL": re.compile(r"javascript\s*:", re.I),
    # htmx evaluates these with eval(), which the policy (and htmx-config allowEval) forbids.
    "hx-on attribute": re.compile(r"(?:data-)?hx-on[:\-]", re.I),
    "hx-vars attribute": re.compile(r"(?:data-)?hx-vars\s*=", re.I),
    "js: in hx-vals": re.compile(r"hx-vals\s*=\s*[\"']\s*(?:js|javascript)\s*:", re.I),
}


def violations(text: str) -> list[str]:
    found = []
    for rule, pattern in RULES.items():
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"line {line}: {rule}: {match.group(0).strip()!r}")
    return found


# --- The scanner itself -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="module">import x from "/x.js"</script>',
        '<SCRIPT defer data-src="x.js">',
        "<style>p { color: red }</style>",
        '<button onclick="go()">',
        "<img src=x onerror = 'x()'>",
        '<body\n      onload="init()">',
        '<p {% if x %}class="a"{% endif %} ONMOUSEOVER="x()">',
        '<div {% if hidden %}style="display:none"{% endif %}>',
        '<p style="color:red">',
        '<div class="a"\n     style = "x">',
        '<a href="javascript:void(0)">',
        '<a href="JavaScript :alert(1)">',
        '<button hx-on:click="x()">',
        '<form hx-on::after-request="this.reset()">',
        '<div data-hx-on-click="x()">',
        "<div hx-vars='a:1'>",
        "<div hx-vals='js:{a: b()}'>",
    ],
)
def test_the_scanner_catches(snippet):
    assert violations(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        "<script src=\"{% static 'js/tandem.js' %}\" defer></script>",
        '<script defer src="/static/vendor/htmx.min.js"></script>',
        "<p>Finish onboarding and online setup</p>",
        '<a href="/tasks/?ordering=due&amp;only=1">',
        '<input name="option" value="on">',
        '<p class="hover:bg-slate-100 focus:outline-none">',
        '<link rel="stylesheet" href="/static/build/tandem.css">',
        '<div data-toast role="alert" hx-swap="outerHTML" hx-vals=\'{"done": "1"}\'>',
        '<div hx-trigger="task-changed from:body">',
        "<p>The style guide and the person=creator setting.</p>",
    ],
)
def test_the_scanner_lets_through(snippet):
    assert violations(snippet) == []


# --- Templates ----------------------------------------------------------------------------------
def served_templates() -> list[Path]:
    return sorted(
        path
        for path in TEMPLATES.rglob("*")
        if path.is_file() and not any(path.is_relative_to(e) for e in EXEMPT)
    )


def test_there_are_templates_to_scan():
    names = {path.relative_to(TEMPLATES).as_posix() for path in served_templates()}

    assert {"base.html", "404.html", "500.html", "web/task_list.html"} <= names
    assert not any(name.startswith("email/") for name in names)


@pytest.mark.parametrize(
    "path", served_templates(), ids=lambda p: p.relative_to(TEMPLATES).as_posix()
)
def test_template_has_nothing_the_csp_blocks(path):
    assert violations(path.read_text()) == []


# --- Python that builds HTML --------------------------------------------------------------------
def python_sources() -> list[Path]:
    return sorted(p for p in WEB.rglob("*.py") if "tests" not in p.relative_to(WEB).parts)


def _attrs_values(tree: ast.AST):
    """The values of ``attrs=...`` arguments and ``attrs = ...`` assignments (django-tables2
    columns and Meta, form widgets): their dict keys are rendered as HTML attributes."""
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword):
            names = [node.arg or ""]
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        else:
            continue
        if any(name.endswith("attrs") for name in names):
            yield node.value


def html_strings(source: str) -> list[str]:
    """Every string literal of a module (f-string pieces included), plus each key of an attrs
    dict written as the attribute it becomes (``{"style": ...}`` -> ``style=``)."""
    tree = ast.parse(source)
    strings = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    for value in _attrs_values(tree):
        for node in ast.walk(value):
            if isinstance(node, ast.Dict):
                strings.extend(
                    f"{key.value}="
                    for key in node.keys
                    if isinstance(key, ast.Constant) and isinstance(key.value, str)
                )
    return strings


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("html = format_html('<td style=\"color: {}\">', c)", True),
        ('Column(attrs={"td": {"onclick": "go()"}})', True),
        ('class Meta:\n    attrs = {"th": {"style": "width: 2rem"}}', True),
        ('forms.TextInput(attrs={"class": "input", "onchange": "x()"})', True),
        ('STEPS = {"onboarding": 1, "online": 2}', False),
        ('Column(attrs={"td": {"class": "cell", "data-id": "1"}})', False),
    ],
)
def test_the_python_scan(source, caught):
    found = [v for s in html_strings(source) for v in violations(s)]

    assert bool(found) is caught


def test_the_python_scan_covers_the_html_builders():
    names = {path.relative_to(WEB).as_posix() for path in python_sources()}

    assert {"tables/tasks.py", "tables/audit.py", "views/tasks.py"} <= names


@pytest.mark.parametrize("path", python_sources(), ids=lambda p: p.relative_to(WEB).as_posix())
def test_python_html_has_nothing_the_csp_blocks(path):
    found = {s: violations(s) for s in html_strings(path.read_text())}

    assert {s: v for s, v in found.items() if v} == {}


# --- Pages rendered from templates outside templates/ -------------------------------------------
def _executable_inline_scripts(html: str) -> list[str]:
    """Inline scripts a browser would run (JSON data blocks are not run)."""
    scripts = re.findall(r"<script\b(?![^>]*(?<![\w-])src\s*=)[^>]*>", html, re.I)
    return [s for s in scripts if not re.search(r"type\s*=\s*[\"']application/json", s, re.I)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "signed_in"),
    [
        ("account_login", False),
        ("account_signup", False),
        ("account_reset_password", False),
        ("account_email", True),
        ("account_change_password", True),
        ("account_reauthenticate", True),
        ("web:profile", True),
        ("web:org-create", True),
    ],
)
def test_rendered_pages_have_nothing_the_csp_blocks(client, user, name, signed_in):
    """allauth's own page templates live in its package; check what they render."""
    if signed_in:
        client.force_login(user)

    response = client.get(reverse(name))

    assert response.status_code == 200
    html = response.content.decode()
    assert _executable_inline_scripts(html) == []
    found = [
        v
        for v in violations(html)
        if not v.split(": ", 2)[1].startswith("inline <script>")  # checked above
    ]
    assert found == []
