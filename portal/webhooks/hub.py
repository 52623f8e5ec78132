"""Getting a user's notifications to every browser tab they have open, in any portal process.

    hub().publish(user_id, {"kind": "count", "count": 3})     # any thread, sync
    async with hub().subscribe(user_id) as sub:               # the user's event stream
        message = await sub.get(timeout=15)                   # None when quiet

- With `REDIS_URL` set, a message is published on one Redis channel, and every portal
  process listens to it (one Redis subscription per process and event loop, started with its
  first subscriber and stopped with its last) and hands it to its own subscribers for that
  user. So a webhook received by one process reaches a tab connected to another.
- Without it (the embedded default: one process), messages go straight to this process's
  subscribers.
- A subscriber's queue is bounded: a tab too slow to read loses the oldest messages, never
  the stream (each message carries the unread count, so the badge is right with the next).
- When Redis fails, publishing falls back to this process (logged), and the listener
  reconnects with backoff and then tells its subscribers to `resync` (they re-read what they
  may have missed from the database).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import threading
from functools import lru_cache

from django.conf import settings

log = logging.getLogger("portal.webhooks.hub")

QUEUE_SIZE = 100
RESYNC = {"kind": "resync"}


def channel() -> str:
    """One channel per deployment (its secret key and database): portals sharing a Redis
    for something else don't hear each other."""
    name = str(settings.DATABASES["default"].get("NAME", ""))
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{name}".encode()).hexdigest()[:16]
    return f"portal:notifications:{digest}"


@lru_cache(maxsize=4)
def _sync_redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


class Subscriber:
    def __init__(self, user_id: int, loop: asyncio.AbstractEventLoop) -> None:
        self.user_id = user_id
        self.loop = loop
        self.queue: asyncio.Queue[dict] = asyncio.Queue(maxsize=QUEUE_SIZE)

    def put(self, message: dict) -> None:
        """On the subscriber's loop."""
        if self.queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
        self.queue.put_nowait(message)

    async def get(self, timeout: float) -> dict | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None


class _Listener:
    """The Redis subscription of one event loop."""

    def __init__(self) -> None:
        self.task: asyncio.Task | None = None
        self.ready = asyncio.Event()
        self.users = 0


class Hub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[int, set[Subscriber]] = {}
        self._listeners: dict[asyncio.AbstractEventLoop, _Listener] = {}

    # --- publishing (any thread) --------------------------------------------------------

    def publish(self, user_id: int, message: dict) -> None:
        message = {**message, "user": user_id}
        url = settings.REDIS_URL
        if url:
            try:
                _sync_redis(url).publish(channel(), json.dumps(message))
                return
            except Exception as exc:  # noqa: BLE001  (redis errors, timeouts: deliver locally)
                log.warning(
                    "publishing a notification on Redis failed (%s): delivered in this "
                    "process only",
                    type(exc).__name__,
                )
        self.deliver(message)

    def deliver(self, message: dict, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Hand a message to this process's subscribers for its user (those on `loop`)."""
        user_id = message.get("user")
        with self._lock:
            subs = [s for s in self._subs.get(user_id, ()) if loop is None or s.loop is loop]
        for sub in subs:
            try:
                sub.loop.call_soon_threadsafe(sub.put, message)
            except RuntimeError:  # its loop is closed: the stream is gone
                self._remove(sub)

    def _broadcast(self, loop: asyncio.AbstractEventLoop, message: dict) -> None:
        with self._lock:
            subs = [s for group in self._subs.values() for s in group if s.loop is loop]
        for sub in subs:
            sub.put(message)

    def has_subscribers(self) -> bool:
        with self._lock:
            return bool(self._subs)

    # --- subscribing (async) ------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def subscribe(self, user_id: int):
        loop = asyncio.get_running_loop()
        sub = Subscriber(user_id, loop)
        with self._lock:
            self._subs.setdefault(user_id, set()).add(sub)
        listener = None
        try:
            if settings.REDIS_URL:
                listener = self._listener(loop)
                listener.users += 1
                with contextlib.suppress(TimeoutError):
                    # Subscribed before the stream starts, so nothing published from now on
                    # is missed (a down Redis doesn't hold the stream up for long).
                    await asyncio.wait_for(listener.ready.wait(), 3)
            yield sub
        finally:
            self._remove(sub)
            if listener is not None:
                listener.users -= 1
                if listener.users <= 0 and listener.task is not None:
                    listener.task.cancel()
                    self._listeners.pop(loop, None)

    def _remove(self, sub: Subscriber) -> None:
        with self._lock:
            group = self._subs.get(sub.user_id)
            if group is not None:
                group.discard(sub)
                if not group:
                    del self._subs[sub.user_id]

    def _listener(self, loop: asyncio.AbstractEventLoop) -> _Listener:
        listener = self._listeners.get(loop)
        if listener is None or listener.task is None or listener.task.done():
            listener = _Listener()
            listener.task = loop.create_task(self._listen(loop, listener))
            self._listeners[loop] = listener
        return listener

    async def _listen(self, loop: asyncio.AbstractEventLoop, listener: _Listener) -> None:
        import redis.asyncio as aredis

        backoff = 0.5
        lost = False
        while True:
            client = aredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(channel())
                    listener.ready.set()
                    if lost:
                        log.info("notifications: Redis subscription restored")
                        self._broadcast(loop, RESYNC)
                        lost = False
                    backoff = 0.5
                    async for item in pubsub.listen():
                        if item.get("type") != "message":
                            continue
                        try:
                            message = json.loads(item["data"])
                        except (ValueError, TypeError):
                            continue
                        if isinstance(message, dict):
                            self.deliver(message, loop)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001  (connection lost: retry)
                if not lost:
                    log.warning(
                        "notifications: the Redis subscription failed (%s); retrying",
                        type(exc).__name__,
                    )
                lost = True
                listener.ready.clear()
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30)


_hub = Hub()


def hub() -> Hub:
    return _hub
