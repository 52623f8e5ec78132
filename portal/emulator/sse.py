"""Server-Sent Events for the emulator's streams.

    return event_stream(request, events(), schema="EngineEvent")

`events()` is an async iterator of dicts (each with an `id` for replica events); each is
written as `id: <id>\\ndata: <json>\\n\\n`. While the source is quiet, a `: ping` comment
goes out every `heartbeat_s` seconds. When the contract check is on (tests), every event is
validated against the named spec schema.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import StreamingResponse

from . import contract

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"}


def format_event(data: dict[str, Any], event_id: str | None = None) -> bytes:
    lines = []
    if event_id:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode()


async def _with_heartbeats(
    request: Request,
    source: AsyncIterator[dict[str, Any]],
    heartbeat_s: float,
    schema: str | None,
    on_close: Callable[[], None] | None,
) -> AsyncIterator[bytes]:
    iterator = source.__aiter__()
    pending: asyncio.Task | None = None
    try:
        yield b": connected\n\n"
        while True:
            if pending is None:
                pending = asyncio.ensure_future(iterator.__anext__())
            done, _ = await asyncio.wait({pending}, timeout=heartbeat_s)
            if not done:
                if await request.is_disconnected():
                    return
                yield b": ping\n\n"
                continue
            task, pending = pending, None
            try:
                event = task.result()
            except StopAsyncIteration:
                return
            if schema:
                contract.check_event(schema, event)
            yield format_event(event, event.get("id") if isinstance(event, dict) else None)
    finally:
        if pending is not None:
            # The source is mid-`__anext__` in that task: cancelling it closes the source
            # (its `finally` runs there); `aclose()` now would fail ("already running").
            pending.cancel()
        elif (aclose := getattr(iterator, "aclose", None)) is not None:
            await aclose()
        if on_close is not None:
            # Runs even when the source never started (a client gone right after
            # `: connected`), where the source's own `finally` would never run.
            on_close()


class _EventStreamResponse(StreamingResponse):
    """Closes its body iterator when done: Starlette leaves it suspended when the client
    disconnects while a chunk is being sent, and then the source's `finally` (e.g. dropping
    its subscription) would only run whenever the garbage collector gets to it."""

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()


def event_stream(
    request: Request,
    source: AsyncIterator[dict[str, Any]],
    *,
    schema: str | None = None,
    on_close: Callable[[], None] | None = None,
) -> StreamingResponse:
    """`on_close` undoes what was set up for the source outside of it (a subscription)."""
    heartbeat_s = request.app.state.store.config.heartbeat_s
    return _EventStreamResponse(
        _with_heartbeats(request, source, heartbeat_s, schema, on_close),
        media_type="text/event-stream",
        headers=HEADERS,
    )
