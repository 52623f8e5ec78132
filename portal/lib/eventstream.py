"""The pieces every live relay to the browser shares (the chat panel, the hook consoles, the
warm pool's workspace output): Server-Sent Events written by hand, rendered as HTML for the
htmx SSE extension.

    return event_stream(relay(...))          # a StreamingHttpResponse with the right headers

- `sse(event, data, event_id)`: one SSE frame (multi-line data split into `data:` lines);
- `status_fragment(state, text)`: an out-of-band "live / reconnecting… / closed" box;
- `HEADERS`: no caching, no proxy buffering (and no GZip: the project has none, keep it so);
- `release_database()`: close this thread's database connections before a long stream, so
  none stays open while it runs (call it with `sync_to_async` before streaming starts);
- `with_pings(source, every)`: the items of an async iterator, with `None` yielded whenever
  it has been quiet for `every` seconds (the caller sends a `: ping` comment then), without
  ever cancelling the source's pending `__anext__` (which would end the source).

Upstream streams are opened inside the response's generator (`async with
contextlib.aclosing(api.stream_...(...))`), so a client that goes away cancels the generator
and with it the upstream connection; a `CancelledError` is never swallowed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator

from django.db import connections
from django.http import StreamingHttpResponse
from django.utils.html import escape

PING_SECONDS = 15.0
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
PING = b": ping\n\n"


def sse(event: str, data: str = "", event_id: str | None = None) -> str:
    lines = []
    if event_id:
        lines.append(f"id: {event_id}")
    lines.append(f"event: {event}")
    for line in (data or "").splitlines() or [""]:
        lines.append(f"data: {line}")
    return "\n".join(lines) + "\n\n"


def status_fragment(
    state: str, text: str, dom_id: str = "stream-status", css: str = "stream-status"
) -> str:
    """An out-of-band status box: `<span id=dom_id class="css css-<state>">text</span>`."""
    return (
        f'<span id="{dom_id}" hx-swap-oob="true" class="{css} stream-{state}"'
        f' role="status">{escape(text)}</span>'
    )


def release_database() -> None:
    """Close this thread's connections (outside a transaction) before a long stream."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close()


async def with_pings[T](
    source: AsyncIterable[T], every: float = PING_SECONDS
) -> AsyncIterator[T | None]:
    """`source`'s items, and `None` after every `every` seconds without one.

    The pending `__anext__` is waited on, never cancelled by the timeout; when this generator
    is closed or cancelled, it is cancelled and the source closed (its `finally` runs)."""
    iterator = aiter(source)
    pending: asyncio.Task | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(iterator))
            done, _ = await asyncio.wait({pending}, timeout=every)
            if not done:
                yield None
                continue
            task, pending = pending, None
            try:
                item = task.result()
            except StopAsyncIteration:
                return
            yield item
    finally:
        if pending is not None:
            # Cancelling the task cancels the source where it waits (its `finally` runs
            # there); wait for that, so the source is closed when this returns. Our own
            # cancellation, if it comes meanwhile, still propagates.
            pending.cancel()
            await asyncio.wait({pending})
            if not pending.cancelled():
                pending.exception()  # retrieved: an error while closing is not news
        else:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()


def event_stream(body: AsyncIterator[bytes]) -> StreamingHttpResponse:
    """The browser's end of a relay: `text/event-stream`, not cached, not buffered."""
    return StreamingHttpResponse(body, content_type="text/event-stream", headers=HEADERS)
