"""Review tools' fixtures: Ada and Grace signed in with their demo keys, and a replica with a
diff (one repository, one finished turn) made with the org key, so both can see it."""

from __future__ import annotations

import time
import uuid

import pytest

from portal.accounts.models import KeyKind
from portal.emulator.config import DEMO_PERSONAL_KEYS
from tests.accounts.personas import *  # noqa: F403
from tests.accounts.personas import signed_in, store_key
from tests.replicas import conftest as replica_fixtures

ada = replica_fixtures.ada
org_api = replica_fixtures.org_api
upstream = replica_fixtures.upstream

HX = {"HX-Request": "true"}


@pytest.fixture
def grace(member, emulator):
    store_key(member, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[1])
    return signed_in(member)


def wait_idle(api, rid: str) -> None:
    deadline = time.monotonic() + 15
    while True:
        replica = api.get_replica(rid).replica
        if replica.status.value == "active" and not any(
            c.processing for c in api.list_replica_chats(rid).chats
        ):
            return
        assert time.monotonic() < deadline, "the replica never became idle"
        time.sleep(0.05)


def replica_with_diff(org_api) -> str:
    """A replica whose agent changed `app/hello.py` and added `tests/test_hello.py`."""
    repo = next(r for r in org_api.list_repositories().repositories if "api" in r.name)
    created = org_api.create_replica(
        {
            "name": f"review-{uuid.uuid4().hex[:8]}",
            "message": "Hello",
            "repository_ids": [str(repo.id)],
        }
    )
    rid = str(created.replica.id)
    wait_idle(org_api, rid)
    return rid


@pytest.fixture
def reviewed(org_api) -> str:
    return replica_with_diff(org_api)
