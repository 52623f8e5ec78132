"""Reachability of the Replica API, for /healthz: no key needed, none sent."""

from __future__ import annotations

import time

import httpx

from .transport import Settings, default_settings, sync_pool


def probe(settings: Settings | None = None, timeout: float = 2.0) -> dict:
    """Any HTTP answer below 500 (401 included) means reachable. A failure is said in plain
    words ("no answer in time", "unreachable"): never an exception class name."""
    settings = settings or default_settings()
    started = time.monotonic()
    try:
        response = sync_pool(settings).get("/v1/replica", timeout=timeout)
    except httpx.TimeoutException:
        return {"url": settings.base_url, "reachable": False, "error": "no answer in time"}
    except httpx.HTTPError:
        return {"url": settings.base_url, "reachable": False, "error": "unreachable"}
    return {
        "url": settings.base_url,
        "reachable": response.status_code < 500,
        "status": response.status_code,
        "latency_ms": round((time.monotonic() - started) * 1000, 1),
    }
