"""The two clients. Both are cheap, per-caller objects over the shared per-process pools.

    api = ReplicaAPI(api_key)                 # sync, for ordinary views
    replica = api.get_replica(replica_id)

    aapi = AsyncReplicaAPI(api_key)           # async, for relays and concurrent fetches
    replica, chats = await asyncio.gather(aapi.get_replica(rid), aapi.list_replica_chats(rid))
    async for event in aapi.stream_replica_events(rid): ...

The key is given per client and sent per call; it is never stored anywhere else, and the
client's repr doesn't show it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from . import transport
from .operations import Operations, StreamOperations
from .sse import Reconnecting, StreamEvent, stream_events
from .transport import Call, Settings


class _Base:
    def __init__(self, api_key: str | None, *, settings: Settings | None = None) -> None:
        self._api_key = api_key
        self.settings = settings or transport.default_settings()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.settings.base_url}>"


class ReplicaAPI(_Base, Operations):
    """Synchronous client: each operation method returns the parsed response."""

    def _send(self, call: Call) -> Any:
        return transport.send_sync(self.settings, self._api_key, call)


class AsyncReplicaAPI(_Base, Operations, StreamOperations):
    """Asynchronous client: each operation method returns an awaitable; streams iterate."""

    def _send(self, call: Call) -> Any:
        return transport.send_async(self.settings, self._api_key, call)

    def _stream(self, call: Call, **options: Any) -> AsyncIterator[StreamEvent | Reconnecting]:
        return stream_events(self.settings, self._api_key, call, **options)
