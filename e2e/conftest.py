"""Playwright against pytest-django's live server, in Debian's Chromium."""

import os
import re

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body (factories, assertions) are still synchronous and safe here. Set for e2e only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LINK = re.compile(r"https?://[^\s]+")


def pytest_collection_modifyitems(items):
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def page(page):
    page.set_default_timeout(10_000)
    return page


def link_in(message, fragment: str) -> str:
    links = [link for link in LINK.findall(message.body) if fragment in link]
    assert links, f"no link containing {fragment!r} in: {message.body}"
    return links[0]


def sign_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def mark_page(page) -> None:
    """Tag the current document; ``page_was_reloaded`` tells if a navigation replaced it."""
    page.evaluate("window.__tandemMark = true")


def page_was_reloaded(page) -> bool:
    return not page.evaluate("window.__tandemMark === true")


def htmx_settled(page) -> None:
    """Wait until htmx has no request in flight and has finished swapping and settling, so the
    next interaction reaches freshly swapped (and processed) elements."""
    page.wait_for_function(
        "() => window.htmx && !document.querySelector("
        "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )
