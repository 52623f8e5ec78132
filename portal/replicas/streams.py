"""Per-process fan-out of replica event streams.

One upstream `GET /v1/replica/{id}/events` per replica per portal process, shared by every
browser watching that replica; it opens with the first viewer and closes shortly after the
last one leaves (a grace period absorbs page reloads). The only per-process state the portal
keeps, by design: it is a cache of a live connection, rebuilt on demand.

Access is checked by the caller with the viewer's own key *before* subscribing; the shared
upstream runs with the key of the viewer who opened it.

    async with hub().subscribe(replica_id, client, last_event_id=...) as sub:
        async for item in sub:      # Rendered, or Reconnecting / Gap / Closed markers
            ...

Each upstream event is rendered ONCE, by the upstream's own renderer (a `ChatStream`, which
must see every event in order), and the resulting HTML is shared by every viewer: fan-out
costs a queue put per viewer, not a template render. A viewer resuming with an event id gets
the buffered renders after it; if that id isn't buffered (evicted, or this process never saw
it), the viewer gets a `Gap` and reloads its transcript from history.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from portal.replica_api import AsyncReplicaAPI, Reconnected, Reconnecting, StreamEvent, errors
from portal.replica_api.sse import reconnect_delay

log = logging.getLogger("portal.replicas.streams")

BUFFER_SIZE = 500  # recent events kept per replica, for viewers resuming with an event id
QUEUE_SIZE = 1000  # per viewer; a viewer this far behind is cut off and must resume
GRACE_SECONDS = 5.0
TURN_START = "chat.turn.started"
TURN_END = frozenset({"chat.turn.completed", "chat.interrupted"})


def event_chat_id(event: StreamEvent) -> str | None:
    """The chat an engine event concerns (`payload.chatId`), if any."""
    payload = event.data.get("payload") if isinstance(event.data, dict) else None
    chat_id = payload.get("chatId") if isinstance(payload, dict) else None
    return chat_id if isinstance(chat_id, str) else None


@dataclass(frozen=True)
class Rendered:
    """One upstream event and the HTML its renderer made of it ("" when nothing to show).

    `wire` caches what the relay sends for it (the same bytes for every viewer of a kind),
    so a thousand viewers cost one encoding, not a thousand."""

    id: str | None
    type: str
    chat_id: str | None
    html: str
    wire: dict[Any, bytes] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Gap:
    """The viewer missed events (too slow, the upstream dropped, or it resumed from an id
    no longer buffered): it should refill its transcript from history, and resume after
    `upto` (the newest event id now) if its connection to the portal breaks."""

    reason: str
    upto: str | None = None


@dataclass(frozen=True)
class CatchUp:
    """What follows is `chat_id`'s running turn from its start (from the buffer), for a
    viewer that joined mid-turn: it drops the partial turn its page got from history."""

    chat_id: str


@dataclass(frozen=True)
class Closed:
    """The upstream ended for good (e.g. 404/409/401); `error` says why."""

    error: errors.ReplicaAPIError


class Subscription:
    def __init__(self, upstream: _Upstream, api: AsyncReplicaAPI) -> None:
        self.upstream = upstream
        self.api = api  # this viewer's own client (its key was checked before joining)
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.cut_off = False

    def deliver(self, item: Any) -> None:
        if self.cut_off:
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            # Don't let one slow browser hold memory or slow the others: cut it off; it
            # reloads the transcript from history and resumes after the newest event.
            self.cut_off = True
            self.queue = asyncio.Queue(maxsize=2)
            self.queue.put_nowait(Gap("viewer fell behind", self.upstream.last_id))

    async def get(self, timeout: float | None = None) -> Any | None:
        """The next item, or None after `timeout` seconds of silence."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    def drain(self, limit: int = 100) -> list[Any]:
        """Whatever else is already waiting (up to `limit`), without waiting: a viewer
        that fell a little behind catches up in one write instead of many."""
        items = []
        while len(items) < limit:
            try:
                items.append(self.queue.get_nowait())
            except asyncio.QueueEmpty:
                break
        return items

    def is_last(self, item: Any) -> bool:
        """Whether nothing follows `item` for this viewer."""
        return isinstance(item, Closed) or (isinstance(item, Gap) and self.cut_off)


