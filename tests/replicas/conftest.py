"""Shared by the replica page tests: Ada signed in with her demo key, upstream clients (hers
and the org's), and helpers to find or make replicas in the emulator."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import respx

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


def assert_asked_together(client, url: str, base_url: str, timeout: float = 5.0) -> None:
    """The page at `url` has every upstream GET it makes in flight at once (concurrency by
    construction, not by timing). After a warm-up load, one records the calls; on
    the next, each call is held until all of them have been asked, then answered as the
    emulator answered them: calls made one after another never all arrive, and the first gives up."""
    assert client.get(url).status_code == 200  # warm: what the portal caches (names, profile)
    with respx.mock(base_url=base_url, assert_all_called=False) as mock:
        mock.route().pass_through()
        assert client.get(url).status_code == 200
        asked = [call.request for call in mock.calls]
    recorded = {}
    for request in asked:  # the answers, asked again directly as the portal asked
        assert request.method == "GET"
        answer = httpx.get(
            str(request.url), headers={"Authorization": request.headers["Authorization"]}
        )
        recorded[request.url.raw_path] = (
            answer.status_code,
            answer.content,
            answer.headers.get("content-type", "application/json"),
        )
    assert len(recorded) >= 2, f"one upstream call only: {list(recorded)}"
    state: dict = {"asked": set(), "all_in": None, "gave_up": []}

    async def held(request):
        state["all_in"] = state["all_in"] or asyncio.Event()
        state["asked"].add(request.url.raw_path)
        if len(state["asked"]) == len(recorded):
            state["all_in"].set()
        try:
            await asyncio.wait_for(state["all_in"].wait(), timeout)
        except TimeoutError:
            state["gave_up"].append(request.url.raw_path.decode())
        status, content, content_type = recorded[request.url.raw_path]
        return httpx.Response(status, content=content, headers={"content-type": content_type})

    with respx.mock(base_url=base_url, assert_all_called=False) as mock:
        for raw_path in recorded:
            mock.get(url=base_url + raw_path.decode()).mock(side_effect=held)
        assert client.get(url).status_code == 200
    assert not state["gave_up"], f"asked one after another: {state['gave_up']} of {list(recorded)}"
