"""The board moves from the notifications' events: a processed webhook tells every user with
a board open (through the hub, as a `board` event on their stream); nobody else is told."""

from __future__ import annotations

import asyncio

import pytest
from django.core.cache import cache

import portal.webhooks.hub as hub_module
from portal.fleet import live
from portal.webhooks.views.stream import frames
from tests.webhooks.conftest import event_body, hook, sender  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def published(monkeypatch):
    sent: list[tuple[int, dict]] = []

    class Hub:
        def publish(self, user_id, message):
            sent.append((user_id, message))

    monkeypatch.setattr(hub_module, "hub", Hub)
    return sent


def test_a_processed_webhook_tells_open_boards_only(
    sender,  # noqa: F811
    admin,
    outsider,
    published,
    django_capture_on_commit_callbacks,
):
    asyncio.run(live.note_viewer(admin.pk))  # Ada has the board open; the outsider hasn't
    with django_capture_on_commit_callbacks(execute=True):
        assert sender.post(event_body("turn_completed")).status_code == 200
    assert (admin.pk, {"kind": "board"}) in published
    assert all(user != outsider.pk for user, _ in published)


def test_a_board_page_notes_its_viewer(ada, admin):
    assert live.viewers() == []
    ada.get("/board/lanes/", headers={"HX-Request": "true"})
    assert live.viewers() == [admin.pk]


def test_viewers_expire(admin, monkeypatch):
    asyncio.run(live.note_viewer(admin.pk))
    later = live.time.time() + live.VIEWER_TTL + 1
    monkeypatch.setattr(live.time, "time", lambda: later)
    assert live.viewers() == []


def test_the_stream_carries_a_board_event():
    assert frames({"kind": "board", "user": 1}) == "event: board\ndata: changed\n\n"
