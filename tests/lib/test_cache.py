"""The local-memory cache's async calls answer on the event loop, like the sync ones."""

from __future__ import annotations

import threading

from portal.lib.cache import LocMemCache


async def test_async_calls_run_on_the_calling_thread(monkeypatch):
    cache = LocMemCache("test-fast-cache", {})
    threads = []
    real_get = LocMemCache.get

    def spying_get(self, *args, **kwargs):
        threads.append(threading.get_ident())
        return real_get(self, *args, **kwargs)

    monkeypatch.setattr(LocMemCache, "get", spying_get)
    assert await cache.aadd("k", 1) is True
    assert await cache.aadd("k", 2) is False
    assert await cache.aget("k") == 1
    await cache.aset_many({"a": 1, "b": 2})
    assert await cache.aget_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    assert await cache.aincr("a") == 2
    await cache.adelete("a")
    assert await cache.aget("a", "gone") == "gone"
    assert await cache.aget_or_set("x", 5) == 5
    assert threads and set(threads) == {threading.get_ident()}  # no worker thread
