from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_healthz_reports_database_and_reachable_emulator(client, emulator):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["upstream"]["reachable"] is True
    assert body["upstream"]["url"] == emulator.url


@pytest.mark.django_db
def test_healthz_reports_unreachable_upstream_but_stays_up(client, settings):
    settings.REPLICAS_API_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["upstream"]["reachable"] is False


def test_healthz_needs_no_login(client, db):
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_probes_the_upstream_at_most_every_few_seconds(client, emulator, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    calls = []
    import portal.views

    real = portal.views.probe
    monkeypatch.setattr(portal.views, "probe", lambda: calls.append(1) or real())
    for _ in range(5):
        assert client.get("/healthz").json()["upstream"]["reachable"] is True
    assert len(calls) == 1
