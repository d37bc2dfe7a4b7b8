"""Browser tests: headless Chromium (Playwright) against the app served on a local port.

The server is the suite's own ``app`` in a thread, so the pages read and write the database
the rest of the suite uses (SQLite, or PostgreSQL in CI's second run) and the fixtures
(``plant``, API helpers in tests/api.py) drive permits behind the browser's back. CSRF is
switched on while a browser test runs, and people log in through the real login form, so
a page whose forms or scripts forget the token fails here as it would in production.

Every page's script errors, console errors, missing static files and server errors fail
the test; so does any Content-Security-Policy refusal (web/security_headers.py), which
Chromium logs as a console error. Under that policy ``page.wait_for_function`` needs a
function (``"() => …"``): a bare expression is eval'd on every poll, and eval is refused. Chromium comes from Debian (``apt-get install chromium``; scripts/_venv.sh does
it when root) and is driven by Playwright's bundled driver, never by a browser Playwright
downloads. Without Chromium the tests skip, unless PERMITFLOW_REQUIRE_SERVICES=1 (CI):
then they fail.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask

from tests.conftest import REQUIRE_SERVICES

CHROMIUM = os.environ.get("PERMITFLOW_CHROMIUM") or shutil.which("chromium") \
    or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# bpmn-js draws a few hundred shapes on a big diagram; a slow CI box needs more than 5 s.
TIMEOUT_MS = 20_000


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not os.path.isfile(CHROMIUM) or not os.access(CHROMIUM, os.X_OK):
        return f"chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the browser tests; each test gets fresh contexts."""
    missing = _missing()
    if missing:
        if REQUIRE_SERVICES:
            pytest.fail(f"PERMITFLOW_REQUIRE_SERVICES=1 but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def live_server(app: Flask) -> Iterator[str]:
    """The test app on a free local port, threaded like a real server."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@contextmanager
def csrf_enabled(app: Flask) -> Iterator[None]:
    """Forms need their CSRF token, as in production (the API stays exempt)."""
    before = app.config.get("WTF_CSRF_ENABLED", True)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = before


@dataclass
class Person:
    """A logged-in browser tab, collecting everything that went wrong on its pages."""

    page: Any
    base: str
    problems: list[str] = field(default_factory=list)

    def watch(self) -> None:
        page = self.page
        page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("requestfailed", lambda r: self.problems.append(
            f"request failed: {r.method} {r.url}: {r.failure}"))

    def _console(self, message: Any) -> None:
        # A 4xx/5xx answer is also logged as "Failed to load resource"; _response judges it.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console error: {message.text} at {message.location}")

    def _response(self, response: Any) -> None:
        # 422 and 403 are answers the pages show; a 404 is a missing file, 5xx a crash.
        if response.status == 404 or response.status >= 500:
            self.problems.append(f"HTTP {response.status}: {response.request.method} "
                                 f"{response.url}")

    def open(self, path: str, lang: str | None = None) -> Any:
        if lang:
            path += ("&" if "?" in path else "?") + f"lang={lang}"
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, (path, response
                                                                  and response.status)
        return self.page

    def check(self) -> None:
        """No script error, console error or failed request so far."""
        assert not self.problems, "\n".join(self.problems)


def login(browser: Any, base: str, username: str) -> Person:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                  accept_downloads=False)
    context.set_default_timeout(TIMEOUT_MS)
    person = Person(context.new_page(), base)
    person.watch()
    page = person.open("/login")
    page.fill("#username", username)
    page.fill("#password", "demo")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/login" not in page.url, (username, page.content()[-1500:])
    return person


@pytest.fixture()
def people(plant: Flask, chromium: Any, live_server: str) -> Iterator[Callable[[str], Person]]:
    """``people("designer")``: a browser tab logged in as that demo user (CSRF on)."""
    opened: list[Person] = []

    def open_as(username: str) -> Person:
        person = login(chromium, live_server, username)
        opened.append(person)
        return person

    with csrf_enabled(plant):
        yield open_as
        for person in opened:
            person.page.context.close()
    for person in opened:
        person.check()


def tab_to(page: Any, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching ``selector`` has the focus (keyboard reach)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
    raise AssertionError(f"Tab never reached {selector} in {limit} presses")


def wait_rendered(page: Any, selector: str, value: str = "true") -> None:
    page.wait_for_selector(f'{selector}[data-rendered="{value}"]', state="attached")


def fire_brief_drawn() -> bytes:
    """hot_work v2 of tests/scenarios/test_migration.py with the new task drawn as well.

    That helper adds the task to the process only; bpmn-js (rightly) complains about a
    flow whose end has no shape, and the browser tests fail on any console error.
    """
    from lxml import etree

    from tests.scenarios.test_migration import NS, with_fire_brief

    root = etree.fromstring(with_fire_brief())
    plane = root.find(".//bpmndi:BPMNPlane", NS)
    dc, di = "http://www.omg.org/spec/DD/20100524/DC", "http://www.omg.org/spec/DD/20100524/DI"
    shape = etree.SubElement(plane, f"{{{NS['bpmndi']}}}BPMNShape",
                             id="fire_brief_di", bpmnElement="fire_brief")
    etree.SubElement(shape, f"{{{dc}}}Bounds", x="1990", y="690", width="100", height="80")
    edge = etree.SubElement(plane, f"{{{NS['bpmndi']}}}BPMNEdge",
                            id="f_brief_gw_di", bpmnElement="f_brief_gw")
    for x, y in ((2090, 730), (2130, 730), (2130, 725)):
        etree.SubElement(edge, f"{{{di}}}waypoint", x=str(x), y=str(y))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
