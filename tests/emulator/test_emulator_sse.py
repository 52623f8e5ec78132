"""The emulator's SSE writer: what it sets up for a stream is undone however the stream ends,
including a client that leaves right after `: connected`, before the source ever started."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from portal.emulator.sse import _with_heartbeats


class _Request:
    async def is_disconnected(self) -> bool:
        return False


async def _never_started():
    yield {"type": "x"}  # pragma: no cover - the point is that this never runs


async def test_on_close_runs_when_the_client_leaves_before_the_source_starts():
    closed = SimpleNamespace(count=0)
    stream = _with_heartbeats(_Request(), _never_started(), 1.0, None, on_close=_bump(closed))
    assert await stream.__anext__() == b": connected\n\n"
    await stream.aclose()
    assert closed.count == 1


async def test_on_close_runs_when_a_waiting_stream_is_cancelled():
    closed = SimpleNamespace(count=0)
    quiet = asyncio.Event()

    async def waits_forever():
        await quiet.wait()
        yield {"type": "x"}

    stream = _with_heartbeats(_Request(), waits_forever(), 5.0, None, on_close=_bump(closed))
    await stream.__anext__()
    reader = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.05)
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
    await stream.aclose()
    assert closed.count == 1


async def test_events_and_the_end_of_the_source_close_once():
    closed = SimpleNamespace(count=0)

    async def two():
        yield {"id": "r-1", "type": "a"}
        yield {"id": "r-2", "type": "b"}

    chunks = [c async for c in _with_heartbeats(_Request(), two(), 1.0, None, _bump(closed))]
    assert chunks[1].startswith(b"id: r-1\ndata: ")
    assert chunks[2].startswith(b"id: r-2\ndata: ")
    assert closed.count == 1


def _bump(counter):
    def bump() -> None:
        counter.count += 1

    return bump
