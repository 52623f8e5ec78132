"""/healthz: anyone gets the status (the database decides it); signed-in org admins, or
everyone with HEALTHZ_DETAILS, get the details, with failures in words."""

from __future__ import annotations

import httpx
import pytest
import respx
from django.core.cache import cache

import portal.views
from portal.replica_api.health import probe
from portal.replica_api.transport import Settings
from tests.accounts.personas import *  # noqa: F403

# Exception class names the old /healthz showed; none may reach a caller, details or not.
CLASS_NAMES = ("ConnectError", "ConnectTimeout", "ReadTimeout", "HTTPError", "Exception")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The upstream probe is cached: no test sees another's answer."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def unreachable(settings):
    settings.REPLICAS_API_URL = "http://127.0.0.1:9"  # discard port: nothing listens


@pytest.fixture
def broken_database(monkeypatch):
    class Connection:
        def cursor(self):
            raise RuntimeError("database is locked")

    monkeypatch.setattr(portal.views, "connection", Connection())


def test_healthz_needs_no_login(client, db):
    assert client.get("/healthz").status_code == 200


def test_anonymous_callers_get_only_the_status(client, db, emulator):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert emulator.url not in response.content.decode()


def test_anonymous_callers_never_see_the_upstream_or_its_failure(client, db, unreachable):
    response = client.get("/healthz")
    assert response.status_code == 200  # the upstream doesn't decide the status
    assert response.json() == {"status": "ok"}


def test_members_get_only_the_status(as_member, emulator):
    assert as_member.get("/healthz").json() == {"status": "ok"}


def test_admins_get_the_database_and_the_reachable_emulator(as_admin, emulator):
    response = as_admin.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["upstream"]["reachable"] is True
    assert body["upstream"]["url"] == emulator.url
    assert isinstance(body["upstream"]["latency_ms"], float)


def test_healthz_details_setting_shows_them_to_anyone(client, db, emulator, settings):
    settings.HEALTHZ_DETAILS = True
    body = client.get("/healthz").json()
    assert body["upstream"]["url"] == emulator.url
    assert body["database"] == {"ok": True}


def test_unreachable_upstream_is_said_in_words_and_the_portal_stays_up(as_admin, unreachable):
    response = as_admin.get("/healthz")
    assert response.status_code == 200
    upstream = response.json()["upstream"]
    assert upstream["reachable"] is False
    assert upstream["error"] == "unreachable"
    assert not any(name in response.content.decode() for name in CLASS_NAMES)


@respx.mock
def test_probe_says_a_timeout_in_words():
    respx.get("http://api.test/v1/replica").mock(side_effect=httpx.ReadTimeout("slow"))
    result = probe(Settings(base_url="http://api.test", max_retries=0))
    assert result == {"url": "http://api.test", "reachable": False, "error": "no answer in time"}


def test_database_failure_is_503_and_said_in_words(client, db, broken_database, settings):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error"}

    settings.HEALTHZ_DETAILS = True
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == {"ok": False, "error": "database error"}
    assert "RuntimeError" not in response.content.decode()
    assert "locked" not in response.content.decode()


def test_anonymous_callers_never_trigger_an_upstream_probe(client, db, monkeypatch):
    calls = []
    monkeypatch.setattr(portal.views, "probe", lambda: calls.append(1))
    client.get("/healthz")
    assert calls == []


def test_healthz_probes_the_upstream_at_most_every_few_seconds(as_admin, emulator, monkeypatch):
    calls = []
    real = portal.views.probe
    monkeypatch.setattr(portal.views, "probe", lambda: calls.append(1) or real())
    for _ in range(5):
        assert as_admin.get("/healthz").json()["upstream"]["reachable"] is True
    assert len(calls) == 1
