"""The ASGI entry point (portal/asgi.py): Django's middleware as twins without thread hops,
pooled request threads, kept database connections. The same answers as Django's own stack,
with no database access on the event loop (DJANGO_ALLOW_ASYNC_UNSAFE off here)."""

from __future__ import annotations

import asyncio
import re
import threading

import httpx
import pytest
from django.conf import settings
from django.core import signals
from django.db import connections as db_connections
from django.db.backends.signals import connection_created
from django.utils.module_loading import import_string

from portal.accounts.middleware import ASYNC_TWINS, hop_free
from portal.asgi import PortalASGIHandler
from tests.accounts.personas import PASSWORD, signed_in

pytestmark = pytest.mark.django_db(transaction=True)
HOST = "https://127.0.0.1"  # the cookies are Secure (DEBUG off)


@pytest.fixture
def handler():
    app = PortalASGIHandler()
    yield app
    app.close_pool()


@pytest.fixture(autouse=True)
def _no_database_on_the_event_loop(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "")


def requests(handler, *calls, cookies=None):
    """Send (method, path, options) in order through the ASGI app; the answers."""

    async def run():
        transport = httpx.ASGITransport(app=handler)
        async with httpx.AsyncClient(transport=transport, base_url=HOST, cookies=cookies) as c:
            return [await c.request(method, path, **options) for method, path, options in calls]

    return asyncio.run(run())


def session_cookie(user) -> dict:
    return {
        settings.SESSION_COOKIE_NAME: signed_in(user).cookies[settings.SESSION_COOKIE_NAME].value
    }


def test_settings_keep_djangos_middleware_and_each_twin_is_a_subclass(handler):
    assert "django.middleware.security.SecurityMiddleware" in settings.MIDDLEWARE
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    for name, twin in ASYNC_TWINS.items():
        assert issubclass(twin, import_string(name))
    swapped = hop_free(settings.MIDDLEWARE)
    assert len(swapped) == len(settings.MIDDLEWARE)
    assert not set(swapped) & set(ASYNC_TWINS)


def test_a_signed_in_page_has_the_same_headers_as_through_djangos_stack(admin, handler):
    [asgi] = requests(handler, ("GET", "/", {}), cookies=session_cookie(admin))
    wsgi = signed_in(admin).get("/", HTTP_HOST="127.0.0.1")
    assert asgi.status_code == wsgi.status_code == 200
    assert admin.username in asgi.text
    for name in ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Vary",
                 "Cross-Origin-Opener-Policy", "Content-Type"):  # fmt: skip
        assert asgi.headers.get(name) == wsgi.headers.get(name), name

    def no_nonce(csp: str) -> str:
        return re.sub(r"'nonce-[^']+'", "'nonce'", csp)

    assert no_nonce(asgi.headers["Content-Security-Policy"]) == no_nonce(
        wsgi.headers["Content-Security-Policy"]
    )


def test_anonymous_is_sent_to_sign_in_and_htmx_gets_a_client_redirect(handler):
    plain, htmx = requests(
        handler, ("GET", "/", {}), ("GET", "/", {"headers": {"HX-Request": "true"}})
    )
    assert plain.status_code == 302 and plain.headers["Location"].startswith("/login/?next=/")
    assert htmx.headers["HX-Redirect"].startswith("/login/?next=/")


def test_signing_in_saves_the_session_and_a_post_without_token_is_refused(admin, handler):
    async def run():
        transport = httpx.ASGITransport(app=handler)
        async with httpx.AsyncClient(transport=transport, base_url=HOST) as c:
            refused = await c.post("/login/", data={"username": admin.username})
            form = await c.get("/login/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
            signed = await c.post(
                "/login/",
                data={"username": admin.username, "password": PASSWORD,
                      "csrfmiddlewaretoken": token},
                headers={"Referer": f"{HOST}/login/"},  # HTTPS: CSRF checks the referer
            )  # fmt: skip
            home = await c.get("/")
            return refused, signed, home

    refused, signed, home = asyncio.run(run())
    assert refused.status_code == 403
    assert signed.status_code == 302, signed.text
    assert settings.SESSION_COOKIE_NAME in signed.cookies
    assert home.status_code == 200 and admin.username in home.text


def test_static_files_are_served(handler):
    [css] = requests(handler, ("GET", f"{settings.STATIC_URL}css/portal.css", {}))
    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")


def test_requests_reuse_a_pooled_thread_and_its_database_connection(admin, handler):
    threads, connections = [], []

    def on_started(**kwargs):
        threads.append(threading.get_ident())

    def on_connect(connection, **kwargs):
        connections.append(connection)

    signals.request_started.connect(on_started)
    connection_created.connect(on_connect)
    try:
        answers = requests(handler, *[("GET", "/", {})] * 3, cookies=session_cookie(admin))
    finally:
        signals.request_started.disconnect(on_started)
        connection_created.disconnect(on_connect)
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len(set(threads)) == 1
    assert len(connections) == 1


def test_without_conn_max_age_each_request_has_its_own_connection(admin, handler, monkeypatch):
    if db_connections["default"].vendor == "sqlite" and db_connections["default"].is_in_memory_db():
        pytest.skip("Django never closes an in-memory SQLite database's connection")
    monkeypatch.setitem(db_connections.settings["default"], "CONN_MAX_AGE", 0)
    connections = []

    def on_connect(connection, **kwargs):
        connections.append(connection)

    connection_created.connect(on_connect)
    try:
        requests(handler, *[("GET", "/", {})] * 2, cookies=session_cookie(admin))
    finally:
        connection_created.disconnect(on_connect)
    assert len(connections) == 2
