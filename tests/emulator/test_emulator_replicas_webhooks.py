"""Outgoing replica webhooks: headers, HMAC signature, bodies, retries (5xx, 429, network) and
no retries on other 4xx. A tiny HTTP receiver runs in the test on a free port."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import free_port
from tests.emulator.test_emulator_replicas import (
    client,
    create,
    set_state,
    unique,
    wait_for,
    wait_idle,
)

pytestmark = pytest.mark.emulator
SECRET = "whsec_test_secret"


class Receiver:
    """Records every POST; answers each path with the next status of its script (then 200)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.scripts: dict[str, list[int]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "raw": raw,
                    }
                )
                script = receiver.scripts.get(self.path) or []
                status = script.pop(0) if script else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str, event: str | None = None) -> list[dict]:
        return [
            r
            for r in self.requests
            if r["path"] == path
            and (event is None or r["headers"].get("x-replicas-event") == event)
        ]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def fast_backoff(emulator):
    old = emulator.control("config")["webhook_backoff_s"]
    emulator.control("config", {"webhook_backoff_s": 0.05})
    yield
    emulator.control("config", {"webhook_backoff_s": old})


def test_signed_webhooks_for_ready_turn_completed_and_deleted(emulator, receiver):
    c = client(emulator)
    hook = {"url": receiver.url("/hooks"), "secret": SECRET}
    replica = create(c, name=unique("hooked"), webhook_url=hook, message="Fix the session refresh")
    rid = replica["id"]
    wait_idle(c, rid)
    wait_for(lambda: receiver.at("/hooks", "replica.turn_completed"))
    c.delete(f"/v1/replica/{rid}")
    wait_for(lambda: receiver.at("/hooks", "replica.deleted"))
    seen = receiver.at("/hooks")
    assert [r["headers"]["x-replicas-event"] for r in seen] == [
        "replica.ready",
        "replica.turn_completed",
        "replica.deleted",
    ]
    for r in seen:
        h = r["headers"]
        expected = "sha256=" + hmac.new(SECRET.encode(), r["raw"], hashlib.sha256).hexdigest()
        assert hmac.compare_digest(h["x-replicas-signature"], expected)
        body = json.loads(r["raw"])
        assert h["x-replicas-event-id"] == body["id"] and body["id"].startswith("wh_")
        assert h["x-replicas-replica-id"] == rid == body["replica"]["id"]
        assert h["x-replicas-delivery"] and h["content-type"] == "application/json"
        assert body["type"] == h["x-replicas-event"]
        assert set(body["replica"]) == {"id", "name", "status", "source", "created_at"}
        assert body["replica"]["name"] == replica["name"] and body["replica"]["source"] == "api"
    assert len({r["headers"]["x-replicas-delivery"] for r in seen}) == 3
    turn = json.loads(receiver.at("/hooks", "replica.turn_completed")[0]["raw"])
    [status] = turn["data"]["repository_statuses"]
    assert status["repository"] == "acme/web" and status["branch"] == replica["name"]
    assert status["default_branch"] == "main" and status["pr_urls"] == turn["data"]["pr_urls"]
    assert turn["data"]["pr_urls"][0].startswith("https://github.com/acme/web/pull/")
    assert json.loads(receiver.at("/hooks", "replica.deleted")[0]["raw"])["data"] == {}
    records = [d for d in emulator.control("webhooks")["deliveries"] if d["replica_id"] == rid]
    assert [d["outcome"] for d in records] == ["delivered"] * 3
    assert all(d["signed"] and d["status_code"] == 200 for d in records)


def test_retries_on_500_reuse_the_delivery_id(emulator, receiver, fast_backoff):
    receiver.scripts["/flaky"] = [500, 503]
    c = client(emulator)
    rid = create(c, wait=False, webhook_url=receiver.url("/flaky"))["id"]  # bare URL: unsigned
    wait_for(lambda: len(receiver.at("/flaky", "replica.ready")) == 3)
    attempts = receiver.at("/flaky", "replica.ready")
    assert len({a["headers"]["x-replicas-delivery"] for a in attempts}) == 1
    assert len({a["headers"]["x-replicas-event-id"] for a in attempts}) == 1
    assert len({a["raw"] for a in attempts}) == 1
    assert all("x-replicas-signature" not in a["headers"] for a in attempts)
    records = [
        d
        for d in emulator.control("webhooks")["deliveries"]
        if d["replica_id"] == rid and d["event"] == "replica.ready"
    ]
    assert [(d["attempt"], d["status_code"], d["outcome"]) for d in records] == [
        (1, 500, "retrying"),
        (2, 503, "retrying"),
        (3, 200, "delivered"),
    ]


def test_other_4xx_are_not_retried_but_429_is(emulator, receiver, fast_backoff):
    receiver.scripts["/gone"] = [404] * 10
    receiver.scripts["/busy"] = [429] * 10
    c = client(emulator)
    gone = create(c, wait=False, webhook_url=receiver.url("/gone"))["id"]
    busy = create(c, wait=False, webhook_url=receiver.url("/busy"))["id"]
    wait_for(lambda: len(receiver.at("/busy", "replica.ready")) == 4)
    time.sleep(0.5)
    assert len(receiver.at("/busy", "replica.ready")) == 4  # 1 try + 3 retries, then it gives up
    assert len(receiver.at("/gone", "replica.ready")) == 1
    deliveries = emulator.control("webhooks")["deliveries"]
    [gone_record] = [
        d for d in deliveries if d["replica_id"] == gone and d["event"] == "replica.ready"
    ]
    assert gone_record["outcome"] == "failed" and gone_record["status_code"] == 404
    busy_records = [
        d for d in deliveries if d["replica_id"] == busy and d["event"] == "replica.ready"
    ]
    assert [d["outcome"] for d in busy_records] == ["retrying"] * 3 + ["failed"]


def test_network_errors_are_retried_and_recorded(emulator, fast_backoff):
    dead = f"http://127.0.0.1:{free_port()}/nobody-home"
    c = client(emulator)
    rid = create(c, wait=False, webhook_url={"url": dead})["id"]

    def records():
        found = [d for d in emulator.control("webhooks")["deliveries"] if d["replica_id"] == rid]
        return found if len(found) == 4 else None

    found = wait_for(records)
    assert [d["outcome"] for d in found] == ["retrying"] * 3 + ["failed"]
    assert all(d["status_code"] is None and d["error"] for d in found)


def test_error_state_sends_replica_error_with_the_message(emulator, receiver):
    c = client(emulator)
    rid = create(c, webhook_url={"url": receiver.url("/err"), "secret": SECRET})["id"]
    wait_idle(c, rid)
    set_state(emulator, rid, "error", message="Sandbox died: OOM during pnpm build")
    wait_for(lambda: receiver.at("/err", "replica.error"))
    body = json.loads(receiver.at("/err", "replica.error")[0]["raw"])
    assert body["data"] == {"message": "Sandbox died: OOM during pnpm build"}
    assert body["replica"]["status"] == "error"
