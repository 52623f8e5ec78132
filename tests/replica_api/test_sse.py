"""The async SSE reader: parsing, heartbeats, typed EngineEvents, reconnects (respx)."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from portal.replica_api import (
    AsyncReplicaAPI,
    Reconnected,
    Reconnecting,
    Settings,
    StreamEvent,
    errors,
    models,
)

BASE = "https://replica.test"
SETTINGS = Settings(base_url=BASE, backoff_base=0.001)
EVENTS_URL = f"{BASE}/v1/replica/r1/events"


def event(seq: int, type_: str = "chat.turn.started", payload=None) -> dict:
    return {
        "id": f"ev-{seq}",
        "ts": "2026-11-23T10:00:00.000Z",
        "type": type_,
        "payload": payload if payload is not None else {"chatId": "c1", "messageId": "m1"},
    }


def sse(*events: dict, comments: int = 0) -> bytes:
    out = b": ping\n\n" * comments
    for e in events:
        out += f"id: {e['id']}\ndata: {json.dumps(e)}\n\n".encode()
    return out


class Dropping(httpx.AsyncByteStream):
    """Yields some bytes, then the connection dies."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self):
        yield self.data
        raise httpx.RemoteProtocolError("peer closed connection")


def stream_response(body: bytes | httpx.AsyncByteStream) -> httpx.Response:
    headers = {"content-type": "text/event-stream"}
    if isinstance(body, bytes):
        return httpx.Response(200, headers=headers, content=body)
    return httpx.Response(200, headers=headers, stream=body)


async def collect(iterator, limit: int) -> list:
    out = []
    async for item in iterator:
        out.append(item)
        if len(out) >= limit:
            break
    return out


@respx.mock
async def test_events_parsed_typed_and_heartbeats_skipped():
    respx.get(EVENTS_URL).mock(
        return_value=stream_response(
            sse(
                event(1),
                event(2, "chat.turn.completed", {"chatId": "c1", "isComplete": True}),
                comments=3,
            )
        )
    )
    api = AsyncReplicaAPI("k", settings=SETTINGS)
    items = await collect(api.stream_replica_events("r1", reconnect=False), 10)
    assert [i.id for i in items] == ["ev-1", "ev-2"]
    assert all(isinstance(i, StreamEvent) for i in items)
    assert isinstance(items[0].model, models.EngineEvent9)  # chat.turn.started
    assert items[1].model.payload.isComplete is True


@respx.mock
async def test_unknown_event_type_has_no_model_but_arrives():
    respx.get(EVENTS_URL).mock(
        return_value=stream_response(sse(event(1, "something.new", {"x": 1})))
    )
    api = AsyncReplicaAPI("k", settings=SETTINGS)
    [item] = await collect(api.stream_replica_events("r1", reconnect=False), 5)
    assert item.type == "something.new" and item.model is None and item.data["payload"] == {"x": 1}


@respx.mock
async def test_dropped_stream_reconnects_with_last_event_id():
    route = respx.get(EVENTS_URL).mock(
        side_effect=[
            stream_response(Dropping(sse(event(1), event(2)))),
            stream_response(sse(event(3))),
        ]
    )
    api = AsyncReplicaAPI("k", settings=SETTINGS)
    items = await collect(api.stream_replica_events("r1"), 5)
    kinds = [type(i) for i in items]
    assert kinds == [StreamEvent, StreamEvent, Reconnecting, Reconnected, StreamEvent]
    assert items[4].id == "ev-3"
    assert "last-event-id" not in route.calls[0].request.headers
    assert route.calls[1].request.headers["last-event-id"] == "ev-2"
    assert route.calls[1].request.headers["authorization"] == "Bearer k"


@respx.mock
async def test_reconnects_through_503_but_not_through_401():
    respx.get(EVENTS_URL).mock(
        side_effect=[httpx.Response(503, json={"error": "busy"}), stream_response(sse(event(1)))]
    )
    api = AsyncReplicaAPI("k", settings=SETTINGS)
    items = await collect(api.stream_replica_events("r1"), 3)
    assert isinstance(items[0], Reconnecting) and items[0].error.status == 503
    assert isinstance(items[1], Reconnected)
    assert items[2].id == "ev-1"

    respx.get(f"{BASE}/v1/replica/r2/events").mock(
        return_value=httpx.Response(401, json={"error": "bad key"})
    )
    with pytest.raises(errors.Unauthorized):
        await collect(api.stream_replica_events("r2"), 2)


