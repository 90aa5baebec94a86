"""Issue 20: the look is design tokens. Templates and scripts never name the accent's palette
colour (so changing --color-accent is a one-line change), the token is defined once, and each
person's theme (system, light, dark) is drawn on <html> by the server, before any script runs."""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Theme
from accounts.services import user_set_theme
from workspace.tenancy import organization_scope
from workspace.tests.factories import ProjectFactory, TaskFactory

BASE = Path(settings.BASE_DIR)
CSS = BASE / "static" / "src" / "tandem.css"
# The accent's palette (and the old "brand" alias of it) as Tailwind classes.
ACCENT_CLASS = re.compile(
    r"(?<![\w-])(?:[a-z-]+:)*(?:bg|text|border|ring|outline|divide|fill|stroke|from|to|via|"
    r"decoration|accent|caret|shadow)-(?:indigo|brand|violet)-\d{2,3}\b"
)
TOKEN = re.compile(r"^\s*--color-accent\s*:", re.M)


def sources():
    yield from (BASE / "templates").rglob("*.html")
    yield from (BASE / "static" / "js").rglob("*.js")
    for app in ("web", "accounts", "workspace"):
        yield from (p for p in (BASE / app).rglob("*.py") if "tests" not in p.parts)


def test_the_scanner_finds_a_hard_coded_accent():
    for snippet in ('class="bg-indigo-600"', 'class="hover:text-brand-700"', "ring-violet-500"):
        assert ACCENT_CLASS.search(snippet), snippet
    for snippet in ('class="bg-accent"', 'class="text-accent-strong"', "indigo"):
        assert not ACCENT_CLASS.search(snippet), snippet


def test_no_template_script_or_python_hard_codes_the_accent():
    found = [
        f"{path.relative_to(BASE)}: {match.group(0)}"
        for path in sources()
        for match in ACCENT_CLASS.finditer(path.read_text())
    ]
    assert found == []


# Neutral palette colours: pages use the surface, text and border tokens instead (they change
# with the theme; a literal bg-white stays white in the dark theme).
NEUTRAL_CLASS = re.compile(
    r"(?<![\w-])(?:[a-z-]+:)*(?:bg|text|border|ring|divide)-"
    r"(?:slate|gray|zinc|neutral|stone|white|black)(?:-\d{2,3})?(?:/\d+)?(?![\w-])"
)


def test_pages_use_theme_tokens_not_neutral_palette_colours():
    emails = (BASE / "templates" / "email", BASE / "templates" / "account" / "email")
    found = [
        f"{path.relative_to(BASE)}: {match.group(0)}"
        for path in (BASE / "templates").rglob("*.html")
        if not any(path.is_relative_to(folder) for folder in emails)
        for match in NEUTRAL_CLASS.finditer(path.read_text())
    ]
    assert found == []
    assert NEUTRAL_CLASS.search('class="hover:bg-slate-100"')
    assert NEUTRAL_CLASS.search('class="bg-white p-2"')
    assert not NEUTRAL_CLASS.search('class="bg-surface-raised text-text-muted"')


def test_the_accent_is_one_token_that_the_components_use():
    css = CSS.read_text()
    assert len(TOKEN.findall(css)) == 1
    assert "var(--color-accent)" in css  # its shades are mixed from it
    # The components use the token, not a palette colour.
    components = css[css.index("@utility btn") :]
    # (A label may be coloured indigo: that is the label's colour, not the accent.)
    components = re.sub(r"\.chip\.c-indigo \{[^}]*\}", "", components)
    assert not ACCENT_CLASS.search(components)
    built = (BASE / "static" / "build" / "tandem.css").read_text()
    rule = re.search(r"\.btn-primary\{background-color:([^;}]+)", built)
    assert rule
    assert rule.group(1) == "var(--color-accent)"


def html_theme(response) -> tuple[str, str]:
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    return soup.html["data-theme"], soup.find("meta", attrs={"name": "color-scheme"})["content"]