# A factory of renderers: each upstream gets its own (a `ChatStream` keeps per-chat state).
# A renderer may also have `async prepare(api, replica_id, event)`, awaited before the event
# is rendered, to fetch what rendering it needs (e.g. who sent a turn's message).
Renderer = Callable[[], Callable[[Any], str]]
PREPARE_TIMEOUT = 3.0


def _no_html() -> Callable[[Any], str]:
    return lambda event: ""


# Refusals that concern one key, not the replica: try another viewer's key.
KEY_REFUSALS = (errors.Unauthorized, errors.Forbidden)


def _retryable(error: errors.ReplicaAPIError) -> bool:
    return isinstance(error, errors.Unreachable) or (
        error.status is not None and (error.status >= 500 or error.status == 429)
    )


@dataclass
class _Upstream:
    replica_id: str
    render: Callable[[Any], str]
    subscribers: dict[Subscription, None] = field(default_factory=dict)  # in joining order
    buffer: deque[Rendered] = field(default_factory=lambda: deque(maxlen=BUFFER_SIZE))
    task: asyncio.Task | None = None
    closer: asyncio.TimerHandle | None = None
    reconnecting: bool = False
    closed: Closed | None = None
    max_backoff: float = 30.0

    @property
    def last_id(self) -> str | None:
        return self.buffer[-1].id if self.buffer else None

    def broadcast(self, item: Any) -> None:
        for sub in list(self.subscribers):
            sub.deliver(item)

    def _pick(self) -> Subscription | None:
        """The viewer whose key opens the stream: the latest to join (keys of viewers who
        left are never used again)."""
        return next(reversed(self.subscribers), None)

    async def run(self) -> None:
        """Read the replica's events with a current viewer's key, render each once, fan
        out. On a drop: reconnect with backoff (with whichever viewer's key is current),
        then have every viewer refill its transcript from history, since the API doesn't
        promise to replay what was missed. A key the API refuses ends that viewer's stream
        only; the others carry on with their own keys."""
        attempt = 0
        try:
            while self.subscribers:
                holder = self._pick()
                try:
                    async for item in holder.api.stream_replica_events(
                        self.replica_id, reconnect=False, announce_open=True
                    ):
                        if isinstance(item, Reconnected):
                            # Open. After a drop: live again, and every viewer refills from
                            # history what it may have missed.
                            if self.reconnecting:
                                self.reconnecting = False
                                self.broadcast(Reconnected(attempt))
                                self.broadcast(Gap("the live stream was interrupted", self.last_id))
                            continue
                        attempt = 0
                        await self._prepare(holder.api, item)
                        rendered = self._render(item)
                        self.buffer.append(rendered)
                        self.broadcast(rendered)
                    error: errors.ReplicaAPIError = errors.Unreachable("The event stream ended.")
                except KEY_REFUSALS as exc:
                    # This viewer's key can't read the replica (any more): end its stream.
                    holder.deliver(Closed(exc))
                    self.subscribers.pop(holder, None)
                    continue
                except errors.ReplicaAPIError as exc:
                    if not _retryable(exc):
                        raise
                    error = exc
                attempt += 1
                delay = reconnect_delay(attempt, 0.25, self.max_backoff, error.retry_after)
                self.reconnecting = True
                self.broadcast(Reconnecting(attempt, delay, error))
                log.info(
                    "replica %s events dropped (%s); retry in %.1fs", self.replica_id, error, delay
                )
                await asyncio.sleep(delay)
        except errors.ReplicaAPIError as exc:
            self.closed = Closed(exc)
            self.broadcast(self.closed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # never let a relay task die silently
            log.exception("replica %s event relay failed", self.replica_id)
            self.closed = Closed(errors.ReplicaAPIError(str(exc)))
            self.broadcast(self.closed)

    async def _prepare(self, api: AsyncReplicaAPI, event: StreamEvent) -> None:
        prepare = getattr(self.render, "prepare", None)
        if prepare is None:
            return
        try:
            await asyncio.wait_for(prepare(api, self.replica_id, event), PREPARE_TIMEOUT)
        except (errors.ReplicaAPIError, TimeoutError) as exc:
            # Rendering goes on without it (e.g. "You" instead of a sender's name).
            log.info("preparing %s event %s: %s", event.type, event.id, exc)

    def _render(self, event: StreamEvent) -> Rendered:
        chat_id = event_chat_id(event)
        try:
            html = str(self.render(event.data))
        except Exception:  # a renderer bug must not end the stream for everyone
            log.exception("rendering %s event %s failed", event.type, event.id)
            html = ""
        return Rendered(event.id, event.type, chat_id, html)

    def running_turn(self, chat_id: str) -> list[Rendered] | None:
        """The buffered events since `chat_id`'s running turn started; None when the chat
        isn't running a turn here or its start is no longer (or never was) buffered."""
        items = list(self.buffer)
        for index in range(len(items) - 1, -1, -1):
            item = items[index]
            if item.chat_id != chat_id:
                continue
            if item.type in TURN_END:
                return None
            if item.type == TURN_START:
                return items[index:]
        return None

    def replay_after(self, event_id: str | None) -> list[Any]:
        """Buffered renders after `event_id`; a Gap if that id isn't buffered here."""
        if not event_id:
            return []
        ids = [e.id for e in self.buffer]
        if event_id in ids:
            return list(self.buffer)[ids.index(event_id) + 1 :]
        return [Gap("resumed from an event this portal process no longer has", self.last_id)]


class StreamHub:
    def __init__(self, grace_seconds: float = GRACE_SECONDS) -> None:
        self.grace_seconds = grace_seconds
        self._upstreams: dict[tuple[str, str], _Upstream] = {}
        self.opened = 0  # upstream streams opened since start (benchmarks read it)

    def stats(self) -> dict[str, int]:
        return {
            "upstreams": len(self._upstreams),
            "viewers": sum(len(u.subscribers) for u in self._upstreams.values()),
            "opened": self.opened,
        }

    @contextlib.asynccontextmanager
    async def subscribe(
        self,
        replica_id: str,
        api: AsyncReplicaAPI,
        *,
        last_event_id: str | None = None,
        renderer: Renderer = _no_html,
        running_chat: str | None = None,
    ) -> AsyncIterator[Subscription]:
        """Join (or open) the replica's shared upstream. `api` is this viewer's own client,
        already known to be allowed to read the replica; the upstream (re)connects with the
        key of a viewer who is still watching. `running_chat`: the viewer's page shows that
        chat mid-turn; if this process has the turn from its start, the viewer gets it
        (`CatchUp`, then the turn's events) and follows it live from there."""
        key = (api.settings.base_url, replica_id)
        upstream = self._upstreams.get(key)
        if upstream is None or upstream.closed is not None:
            upstream = _Upstream(replica_id, renderer())
            self._upstreams[key] = upstream
        if upstream.closer is not None:
            upstream.closer.cancel()
            upstream.closer = None
        sub = Subscription(upstream, api)
        for item in upstream.replay_after(last_event_id):
            sub.deliver(item)
        if running_chat and not last_event_id:
            turn = upstream.running_turn(running_chat)
            if turn:
                sub.deliver(CatchUp(running_chat))
                for item in turn:
                    sub.deliver(item)
        if upstream.reconnecting:
            sub.deliver(Reconnecting(0, 0.0, errors.Unreachable("reconnecting")))
        upstream.subscribers[sub] = None
        if upstream.task is None or upstream.task.done():
            upstream.closed = None
            upstream.task = asyncio.get_running_loop().create_task(upstream.run())
            self.opened += 1
        try:
            yield sub
        finally:
            upstream.subscribers.pop(sub, None)
            if not upstream.subscribers:
                self._schedule_close(key, upstream)

    def _schedule_close(self, key: tuple[str, str], upstream: _Upstream) -> None:
        def close() -> None:
            if upstream.subscribers:
                return
            if upstream.task is not None:
                upstream.task.cancel()
            if self._upstreams.get(key) is upstream:
                del self._upstreams[key]

        if self.grace_seconds <= 0:
            close()
        else:
            upstream.closer = asyncio.get_running_loop().call_later(self.grace_seconds, close)


_hubs: dict[asyncio.AbstractEventLoop, StreamHub] = {}


def hub() -> StreamHub:
    """The hub of the running event loop (one per process under uvicorn)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        for stale in [lp for lp in _hubs if lp.is_closed()]:
            del _hubs[stale]
        found = _hubs[loop] = StreamHub()
    return found
