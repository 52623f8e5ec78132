"""Idle lifecycle on a private emulator started with `--sleep-after-s` (the shared one never
sleeps, so seeded replicas stay awake for the other tests): auto-sleep, wake on demand,
`delete_after_inactivity` and `delete_when_done`; plus automation-style internal creation."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EmulatorProcess
from tests.emulator.test_emulator_replicas import client, create, wait_for, wait_status

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def sleepy():
    proc = EmulatorProcess("--sleep-after-s", "0.6", "--no-seed")
    proc.control("config", {"wake_s": 0.2})
    yield proc
    proc.stop()


@pytest.fixture(autouse=True)
def _sleepy_contract(sleepy):
    yield
    report = sleepy.control("contract")
    sleepy.control("contract/clear", {})
    # `delete_when_done` is the guide's policy, absent from the spec's enum: supported anyway.
    violations = [v for v in report["violations"] if "delete_when_done" not in v.get("body", "")]
    assert violations == [], json.dumps(violations)


def test_idle_replicas_fall_asleep_and_wake_on_demand(sleepy):
    c = client(sleepy)
    rid = create(c, repository_ids=None)["id"]
    wait_status(c, rid, "sleeping", timeout=15)  # after its first turn and 0.6 s idle
    r = c.post(f"/v1/replica/{rid}/messages", json={"message": "still there?"})
    assert r.status_code == 409 and r.json()["error"] == "Workspace is sleeping"
    assert c.post(f"/v1/replica/{rid}/wake").json()["waking"] is True
    wait_status(c, rid, "active")
    assert (
        c.post(f"/v1/replica/{rid}/messages", json={"message": "hello again"}).json()["status"]
        == "sent"
    )
    wait_status(c, rid, "sleeping", timeout=15)


@pytest.mark.parametrize(
    ("policy", "outcome"),
    [
        ("delete_when_done", "deleted"),  # the guide's policy
        ("archive_when_done", "archived"),  # the spec's policies
        ("sleep_when_done", "sleeping"),
        ("delete_after_inactivity", "deleted"),
    ],
)
def test_lifecycle_policies(sleepy, policy, outcome):
    c = client(sleepy)
    rid = create(c, repository_ids=None, lifecycle_policy=policy, wait=False)["id"]
    if outcome == "deleted":
        wait_for(lambda: c.get(f"/v1/replica/{rid}").status_code == 404, timeout=15)
        assert c.delete(f"/v1/replica/{rid}").json() == {"success": True}  # still idempotent
    else:
        detail = wait_status(c, rid, outcome, timeout=15)
        assert detail["chats"][0]["lastMessageText"]  # the agent did its work first


def test_unseeded_emulator_has_no_demo_data(sleepy):
    c = client(sleepy)
    assert c.get("/v1/replica/repositories").json() == {"repositories": []}
    listed = c.get("/v1/replica", params={"source": "dashboard"}).json()
    assert listed["total"] == 0 and listed["total_pages"] == 0