@respx.mock
async def test_sleeping_workspace_stream_raises_typed_conflict():
    respx.get(EVENTS_URL).mock(
        return_value=httpx.Response(409, json={"error": "Workspace is sleeping"})
    )
    api = AsyncReplicaAPI("k", settings=SETTINGS)
    with pytest.raises(errors.WorkspaceSleeping):
        await collect(api.stream_replica_events("r1"), 1)


@respx.mock
async def test_max_attempts_bounds_reconnects():
    respx.get(EVENTS_URL).mock(side_effect=httpx.ConnectError("refused"))
    api = AsyncReplicaAPI("k", settings=SETTINGS)
    items = []
    with pytest.raises(errors.Unreachable):
        async for item in api.stream_replica_events("r1", max_attempts=2):
            items.append(item)
    assert [i.attempt for i in items] == [1, 2]


@respx.mock
async def test_hook_test_stream_is_a_post_and_never_reconnects():
    hook_events = [
        {"type": "progress", "message": "Starting sandbox"},
        {"type": "output", "output": "hello\n"},
        {"type": "complete", "exit_code": 0, "timed_out": False},
    ]
    body = b"".join(f"data: {json.dumps(e)}\n\n".encode() for e in hook_events)
    route = respx.post(f"{BASE}/v1/environments/global/start-hooks/test/stream").mock(
        return_value=stream_response(Dropping(body))
    )
    api = AsyncReplicaAPI("k", settings=SETTINGS)
    got = []
    with pytest.raises(errors.Unreachable):
        async for item in api.stream_test_environment_start_hook(
            "global", {"content": "echo hello"}
        ):
            got.append(item)
    assert [g.type for g in got] == ["progress", "output", "complete"]
    assert route.call_count == 1
    assert json.loads(route.calls.last.request.content) == {"content": "echo hello"}


@respx.mock
async def test_warm_hook_save_test_stream_sends_mode():
    route = respx.post(f"{BASE}/v1/environments/e1/warm-hooks/save-test/stream").mock(
        return_value=stream_response(b'data: {"type": "complete", "exit_code": 0}\n\n')
    )
    api = AsyncReplicaAPI("k", settings=SETTINGS)
    items = await collect(
        api.stream_save_and_test_environment_warm_hook("e1", {"content": "true"}, mode="test_only"),
        5,
    )
    assert items[0].data["exit_code"] == 0
    assert json.loads(route.calls.last.request.content) == {"content": "true", "mode": "test_only"}


@respx.mock
async def test_non_event_stream_content_type_is_invalid():
    respx.get(EVENTS_URL).mock(return_value=httpx.Response(200, json={"not": "a stream"}))
    api = AsyncReplicaAPI("k", settings=SETTINGS)
    with pytest.raises(errors.InvalidResponse):
        await collect(api.stream_replica_events("r1", reconnect=False), 1)


@respx.mock
async def test_streams_that_open_and_drop_at_once_keep_backing_off():
    respx.get(EVENTS_URL).mock(side_effect=lambda request: stream_response(Dropping(b": hi\n\n")))
    api = AsyncReplicaAPI("k", settings=SETTINGS)
    attempts = []
    with pytest.raises(errors.Unreachable):
        async for item in api.stream_replica_events("r1", max_attempts=3):
            if isinstance(item, Reconnecting):
                attempts.append(item.attempt)
    assert attempts == [1, 2, 3]


@respx.mock
async def test_announce_open_marks_the_first_connection_too():
    respx.get(EVENTS_URL).mock(return_value=stream_response(sse(event(1))))
    api = AsyncReplicaAPI("k", settings=SETTINGS)
    items = await collect(api.stream_replica_events("r1", reconnect=False, announce_open=True), 5)
    assert isinstance(items[0], Reconnected) and items[0].attempt == 0
    assert items[1].id == "ev-1"


def test_reconnect_delay_never_comes_before_retry_after():
    from portal.replica_api.sse import reconnect_delay

    for attempt in range(1, 8):
        assert all(reconnect_delay(attempt, 0.25, 30, retry_after=4) >= 4 for _ in range(50))
        backoff = min(30, 0.25 * 2**attempt)
        delays = [reconnect_delay(attempt, 0.25, 30) for _ in range(50)]
        assert all(backoff / 2 <= d <= backoff for d in delays)
    assert reconnect_delay(1, 0.25, 30, retry_after=600) == 30  # capped like the backoff
