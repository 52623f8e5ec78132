"""Browser tests: the portal served as ASGI by a real uvicorn server, driven by Chromium.

Fixtures for any browser test (mark it `@pytest.mark.browser` and
`@pytest.mark.django_db(transaction=True)`):

- `live_portal` (session): uvicorn serving `portal.asgi:application` in a background thread
  on a free port. ASGI, not runserver/live_server: event streams arrive as they are sent.
- `portal` (per test): `live_portal`, pointed at the test emulator, on plain HTTP (secure
  cookies off), with the test's (transactional) database. `portal.url` is its base URL.
- `browser` (per module): headless Debian Chromium; every test using it is skipped cleanly
  when /usr/bin/chromium is missing (`make browsers` installs it).
- `page` (per test): a fresh context (no cookies) and page with `base_url` = the portal;
  `page.console_problems` lists CSP violations and script errors seen so far.
- `sign_in(page, username, password)` (tests/browser/helpers.py): sign in with the form.

Test data comes from the personas (`admin`, `member`, `outsider`, `store_key`) in
`tests/accounts/personas.py`, re-exported here.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.accounts.personas import *  # noqa: F403
from tests.browser.helpers import sign_in  # noqa: F401  (re-exported for browser tests)
from tests.conftest import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


class LivePortal:
    """The ASGI app on a uvicorn.Server in a daemon thread."""

    def __init__(self) -> None:
        import uvicorn

        from portal.asgi import application

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            application,
            host="127.0.0.1",
            port=self.port,
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="live-portal", daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the portal's uvicorn server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def live_portal(django_db_setup):
    server = LivePortal()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def portal(live_portal, transactional_db, emulator, settings):
    # Settings are process-wide, so the server thread sees these overrides too.
    settings.REPLICAS_API_URL = emulator.url
    settings.SESSION_COOKIE_SECURE = False  # plain http://127.0.0.1 in tests
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import cache

    cache.clear()  # login throttling counts
    return live_portal


@pytest.fixture(scope="module")
def browser():
    # Module scope, not session: Playwright's sync API keeps its event loop registered as
    # running on the main thread while it is open, which breaks async tests that run
    # later in the session. (For the same reason, keep async tests out of browser modules.)
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (run `make browsers`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, portal):
    context = browser.new_context(base_url=portal.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" or "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.console_problems = problems
    yield page
    context.close()
