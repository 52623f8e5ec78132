"""Every page as a user meets it at 20% injected faults and with the API down: whatever
fails, no page loses its header or tabs, no failure is a stack trace or an internal name,
and every failure is in plain words with a way to try again."""

from __future__ import annotations

import re

import pytest

from tests.replicas.conftest import idle_replica, seeded

pytestmark = pytest.mark.django_db

INTERNAL = re.compile(
    r"ConnectError|RemoteProtocolError|ReadError|ReadTimeout|Injected fault|"
    r"Internal server error|/v1/|Traceback|Exception|HTTP 5\d\d"
)
HX_TAB = {"HX-Request": "true", "HX-Target": "main"}


@pytest.fixture
def pages(upstream):
    rid = idle_replica(upstream, "fault-walk")
    error = str(seeded(upstream, "error").id)
    sleeping = str(seeded(upstream, "sleeping").id)
    detail = [f"/replicas/{rid}/{p}" for p in ("", "queue/", "canvas/", "diffs/", "hooks/")]
    others = [f"/replicas/{error}/", f"/replicas/{sleeping}/", f"/replicas/{sleeping}/hooks/"]
    return detail + others, ["/replicas/", "/replicas/new/", "/", "/audit/", "/team/"]


def _check(response, path: str, detail: bool) -> None:
    body = response.content.decode()
    assert response.status_code == 200, f"{path}: {response.status_code}"
    found = INTERNAL.search(body)
    assert found is None, f"{path}: {found.group(0)!r} reached the page"
    if detail:
        assert 'id="replica-header"' in body and 'class="tabs"' in body, path
        assert 'id="panel"' in body, path
    for alert in re.findall(
        r'<div class="problem banner banner-error" role="alert".*?</div>', body, re.S
    ):
        assert "Try again" in alert or "Reference" in alert, f"{path}: {alert[:300]}"


def test_every_page_at_20_percent_faults(ada, pages, emulator):
    detail_pages, other_pages = pages
    emulator.control("config", {"fault_rate": 0.2})
    try:
        for _ in range(4):
            for path in detail_pages:
                _check(ada.get(path), path, detail=True)
                _check(ada.get(path, headers=HX_TAB), path, detail=True)
            for path in other_pages:
                _check(ada.get(path), path, detail=False)
    finally:
        emulator.control("config", {"fault_rate": 0})


def test_every_page_with_the_api_down(ada, pages, settings):
    detail_pages, other_pages = pages
    settings.REPLICAS_API_URL = "http://127.0.0.1:9"  # nothing listens
    for path in detail_pages:
        response = ada.get(path)
        _check(response, path, detail=True)
        assert "unreachable" in response.content.decode()
    for path in other_pages:
        _check(ada.get(path), path, detail=False)
