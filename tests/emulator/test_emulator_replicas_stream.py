"""The replica event stream: a turn's events in order, queueing, Last-Event-ID replay, dropped
streams and client reconnects, subscriber cleanup. Every event is also validated against the
spec's EngineEvent schema by the emulator's contract checker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import httpx
import pytest

from portal.replica_api import Reconnecting, StreamEvent
from portal.replica_api.sse import parse_engine_event
from tests.conftest import ORG_KEY
from tests.emulator.test_emulator_replicas import client, create, wait_for, wait_idle

pytestmark = pytest.mark.emulator
AUTH = {"Authorization": f"Bearer {ORG_KEY}"}


class Stream:
    """A raw SSE reader (httpx) that collects events from a background task."""

    def __init__(self, emulator, replica_id: str, last_event_id: str | None = None) -> None:
        self.url = f"{emulator.url}/v1/replica/{replica_id}/events"
        self.headers = dict(AUTH)
        if last_event_id:
            self.headers["Last-Event-ID"] = last_event_id
        self.events: list[dict] = []
        self.ids: list[str] = []
        self.connected = asyncio.Event()
        self.closed = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.status: int | None = None

    async def _run(self) -> None:
        async with (
            httpx.AsyncClient(timeout=30) as c,
            c.stream("GET", self.url, headers=self.headers) as r,
        ):
            self.status = r.status_code
            if r.status_code != 200:
                self.connected.set()
                return
            event_id = None
            try:
                async for line in r.aiter_lines():
                    if line.startswith(":"):
                        self.connected.set()
                    elif line.startswith("id:"):
                        event_id = line[3:].strip()
                    elif line.startswith("data:"):
                        data = json.loads(line[5:])
                        self.events.append(data)
                        self.ids.append(event_id)
            except httpx.HTTPError:
                pass
            finally:
                self.closed.set()

    async def __aenter__(self) -> Stream:
        self.task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.connected.wait(), 10)
        return self

    async def __aexit__(self, *exc) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    async def until(self, event_type: str, count: int = 1, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while self.types().count(event_type) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {count}x {event_type}; got {self.types()}")
            await asyncio.sleep(0.02)


async def post(emulator, path: str, body: dict | None = None) -> httpx.Response:
    async with httpx.AsyncClient(base_url=emulator.url, headers=AUTH, timeout=30) as c:
        return await c.post(path, json=body)


def _text(event: dict) -> str:
    """The assistant text carried by a claude-assistant delta, if any."""
    inner = event["payload"]["event"]
    if inner["type"] != "claude-assistant":
        return ""
    return "".join(
        b.get("text", "") for b in inner["payload"]["message"]["content"] if b["type"] == "text"
    )


async def test_a_message_streams_a_whole_turn_in_order(emulator):
    c = client(emulator)
    rid = create(c)["id"]
    wait_idle(c, rid)
    chat = c.post(
        f"/v1/replica/{rid}/chats", json={"provider": "claude", "clientRequestId": "req-7"}
    ).json()
    async with Stream(emulator, rid) as stream:
        await stream.until("engine.status.changed")
        assert stream.events[0]["type"] == "engine.status.changed"  # snapshot on connect
        sent = (
            await post(
                emulator,
                f"/v1/replica/{rid}/messages",
                {"message": "Fix the flaky session refresh", "chat_id": chat["id"]},
            )
        ).json()
        await stream.until("chat.turn.completed")
    events = [e for e in stream.events if e["payload"].get("chatId", chat["id"]) == chat["id"]]
    types = [e["type"] for e in events]
    accepted = events[types.index("chat.turn.accepted")]["payload"]
    assert accepted == {
        "chatId": chat["id"],
        "messageId": sent["message_id"],
        "queued": False,
        "position": 0,
    }
    order = [
        "chat.turn.accepted",
        "chat.turn.started",
        "chat.turn.delta",
        "repo.status.changed",
        "chat.turn.completed",
    ]
    positions = [types.index(t) for t in order]
    assert positions == sorted(positions), types
    deltas = [e for e in events if e["type"] == "chat.turn.delta"]
    texts = [t for t in map(_text, deltas) if t]
    assert len(texts) >= 3, "the answer arrives in pieces"
    stamps = [e["ts"] for e in deltas]
    assert stamps == sorted(stamps) and stamps[0] != stamps[-1], "pieces spread over time"
    blocks = [
        b
        for d in deltas
        for b in d["payload"]["event"]["payload"].get("message", {}).get("content", [])
    ]
    assert {"thinking", "text", "tool_use", "tool_result"} <= {b["type"] for b in blocks}
    repo = next(e for e in events if e["type"] == "repo.status.changed")["payload"]["repos"][0]
    assert repo["gitDiff"]["added"] > 0 and repo["gitDiff"]["fullDiff"].startswith("diff --git")
    assert repo["prUrls"] and repo["prUrls"][0].startswith("https://github.com/acme/web/pull/")
    assert events[types.index("chat.turn.completed")]["payload"] == {
        "chatId": chat["id"],
        "isComplete": True,
    }
    # ids are unique, per replica and monotonic; the SSE `id:` line carries the same id.
    seqs = [int(i.rsplit("-", 1)[1]) for i in stream.ids]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert stream.ids == [e["id"] for e in stream.events]
    # Every event parses into the portal's EngineEvent models.
    assert all(parse_engine_event(e) is not None for e in stream.events)
    # The same agent events are in the history afterwards.
    history = c.get(f"/v1/replica/{rid}/history", params={"chat_id": chat["id"]}).json()
    assert [h["payload"] for h in history["events"]] == [d["payload"]["event"] for d in deltas]


async def test_messages_while_busy_are_queued_then_drain(emulator):
    c = client(emulator)
    rid = create(c)["id"]
    wait_idle(c, rid)
    chat = c.post(f"/v1/replica/{rid}/chats", json={"provider": "codex"}).json()
    async with Stream(emulator, rid) as stream:
        answers = []
        for text in ("one", "two", "three"):
            r = await post(
                emulator, f"/v1/replica/{rid}/messages", {"message": text, "chat_id": chat["id"]}
            )
            answers.append(r.json())
        await stream.until("chat.turn.completed", 3, timeout=20)
    accepted = [e["payload"] for e in stream.events if e["type"] == "chat.turn.accepted"]
    assert [(a["queued"], a["position"]) for a in accepted] == [(False, 0), (True, 1), (True, 2)]
    started = [e["payload"]["messageId"] for e in stream.events if e["type"] == "chat.turn.started"]
    assert started == [a["message_id"] for a in answers]


async def test_new_replica_streams_preparing_to_ready(emulator):
    c = client(emulator)
    emulator.control("config", {"prepare_s": 1.5})
    try:
        rid = create(c, wait=False)["id"]
        async with Stream(emulator, rid) as stream:
            await stream.until("chat.turn.completed", timeout=20)
    finally:
        emulator.control("config", {"prepare_s": 0.5})
    types = stream.types()
    for earlier, later in [
        ("hooks.started", "hooks.completed"),
        ("repo.discovered", "engine.ready"),
        ("engine.ready", "chat.turn.accepted"),
        ("chat.turn.started", "chat.turn.completed"),
    ]:
        assert types.index(earlier) < types.index(later), types
    assert stream.events[types.index("engine.ready")]["payload"]["version"]


async def test_last_event_id_replays_what_was_missed(emulator):
    c = client(emulator)
    rid = create(c)["id"]
    wait_idle(c, rid)
    async with Stream(emulator, rid) as first:
        await post(emulator, f"/v1/replica/{rid}/messages", {"message": "replay me"})
        await first.until("chat.turn.completed")
    cut = first.types().index("chat.turn.started")
    async with Stream(emulator, rid, last_event_id=first.ids[cut]) as resumed:
        await resumed.until("chat.turn.completed")
    # Up to the turn's end: either stream may have read a few later events before it closed.
    end = first.types().index("chat.turn.completed")
    expected = first.events[cut + 1 : end + 1]
    assert resumed.events[: len(expected)] == expected
    assert resumed.events[0]["id"] == first.ids[cut + 1]


async def test_dropped_streams_reconnect_with_the_client(emulator, aapi):
    c = client(emulator)
    rid = create(c)["id"]
    wait_idle(c, rid)
    got: list = []

    async def read():
        async for item in aapi.stream_replica_events(rid):
            got.append(item)
            kinds = [i.type for i in got if isinstance(i, StreamEvent)]
            if "chat.turn.completed" in kinds:
                return

    reader = asyncio.create_task(read())
    await wait_async(lambda: any(isinstance(i, StreamEvent) for i in got))
    dropped = await post(emulator, f"/_emulator/replicas/{rid}/drop-streams")
    assert dropped.json()["dropped"] == 1
    await wait_async(lambda: any(isinstance(i, Reconnecting) for i in got))
    await wait_async(lambda: emulator.control(f"replicas/{rid}")["streams"] == 1)
    await post(emulator, f"/v1/replica/{rid}/messages", {"message": "after the drop"})
    await asyncio.wait_for(reader, 20)
    ids = [i.id for i in got if isinstance(i, StreamEvent)]
    assert len(ids) == len(set(ids)), "no event twice after resuming"


async def test_closed_streams_are_cleaned_up(emulator):
    c = client(emulator)
    rid = create(c)["id"]
    async with Stream(emulator, rid), Stream(emulator, rid):
        assert emulator.control(f"replicas/{rid}")["streams"] == 2
    await wait_async(lambda: emulator.control(f"replicas/{rid}")["streams"] == 0, timeout=10)


async def test_deleting_a_replica_ends_its_streams_and_unknown_ids_are_404(emulator):
    c = client(emulator)
    rid = create(c)["id"]
    async with Stream(emulator, rid) as stream:
        c.delete(f"/v1/replica/{rid}")
        await asyncio.wait_for(stream.closed.wait(), 5)
    async with Stream(emulator, rid) as gone:
        pass
    assert gone.status == 404


async def wait_async(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def test_wait_for_helper_times_out():
    with pytest.raises(AssertionError):
        wait_for(lambda: False, timeout=0.1)
