"""Async Server-Sent Events reader for the API's streams.

- `GET /v1/replica/{id}/events` (EngineEvent), `GET /v1/warm-pool-workspaces/{id}/stream`:
  reconnect with backoff when the stream drops, resuming with `Last-Event-ID`.
- `POST .../start-hooks/test/stream`, `POST .../warm-hooks/save-test/stream`: never
  reconnected (a second POST would run the hook again); a drop raises Unreachable.

Heartbeats (SSE comments and `heartbeat`/`ping` events) are skipped. Each `data:` line is
parsed as JSON; for replica events it is validated into the spec's EngineEvent models (an
event type the spec doesn't know yet arrives with `model=None` instead of failing).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_sse import SSEError, aconnect_sse
from pydantic import TypeAdapter, ValidationError

from . import errors, models
from .transport import Call, Settings, async_pool, request_headers, timeout, unreachable

log = logging.getLogger("portal.replica_api.sse")

HEARTBEAT_EVENTS = frozenset({"heartbeat", "ping", "keepalive"})


@dataclass(frozen=True)
class StreamEvent:
    """One event: the SSE `id` (or the payload's `id`), its type, the JSON, and the model."""

    id: str | None
    type: str
    data: Any
    model: Any = None


@dataclass(frozen=True)
class Reconnecting:
    """Yielded (not raised) before each reconnect, so a relay can show "reconnecting…"."""

    attempt: int
    delay: float
    error: errors.ReplicaAPIError


@dataclass(frozen=True)
class Reconnected:
    """Yielded when a stream is open again after `Reconnecting`: the relay is live again."""

    attempt: int


_OPEN = object()  # internal: the connection is open and the stream has started
_engine_event = TypeAdapter(models.EngineEvent)


def parse_engine_event(data: Any) -> Any:
    try:
        return _engine_event.validate_python(data).root
    except ValidationError:
        return None


def _to_event(sse_id: str | None, sse_event: str, raw: str, typed: bool) -> StreamEvent | None:
    if sse_event in HEARTBEAT_EVENTS:
        return None
    if not raw.strip():
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        data = raw
    event_type = sse_event if sse_event and sse_event != "message" else ""
    event_id = sse_id or None
    if isinstance(data, dict):
        event_type = str(data.get("type") or event_type or "message")
        event_id = event_id or (str(data["id"]) if data.get("id") is not None else None)
    if event_type in HEARTBEAT_EVENTS:
        return None
    model = parse_engine_event(data) if typed and isinstance(data, dict) else None
    return StreamEvent(id=event_id, type=event_type or "message", data=data, model=model)


def reconnect_delay(
    attempt: int, base: float, max_backoff: float, retry_after: float | None = None
) -> float:
    """Seconds to wait before reconnect number `attempt`: exponential backoff with jitter
    (half fixed, half random), capped at `max_backoff`, and never sooner than the server's
    Retry-After (itself capped at `max_backoff`)."""
    backoff = min(max_backoff, base * (2 ** min(attempt, 10)))
    delay = backoff / 2 + random.uniform(0, backoff / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, max_backoff))
    return delay


async def _read_once(
    settings: Settings, api_key: str, call: Call, typed: bool, last_event_id: str | None
) -> AsyncIterator[Any]:
    pool = async_pool(settings)
    headers = request_headers(
        api_key, {**call.headers, "Accept": "text/event-stream"}, call.authenticated
    )
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    async with aconnect_sse(
        pool,
        call.method,
        call.path,
        params=call.params,
        json=call.json,
        headers=headers,
        timeout=timeout(settings, stream=True),
    ) as source:
        response = source.response
        if response.status_code >= 400:
            await response.aread()
            raise errors.error_from_response(response, call.operation)
        if "text/event-stream" not in response.headers.get("content-type", ""):
            await response.aread()
            raise errors.InvalidResponse(
                "Expected an event stream.", status=response.status_code, operation=call.operation
            )
        yield _OPEN
        async for sse in source.aiter_sse():
            event = _to_event(sse.id, sse.event, sse.data, typed)
            if event is not None:
                yield event


async def stream_events(
    settings: Settings,
    api_key: str,
    call: Call,
    *,
    typed: bool = False,
    reconnect: bool = True,
    last_event_id: str | None = None,
    max_attempts: int | None = None,
    max_backoff: float = 30.0,
    announce_open: bool = False,
) -> AsyncIterator[StreamEvent | Reconnecting | Reconnected]:
    """Yield events; on a drop, yield `Reconnecting` and resume from the last event id
    (then `Reconnected` once the stream is open again).

    Errors that a retry cannot fix (400/401/403/404/409) are raised at once. A stream the
    server closes cleanly is treated as a drop too when `reconnect` is on (the replica
    event stream has no natural end). `max_attempts` bounds consecutive failed attempts.
    `announce_open` yields `Reconnected(0)` when the first connection opens too (for a
    caller that runs its own reconnect loop and must know when it is live again).
    """
    attempt = 0
    while True:
        try:
            # aclosing: a caller that stops between events closes the upstream connection
            # now, not when the garbage collector gets to the reader.
            async with aclosing(
                _read_once(settings, api_key, call, typed, last_event_id)
            ) as reader:
                async for event in reader:
                    if event is _OPEN:
                        if attempt or announce_open:
                            yield Reconnected(attempt)
                        continue
                    # Back-off resets only once the stream really delivers: one that opens and
                    # drops at once keeps backing off (and counts toward max_attempts).
                    attempt = 0
                    if event.id:
                        last_event_id = event.id
                    yield event
            if not reconnect:
                return
            error: errors.ReplicaAPIError = errors.Unreachable(
                "The event stream ended.", operation=call.operation
            )
        except (httpx.HTTPError, SSEError) as exc:
            if isinstance(exc, SSEError):
                error = errors.InvalidResponse(str(exc), operation=call.operation)
            else:
                error = unreachable(call, exc)
            if not reconnect:
                raise error from None
        except errors.ReplicaAPIError as exc:
            if not reconnect or not (
                isinstance(exc, errors.Unreachable)
                or (exc.status is not None and (exc.status >= 500 or exc.status == 429))
            ):
                raise
            error = exc
        attempt += 1
        if max_attempts is not None and attempt > max_attempts:
            raise error
        delay = reconnect_delay(attempt, settings.backoff_base, max_backoff, error.retry_after)
        log.info("%s stream dropped (%s); reconnecting in %.2fs", call.operation, error, delay)
        yield Reconnecting(attempt=attempt, delay=delay, error=error)
        await asyncio.sleep(delay)
