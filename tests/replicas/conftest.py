"""Shared by the replica page tests: Ada signed in with her demo key, upstream clients (hers
and the org's), and helpers to find or make replicas in the emulator."""

from __future__ import annotations

import time

import pytest

from portal.accounts.models import KeyKind
from portal.emulator.config import DEMO_PERSONAL_KEYS
from portal.replica_api import ReplicaAPI, Settings
from tests.accounts.personas import *  # noqa: F403
from tests.accounts.personas import store_key
from tests.conftest import ORG_KEY


@pytest.fixture
def ada(as_admin, admin, emulator):
    """The admin, signed in, with Ada's personal demo key stored."""
    store_key(admin, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[0])
    return as_admin


@pytest.fixture
def upstream(emulator, api_settings) -> ReplicaAPI:
    """A direct client with Ada's key, to set up and check state in the emulator."""
    return ReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=api_settings)


@pytest.fixture(scope="module")
def org_api(emulator) -> ReplicaAPI:
    """A direct client with the org key (one per test module)."""
    return ReplicaAPI(ORG_KEY, settings=Settings(base_url=emulator.url))


def active_replica(upstream: ReplicaAPI, name: str, message: str = "Say hello", **fields) -> str:
    """Create a replica and wait until it is active; returns its id."""
    created = upstream.create_replica({"name": name, "message": message, **fields})
    rid = str(created.replica.id)
    wait_active(upstream, rid)
    return rid


def idle_replica(upstream: ReplicaAPI, name: str, **fields) -> str:
    """An active replica whose first message's turn is over (no chat is working)."""
    rid = active_replica(upstream, name, **fields)
    deadline = time.monotonic() + 15
    while any(c.processing for c in upstream.list_replica_chats(rid).chats):
        assert time.monotonic() < deadline, "the first turn never ended"
        time.sleep(0.05)
    return rid


def wait_active(upstream: ReplicaAPI, rid: str) -> None:
    deadline = time.monotonic() + 15
    while upstream.get_replica(rid).replica.status.value != "active":
        assert time.monotonic() < deadline, "replica never became active"
        time.sleep(0.1)


# The emulator's seeded replicas by status (portal/emulator/seed_replicas.py), known by id:
# the list is newest first, and a long test session pushes them past any page.
SEEDED = {
    "active": ("fix-session-timeout", "billing-csv-export", "mobile-push-notifications"),
    "sleeping": ("docs-refresh",),
    "archived": ("dependency-upgrades-may",),
    "error": ("flaky-e2e-investigation",),
    "preparing": ("gitlab-ci-migration",),
}


def seeded_replica(upstream: ReplicaAPI, name: str):
    """A seeded replica by its name (its id is derived from it)."""
    from portal.emulator.seed_replicas import replica_uuid

    return upstream.get_replica(replica_uuid(name)).replica


def seeded_replicas(upstream: ReplicaAPI, status: str | None = None) -> list:
    """Every seeded replica (in `status`, if given), read by id, oldest first."""
    replicas = [seeded_replica(upstream, name) for names in SEEDED.values() for name in names]
    return [r for r in replicas if status is None or r.status.value == status]


def seeded(upstream: ReplicaAPI, status: str):
    """A seeded replica in `status` (one a test hasn't moved to another status)."""
    for name in SEEDED[status]:
        replica = seeded_replica(upstream, name)
        if replica.status.value == status:
            return replica
    raise AssertionError(f"no seeded replica is {status} any more")
