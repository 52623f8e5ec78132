"""The HTTP layer under both clients: pooling, timeouts, retries, error mapping, parsing.

One `httpx.Client` per process and one `httpx.AsyncClient` per event loop (an AsyncClient
belongs to the loop it was made on), both keep-alive pools shared by every caller. The API
key travels with each call; nothing here remembers it.

Retries: only for safe methods (GET, HEAD), only on 429/502/503 and on failures to connect
or time-outs, with exponential backoff and jitter, honouring Retry-After. A POST, PATCH,
PUT or DELETE is sent exactly once: a create that timed out may still have happened.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
import weakref
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
from pydantic import TypeAdapter, ValidationError

from . import errors
from .timing import track

log = logging.getLogger("portal.replica_api")

SAFE_METHODS = frozenset({"GET", "HEAD"})
RETRY_STATUSES = frozenset({429, 502, 503})
# A Retry-After longer than this is not waited out inside a page request: the caller gets
# RateLimited (with retry_after) and can say so.
MAX_RETRY_AFTER = 10.0
USER_AGENT = "replicas-portal/0.1"


@dataclass(frozen=True)
class Settings:
    base_url: str
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_retries: int = 2
    max_connections: int = 100
    backoff_base: float = 0.25


def default_settings() -> Settings:
    """Read from Django settings when configured; otherwise the local emulator defaults."""
    try:
        from django.conf import settings as dj

        if dj.configured:
            return Settings(
                base_url=dj.REPLICAS_API_URL,
                connect_timeout=dj.REPLICAS_API_CONNECT_TIMEOUT,
                read_timeout=dj.REPLICAS_API_READ_TIMEOUT,
                max_retries=dj.REPLICAS_API_MAX_RETRIES,
                max_connections=dj.REPLICAS_API_MAX_CONNECTIONS,
            )
    except ImportError:  # pragma: no cover - Django is always installed in the portal
        pass
    return Settings(base_url="http://127.0.0.1:8765")


@dataclass
class Call:
    """One request to one operation, built by an `Operations` method."""

    operation: str  # the spec's operationId
    method: str
    path: str  # already expanded and quoted
    response: Any = None  # type to validate the JSON body into; None returns the raw JSON
    params: dict[str, Any] | None = None
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    files: Any = None
    data: Any = None
    authenticated: bool = True  # False only for the token-in-URL custom webhook
    read_timeout: float | None = None  # None: the configured default
    status_code: int | None = None  # set once answered (audit logs record it)

    @property
    def retryable(self) -> bool:
        return self.method in SAFE_METHODS


@cache
def _adapter(tp: Any) -> TypeAdapter:
    return TypeAdapter(tp)


def parse(call: Call, response: httpx.Response) -> Any:
    call.status_code = response.status_code
    if response.status_code >= 400:
        raise errors.error_from_response(response, call.operation)
    if not response.content:
        body: Any = None
    else:
        try:
            body = response.json()
        except ValueError:
            raise errors.InvalidResponse(
                "The Replica API answered with something that is not JSON.",
                status=response.status_code,
                operation=call.operation,
            ) from None
    if call.response is None:
        return body
    try:
        return _adapter(call.response).validate_python(body)
    except ValidationError as exc:
        log.warning("%s: response does not match the spec: %s", call.operation, exc)
        raise errors.InvalidResponse(
            status=response.status_code, operation=call.operation, details=str(exc)
        ) from None


def clean_params(params: dict[str, Any] | None) -> dict[str, Any] | None:
    if not params:
        return None
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        out[key] = value
    return out or None


def request_headers(
    api_key: str | None, extra: dict[str, str] | None = None, authenticated: bool = True
) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT}
    if authenticated:
        if not api_key:
            raise errors.Unauthorized("No API key is configured for this call.")
        headers["Authorization"] = f"Bearer {api_key}"
    if extra:
        headers.update(extra)
    return headers


def _delay(settings: Settings, attempt: int, error: errors.ReplicaAPIError | None) -> float | None:
    """Seconds to wait before retry number `attempt` (1-based), or None for no retry."""
    if attempt > settings.max_retries:
        return None
    if error is not None and error.retry_after is not None:
        return error.retry_after if error.retry_after <= MAX_RETRY_AFTER else None
    backoff = settings.backoff_base * (2 ** (attempt - 1))
    return backoff + random.uniform(0, backoff / 2)


def _should_retry(call: Call, error: errors.ReplicaAPIError) -> bool:
    if not call.retryable:
        return False
    if isinstance(error, errors.Unreachable):
        return True
    return error.status in RETRY_STATUSES


def unreachable(call: Call, exc: httpx.HTTPError) -> errors.Unreachable:
    if isinstance(exc, httpx.TimeoutException):
        message = "The Replica API did not answer in time."
    elif isinstance(exc, httpx.ConnectError):
        message = "The Replica API could not be reached."
    else:
        message = "The connection to the Replica API failed."
    return errors.Unreachable(message, operation=call.operation, details=type(exc).__name__)


def timeout(settings: Settings, stream: bool = False) -> httpx.Timeout:
    return httpx.Timeout(
        connect=settings.connect_timeout,
        read=None if stream else settings.read_timeout,
        write=settings.read_timeout,
        pool=settings.connect_timeout,
    )


def limits(settings: Settings) -> httpx.Limits:
    return httpx.Limits(
        max_connections=settings.max_connections,
        max_keepalive_connections=min(20, settings.max_connections),
        keepalive_expiry=30.0,
    )


# --- pools ------------------------------------------------------------------------------
_sync_lock = threading.Lock()
_sync_pools: dict[Settings, httpx.Client] = {}
_async_pools: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[Settings, httpx.AsyncClient]
] = weakref.WeakKeyDictionary()


def sync_pool(settings: Settings) -> httpx.Client:
    pool = _sync_pools.get(settings)
    if pool is None:
        with _sync_lock:
            pool = _sync_pools.get(settings)
            if pool is None:
                pool = httpx.Client(
                    base_url=settings.base_url, timeout=timeout(settings), limits=limits(settings)
                )
                _sync_pools[settings] = pool
    return pool


def async_pool(settings: Settings) -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    pools = _async_pools.setdefault(loop, {})
    pool = pools.get(settings)
    if pool is None or pool.is_closed:
        pool = httpx.AsyncClient(
            base_url=settings.base_url, timeout=timeout(settings), limits=limits(settings)
        )
        pools[settings] = pool
    return pool


def close_pools() -> None:
    """Close the sync pools (tests and shutdown). Async pools close with their loop."""
    with _sync_lock:
        for pool in _sync_pools.values():
            pool.close()
        _sync_pools.clear()


def _build(
    pool: httpx.Client | httpx.AsyncClient, settings: Settings, call: Call, api_key: str | None
) -> httpx.Request:
    extra = {}
    if call.read_timeout is not None:
        extra["timeout"] = httpx.Timeout(
            connect=settings.connect_timeout,
            read=call.read_timeout,
            write=settings.read_timeout,
            pool=settings.connect_timeout,
        )
    return pool.build_request(
        call.method,
        call.path,
        params=clean_params(call.params),
        json=call.json,
        headers=request_headers(api_key, call.headers, call.authenticated),
        files=call.files,
        data=call.data,
        **extra,
    )


def send_sync(settings: Settings, api_key: str | None, call: Call) -> Any:
    pool = sync_pool(settings)
    attempt = 0
    while True:
        attempt += 1
        try:
            with track():
                response = pool.send(_build(pool, settings, call, api_key))
            return parse(call, response)
        except httpx.HTTPError as exc:
            error: errors.ReplicaAPIError = unreachable(call, exc)
        except errors.ReplicaAPIError as exc:
            error = exc
        delay = _delay(settings, attempt, error) if _should_retry(call, error) else None
        if delay is None:
            raise error
        log.info("%s failed (%s); retry %d in %.2fs", call.operation, error, attempt, delay)
        time.sleep(delay)


async def send_async(settings: Settings, api_key: str | None, call: Call) -> Any:
    pool = async_pool(settings)
    attempt = 0
    while True:
        attempt += 1
        try:
            with track():
                response = await pool.send(_build(pool, settings, call, api_key))
            return parse(call, response)
        except httpx.HTTPError as exc:
            error: errors.ReplicaAPIError = unreachable(call, exc)
        except errors.ReplicaAPIError as exc:
            error = exc
        delay = _delay(settings, attempt, error) if _should_retry(call, error) else None
        if delay is None:
            raise error
        log.info("%s failed (%s); retry %d in %.2fs", call.operation, error, attempt, delay)
        await asyncio.sleep(delay)
