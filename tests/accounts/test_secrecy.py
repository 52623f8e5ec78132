"""A stored API key never shows: not in any page, JSON, URL, log record, exception page, or
the database in plaintext. Proved with marker keys on an emulator that accepts them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse

from portal.accounts.models import ApiKey
from tests.accounts.urlwalk import walk
from tests.conftest import EmulatorProcess


def _marker(kind: str) -> str:
    return f"rk_{kind}_MARKER{secrets.token_hex(12)}"


ADMIN_MARKER = _marker("personal")
MEMBER_MARKER = _marker("personal")
ORG_MARKER = _marker("org")
REJECTED_MARKER = _marker("personal")  # offered, refused by the API (401)
UNCHECKED_MARKER = _marker("personal")  # offered while the API was down
MARKERS = [ADMIN_MARKER, MEMBER_MARKER, ORG_MARKER, REJECTED_MARKER, UNCHECKED_MARKER]


def _leaks(text: str) -> list[str]:
    """Markers, or their secret middle (what isn't shown as prefix…last4), found in text."""
    found = []
    for marker in MARKERS:
        middle = marker[len("rk_personal_") : -4]
        if marker in text or middle in text:
            found.append(marker)
    return found


@pytest.fixture(scope="module")
def marker_emulator():
    proc = EmulatorProcess(
        "--org-key", ORG_MARKER, "--personal-key", f"{ADMIN_MARKER},{MEMBER_MARKER}"
    )
    yield proc
    proc.stop()


@pytest.fixture
def portal_on_marker_emulator(settings, marker_emulator):
    settings.REPLICAS_API_URL = marker_emulator.url


def _body(response, seconds: float = 5.0) -> bytes:
    """A response's bytes; for a stream, what it sends in its first few seconds (an async
    stream, as the event streams are, is read on its own loop)."""
    if not response.streaming:
        return response.content
    if not getattr(response, "is_async", False):
        return b"".join(response.streaming_content)
    chunks: list[bytes] = []

    async def collect() -> None:
        async for chunk in response.streaming_content:
            chunks.append(chunk)

    async def read_for_a_while() -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(collect(), seconds)

    asyncio.run(read_for_a_while())
    return b"".join(chunks)


class Recorder:
    """Signed-in clients whose every response is kept, to be searched for leaks."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def keep(self, what: str, response) -> None:
        body = _body(response)
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        self.seen.append((what, headers + "\n" + body.decode("utf-8", "replace")))

    def get(self, client: Client, url: str, what: str, **extra):
        response = client.get(url, **extra)
        self.keep(f"GET {url} ({what})", response)
        return response

    def post(self, client: Client, url: str, data: dict, what: str, **extra):
        response = client.post(url, data, **extra)
        self.keep(f"POST {url} ({what})", response)
        return response


def _walk_every_page(recorder: Recorder, client: Client, who: str) -> None:
    for case in walk():
        recorder.get(client, case.url, who)
        recorder.get(client, case.url, f"{who}, htmx", headers={"HX-Request": "true"})


def test_marker_keys_never_leak(
    portal_on_marker_emulator, admin, member, as_admin, as_member, settings, caplog
):
    caplog.set_level(logging.DEBUG)
    recorder = Recorder()

    # Store keys through the pages, as people do: valid, rejected, and unchecked.
    recorder.post(
        as_admin, reverse("accounts:save_personal_key"), {"personal-key": ADMIN_MARKER}, "admin"
    )
    recorder.post(as_admin, reverse("accounts:save_org_key"), {"org-key": ORG_MARKER}, "admin")
    recorder.post(
        as_member,
        reverse("accounts:save_personal_key"),
        {"personal-key": REJECTED_MARKER},
        "member",
    )
    recorder.post(
        as_member,
        reverse("accounts:save_personal_key"),
        {"personal-key": MEMBER_MARKER},
        "member, htmx",
        headers={"HX-Request": "true"},
    )
    assert ApiKey.objects.count() == 3
    assert ApiKey.objects.filter(verified_at__isnull=False).count() == 3

    # Every page, as each persona, acting with each key.
    _walk_every_page(recorder, as_member, "member")
    _walk_every_page(recorder, as_admin, "admin as personal")
    recorder.post(as_admin, reverse("accounts:switch_acting"), {"as": "org"}, "admin")
    _walk_every_page(recorder, as_admin, "admin as org")
    _walk_every_page(recorder, Client(), "anonymous")

    # The unreachable path: the form comes back, without the key.
    settings.REPLICAS_API_URL = "http://127.0.0.1:9"
    recorder.post(
        as_member,
        reverse("accounts:save_personal_key"),
        {"personal-key": UNCHECKED_MARKER},
        "member, API down",
    )
    recorder.post(
        as_member,
        reverse("accounts:save_personal_key"),
        {"personal-key": UNCHECKED_MARKER, "personal-store_unchecked": "on"},
        "member, API down, confirmed",
    )
    assert ApiKey.objects.get(user=member).verified_at is None

    leaks = [(what, _leaks(text)) for what, text in recorder.seen if _leaks(text)]
    assert not leaks, f"API keys leaked in responses: {leaks}"

    # Logs.
    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        assert not _leaks(text), f"an API key leaked into a log record: {record.name}"

    # The database, every table and every column; sessions decoded too.
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                assert not _leaks(repr(row)), f"an API key in plaintext in table {table}"
    for session in Session.objects.all():
        assert not _leaks(repr(session.get_decoded()))


@pytest.mark.urls("tests.accounts.views_for_tests")
def test_exception_pages_never_show_the_key_even_with_debug_on(
    portal_on_marker_emulator, admin, as_admin, settings, caplog
):
    from tests.accounts.personas import store_key

    store_key(admin, "personal", ADMIN_MARKER)
    settings.DEBUG = True
    as_admin.raise_request_exception = False
    caplog.set_level(logging.DEBUG)
    response = as_admin.get("/t/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    # The portal's own 500 page, DEBUG or not; the traceback goes to the log only.
    assert "Something went wrong" in body and "TypeError" not in body
    assert not _leaks(body)
    assert any("TypeError" in (r.exc_text or "") for r in caplog.records)
    assert not any(_leaks(f"{r.getMessage()} {r.exc_text or ''}") for r in caplog.records)


@pytest.mark.urls("tests.accounts.views_for_tests")
def test_production_error_page_is_the_plain_500_template(
    portal_on_marker_emulator, admin, as_admin
):
    from tests.accounts.personas import store_key

    store_key(admin, "personal", ADMIN_MARKER)
    as_admin.raise_request_exception = False
    response = as_admin.get("/t/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in body and "TypeError" not in body
    assert not _leaks(body)
