"""Emulator: warm hooks, start hooks (simulated tests, never executed) and warm pools."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import httpx
import pytest

from portal.emulator.environments import environment_uuid

pytestmark = pytest.mark.emulator

WEB = environment_uuid("web")
PLATFORM = environment_uuid("platform")


@pytest.fixture
def env(org) -> dict:
    r = org.post("/v1/environments", json={"name": f"hooks-{uuid.uuid4().hex[:8]}"})
    assert r.status_code == 201, r.text
    return r.json()["environment"]


def sse(org: httpx.Client, method: str, path: str, **kwargs) -> tuple[int, list[dict]]:
    events = []
    with org.stream(method, path, **kwargs) as r:
        if r.status_code != 200:
            r.read()
            return r.status_code, [r.json()]
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("data:"):
                events.append(json.loads(line[5:]))
    return 200, events


# --- warm hooks ------------------------------------------------------------------------------
def test_save_versions_and_get(org, env):
    base = f"/v1/environments/{env['id']}/warm-hooks"
    first = org.post(f"{base}/save", json={"content": "echo one"})
    assert first.status_code == 201, first.text
    second = org.post(f"{base}/save", json={"content": "echo two"}).json()["warm_hook"]
    assert first.json()["warm_hook"]["version"] == 1 and second["version"] == 2
    assert second["is_active"] and second["environment_id"] == env["id"]
    state = org.get(base).json()
    assert state["warm_hook"]["content"] == "echo two"
    assert state["warm_pool"] is not None


def test_saving_a_warm_hook_invalidates_the_pool(org, env):
    base = f"/v1/environments/{env['id']}/warm-hooks"
    before = org.get(base).json()["warm_pool"]["generation"]
    org.post(f"{base}/save", json={"content": "echo new"})
    assert org.get(base).json()["warm_pool"]["generation"] == before + 1


def test_test_endpoint_results_follow_the_script(org, env):
    base = f"/v1/environments/{env['id']}/warm-hooks/test"
    ok = org.post(base, json={"content": '#!/bin/bash\necho "hello world"\nnpm install\n'})
    assert ok.status_code == 200, ok.text
    test = ok.json()["test"]
    assert test["exit_code"] == 0 and not test["timed_out"]
    assert test["output"].startswith("hello world\n") and "packages" in test["output"]
    failed = org.post(base, json={"content": "echo before\nexit 3\necho after"}).json()["test"]
    assert failed == {"exit_code": 3, "output": "before\n", "timed_out": False}
    false = org.post(base, json={"content": "set -e\nfalse\n"}).json()["test"]
    assert false["exit_code"] == 1
    slow = org.post(base, json={"content": "echo start\nsleep 9999\n"}).json()["test"]
    assert slow["timed_out"] is True and slow["exit_code"] != 0
    marked = org.post(base, json={"content": "# timeout\necho x"}).json()["test"]
    assert marked["timed_out"] is True
    # A test never persists anything.
    assert org.get(f"/v1/environments/{env['id']}/warm-hooks").json()["warm_hook"] is None


def test_scripts_are_never_executed(org, env, tmp_path: Path):
    marker = tmp_path / "executed"
    script = f"#!/bin/bash\ntouch {marker}\necho hi > {marker}\nexit 0\n"
    org.post(f"/v1/environments/{env['id']}/warm-hooks/test", json={"content": script})
    org.post(f"/v1/environments/{env['id']}/start-hooks/test", json={"content": script})
    sse(
        org,
        "POST",
        f"/v1/environments/{env['id']}/start-hooks/test/stream",
        json={"content": script},
    )
    sse(
        org,
        "POST",
        f"/v1/environments/{env['id']}/warm-hooks/save-test/stream",
        json={"content": script, "mode": "test_only"},
    )
    assert not marker.exists()
    runs = [r for r in httpx.get(f"{org.base_url}/_emulator/hook-runs").json()["runs"]
            if r["environment_id"] == env["id"]]  # fmt: skip
    assert len(runs) == 4 and not any(r["executed"] for r in runs)


def test_save_test_activates_only_on_success(org, env):
    base = f"/v1/environments/{env['id']}/warm-hooks"
    good = org.post(f"{base}/save-test", json={"content": "echo good"})
    assert good.status_code == 201, good.text
    assert good.json()["warm_hook"]["is_active"] and good.json()["test"]["exit_code"] == 0
    bad = org.post(f"{base}/save-test", json={"content": "echo bad\nexit 2"}).json()
    # Always persisted as a version; the active hook stays the last passing one.
    assert bad["test"]["exit_code"] == 2 and bad["warm_hook"]["version"] == 2
    assert bad["warm_hook"]["is_active"] is False
    assert org.get(base).json()["warm_hook"]["content"] == "echo good"


@pytest.mark.parametrize("body", [{}, {"content": ""}, {"content": 5}, {"content": "   \n"}])
def test_warm_hook_validation(org, env, body):
    for action in ("save", "save-test", "test"):
        r = org.post(f"/v1/environments/{env['id']}/warm-hooks/{action}", json=body)
        assert r.status_code == 400, (action, r.text)


def test_save_test_stream_saves_on_success(org, env):
    status, events = sse(
        org,
        "POST",
        f"/v1/environments/{env['id']}/warm-hooks/save-test/stream",
        json={"content": "echo one\necho two\n"},
    )
    assert status == 200
    types = [e["type"] for e in events]
    assert types[0] == "progress" and types[-1] == "complete" and "error" not in types
    assert [e["output"] for e in events if e["type"] == "output"] == ["one\n", "two\n"]
    complete = events[-1]
    assert complete["exit_code"] == 0 and complete["timed_out"] is False
    assert complete["warm_hook"]["content"] == "echo one\necho two\n"
    active = org.get(f"/v1/environments/{env['id']}/warm-hooks").json()["warm_hook"]
    assert active["id"] == complete["warm_hook"]["id"]


def test_save_test_stream_failure_and_test_only_do_not_save(org, env):
    path = f"/v1/environments/{env['id']}/warm-hooks/save-test/stream"
    _, failed = sse(org, "POST", path, json={"content": "echo x\nexit 7", "mode": "save_test"})
    assert failed[-1]["type"] == "complete" and failed[-1]["exit_code"] == 7
    assert failed[-1]["warm_hook"] is None
    _, timed = sse(org, "POST", path, json={"content": "sleep 9999"})
    assert timed[-1]["timed_out"] is True and timed[-1]["warm_hook"] is None
    _, test_only = sse(org, "POST", path, json={"content": "echo fine", "mode": "test_only"})
    assert test_only[-1]["exit_code"] == 0 and test_only[-1]["warm_hook"] is None
    assert org.get(f"/v1/environments/{env['id']}/warm-hooks").json()["warm_hook"] is None


def test_save_test_stream_errors(org, env):
    path = f"/v1/environments/{env['id']}/warm-hooks/save-test/stream"
    status, body = sse(org, "POST", path, json={"content": "echo", "mode": "later"})
    assert status == 400 and body[0]["error"]
    status, _ = sse(org, "POST", path, json={})
    assert status == 400
    _, events = sse(org, "POST", path, json={"content": "# emulate: sandbox-error\necho x"})
    assert events[-1]["type"] == "error" and events[-1]["message"]


async def test_service_module_streams_a_warm_hook_test(aapi, emulator):
    events = [
        e
        async for e in aapi.stream_save_and_test_environment_warm_hook(
            "global", {"content": "echo streamed"}, mode="test_only"
        )
    ]
    assert [e.type for e in events][-1] == "complete"
    assert any(e.type == "output" and e.data["output"] == "streamed\n" for e in events)


# --- start hooks ------------------------------------------------------------------------------
def test_start_hook_save_get_and_clear(org, env):
    base = f"/v1/environments/{env['id']}/start-hooks"
    assert org.get(base).json() == {"start_hook": None}
    saved = org.post(f"{base}/save", json={"content": "npm run dev &"})
    assert saved.status_code == 201 and saved.json()["start_hook"]["version"] == 1
    assert org.get(base).json()["start_hook"]["content"] == "npm run dev &"
    cleared = org.post(f"{base}/save", json={"content": ""})
    assert cleared.status_code == 201 and cleared.json() == {"start_hook": None}
    assert org.get(base).json() == {"start_hook": None}
    again = org.post(f"{base}/save", json={"content": "echo back"}).json()["start_hook"]
    assert again["version"] == 2 and again["is_active"]
    assert org.post(f"{base}/save", json={}).status_code == 400


def test_start_hook_test_and_stream(org, env):
    base = f"/v1/environments/{env['id']}/start-hooks"
    r = org.post(f"{base}/test", json={"content": "echo booting\nexit 4"})
    assert r.status_code == 200 and r.json()["test"] == {
        "exit_code": 4,
        "output": "booting\n",
        "timed_out": False,
    }
    status, events = sse(org, "POST", f"{base}/test/stream", json={"content": "echo a\necho b"})
    assert status == 200
    assert [e["type"] for e in events if e["type"] != "progress"] == [
        "output",
        "output",
        "complete",
    ]
    assert events[-1]["exit_code"] == 0 and events[-1]["output"] == "a\nb\n"
    assert org.get(base).json() == {"start_hook": None}  # tests never persist
    status, _ = sse(org, "POST", f"{base}/test/stream", json={"content": ""})
    assert status == 400


def test_global_alias_for_hooks(org):
    warm = org.get("/v1/environments/global/warm-hooks").json()
    assert warm["warm_hook"]["is_active"] and warm["warm_pool"] is None
    assert org.get("/v1/environments/global/start-hooks").status_code == 200


# --- warm pools ------------------------------------------------------------------------------
def test_seeded_pool_has_workspaces_in_many_states(org):
    pool = org.get(f"/v1/environments/{WEB}/warm-hooks").json()["warm_pool"]
    assert pool["enabled"] and pool["last_failure_reason"]
    workspaces = org.get(f"/v1/warm-pools/{pool['id']}/workspaces").json()["workspaces"]
    statuses = {w["status"] for w in workspaces}
    assert {"ready", "assigned", "expired", "failed"} <= statuses
    failed = next(w for w in workspaces if w["status"] == "failed")
    assert failed["error_message"] and failed["generation"] < pool["generation"]
    assert len(workspaces) <= 10


def test_upsert_disable_and_enable(org, env):
    path = f"/v1/environments/{env['id']}/warm-pools"
    off = org.put(path, json={"enabled": False})
    assert off.status_code == 200 and off.json()["warm_pool"]["enabled"] is False
    pool = off.json()["warm_pool"]
    workspaces = org.get(f"/v1/warm-pools/{pool['id']}/workspaces").json()["workspaces"]
    assert all(w["status"] == "expired" for w in workspaces)
    on = org.put(path, json={"enabled": True}).json()["warm_pool"]
    assert on["enabled"] and on["id"] == pool["id"] and on["warming_count"] >= 1
    assert org.put(path, json={}).status_code == 400
    assert org.put(path, json={"enabled": "yes"}).status_code == 400


def test_unknown_pool_lists_nothing(org):
    assert org.get(f"/v1/warm-pools/{uuid.uuid4()}/workspaces").json() == {"workspaces": []}


def test_workspace_stream_shows_warm_up(org, env):
    hooks = f"/v1/environments/{env['id']}/warm-hooks"
    org.post(f"{hooks}/save", json={"content": "echo warming up\necho done"})
    pool = org.get(hooks).json()["warm_pool"]
    workspaces = org.get(f"/v1/warm-pools/{pool['id']}/workspaces").json()["workspaces"]
    warming = next(
        w for w in workspaces if w["status"] == "warming" and w["generation"] == pool["generation"]
    )
    status, events = sse(org, "GET", f"/v1/warm-pool-workspaces/{warming['id']}/stream")
    assert status == 200
    types = [e["type"] for e in events]
    assert types[0] == "status" and types[-1] == "complete"
    outputs = [e["output"] for e in events if e["type"] == "output"]
    assert "warming up\n" in outputs and "done\n" in outputs
    assert [e["status"] for e in events if e["type"] == "status"] == ["warming", "snapshotting"]
    assert events[-1]["workspace"]["status"] == "ready"
    pool = org.get(hooks).json()["warm_pool"]
    assert pool["ready_count"] >= 1 and pool["has_base_snapshot"]


def test_failing_warm_hook_fails_pool_workspaces(org, env):
    hooks = f"/v1/environments/{env['id']}/warm-hooks"
    org.post(f"{hooks}/save", json={"content": "echo broken\nexit 1"})
    pool = org.get(hooks).json()["warm_pool"]
    ws = next(
        w
        for w in org.get(f"/v1/warm-pools/{pool['id']}/workspaces").json()["workspaces"]
        if w["generation"] == pool["generation"]
    )
    _, events = sse(org, "GET", f"/v1/warm-pool-workspaces/{ws['id']}/stream")
    assert events[-1]["workspace"]["status"] == "failed"
    assert "exited with code 1" in events[-1]["workspace"]["error_message"]
    time.sleep(0.05)
    pool = org.get(hooks).json()["warm_pool"]
    assert pool["error_count"] >= 1 and pool["last_failure_reason"] and pool["next_retry_at"]


def test_workspace_stream_errors(org):
    assert org.get(f"/v1/warm-pool-workspaces/{uuid.uuid4()}/stream").status_code == 404
    assert org.get("/v1/warm-pool-workspaces/not-a-uuid/stream").status_code == 400


def test_finished_workspace_stream_completes_at_once(org):
    pool = org.get(f"/v1/environments/{WEB}/warm-hooks").json()["warm_pool"]
    workspaces = org.get(f"/v1/warm-pools/{pool['id']}/workspaces").json()["workspaces"]
    expired = next(w for w in workspaces if w["status"] == "expired")
    _, events = sse(org, "GET", f"/v1/warm-pool-workspaces/{expired['id']}/stream")
    assert [e["type"] for e in events] == ["complete"]
    assert events[0]["workspace"]["id"] == expired["id"]