@pytest.mark.django_db
def test_anonymous_pages_follow_the_system(client):
    assert html_theme(client.get(reverse("account_login"))) == ("system", "light dark")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("theme", "expected"),
    [
        ("system", ("system", "light dark")),
        ("light", ("light", "light")),
        ("dark", ("dark", "dark")),
    ],
)
def test_a_person_s_theme_is_drawn_on_html(user_client, user, theme, expected):
    user_set_theme(user=user, theme=theme)
    assert html_theme(user_client.get(reverse("web:profile"))) == expected
    # Error pages too.
    assert html_theme(user_client.get("/o/no-such-org/"))[0] == theme


@pytest.mark.django_db
def test_the_theme_is_system_by_default(user):
    assert user.theme == Theme.SYSTEM


@pytest.mark.django_db
def test_the_service_refuses_an_unknown_theme(user):
    with pytest.raises(ValidationError):
        user_set_theme(user=user, theme="neon")
    user.refresh_from_db()
    assert user.theme == Theme.SYSTEM


@pytest.mark.django_db
def test_the_profile_saves_the_theme(user_client, user):
    response = user_client.post(reverse("web:profile"), {"form": "theme", "theme": "dark"})
    assert response.status_code == 302
    assert response["Location"].endswith("#appearance")
    user.refresh_from_db()
    assert user.theme == Theme.DARK
    page = user_client.get(reverse("web:profile"))
    soup = BeautifulSoup(page.content.decode(), "html.parser")
    assert soup.select_one("input[name=theme][value=dark]").has_attr("checked")


@pytest.mark.django_db
def test_the_profile_refuses_an_unknown_theme_with_a_message(user_client, user):
    response = user_client.post(reverse("web:profile"), {"form": "theme", "theme": "neon"})
    assert response.status_code == 422
    assert b"Select a valid choice" in response.content
    user.refresh_from_db()
    assert user.theme == Theme.SYSTEM


@pytest.mark.django_db
def test_the_theme_action_goes_back_to_the_page_it_was_made_on(user_client, user):
    url = reverse("web:theme")
    response = user_client.post(url, {"theme": "light"}, HTTP_REFERER="http://testserver/o/x/")
    assert response.status_code == 302
    assert response["Location"] == "http://testserver/o/x/"
    user.refresh_from_db()
    assert user.theme == Theme.LIGHT
    # Never to another site; a bad choice changes nothing and says so.
    response = user_client.post(url, {"theme": "neon"}, HTTP_REFERER="https://evil.example/")
    assert response["Location"] == reverse("web:profile")
    user.refresh_from_db()
    assert user.theme == Theme.LIGHT
    assert user_client.get(url).status_code == 405


@pytest.mark.django_db
def test_the_theme_action_needs_sign_in(client):
    response = client.post(reverse("web:theme"), {"theme": "dark"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- First run: a new organization's pages say what to do next ---------------------------------
def empty_state(response):
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    box = soup.select_one("[data-testid=empty-state]")
    if box is None:
        return None
    actions = box.select("a.btn-primary")
    assert len(actions) == 1  # one primary action
    return box.h2.get_text(strip=True), actions[0].get_text(strip=True), actions[0]["href"]


@pytest.mark.django_db
def test_a_new_organization_says_what_to_do_next(client, member):
    client.force_login(member.user)
    slug = member.organization.slug
    new_task = f"/o/{slug}/tasks/new/"
    assert empty_state(client.get(f"/o/{slug}/")) == (
        "No tasks yet",
        "Create the first task",
        new_task,
    )
    assert empty_state(client.get(f"/o/{slug}/tasks/")) == (
        "No tasks here yet",
        "Create the first task",
        new_task,
    )
    assert empty_state(client.get(f"/o/{slug}/board/")) == (
        "Nothing on the board yet",
        "Create a task",
        new_task,
    )
    assert empty_state(client.get(f"/o/{slug}/inbox/")) == (
        "No notifications yet",
        "See my tasks",
        f"/o/{slug}/tasks/mine/",
    )
    # With tasks, or with filters that match none, the pages show what there is instead.
    with organization_scope(member.organization):
        TaskFactory(project=ProjectFactory(organization=member.organization), title="Ship it")
    assert empty_state(client.get(f"/o/{slug}/")) is None
    assert empty_state(client.get(f"/o/{slug}/board/")) is None
    assert empty_state(client.get(f"/o/{slug}/tasks/", {"q": "nothing like this"})) is None
