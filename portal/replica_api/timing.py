"""How long a request waited for the Replica API: for `make bench` and `SERVER_TIMING`.

    with measure_upstream() as timer:      # the ASGI wrapper in portal/asgi.py, per request
        ...                                # every call made meanwhile is counted
    timer.busy, timer.slowest, timer.calls

The timer lives in a context variable, so calls made in tasks (`asyncio.gather`) and in
`sync_to_async` threads of the same request count too. `busy` is wall-clock time with at least
one call in flight (concurrent calls are not added up), so the request's duration minus `busy`
is the portal's own time. Off (no timer set), `track()` costs one context-variable lookup.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar

_current: ContextVar[UpstreamTimer | None] = ContextVar("replica_api_upstream_timer", default=None)


class UpstreamTimer:
    def __init__(self) -> None:
        self.calls = 0
        self.busy = 0.0  # seconds with one call or more in flight
        self.slowest = 0.0  # the longest single call (seconds)
        self._in_flight = 0
        self._since = 0.0
        self._lock = threading.Lock()

    def start(self) -> float:
        now = time.perf_counter()
        with self._lock:
            if self._in_flight == 0:
                self._since = now
            self._in_flight += 1
        return now

    def stop(self, started: float) -> None:
        now = time.perf_counter()
        with self._lock:
            self._in_flight -= 1
            self.calls += 1
            self.slowest = max(self.slowest, now - started)
            if self._in_flight == 0:
                self.busy += now - self._since


@contextlib.contextmanager
def measure_upstream() -> Iterator[UpstreamTimer]:
    timer = UpstreamTimer()
    token = _current.set(timer)
    try:
        yield timer
    finally:
        _current.reset(token)


@contextlib.contextmanager
def track() -> Iterator[None]:
    """Around one HTTP exchange with the API (the transport's send)."""
    timer = _current.get()
    if timer is None:
        yield
        return
    started = timer.start()
    try:
        yield
    finally:
        timer.stop(started)


class ServerTiming:
    """ASGI wrapper (on with the SERVER_TIMING setting): each HTTP answer carries
    `Server-Timing: app;dur=…, upstream;dur=…;desc="N calls", upstream-slowest;dur=…`,
    where `app` is the time from the request's arrival to the answer's start."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        with measure_upstream() as timer:

            async def timed_send(message) -> None:
                if message["type"] == "http.response.start":
                    app_ms = (time.perf_counter() - started) * 1000
                    value = (
                        f"app;dur={app_ms:.2f}, upstream;dur={timer.busy * 1000:.2f};"
                        f'desc="{timer.calls} calls", '
                        f"upstream-slowest;dur={timer.slowest * 1000:.2f}"
                    )
                    headers = [*message.get("headers", []), (b"server-timing", value.encode())]
                    message = {**message, "headers": headers}
                await send(message)

            await self.app(scope, receive, timed_send)
