"""Upstream timing (`SERVER_TIMING`, `make bench`): the wall-clock time with a call in flight,
concurrent calls counted once, in tasks and threads of the same request."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from portal.replica_api.timing import ServerTiming, measure_upstream, track


def test_nothing_is_measured_without_a_timer():
    with track():
        pass  # no timer set: no error, nothing recorded


async def test_concurrent_calls_count_once_and_the_slowest_is_kept():
    async def call(seconds: float) -> None:
        with track():
            await asyncio.sleep(seconds)

    with measure_upstream() as timer:
        started = time.perf_counter()
        await asyncio.gather(call(0.05), call(0.1))
        elapsed = time.perf_counter() - started
    assert timer.calls == 2
    assert 0.1 <= timer.busy <= elapsed
    assert timer.slowest == pytest.approx(timer.busy, abs=0.01)


def test_calls_made_in_threads_of_the_request_count():
    import contextvars

    with measure_upstream() as timer:
        context = contextvars.copy_context()

        def call() -> None:
            with track():
                time.sleep(0.02)

        worker = threading.Thread(target=context.run, args=(call,))
        worker.start()
        worker.join()
    assert timer.calls == 1
    assert timer.busy >= 0.02


async def test_the_asgi_wrapper_adds_server_timing():
    async def app(scope, receive, send):
        with track():
            await asyncio.sleep(0.01)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sent = []

    async def send(message):
        sent.append(message)

    await ServerTiming(app)({"type": "http"}, None, send)
    headers = dict(sent[0]["headers"])
    value = headers[b"server-timing"].decode()
    assert value.startswith("app;dur=")
    assert "upstream;dur=" in value and 'desc="1 calls"' in value
