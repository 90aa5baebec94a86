"""Playwright against pytest-django's live server, in Debian's Chromium."""

import os
import re
import socket

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


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """The suite browses as someone who asked for less motion: no view transition between
    pages (its snapshot would sit over the page a test clicks next). test_look_and_feel shows
    the transitions with motion allowed."""
    return {**browser_context_args, "reduced_motion": "reduce"}


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


class AsgiServer:
    """The ASGI application (as the container serves it) in a thread of the test process, on the
    test database; static files from the finders, as pytest-django's live server serves them."""

    def __init__(self):
        import threading

        import uvicorn
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

        from project.asgi import RoomyASGIHandler

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            ASGIStaticFilesHandler(RoomyASGIHandler()),
            host="127.0.0.1",
            port=self.port,
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self):
        import time

        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the ASGI test server did not start")
            time.sleep(0.02)
        return self

    def stop(self):
        self.server.should_exit = True
        self.server.force_exit = True  # open event streams do not hold the test up
        self.thread.join(10)


@pytest.fixture
def asgi_server(transactional_db, settings):
    """A live server that serves event streams (pytest-django's live server is WSGI)."""
    settings.LIVE_HEARTBEAT = 1.0
    server = AsgiServer().start()
    yield server
    server.stop()


def live_connected(page) -> None:
    """Wait until the page's event stream is open."""
    page.wait_for_selector("body[data-live-state=open]", state="attached", timeout=5_000)


@pytest.fixture
def second_process(asgi_server):
    """Another server process on the same database and Redis (as a second container would be)."""
    import subprocess
    import sys
    import time
    import urllib.request

    from django.db import connection

    db = connection.settings_dict
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "TANDEM_LIVE_HEARTBEAT": "1",
    }
    code = (
        "import django, uvicorn; django.setup();"
        "from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler;"
        "from project.asgi import RoomyASGIHandler;"
        f"uvicorn.run(ASGIStaticFilesHandler(RoomyASGIHandler()), host='127.0.0.1', port={port},"
        " lifespan='off', log_level='warning')"
    )
    process = subprocess.Popen([sys.executable, "-c", code], env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)  # noqa: S310 - loopback
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("the second server process did not start") from None
            time.sleep(0.1)
    yield url
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
