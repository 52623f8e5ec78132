"""The emulator's replicas area over real HTTP: lifecycle, validation, chats, queue, history,
canvas, hooks, workspace routes. Each test makes its own replicas (seeded ones are only read).

The session emulator runs with the contract checker, so every response here is also checked
against openapi.json (tests/conftest.py fails a test that broke the spec).
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from portal.replica_api import errors, models
from tests.conftest import MEMBER_KEY, ORG_KEY, PERSONAL_KEY

pytestmark = pytest.mark.emulator

VERSION = {"X-Replicas-Api-Version": "2026-05-17"}
ADA_ID = "a1f0e6a2-3b7c-4c2e-8d11-6f9b0c1d2e01"


def repository_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"replica-emulator/repository/{name}"))


def seeded_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"replica-emulator/replica/{name}"))


def client(emulator, key: str | None = ORG_KEY) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=emulator.url, headers=headers, timeout=30)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def create(c: httpx.Client, *, wait: bool = True, **body) -> dict:
    """Create a replica (non-blocking) bound to acme/web, optionally wait until active."""
    body.setdefault("name", unique("t"))
    body.setdefault("message", "Tighten the session timeout handling")
    body.setdefault("repository_ids", [repository_id("acme/web")])
    body = {k: v for k, v in body.items() if v is not None}
    r = c.post("/v1/replica", json=body, headers=VERSION)
    assert r.status_code == 201, r.text
    replica = r.json()["replica"]
    assert replica["status"] == "preparing"
    if wait:
        wait_status(c, replica["id"], "active")
    return replica


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def wait_status(c: httpx.Client, replica_id: str, status: str, timeout: float = 10.0) -> dict:
    def check():
        body = c.get(f"/v1/replica/{replica_id}").json()["replica"]
        return body if body["status"] == status and not body.get("waking") else None

    return wait_for(check, timeout)


def wait_idle(c: httpx.Client, replica_id: str, timeout: float = 15.0) -> list[dict]:
    """Wait until no chat of the replica is processing; returns its chats."""

    def check():
        chats = c.get(f"/v1/replica/{replica_id}/chats").json()["chats"]
        return chats if chats and not any(ch["processing"] for ch in chats) else None

    return wait_for(check, timeout)


def set_state(emulator, replica_id: str, status: str, **extra) -> dict:
    return emulator.control(f"replicas/{replica_id}/state", {"status": status, **extra})


@pytest.fixture
def fast_wake(emulator):
    old = emulator.control("config")["wake_s"]
    emulator.control("config", {"wake_s": 0.2})
    yield
    emulator.control("config", {"wake_s": old})


# --- auth ----------------------------------------------------------------------------------


def test_missing_and_unknown_keys_are_401(emulator):
    for key in (None, "rk_org_nope"):
        r = client(emulator, key).get("/v1/replica")
        assert r.status_code == 401
        assert set(r.json()) == {"error", "details"} and r.json()["error"] == "Unauthorized"


# --- create, lifecycle ---------------------------------------------------------------------


def test_create_returns_preparing_then_becomes_active_and_runs_the_message(emulator):
    c = client(emulator)
    replica = create(c, wait=False, message="Add a retry to the session refresh")
    assert replica["repositories"][0]["name"] == "acme/web"
    assert replica["user_id"] is None  # org key: the Replicas bot
    detail = wait_status(c, replica["id"], "active")
    assert detail["repository_statuses"][0]["branch"] == replica["name"]
    chats = wait_idle(c, replica["id"])
    assert chats[0]["lastMessageText"] == "Add a retry to the session refresh"
    history = c.get(f"/v1/replica/{replica['id']}/history").json()
    assert history["events"][0]["type"] == "claude-user"
    assert history["events"][-1]["type"] == "claude-result"
    done = c.get(f"/v1/replica/{replica['id']}", params={"include": "diffs"}).json()["replica"]
    status = done["repository_statuses"][0]
    assert status["git_diff"]["added"] > 0 and status["git_diff"]["full_diff"].startswith(
        "diff --git"
    )
    assert status["pr_urls"] and done["pull_requests"][0]["url"] == status["pr_urls"][0]
    assert done["lastChatMessage"]["text"] == "Add a retry to the session refresh"


def test_legacy_create_blocks_until_active(emulator):
    c = client(emulator)
    started = time.monotonic()
    r = c.post("/v1/replica", json={"name": unique("legacy"), "message": "Hello"})
    assert r.status_code == 201
    replica = r.json()["replica"]
    assert replica["status"] == "active"
    assert time.monotonic() - started >= 0.4  # --prepare-s 0.5 in the test emulator
    assert replica["coding_agent"] == "claude" and replica["chats"]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"name": "fix auth bug", "message": "x"}, "whitespace"),
        ({"name": "", "message": "x"}, "name"),
        ({"name": "ok"}, "message is required"),
        ({"message": "x"}, "name is required"),
        ({"name": 42, "message": "x"}, "name must be"),
        ({"name": "ok", "message": "x", "coding_agent": "gemini"}, "coding_agent"),
        ({"name": "ok", "message": "x", "size": "huge"}, "size"),
        ({"name": "ok", "message": "x", "thinking_level": "extreme"}, "thinking_level"),
        ({"name": "ok", "message": "x", "lifecycle_policy": "never"}, "lifecycle_policy"),
        ({"name": "ok", "message": "x", "environment_id": "nope"}, "uuid"),
        ({"name": "ok", "message": "x", "webhook_url": "not a url"}, "webhook_url"),
        ({"name": "ok", "message": "x", "webhook_url": {"secret": "s"}}, "url"),
        ({"name": "ok", "message": "x", "plan_mode": "yes"}, "plan_mode"),
        ({"name": "ok", "message": "/plan  "}, "empty"),
    ],
)
def test_create_validation_is_400_with_the_envelope(emulator, body, detail):
    r = client(emulator).post("/v1/replica", json=body, headers=VERSION)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "Invalid request body"
    assert detail in r.json()["details"]


def test_create_rejects_bad_version_header_and_non_json(emulator):
    c = client(emulator)
    r = c.post(
        "/v1/replica",
        json={"name": "a", "message": "b"},
        headers={"X-Replicas-Api-Version": "2020-01-01"},
    )
    assert r.status_code == 400
    r = c.post(
        "/v1/replica", content=b"{nope", headers={**VERSION, "Content-Type": "application/json"}
    )
    assert r.status_code == 400
    r = c.post("/v1/replica", json=["a"], headers=VERSION)
    assert r.status_code == 400


def test_create_with_unknown_environment_or_repository_is_404(emulator):
    c = client(emulator)
    missing = str(uuid.uuid4())
    for extra in (
        {"environment_id": missing},
        {"repository_set_id": missing},
        {"repository_ids": [missing]},
    ):
        r = c.post("/v1/replica", json={"name": "x", "message": "y", **extra}, headers=VERSION)
        assert r.status_code == 404, (extra, r.text)


def test_create_from_repository_set_checks_out_every_repository(emulator):
    c = client(emulator)
    replica = create(
        c, wait=False, repository_ids=None, repository_set_id=repository_id("acme/platform")
    )
    assert {r["name"] for r in replica["repositories"]} == {"acme/api", "acme/infra"}


def test_personal_key_attributes_the_replica_to_its_user(emulator):
    c = client(emulator, PERSONAL_KEY)
    mine = create(c, wait=False, name=unique("ada"))
    assert mine["user_id"] == ADA_ID
    listed = client(emulator).get("/v1/replica", params={"user_id": ADA_ID, "limit": 100}).json()
    assert mine["id"] in {r["id"] for r in listed["replicas"]}
    assert all(r["user_id"] == ADA_ID for r in listed["replicas"])


# --- list, get, delete ---------------------------------------------------------------------


def test_list_pagination_filters_and_order(emulator):
    c = client(emulator)
    a = create(c, wait=False, name=unique("page-a"))
    b = create(c, wait=False, name=unique("page-b"))
    first = c.get("/v1/replica", params={"page": 1, "limit": 2}).json()
    assert [r["id"] for r in first["replicas"]] == [b["id"], a["id"]]  # newest first
    assert first["limit"] == 2 and first["page"] == 1
    assert first["total_pages"] == -(-first["total"] // 2)
    page2 = c.get("/v1/replica", params={"page": 2, "limit": 2}).json()
    assert not {r["id"] for r in page2["replicas"]} & {a["id"], b["id"]}
    beyond = c.get("/v1/replica", params={"page": 10_000}).json()
    assert beyond["replicas"] == [] and beyond["total"] == first["total"]
    for status in ("active", "sleeping", "archived", "preparing", "error"):
        listed = c.get("/v1/replica", params={"status": status, "limit": 100}).json()
        assert all(r["status"] == status for r in listed["replicas"])
        if status in ("active", "preparing", "error"):  # seeded, and no test changes them
            assert listed["replicas"], f"the seed has a {status} replica"
    dash = c.get("/v1/replica", params={"source": "dashboard", "limit": 100}).json()
    assert dash["replicas"] and all(r["source"] == "dashboard" for r in dash["replicas"])
    for params in (
        {"limit": 0},
        {"limit": 101},
        {"page": 0},
        {"page": "x"},
        {"status": "gone"},
        {"source": "fax"},
    ):
        assert c.get("/v1/replica", params=params).status_code == 400, params


def test_get_includes_environment_and_diffs_only_on_request(emulator):
    c = client(emulator)
    rid = seeded_id("fix-session-timeout")
    plain = c.get(f"/v1/replica/{rid}").json()["replica"]
    assert "environment" not in plain
    assert plain["repository_statuses"][0]["git_diff"]["full_diff"] == ""
    full = c.get(f"/v1/replica/{rid}", params={"include": "environment,diffs"}).json()["replica"]
    diff = full["repository_statuses"][0]["git_diff"]
    assert "src/auth/session.ts" in diff["full_diff"] and diff["added"] > diff["removed"] > 0
    env = full["environment"]
    assert env["engine_version"] and set(env["coding_agents"]) == {
        "claude",
        "codex",
        "cursor",
        "opencode",
        "pi",
    }
    assert c.get(f"/v1/replica/{uuid.uuid4()}").status_code == 404
    assert c.get("/v1/replica/not-a-uuid").status_code == 404


def test_delete_is_idempotent_and_unknown_ids_are_404(emulator):
    c = client(emulator)
    replica = create(c, wait=False)
    for _ in range(2):
        r = c.delete(f"/v1/replica/{replica['id']}")
        assert r.status_code == 200 and r.json() == {"success": True}
    assert c.get(f"/v1/replica/{replica['id']}").status_code == 404
    assert replica["id"] not in {
        r["id"] for r in c.get("/v1/replica", params={"limit": 100}).json()["replicas"]
    }
    assert c.delete(f"/v1/replica/{uuid.uuid4()}").status_code == 404


# --- messages, chats, queue ----------------------------------------------------------------


def test_messages_while_busy_queue_and_drain_in_order(emulator):
    c = client(emulator)
    replica = create(c)
    rid = replica["id"]
    wait_idle(c, rid)
    chat = c.post(f"/v1/replica/{rid}/chats", json={"provider": "claude", "title": "Order"}).json()
    texts = ["first: alpha", "second: bravo", "third: charlie", "fourth: delta"]
    answers = [
        c.post(f"/v1/replica/{rid}/messages", json={"message": t, "chat_id": chat["id"]}).json()
        for t in texts
    ]
    assert answers[0]["status"] == "sent" and answers[0]["position"] is None
    assert [a["status"] for a in answers[1:]] == ["queued"] * 3
    assert [a["position"] for a in answers[1:]] == [1, 2, 3]
    assert {a["chat_id"] for a in answers} == {chat["id"]}
    wait_idle(c, rid, timeout=20)
    history = c.get(f"/v1/replica/{rid}/history", params={"chat_id": chat["id"]}).json()
    prompts = [
        e["payload"]["payload"]["message"]["content"][0]["text"]
        for e in history["events"]
        if e["type"] == "claude-user"
        and e["payload"]["payload"]["message"]["content"][0]["type"] == "text"
    ]
    assert prompts == texts


def test_queue_reorder_remove_and_clear(emulator):
    c = client(emulator)
    rid = create(c)["id"]
    chat = c.post(f"/v1/replica/{rid}/chats", json={"provider": "codex"}).json()
    base = f"/v1/replica/{rid}/chats/{chat['id']}/queue"
    for text in ("run", "q1", "q2", "q3"):
        c.post(f"/v1/replica/{rid}/messages", json={"message": text, "chat_id": chat["id"]})
    queue = c.get(base).json()
    assert queue["chatId"] == chat["id"] and queue["processing"] is True
    ids = [m["id"] for m in queue["queue"]]
    assert [m["message"] for m in queue["queue"]] == ["q1", "q2", "q3"]
    assert all(m["senderDisplayName"] == "Replicas bot" for m in queue["queue"])
    moved = c.patch(base + "/reorder", json={"messageId": ids[2], "position": 0}).json()
    assert moved["success"] is True and [m["message"] for m in moved["queue"]] == ["q3", "q1", "q2"]
    same = c.patch(base + "/reorder", json={"messageId": ids[2], "position": 0}).json()
    assert same["success"] is False
    assert c.patch(base + "/reorder", json={"messageId": ids[0], "position": 7}).status_code == 400
    assert c.patch(base + "/reorder", json={"messageId": ids[0]}).status_code == 400
    assert (
        c.patch(base + "/reorder", json={"messageId": ids[0], "position": "1"}).status_code == 400
    )
    removed = c.delete(f"{base}/{ids[0]}").json()
    assert removed["success"] is True and [m["message"] for m in removed["queue"]] == ["q3", "q2"]
    assert c.delete(f"{base}/{ids[0]}").json()["success"] is False
    cleared = c.delete(base).json()
    assert cleared == {"success": True, "queue": []}
    assert c.delete(base).json()["success"] is False
    assert c.get(f"/v1/replica/{rid}/chats/nope/queue").status_code == 404


def test_chats_create_list_delete_and_messages_pick_chats(emulator):
    c = client(emulator)
    rid = create(c)["id"]
    wait_idle(c, rid)
    own_id = str(uuid.uuid4())
    chat = c.post(
        f"/v1/replica/{rid}/chats", json={"provider": "opencode", "id": own_id, "title": "Mine"}
    )
    assert (
        chat.status_code == 201
        and chat.json()["id"] == own_id
        and chat.json()["processing"] is False
    )
    assert c.post(f"/v1/replica/{rid}/chats", json={"provider": "gpt"}).status_code == 400
    assert c.post(f"/v1/replica/{rid}/chats", json={"title": "no provider"}).status_code == 400
    # coding_agent without chat_id: the newest chat of that provider (or a new one).
    sent = c.post(
        f"/v1/replica/{rid}/messages", json={"message": "hi", "coding_agent": "opencode"}
    ).json()
    assert sent["chat_id"] == own_id
    pi = c.post(
        f"/v1/replica/{rid}/messages", json={"message": "hi pi", "coding_agent": "pi"}
    ).json()
    chats = {ch["id"]: ch for ch in c.get(f"/v1/replica/{rid}/chats").json()["chats"]}
    assert chats[pi["chat_id"]]["provider"] == "pi"
    mismatch = c.post(
        f"/v1/replica/{rid}/messages",
        json={"message": "x", "chat_id": own_id, "coding_agent": "codex"},
    )
    assert mismatch.status_code == 400
    assert (
        c.post(f"/v1/replica/{rid}/messages", json={"message": "x", "chat_id": "nope"}).status_code
        == 404
    )
    assert (
        c.post(
            f"/v1/replica/{rid}/messages", json={"message": "x", "thinking_level": "huge"}
        ).status_code
        == 400
    )
    assert c.delete(f"/v1/replica/{rid}/chats/{own_id}").json() == {"success": True}
    assert c.delete(f"/v1/replica/{rid}/chats/{own_id}").status_code == 404
    ws = c.get(f"/v1/workspaces/{rid}/chats").json()
    assert own_id in {ch["id"] for ch in ws["deletedChats"]}
    assert own_id not in {ch["id"] for ch in ws["chats"]}


def test_slash_commands_per_provider(emulator):
    c = client(emulator)
    rid = seeded_id("fix-session-timeout")
    chats = {ch["provider"]: ch["id"] for ch in c.get(f"/v1/replica/{rid}/chats").json()["chats"]}
    claude = c.get(f"/v1/replica/{rid}/chats/{chats['claude']}/slash-commands").json()["commands"]
    codex = c.get(f"/v1/replica/{rid}/chats/{chats['codex']}/slash-commands").json()["commands"]
    assert "/plan" in {x["command"] for x in claude} and "/goal" not in {
        x["command"] for x in claude
    }
    assert "/goal" in {x["command"] for x in codex}
    assert all("claude" in x["providers"] for x in claude)


# --- history -------------------------------------------------------------------------------


def test_history_paginates_from_the_end(emulator):
    c = client(emulator)
    rid = seeded_id("fix-session-timeout")
    chat_id = next(
        ch["id"]
        for ch in c.get(f"/v1/replica/{rid}/chats").json()["chats"]
        if ch["provider"] == "claude"
    )
    url = f"/v1/replica/{rid}/history"
    full = c.get(url, params={"chat_id": chat_id}).json()
    total = full["total"]
    assert total == len(full["events"]) > 10 and full["has_more"] is False
    assert full["coding_agent"] == "claude" and full["thread_id"]
    assert full["senders"] and full["senders"][0]["senderEmail"] == "ada@example.com"
    last = c.get(url, params={"chat_id": chat_id, "limit": 5}).json()
    assert (
        last["events"] == full["events"][-5:]
        and last["has_more"] is True
        and last["total"] == total
    )
    before = c.get(url, params={"chat_id": chat_id, "limit": 5, "offset": 5}).json()
    assert before["events"] == full["events"][-10:-5]
    head = c.get(url, params={"chat_id": chat_id, "limit": 5, "offset": total - 3}).json()
    assert head["events"] == full["events"][:3] and head["has_more"] is False
    for params in ({"limit": 0}, {"offset": -1}, {"limit": "x"}):
        assert c.get(url, params=params).status_code == 400
    assert c.get(url, params={"chat_id": "nope"}).status_code == 404
    everything = c.get(url).json()
    assert everything["total"] > total  # all chats merged


def test_every_provider_speaks_its_own_event_format(emulator):
    c = client(emulator)
    rid = create(c)["id"]
    wait_idle(c, rid)
    chat_ids = {}
    for provider in ("claude", "codex", "cursor", "opencode", "pi"):
        chat = c.post(f"/v1/replica/{rid}/chats", json={"provider": provider}).json()
        chat_ids[provider] = chat["id"]
        c.post(
            f"/v1/replica/{rid}/messages",
            json={"message": f"Explain the retry logic ({provider})", "chat_id": chat["id"]},
        )
    wait_idle(c, rid, timeout=20)
    expected = {
        "claude": {"claude-user", "claude-system", "claude-assistant", "claude-result"},
        "codex": {"event_msg", "response_item"},
        "cursor": {"cursor-status", "cursor-thinking", "cursor-assistant", "cursor-tool_call"},
        "opencode": {
            "opencode-message.updated",
            "opencode-part-text",
            "opencode-part-reasoning",
            "opencode-part-tool",
            "opencode-session.idle",
        },
        "pi": {
            "pi-agent_start",
            "pi-message_update",
            "pi-tool_execution_start",
            "pi-tool_execution_end",
        },
    }
    for provider, chat_id in chat_ids.items():
        raw = c.get(f"/v1/replica/{rid}/history", params={"chat_id": chat_id}).json()
        parsed = models.ReadReplicaHistoryResponse.model_validate(raw)  # the portal's models
        inner = {e.payload.root.type for e in parsed.events}
        assert expected[provider] <= {str(getattr(t, "value", t)) for t in inner}, provider
        assert raw["events"][0]["type"] == f"{provider}-user"
        assert raw["coding_agent"] == provider


# --- sleeping, error, wake, archive --------------------------------------------------------


def test_sleeping_and_error_workspaces_answer_409_and_wake(emulator, api, fast_wake):
    c = client(emulator)
    rid = create(c)["id"]
    wait_idle(c, rid)
    set_state(emulator, rid, "sleeping")
    chat_id = c.get(f"/v1/replica/{rid}").json()["replica"]["chats"][0]["id"]
    proxied = [
        ("POST", f"/v1/replica/{rid}/messages", {"message": "hi"}),
        ("GET", f"/v1/replica/{rid}/chats", None),
        ("POST", f"/v1/replica/{rid}/chats", {"provider": "claude"}),
        ("GET", f"/v1/replica/{rid}/history", None),
        ("GET", f"/v1/replica/{rid}/hooks", None),
        ("GET", f"/v1/replica/{rid}/canvas", None),
        ("GET", f"/v1/replica/{rid}/events", None),
        ("GET", f"/v1/replica/{rid}/chats/{chat_id}/queue", None),
        ("GET", f"/v1/replica/{rid}/chats/{chat_id}/slash-commands", None),
    ]
    for method, path, body in proxied:
        r = c.request(method, path, json=body)
        assert r.status_code == 409 and "sleeping" in r.json()["error"].lower(), (path, r.text)
    with pytest.raises(errors.WorkspaceSleeping):
        api.read_replica_history(rid)
    assert c.get(f"/v1/replica/{rid}").json()["replica"]["status"] == "sleeping"
    woke = c.post(f"/v1/replica/{rid}/wake").json()
    assert woke == {"success": True, "waking": True, "status": "sleeping"}
    assert c.get(f"/v1/replica/{rid}").json()["replica"]["waking"] is True
    wait_status(c, rid, "active")
    assert c.post(f"/v1/replica/{rid}/wake").json()["waking"] is False
    assert c.get(f"/v1/replica/{rid}/history").status_code == 200

    set_state(emulator, rid, "error", message="Sandbox died: OOM")
    for method, path, body in proxied:
        r = c.request(method, path, json=body)
        assert r.status_code == 409 and r.json()["error"] == "Workspace is in error state", path
    with pytest.raises(errors.WorkspaceInError):
        api.send_replica_message(rid, {"message": "hello?"})
    assert c.post(f"/v1/replica/{rid}/wake").status_code == 409
    detail = c.get(f"/v1/replica/{rid}").json()["replica"]
    assert detail["status"] == "error" and detail["error_message"] == "Sandbox died: OOM"


def test_preparing_workspace_refuses_messages_but_serves_chats(emulator):
    c = client(emulator)
    rid = create(c, wait=False)["id"]
    set_state(emulator, rid, "preparing", hold=True)
    r = c.post(f"/v1/replica/{rid}/messages", json={"message": "too early"})
    assert r.status_code == 409 and "preparing" in r.json()["error"]
    assert c.get(f"/v1/replica/{rid}/chats").status_code == 200
    assert c.post(f"/v1/workspaces/{rid}/sleep").status_code == 409
    assert c.post(f"/v1/workspaces/{rid}/archive").status_code == 409
    set_state(emulator, rid, "active")
    wait_status(c, rid, "active")


def test_archived_workspace_wakes_on_history_and_holds_messages(emulator, fast_wake):
    c = client(emulator)
    rid = create(c)["id"]
    wait_idle(c, rid)
    assert c.post(f"/v1/workspaces/{rid}/archive").json() == {"success": True}
    assert c.post(f"/v1/workspaces/{rid}/archive").json() == {"success": True}  # idempotent
    assert c.get(f"/v1/replica/{rid}").json()["replica"]["status"] == "archived"
    archived = c.get("/v1/replica", params={"status": "archived", "limit": 100}).json()["replicas"]
    assert rid in {r["id"] for r in archived}
    history = c.get(f"/v1/replica/{rid}/history").json()
    assert history["waking"] is True and history["events"]
    sent = c.post(f"/v1/replica/{rid}/messages", json={"message": "after the nap"}).json()
    assert sent["status"] == "waking" and sent["position"] is None
    wait_status(c, rid, "active")
    chats = wait_idle(c, rid)
    assert any(ch["lastMessageText"] == "after the nap" for ch in chats)


# --- workspace routes ----------------------------------------------------------------------


def test_workspace_chat_routes(emulator, fast_wake):
    c = client(emulator)
    rid = create(c)["id"]
    wait_idle(c, rid)
    listed = c.get(f"/v1/workspaces/{rid}/chats").json()
    assert listed["chats"][0]["createdAt"] and "parentChatId" in listed["chats"][0]
    made = c.post(f"/v1/workspaces/{rid}/chats", json={"provider": "cursor", "title": "WS"})
    assert made.status_code == 201
    chat_id = made.json()["chat"]["id"]
    now_sent = c.post(
        f"/v1/workspaces/{rid}/chats/{chat_id}/messages", json={"message": "go", "messageId": "m-1"}
    )
    assert now_sent.status_code == 200 and now_sent.json() == {
        "messageId": "m-1",
        "queued": False,
        "position": 0,
    }
    queued = c.post(
        f"/v1/workspaces/{rid}/chats/{chat_id}/messages", json={"message": "then this"}
    ).json()
    assert queued["queued"] is True and queued["position"] == 1
    assert (
        c.post(f"/v1/workspaces/{rid}/chats/{chat_id}/messages", json={"text": "x"}).status_code
        == 400
    )
    assert (
        c.post(
            f"/v1/workspaces/{rid}/chats/{uuid.uuid4()}/messages", json={"message": "x"}
        ).status_code
        == 404
    )
    wait_idle(c, rid)
    assert c.post(f"/v1/workspaces/{rid}/sleep").json() == {"success": True}
    assert c.post(f"/v1/workspaces/{rid}/sleep").json() == {"success": True}  # no-op
    held = c.post(
        f"/v1/workspaces/{rid}/chats/{chat_id}/messages", json={"message": "while asleep"}
    )
    assert held.status_code == 202 and held.json()["queued"] is True
    wait_status(c, rid, "active")  # a held message wakes the workspace
    deferred = c.post(
        f"/v1/workspaces/{rid}/messages/deferred",
        json={"message": "later", "provider": "pi", "generateName": True},
    )
    assert deferred.status_code == 202 and deferred.json()["status"] == "waking"
    assert (
        c.post(
            f"/v1/workspaces/{rid}/messages/deferred", json={"message": "no provider"}
        ).status_code
        == 400
    )
    chats = {ch["id"]: ch for ch in c.get(f"/v1/workspaces/{rid}/chats").json()["chats"]}
    assert chats[deferred.json()["chatId"]]["provider"] == "pi"
    assert chats[deferred.json()["chatId"]]["title"] == "later"
    set_state(emulator, rid, "error")
    assert c.post(f"/v1/workspaces/{rid}/chats", json={"provider": "claude"}).status_code == 409
    assert c.post("/v1/workspaces/not-a-uuid/sleep").status_code == 400
    assert c.post(f"/v1/workspaces/{uuid.uuid4()}/archive").status_code == 404


# --- canvas and hooks ----------------------------------------------------------------------


def test_canvas_kinds_payloads_and_size_cap(emulator):
    c = client(emulator)
    rid = seeded_id("fix-session-timeout")
    items = {i["filename"]: i for i in c.get(f"/v1/replica/{rid}/canvas").json()["items"]}
    assert {i["kind"] for i in items.values()} == {
        "markdown",
        "html",
        "image",
        "video",
        "audio",
        "other",
    }
    md = c.get(f"/v1/replica/{rid}/canvas/session-timeout-plan.md").json()
    assert md["kind"] == "markdown" and md["content"].startswith("# ") and "base64" not in md
    assert "|------|" in md["content"] and "```ts" in md["content"]
    png = c.get(f"/v1/replica/{rid}/canvas/login-screenshot.png").json()
    import base64

    assert png["mimeType"] == "image/png" and base64.b64decode(png["base64"]).startswith(b"\x89PNG")
    wav = c.get(f"/v1/replica/{rid}/canvas/session-expired.wav").json()
    assert wav["kind"] == "audio" and base64.b64decode(wav["base64"])[:4] == b"RIFF"
    big = c.get(f"/v1/replica/{rid}/canvas/full-trace.har").json()
    assert big["tooLarge"] is True and big["sizeBytes"] > 5 * 1024 * 1024
    assert "content" not in big and "base64" not in big
    assert c.get(f"/v1/replica/{rid}/canvas/nope.md").status_code == 404


def test_hook_logs_with_truncated_and_timed_out_entries(emulator):
    c = client(emulator)
    hooks = c.get(f"/v1/replica/{seeded_id('fix-session-timeout')}/hooks").json()
    warm, start = hooks["warm_hooks"]["logs"], hooks["start_hooks"]["logs"]
    truncated = [h for h in warm if h["outputTruncated"]]
    assert truncated and truncated[0]["outputTotalChars"] > len(truncated[0]["output"])
    timed_out = [h for h in start if h["timedOut"]]
    assert timed_out and timed_out[0]["exitCode"] == 124
    assert {h["hookType"] for h in start} == {"environment", "repository"}


def test_new_replica_gets_hook_logs_while_preparing(emulator):
    c = client(emulator)
    rid = create(c)["id"]
    hooks = c.get(f"/v1/replica/{rid}/hooks").json()
    assert hooks["warm_hooks"]["logs"] and hooks["start_hooks"]["logs"][0]["hookName"] == "acme/web"


def test_member_key_reads_org_replicas(emulator):
    listed = client(emulator, MEMBER_KEY).get("/v1/replica", params={"limit": 100})
    assert listed.status_code == 200 and listed.json()["total"] >= 7
