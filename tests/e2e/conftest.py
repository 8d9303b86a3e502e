"""Real-browser fixtures: the app on a real server (werkzeug, a free loopback port, a real SQLite
file) and headless system Chromium driven by Playwright for Python.

    live_app            the served app (its database can be read in the test)
    live_server         the server's base URL, e.g. "http://127.0.0.1:41234"
    serve(app)          serve another app (say, with the shipped banks); returns its base URL
    browser             one Chromium for the session (`playwright install` is not used: the system
                        Chromium from $CHROMIUM_PATH or `which chromium`)
    page                a fresh phone-sized page (360×740), run twice: JavaScript on and off.
                        `page.requests_seen` lists every URL the browser asked for.
    js_enabled          True/False, the parameter `page` runs under
    new_page(js=..)     more pages (another device) in their own contexts

When CI=true, a missing Chromium or Playwright fails the test instead of skipping it.
"""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import close_app, make_app, need

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 20_000  # generous: catches a hang, not a slow machine


class LiveServer:
    """A WSGI app on 127.0.0.1 at a free port, in a daemon thread."""

    def __init__(self, app):
        from werkzeug.serving import make_server
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator[Callable]:
    servers: list[LiveServer] = []

    def start(app) -> str:
        server = LiveServer(app)
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def live_app(tmp_path):
    app = make_app(tmp_path)
    yield app
    close_app(app)


@pytest.fixture
def live_server(live_app, serve) -> str:
    return serve(live_app)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        need("Playwright for Python", str(exc))
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path or not os.path.exists(path):
        need("Chromium", "set CHROMIUM_PATH or install chromium (apt-get install chromium)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(js: bool = True, color_scheme: str = "light", **options):
        context = browser.new_context(java_script_enabled=js, viewport=PHONE, color_scheme=color_scheme,
                                      locale=options.pop("locale", "en-GB"), **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.requests_seen = []
        context.on("request", lambda request: page.requests_seen.append(request.url))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def js_enabled(request) -> bool:
    return request.param


@pytest.fixture
def page(new_page, js_enabled):
    return new_page(js=js_enabled)
