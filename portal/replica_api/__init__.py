"""The only code in the portal that speaks HTTP to the Replica API.

Views use `ReplicaAPI` / `AsyncReplicaAPI` (one method per operation), catch
`errors.ReplicaAPIError`, and read typed results from `models` / `types`.
"""

from __future__ import annotations

from . import errors, models, types
from .client import AsyncReplicaAPI, ReplicaAPI
from .operations import API_VERSION_NON_BLOCKING
from .sse import Reconnected, Reconnecting, StreamEvent
from .transport import Settings, close_pools

__all__ = [
    "API_VERSION_NON_BLOCKING",
    "AsyncReplicaAPI",
    "Reconnected",
    "Reconnecting",
    "ReplicaAPI",
    "Settings",
    "StreamEvent",
    "close_pools",
    "errors",
    "models",
    "types",
]
