"""Issue 20's acceptance: the main pages in the light and the dark theme, on a phone (390 px)
and a wide screen (1440 px), scroll no wider than the window, pass axe's contrast check (and
every serious or critical rule), and break no rule of the Content-Security-Policy. Each page's
screenshot is saved under screenshots/ (git-ignored) for a person to look at."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Theme
from accounts.tests.factories import DEFAULT_PASSWORD
from e2e.conftest import htmx_settled, sign_in
from e2e.test_accessibility import AXE, EXTRA, RULES
from workspace.models import Role
from workspace.services.comments import comment_create
from workspace.services.tasks import task_delete
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    InvitationFactory,
    MembershipFactory,
    ProjectFactory,
    TaskFactory,
)

SHOTS = Path(settings.BASE_DIR) / "screenshots"
WIDTHS = (390, 1440)
THEMES = ("light", "dark")
# Collects CSP violations from the first moment of every document (Playwright's init scripts are
# not subject to the page's policy).
CSP_LISTENER = (
    "window.__cspViolations = [];"
    "document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push("
    "e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' "
    "+ e.lineNumber));"
)


def axe_problems(page) -> list[dict]:
    page.evaluate(AXE.read_text())
    results = page.evaluate(
        f"async () => (await axe.run(document, {{runOnly: {RULES}, rules: {EXTRA}}}))"
        ".violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ' ' + (n.any[0] ? n.any[0].message : ''))"
        ".slice(0, 3)}))"
    )
    return [v for v in results if v["impact"] in ("serious", "critical") or "contrast" in v["id"]]


def problems_on(page, url: str, name: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    found = []
    width = page.evaluate("document.scrollingElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    if width > inner:
        wide = page.evaluate(
            "() => [...document.querySelectorAll('body *')].filter(e => "
            "e.getBoundingClientRect().right > window.innerWidth + 1 && "
            "getComputedStyle(e).position !== 'fixed').slice(-3).map(e => e.tagName + '.' + "
            "[...e.classList].join('.'))"
        )
        found.append(f"scrolls sideways: {width} > {inner} ({wide})")
    found += [f"axe {v['id']}: {v['nodes']}" for v in axe_problems(page)]
    found += [f"CSP: {v}" for v in page.evaluate("window.__cspViolations")]
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    return found


@pytest.fixture
def workspace(db):
    owner = MembershipFactory(
        role=Role.OWNER,
        organization__name="Acme",
        organization__slug="acme",
        user__name="Olivia Owner",
        user__email="olivia@example.com",
    )
    organization = owner.organization
    with organization_scope(organization):
        project = ProjectFactory(organization=organization, name="Launch", slug="launch")
        tasks = TaskFactory.create_batch(4, project=project, assignee=owner, created_by=owner.user)
        tasks[0].title = "A rather long task title that has to wrap on a phone without scrolling"
        tasks[0].save()
        comment_create(task=tasks[0], actor=owner, body="Looks good, **ship it**.")
        task_delete(task=tasks[3], actor=owner)
        tasks[1].due_date = timezone.localdate()
        tasks[1].save()
        invitation = InvitationFactory(organization=organization, invited_by=owner.user)
    return owner, tasks[0], invitation


@pytest.fixture
def csp_page(page, live_server):
    page.add_init_script(CSP_LISTENER)
    console = []
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.csp_console = console
    return page


def test_main_pages_in_both_themes_on_phone_and_wide_screens(live_server, csp_page, workspace):
    page = csp_page
    _, task, invitation = workspace
    signed_out = {
        "sign-in": "/accounts/login/",
        "sign-up": "/accounts/signup/",
        "invitation": invitation.get_absolute_url(),
        "confirm-email": "/accounts/confirm-email/",
    }
    signed_in = {
        "home": "/o/acme/",
        "tasks": "/o/acme/tasks/",
        "board": "/o/acme/p/launch/board/",
        "task": f"/o/acme/tasks/{task.number}/",
        "inbox": "/o/acme/inbox/",
        "members": "/o/acme/members/",
        "profile": "/accounts/profile/",
        "projects": "/o/acme/projects/",
        "fields": "/o/acme/p/launch/fields/",
        "labels": "/o/acme/labels/",
        "activity": "/o/acme/activity/",
        "trash": "/o/acme/trash/",
        "not-found": "/o/acme/tasks/99999/",
    }
    found = {}
    for theme in THEMES:
        page.emulate_media(color_scheme=theme)  # the user's theme is "system": it follows this
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for name, path in signed_out.items():
                shot = f"{name}-{theme}-{width}"
                if problems := problems_on(page, f"{live_server.url}{path}", shot):
                    found[shot] = problems
    sign_in(page, live_server.url, "olivia@example.com", DEFAULT_PASSWORD)
    for theme in THEMES:
        page.emulate_media(color_scheme=theme)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for name, path in signed_in.items():
                shot = f"{name}-{theme}-{width}"
                if problems := problems_on(page, f"{live_server.url}{path}", shot):
                    found[shot] = problems
    assert found == {}
    assert page.csp_console == []


def background(page) -> str:
    return page.evaluate("getComputedStyle(document.documentElement).backgroundColor")


def test_the_chosen_theme_wins_over_the_system_from_the_first_paint(
    live_server, csp_page, workspace
):
    page = csp_page
    owner, *_ = workspace
    sign_in(page, live_server.url, "olivia@example.com", DEFAULT_PASSWORD)
    page.emulate_media(color_scheme="light")
    page.goto(f"{live_server.url}/o/acme/")
    light = background(page)
    page.emulate_media(color_scheme="dark")
    system_dark = background(page)
    assert system_dark != light  # "system" follows the system's setting

    # Chosen from the command palette: the page comes back dark although the system is light.
    page.emulate_media(color_scheme="light")
    page.keyboard.press("Control+k")
    page.locator("#palette [data-palette-input]").fill("dark theme")
    page.locator("#palette-theme-dark[aria-selected=true]").wait_for()
    page.keyboard.press("Enter")
    page.locator("html[data-theme=dark]").wait_for(state="attached")
    assert page.url == f"{live_server.url}/o/acme/"
    assert background(page) == system_dark
    owner.user.refresh_from_db()
    assert owner.user.theme == Theme.DARK
    # The server draws it: no script runs before the stylesheet applies it.
    page.route("**/*.js", lambda route: route.abort())
    page.goto(f"{live_server.url}/o/acme/tasks/")
    assert background(page) == system_dark
    page.unroute("**/*.js")

    # Light, chosen on the profile page, wins over a dark system.
    page.goto(f"{live_server.url}/accounts/profile/")
    page.emulate_media(color_scheme="dark")
    page.get_by_label("Light").check()
    page.get_by_role("button", name="Save theme").click()
    page.locator("html[data-theme=light]").wait_for(state="attached")
    assert background(page) == light
    assert page.evaluate("window.__cspViolations") == []
    assert page.csp_console == []


def test_a_slow_htmx_request_shows_the_loading_bar_after_300_ms(live_server, csp_page, workspace):
    page = csp_page
    sign_in(page, live_server.url, "olivia@example.com", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/o/acme/tasks/")
    bar = "getComputedStyle(document.body, '::before').opacity"
    htmx_settled(page)  # the page's own requests (saved views...) are done
    page.wait_for_timeout(300)
    assert page.evaluate(bar) == "0"
    # What htmx does while a request is in flight: the asking element carries .htmx-request.
    page.evaluate("document.querySelector('main').classList.add('htmx-request')")
    page.wait_for_timeout(100)
    assert float(page.evaluate(bar)) == 0  # a quick answer shows nothing
    page.wait_for_timeout(600)
    assert page.evaluate(bar) == "1"
    page.evaluate("document.querySelector('main').classList.remove('htmx-request')")
    page.wait_for_timeout(400)
    assert page.evaluate(bar) == "0"


def test_main_pages_fit_a_tablet(live_server, csp_page, workspace):
    """768 px: between the phone layout and the wide one, nothing scrolls sideways either."""
    page = csp_page
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, live_server.url, "olivia@example.com", DEFAULT_PASSWORD)
    found = {}
    for name, path in {
        "home": "/o/acme/",
        "tasks": "/o/acme/tasks/",
        "board": "/o/acme/p/launch/board/",
        "members": "/o/acme/members/",
        "activity": "/o/acme/activity/",
        "projects": "/o/acme/projects/",
    }.items():
        if problems := problems_on(page, f"{live_server.url}{path}", f"{name}-light-768"):
            found[name] = problems
    assert found == {}


# Whether the page's styles turn on cross-document view transitions for this visitor: an
# @view-transition rule (navigation: auto) under a media condition the browser matches.
VIEW_TRANSITIONS_ON = """() => {
  for (const sheet of document.styleSheets) {
    for (const rule of sheet.cssRules) {
      if (!(rule instanceof CSSMediaRule)) continue;
      const inner = [...rule.cssRules].filter((r) => r.cssText.startsWith("@view-transition"));
      if (inner.length) {
        return matchMedia(rule.conditionText).matches && inner.some((r) => r.navigation === "auto");
      }
    }
  }
  return false;
}"""


@pytest.mark.parametrize(("motion", "transition"), [("no-preference", True), ("reduce", False)])
def test_going_from_page_to_page_cross_fades_unless_less_motion_is_asked(
    live_server, browser, motion, transition
):
    context = browser.new_context(reduced_motion=motion)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="sign up").first.click()
    page.wait_for_url("**/accounts/signup/**")
    assert page.evaluate(VIEW_TRANSITIONS_ON) is transition
    context.close()
