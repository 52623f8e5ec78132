"""The clients views get from `api_for(request)` / `async_api_for(request)`.

They are the service module's clients with one thing added, in one place, `_send`:
- every mutating call (anything but GET/HEAD) is written to the audit log with the user,
  the key kind, the operationId, the target ids and the upstream status or "unreachable";
- a 401 marks the stored key as rejected, so the next page asks the user to replace it;
- the key's "last used" time is kept up to date: one UPDATE per client at most, and at most
  one a minute per key and process (`TOUCH_EVERY`), so pages don't each write to the database.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from django.utils import timezone

from portal.replica_api import AsyncReplicaAPI, ReplicaAPI, errors
from portal.replica_api.sse import Reconnecting, StreamEvent
from portal.replica_api.transport import SAFE_METHODS, Call, Settings

from . import audit
from .models import ApiKey

# A key's "last used" is written at most this often (seconds) by one process.
TOUCH_EVERY = 60.0
# (key id, when it was added) -> when this process last wrote its "last used" (monotonic).
_last_touch: dict[tuple, float] = {}


class _Acting:
    """Who is calling and with which stored key: set once per request by `acting.py`."""

    def _bind(self, user, key: ApiKey) -> None:
        self.user = user
        self.key_id = key.pk
        self.key_kind = key.kind
        # A replaced key is a new row with a new `added_at`: its first use is written.
        self._touch_id = (key.pk, key.added_at)
        self._touched = False

    def _touch_due(self) -> bool:
        """True once per client, and then only if this process hasn't written the key's
        "last used" in the last TOUCH_EVERY seconds."""
        if self._touched:
            return False
        self._touched = True
        now = time.monotonic()
        last = _last_touch.get(self._touch_id)
        if last is not None and now - last < TOUCH_EVERY:
            return False
        if len(_last_touch) > 10_000:  # keys come and go: don't grow for ever
            _last_touch.clear()
        _last_touch[self._touch_id] = now
        return True

    def _status_of(self, call: Call) -> int | None:
        # The transport records the status of the answer on the call.
        return getattr(call, "status_code", None)


class AuditedReplicaAPI(_Acting, ReplicaAPI):
    def __init__(
        self, api_key: str, *, user, key: ApiKey, settings: Settings | None = None
    ) -> None:
        super().__init__(api_key, settings=settings)
        self._bind(user, key)

    def _send(self, call: Call) -> Any:
        mutating = call.method not in SAFE_METHODS
        try:
            result = super()._send(call)
        except errors.ReplicaAPIError as exc:
            if isinstance(exc, errors.Unauthorized):
                ApiKey.objects.filter(pk=self.key_id).update(rejected_at=timezone.now())
            elif exc.status is not None:
                self._touch()
            if mutating:
                audit.record_call(self.user, self.key_kind, call, error=exc)
            raise
        self._touch()
        if mutating:
            audit.record_call(
                self.user, self.key_kind, call, result=result, status_code=self._status_of(call)
            )
        return result

    def _touch(self) -> None:
        if self._touch_due():
            ApiKey.objects.filter(pk=self.key_id).update(last_used_at=timezone.now())


class AuditedAsyncReplicaAPI(_Acting, AsyncReplicaAPI):
    def __init__(
        self, api_key: str, *, user, key: ApiKey, settings: Settings | None = None
    ) -> None:
        super().__init__(api_key, settings=settings)
        self._bind(user, key)

    def _send(self, call: Call) -> Any:
        return self._audited_send(call)

    async def _audited_send(self, call: Call) -> Any:
        mutating = call.method not in SAFE_METHODS
        try:
            result = await super()._send(call)
        except errors.ReplicaAPIError as exc:
            await self._after_error(exc)
            if mutating:
                await audit.arecord_call(self.user, self.key_kind, call, error=exc)
            raise
        await self._atouch()
        if mutating:
            await audit.arecord_call(
                self.user, self.key_kind, call, result=result, status_code=self._status_of(call)
            )
        return result

    def _stream(self, call: Call, **options: Any) -> AsyncIterator[StreamEvent | Reconnecting]:
        return self._audited_stream(call, super()._stream(call, **options))

    async def _audited_stream(
        self, call: Call, events: AsyncIterator[StreamEvent | Reconnecting]
    ) -> AsyncIterator[StreamEvent | Reconnecting]:
        """Record a POST stream (a hook test) once: when its first event arrives, or when it
        fails before that. GET streams are reads: only a 401 is acted on."""
        mutating = call.method not in SAFE_METHODS
        recorded = False
        try:
            async for event in events:
                if not recorded and isinstance(event, StreamEvent):
                    recorded = True
                    await self._atouch()
                    if mutating:
                        await audit.arecord_call(self.user, self.key_kind, call, status_code=200)
                yield event
        except errors.ReplicaAPIError as exc:
            if not recorded:
                await self._after_error(exc)
                if mutating:
                    await audit.arecord_call(self.user, self.key_kind, call, error=exc)
            raise
        finally:
            await events.aclose()

    async def _after_error(self, exc: errors.ReplicaAPIError) -> None:
        if isinstance(exc, errors.Unauthorized):
            await ApiKey.objects.filter(pk=self.key_id).aupdate(rejected_at=timezone.now())
        elif exc.status is not None:
            await self._atouch()

    async def _atouch(self) -> None:
        if self._touch_due():
            await ApiKey.objects.filter(pk=self.key_id).aupdate(last_used_at=timezone.now())
