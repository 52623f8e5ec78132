"""The emulator's in-memory state: who the keys belong to, plus one store per area.

Each area module (`replicas`, `environments`, `automations`, `misc`) defines its own
dataclasses and registers them on the `Store` in its `init(store)`; routes reach the store
through `request.app.state.store`. Everything runs on one event loop, so plain dicts are
safe without locks as long as a handler doesn't `await` halfway through a mutation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import EmulatorConfig

DEMO_ORG_ID = "5b0c7c1e-7a51-4d7e-9a55-0d3f1f0c0a01"
DEMO_USERS = (
    {
        "id": "a1f0e6a2-3b7c-4c2e-8d11-6f9b0c1d2e01",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
    },
    {
        "id": "b2e1f7b3-4c8d-4d3f-9e22-7a0c1d2e3f02",
        "name": "Grace Hopper",
        "email": "grace@example.com",
    },
    {
        "id": "c3f2a8c4-5d9e-4e40-8f33-8b1d2e3f4a03",
        "name": "Alan Turing",
        "email": "alan@example.com",
    },
)


@dataclass(frozen=True)
class Principal:
    kind: str  # "org" or "personal"
    user_id: str | None  # None for the org key (the "Replicas bot")
    org_id: str = DEMO_ORG_ID

    @property
    def is_org(self) -> bool:
        return self.kind == "org"


class Store:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.principals: dict[str, Principal] = {config.org_key: Principal("org", None)}
        for index, key in enumerate(config.personal_keys):
            user = DEMO_USERS[index % len(DEMO_USERS)]
            self.principals[key] = Principal("personal", user["id"])
        # Area stores, set by each area module's init().
        self.replicas: Any = None
        self.environments: Any = None
        self.automations: Any = None
        self.misc: Any = None
        # Outgoing webhook deliveries, newest last (inspectable via /_emulator/webhooks).
        self.deliveries: list[dict] = []
        # Targeted faults (`/_emulator/faults`): {method, path (regex), fault, times}.
        self.fault_rules: list[dict] = []

    def principal_for(self, key: str | None) -> Principal | None:
        return self.principals.get(key or "")
