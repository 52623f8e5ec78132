"""The live relay: one shared upstream per replica, rendered once, resumable, and the portal
endpoint that streams it to browsers as SSE."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from portal.emulator.config import DEMO_PERSONAL_KEYS
from portal.replica_api import AsyncReplicaAPI
from portal.replicas.rendering import ChatStream
from portal.replicas.streams import CatchUp, Gap, Rendered, StreamHub, _Upstream
from portal.replicas.views.stream import LiveChat, ViewerState, frames, sse
from tests.replicas.conftest import active_replica, idle_replica


async def next_rendered(sub, timeout=10.0) -> Rendered:
    while True:
        item = await sub.get(timeout)
        assert item is not None, "no event in time"
        if isinstance(item, Rendered):
            return item


async def until_type(sub, event_type: str, timeout=15.0) -> list[Rendered]:
    seen = []
    async with asyncio.timeout(timeout):
        while True:
            item = await next_rendered(sub, timeout)
            seen.append(item)
            if item.type == event_type:
                return seen


@pytest.fixture
def aada(api_settings):
    return AsyncReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=api_settings)


async def test_viewers_share_one_upstream_and_the_same_rendered_html(upstream, aada):
    rid = await sync_to_async(idle_replica)(upstream, "relay-share")
    chat = (await aada.list_replica_chats(rid)).chats[0]
    hub = StreamHub(grace_seconds=0)
    renderer = lambda: ChatStream().feed_html  # noqa: E731
    async with (
        hub.subscribe(rid, aada, renderer=renderer) as one,
        hub.subscribe(rid, aada, renderer=renderer) as two,
    ):
        assert hub.stats() == {"upstreams": 1, "viewers": 2, "opened": 1}
        await asyncio.sleep(0.3)  # the upstream is connected
        await aada.send_replica_message(rid, {"message": "hello there", "chat_id": chat.id})
        got_one = await until_type(one, "chat.turn.completed")
        got_two = await until_type(two, "chat.turn.completed")
    assert [r.id for r in got_one] == [r.id for r in got_two]
    assert [r.html for r in got_one] == [r.html for r in got_two]
    deltas = [r for r in got_one if r.type == "chat.turn.delta"]
    assert len(deltas) > 3, "the agent's reply arrives in pieces"
    assert any("hx-swap-oob" in r.html for r in deltas)
    assert hub.stats()["upstreams"] == 0, "closed when the last viewer left"


async def test_live_user_messages_are_named_after_their_sender(upstream, aada):
    """Live events don't say who sent a message: the chat panel's renderer reads the chat's
    `senders` when a turn starts, so the user's bubble names them (for every viewer)."""
    rid = await sync_to_async(idle_replica)(upstream, "relay-sender")
    chat = (await aada.list_replica_chats(rid)).chats[0]
    hub = StreamHub(grace_seconds=0)
    async with hub.subscribe(rid, aada, renderer=LiveChat) as sub:
        await asyncio.sleep(0.3)
        await aada.send_replica_message(rid, {"message": "who am I", "chat_id": chat.id})
        seen = await until_type(sub, "chat.turn.completed")
    html = "".join(r.html for r in seen)
    assert "who am I" in html
    assert 'data-sender="ada@example.com"' in html
    assert ">ada@example.com<" in html


