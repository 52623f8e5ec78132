"""Login throttling, counted in Django's cache so every portal process shares the counts
(local memory by default; Redis when REDIS_URL is set).

Failures are counted per username (case-folded) and per client IP over a window. After a
few failures each further attempt has to wait, the wait doubling each time ("slow down");
after more, sign-in is blocked outright for a while. A blocked attempt is refused before
the password is checked, whether or not the username exists, so throttling says nothing
about which accounts exist. A successful sign-in clears the username's count (not the IP's).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

DEFAULTS = {
    "WINDOW": 15 * 60,  # seconds over which failures are counted
    "USERNAME_SLOW_AFTER": 3,  # failures before attempts must wait
    "USERNAME_BLOCK_AFTER": 10,  # failures before sign-in is blocked
    "IP_SLOW_AFTER": 10,
    "IP_BLOCK_AFTER": 50,
    "MAX_DELAY": 60,  # the longest "slow down" wait, seconds
    "BLOCK_SECONDS": 15 * 60,
}


def config() -> dict[str, int]:
    return {**DEFAULTS, **getattr(settings, "LOGIN_THROTTLE", {})}


@dataclass(frozen=True)
class Throttled:
    seconds: int
    blocked: bool

    @property
    def message(self) -> str:
        if self.blocked:
            minutes = max(1, math.ceil(self.seconds / 60))
            unit = "minute" if minutes == 1 else "minutes"
            return (
                "Sign-in is blocked after too many failed attempts. "
                f"Try again in {minutes} {unit}, or ask an admin to reset your password."
            )
        unit = "second" if self.seconds == 1 else "seconds"
        return f"Too many failed sign-in attempts. Wait {self.seconds} {unit} before trying again."


def client_ip(request) -> str:
    """REMOTE_ADDR, or with NUM_PROXIES trusted proxies in front, the address the outermost
    of them saw (counted from the right of X-Forwarded-For, which a client can't forge)."""
    proxies = getattr(settings, "NUM_PROXIES", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _subjects(request, username: str) -> list[tuple[str, int, int]]:
    """(cache key stem, slow-after, block-after) for the username and the IP."""
    conf = config()
    name = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    ip = hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    return [
        (f"login-throttle:user:{name}", conf["USERNAME_SLOW_AFTER"], conf["USERNAME_BLOCK_AFTER"]),
        (f"login-throttle:ip:{ip}", conf["IP_SLOW_AFTER"], conf["IP_BLOCK_AFTER"]),
    ]


def check(request, username: str) -> Throttled | None:
    """None if an attempt may go ahead now; otherwise how long to wait and why."""
    now = time.time()
    stems = [stem for stem, _, _ in _subjects(request, username)]
    holds = cache.get_many([f"{stem}:{kind}" for stem in stems for kind in ("block", "wait")])
    worst: Throttled | None = None
    for cache_key, until in holds.items():
        remaining = math.ceil(until - now)
        if remaining <= 0:
            continue
        candidate = Throttled(seconds=remaining, blocked=cache_key.endswith(":block"))
        if worst is None or (candidate.blocked, candidate.seconds) > (
            worst.blocked,
            worst.seconds,
        ):
            worst = candidate
    return worst


def _increment(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def record_failure(request, username: str) -> None:
    conf = config()
    now = time.time()
    for stem, slow_after, block_after in _subjects(request, username):
        failures = _increment(f"{stem}:count", conf["WINDOW"])
        if failures >= block_after:
            seconds = conf["BLOCK_SECONDS"]
            cache.set(f"{stem}:block", now + seconds, timeout=seconds)
        elif failures >= slow_after:
            seconds = min(conf["MAX_DELAY"], 2 ** (failures - slow_after))
            cache.set(f"{stem}:wait", now + seconds, timeout=seconds)


def record_success(request, username: str) -> None:
    stem = _subjects(request, username)[0][0]
    cache.delete_many([f"{stem}:count", f"{stem}:wait"])
