"""ASGI entry point: gunicorn runs it with uvicorn_worker.UvicornWorker.

`PortalASGIHandler` is Django's ASGIHandler with three changes, all about threads and none
about behaviour:
- it loads Django's middleware as their twins without thread hops
  (`portal.accounts.middleware.hop_free`): each hook that does no I/O runs on the event loop
  instead of in a worker thread. `settings.MIDDLEWARE` itself is unchanged;
- a request's sync work (the ORM, sync views, signals) runs on a thread reused from a pool,
  one request at a time per thread, as Django does on a new thread it makes (and joins) for
  each request;
- so `CONN_MAX_AGE` works again: each pooled thread keeps its database connection for the
  next request it serves (Django under ASGI keeps connections per request, so a request can
  never reuse one). Django's own rules still decide when a connection is closed: at the end
  of a request after an error it can't recover from, when autocommit was left changed, or
  when it is older than CONN_MAX_AGE; with CONN_HEALTH_CHECKS a kept connection is checked
  before its first use in a request.
"""

import gc
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar

import django
from asgiref.sync import SyncToAsync, ThreadSensitiveContext
from django.conf import settings
from django.core import signals
from django.core.handlers.asgi import ASGIHandler
from django.db import connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

_pooled_request: ContextVar[bool] = ContextVar("portal_pooled_request", default=False)
_kept = threading.local()  # per pooled thread: .connections, alias -> DatabaseWrapper


def _adopt_kept_connections(**kwargs) -> None:
    """request_started, on the request's pooled thread: the connections this thread kept."""
    if _pooled_request.get():
        for alias, wrapper in getattr(_kept, "connections", {}).items():
            connections[alias] = wrapper


def _keep_connections(**kwargs) -> None:
    """request_finished, after Django closed the ones it wouldn't keep: keep the others."""
    if _pooled_request.get():
        _kept.connections = {
            wrapper.alias: wrapper
            for wrapper in connections.all(initialized_only=True)
            if wrapper.connection is not None
        }


def _close_kept_connections() -> None:
    for wrapper in getattr(_kept, "connections", {}).values():
        wrapper.close()
    _kept.connections = {}


class PortalASGIHandler(ASGIHandler):
    # Idle single-thread executors; more are made when more requests run at once.
    KEEP_IDLE = 32

    def __init__(self) -> None:
        super().__init__()
        self._idle: list[ThreadPoolExecutor] = []
        # After Django's close_old_connections (connected when django.db was imported).
        signals.request_started.connect(_adopt_kept_connections)
        signals.request_finished.connect(_keep_connections)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        # As Django's: one thread-sensitive context per request, whose sync work runs on one
        # thread, one call at a time. Django makes a new executor for each request; this one
        # comes from the pool and goes back to it. Work still running after the request (a
        # task that outlived it) gets a new executor from asgiref, as it would with Django's.
        executor = self._idle.pop() if self._idle else ThreadPoolExecutor(max_workers=1)
        context = ThreadSensitiveContext()
        token = _pooled_request.set(True)
        try:
            async with context:
                SyncToAsync.context_to_thread_executor[context] = executor
                try:
                    await self.handle(scope, receive, send)
                finally:
                    SyncToAsync.context_to_thread_executor.pop(context, None)
        finally:
            _pooled_request.reset(token)
            if len(self._idle) < self.KEEP_IDLE:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)  # its kept connections go with its thread

    def close_pool(self) -> None:
        """Close the connections the idle threads keep, and stop them (tests, shutdown)."""
        idle, self._idle = self._idle, []
        for executor in idle:
            executor.submit(_close_kept_connections).result()
            executor.shutdown()

    def load_middleware(self, is_async=False):
        from portal.accounts.middleware import hop_free

        configured = settings.MIDDLEWARE
        settings.MIDDLEWARE = hop_free(configured)
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = configured


django.setup(set_prefix=False)
application = PortalASGIHandler()

# The garbage collector: what was made while loading (modules, URL patterns, models, settings)
# lives as long as the worker, so it is frozen out of the full passes; and a page makes
# thousands of short-lived containers, so the youngest generation is collected every 10,000
# of them rather than every 700 (Python's default): each page paid about 0.5 ms in passes.
gc.freeze()
gc.set_threshold(10_000, 10, 10)

if settings.SERVER_TIMING:
    # `Server-Timing` on every answer: time to the response's start, and how much of it
    # was spent waiting for the Replica API (`make bench` reads it).
    from portal.replica_api.timing import ServerTiming

    application = ServerTiming(application)