async def test_resume_after_an_event_id_replays_only_what_followed(upstream, aada):
    rid = await sync_to_async(active_replica)(upstream, "relay-resume")
    chat = (await aada.list_replica_chats(rid)).chats[0]
    hub = StreamHub(grace_seconds=30)
    async with hub.subscribe(rid, aada) as first:
        await asyncio.sleep(0.3)
        await aada.send_replica_message(rid, {"message": "resume me", "chat_id": chat.id})
        seen = await until_type(first, "chat.turn.completed")
    middle = seen[len(seen) // 2]
    async with hub.subscribe(rid, aada, last_event_id=middle.id) as again:
        replayed = []
        while (item := await again.get(0.2)) is not None:
            replayed.append(item)
    expected = [r.id for r in seen[len(seen) // 2 + 1 :]]
    ids = [r.id for r in replayed]
    assert ids[: len(expected)] == expected  # what followed, in order (and later events after)
    assert not {r.id for r in seen[: len(seen) // 2 + 1]} & set(ids)  # nothing twice


async def test_unknown_event_id_means_a_gap_to_fill_from_history(upstream, aada):
    rid = await sync_to_async(active_replica)(upstream, "relay-gap")
    hub = StreamHub(grace_seconds=0)
    async with hub.subscribe(rid, aada, last_event_id="from-another-process") as sub:
        item = await sub.get(2)
    assert isinstance(item, Gap)


def test_frames_on_the_wire():
    rendered = Rendered("ev-9", "chat.turn.started", "c1", "<div hx-swap-oob='x'>a\nb</div>")
    wire = frames(rendered)
    assert wire.startswith(
        "id: ev-9\nevent: message\ndata: <div hx-swap-oob='x'>a\ndata: b</div>\n\n"
    )
    assert "event: queue\ndata: c1\n\n" in wire
    # The chat's tab gets its "working" dot; the header is nudged to re-get itself.
    assert (
        'event: chat-state\ndata: <span id="chat-dot-c1" class="chat-dot" hx-swap-oob="true">'
        in wire
    )
    assert 'title="working"' in wire
    assert wire.endswith("event: header\ndata: chat.turn.started\n\n")
    assert sse("reload", "") == "event: reload\ndata: \n\n"
    # Left out: the message's fragments only (the id, to resume after it, and the nudges stay).
    hidden = frames(rendered, show=False)
    assert hidden.startswith("id: ev-9\n\nevent: queue\ndata: c1\n\n")
    assert "event: message" not in hidden and "event: chat-state" in hidden


def _ev(seq: int, type_: str, chat: str = "c1") -> Rendered:
    return Rendered(f"e{seq}", type_, chat, f"<p>{seq}</p>")


def test_viewer_of_another_chat_gets_ids_only():
    viewer = ViewerState("c2")
    assert viewer.encode(_ev(1, "chat.turn.delta")) == b"id: e1\n\n"
    # Not even a queue nudge: the queue panel shows c2's queue, which c1's turns don't change.
    # But c1's tab loses its "working" dot, and the header (activity, PRs) is re-got.
    end = viewer.encode(_ev(2, "chat.turn.completed"))
    assert end.startswith(b"id: e2\n\n") and b"event: queue" not in end
    assert b'id="chat-dot-c1"' in end and b'title="working"' not in end
    assert b"event: header" in end
    assert b"event: queue\ndata: c2" in ViewerState("c2").encode(_ev(3, "chat.turn.started", "c2"))


def test_viewer_in_step_gets_everything_and_no_reload():
    viewer = ViewerState("c1")
    out = b"".join(viewer.encode(_ev(n, t)) for n, t in enumerate(
        ["chat.turn.started", "chat.turn.delta", "chat.turn.completed"]))  # fmt: skip
    assert out.count(b"event: message") == 3
    assert b"event: reload" not in out


def test_viewer_joining_mid_turn_waits_then_reloads_when_it_ends():
    viewer = ViewerState("c1", busy=True)
    assert b"event: message" not in viewer.encode(_ev(1, "chat.turn.delta"))
    end = viewer.encode(_ev(2, "chat.turn.completed"))
    assert b"event: reload" in end and b"id: e2" in end
    assert b"event: message" in viewer.encode(_ev(3, "chat.turn.started"))


def test_viewer_caught_up_on_the_running_turn_follows_it_without_a_reload():
    viewer = ViewerState("c1", busy=True)
    assert viewer.encode(CatchUp("c2")) == b""  # another chat's turn: nothing to do
    drop = viewer.encode(CatchUp("c1"))
    assert b'id="chat-c1-running" hx-swap-oob="delete"' in drop
    out = b"".join(viewer.encode(_ev(n, t)) for n, t in enumerate(
        ["chat.turn.started", "chat.turn.delta", "chat.turn.completed"]))  # fmt: skip
    assert out.count(b"event: message") == 3
    assert b"event: reload" not in out


def test_running_turn_is_what_the_buffer_has_since_the_chat_s_turn_started():
    upstream = _Upstream("r1", lambda event: "")
    events = [
        _ev(1, "chat.turn.started"),
        _ev(2, "chat.turn.delta"),
        _ev(3, "chat.turn.completed"),
        _ev(4, "chat.turn.started"),
        _ev(5, "chat.turn.started", chat="c2"),
        _ev(6, "chat.turn.delta"),
        _ev(7, "chat.turn.delta", chat="c2"),
    ]
    upstream.buffer.extend(events)
    assert [r.id for r in upstream.running_turn("c1")] == ["e4", "e5", "e6", "e7"]
    assert [r.id for r in upstream.running_turn("c2")] == ["e5", "e6", "e7"]
    assert upstream.running_turn("c3") is None  # never seen here
    upstream.buffer.append(_ev(8, "chat.turn.completed"))
    assert upstream.running_turn("c1") is None  # over
    upstream.buffer.clear()
    upstream.buffer.extend(events[1:3])
    assert upstream.running_turn("c1") is None  # its start isn't buffered


async def test_a_viewer_joining_mid_turn_gets_the_turn_from_its_start(upstream, aada):
    rid = await sync_to_async(idle_replica)(upstream, "relay-catch-up")
    chat = (await aada.list_replica_chats(rid)).chats[0]
    hub = StreamHub(grace_seconds=0)
    async with hub.subscribe(rid, aada, renderer=LiveChat) as first:
        await asyncio.sleep(0.3)
        await aada.send_replica_message(rid, {"message": "catch me up", "chat_id": chat.id})
        seen = await until_type(first, "chat.turn.delta")
        seen += [await next_rendered(first), await next_rendered(first)]
        async with hub.subscribe(rid, aada, running_chat=chat.id) as late:
            assert await late.get(1) == CatchUp(chat.id)
            caught = await until_type(late, "chat.turn.completed")
        seen += await until_type(first, "chat.turn.completed")
    start = [r.type for r in seen].index("chat.turn.started")
    assert [r.id for r in caught] == [r.id for r in seen[start:]]
    assert [r.html for r in caught] == [r.html for r in seen[start:]]


async def test_no_catch_up_when_the_turn_started_before_this_process_saw_it(upstream, aada):
    rid = await sync_to_async(idle_replica)(upstream, "relay-no-catch-up")
    chat = (await aada.list_replica_chats(rid)).chats[0]
    hub = StreamHub(grace_seconds=0)
    await aada.send_replica_message(rid, {"message": "already running", "chat_id": chat.id})
    async with hub.subscribe(rid, aada, running_chat=chat.id) as late:
        first = await late.get(5)
    assert isinstance(first, Rendered)  # live events only: the page waits for the turn's end


def test_viewer_after_a_gap_is_out_of_step_until_the_next_turn():
    viewer = ViewerState("c1")
    viewer.encode(_ev(1, "chat.turn.started"))
    assert b"event: reload" in viewer.encode(Gap("dropped", "e1"))
    assert b"event: message" not in viewer.encode(_ev(2, "chat.turn.delta"))
    assert b"event: reload" in viewer.encode(_ev(3, "chat.turn.completed"))


@pytest.mark.django_db(transaction=True)
async def test_portal_endpoint_streams_html_fragments(upstream, aada, admin, settings):
    from django.test import AsyncClient

    from portal.accounts.models import KeyKind
    from tests.accounts.personas import store_key

    await sync_to_async(store_key)(admin, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[0])
    rid = await sync_to_async(active_replica)(upstream, "relay-endpoint")
    chat = (await aada.list_replica_chats(rid)).chats[0]
    client = AsyncClient()
    await client.aforce_login(admin)
    response = await client.get(f"/replicas/{rid}/events/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    body = ""
    content = response.streaming_content.__aiter__()
    body += (await anext(content)).decode()
    assert "stream-live" in body
    await aada.send_replica_message(rid, {"message": "stream to the portal", "chat_id": chat.id})
    async with asyncio.timeout(15):
        while "chat.turn.completed" not in body and "Completed" not in body:
            body += (await anext(content)).decode()
    await content.aclose()
    assert "event: message" in body and "hx-swap-oob" in body
    assert "event: queue" in body
    assert DEMO_PERSONAL_KEYS[0] not in body


@pytest.mark.django_db
def test_portal_endpoint_refuses_anonymous_and_unknown(client, ada):
    assert client.get("/replicas/00000000-0000-4000-8000-000000000000/events/").status_code == 403
    assert ada.get("/replicas/00000000-0000-4000-8000-000000000000/events/").status_code == 404


async def test_a_refused_key_ends_only_its_viewers_stream(upstream, aada, api_settings):
    from portal.replica_api import errors
    from portal.replicas.streams import Closed

    rid = await sync_to_async(active_replica)(upstream, "relay-bad-key")
    chat = (await aada.list_replica_chats(rid)).chats[0]
    revoked = AsyncReplicaAPI("rk_revoked_key_0123456789", settings=api_settings)
    hub = StreamHub(grace_seconds=0)
    async with hub.subscribe(rid, revoked) as bad, hub.subscribe(rid, aada) as good:
        # The latest viewer's key opens the stream; make the revoked one try first.
        async with hub.subscribe(rid, revoked) as bad_latest:
            item = await bad_latest.get(5)
            assert isinstance(item, Closed) and isinstance(item.error, errors.Unauthorized)
        await asyncio.sleep(0.3)
        await aada.send_replica_message(rid, {"message": "still flowing", "chat_id": chat.id})
        seen = await until_type(good, "chat.turn.completed")
        assert any(r.type == "chat.turn.delta" for r in seen)
        # The earlier viewer is still served (its key was checked when it joined).
        assert (await next_rendered(bad)).id


async def test_upstream_drop_reconnects_and_viewers_refill_from_history(upstream, aada, emulator):
    from portal.replica_api import Reconnected, Reconnecting

    rid = await sync_to_async(active_replica)(upstream, "relay-drop")
    hub = StreamHub(grace_seconds=0)
    async with hub.subscribe(rid, aada) as sub:
        await next_rendered(sub)  # connected (the emulator opens with a status snapshot)
        await sync_to_async(emulator.control)(f"replicas/{rid}/drop-streams", {})
        kinds = []
        async with asyncio.timeout(15):
            while not kinds or not isinstance(kinds[-1], Gap):
                item = await sub.get(15)
                if isinstance(item, Reconnecting | Reconnected | Gap):
                    kinds.append(item)
    assert isinstance(kinds[0], Reconnecting)
    assert isinstance(kinds[1], Reconnected)
    assert isinstance(kinds[2], Gap) and kinds[2].upto
