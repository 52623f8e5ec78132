"""The hub: a user's messages reach their subscribers in this process, and, through Redis,
in another process (here: another Hub, as each process has its own)."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest

from portal.webhooks.hub import Hub, channel

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


needs_redis = pytest.mark.skipif(
    not redis_answers(), reason="Redis does not answer on 127.0.0.1:6379 (the cross-process "
    "delivery test needs one; the in-process one runs without)"
)  # fmt: skip


async def test_in_process_a_users_messages_reach_only_their_subscribers(settings):
    settings.REDIS_URL = ""
    hub = Hub()
    async with hub.subscribe(1) as mine, hub.subscribe(2) as theirs:
        # Published from another thread, as the receiver (a sync view) does.
        thread = threading.Thread(target=hub.publish, args=(1, {"kind": "count", "count": 4}))
        thread.start()
        thread.join()
        assert await mine.get(2) == {"kind": "count", "count": 4, "user": 1}
        assert await theirs.get(0.2) is None
    assert not hub.has_subscribers()


async def test_a_slow_subscriber_loses_the_oldest_messages_not_the_stream(settings):
    settings.REDIS_URL = ""
    hub = Hub()
    async with hub.subscribe(1) as sub:
        for n in range(150):
            hub.publish(1, {"kind": "count", "count": n})
        await asyncio.sleep(0.05)
        first = await sub.get(1)
        assert first["count"] == 50  # the queue keeps the newest 100
        assert sub.queue.qsize() == 99


@needs_redis
async def test_through_redis_a_message_reaches_another_process(settings):
    settings.REDIS_URL = REDIS_URL
    receiving, sending = Hub(), Hub()  # two processes' hubs
    async with receiving.subscribe(7) as sub:
        sending.publish(7, {"kind": "count", "count": 1})
        assert await sub.get(3) == {"kind": "count", "count": 1, "user": 7}
    # The subscription ends with the last subscriber of the loop.
    await asyncio.sleep(0.05)
    assert not receiving._listeners


async def test_with_redis_down_messages_still_reach_this_process(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    hub = Hub()
    async with hub.subscribe(3) as sub:
        hub.publish(3, {"kind": "count", "count": 2})
        assert (await sub.get(2))["count"] == 2


def test_the_channel_is_the_deployments_own(settings):
    first = channel()
    settings.SECRET_KEY = "another-deployment-" + "x" * 40
    assert channel() != first and channel().startswith("portal:notifications:")
