"""Outgoing replica webhooks, as the guide's "Webhook Callbacks" section describes.

A replica created with `webhook_url` (a bare URL or `{url, secret}`) receives a JSON POST
for `replica.ready`, `replica.turn_completed`, `replica.deleted` and `replica.error`:

    X-Replicas-Event: replica.turn_completed
    X-Replicas-Event-Id: wh_...        stable per event
    X-Replicas-Delivery: whd_...       one per event delivery, reused by its retries
    X-Replicas-Replica-Id: <replica id>
    X-Replicas-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>   (only with a secret)

Network errors, 5xx and 429 are retried up to 3 times with exponential backoff (base
`config.webhook_backoff_s`: 1x, 2x, 4x); other 4xx are permanent failures. Each attempt
times out after 10 s. Every attempt is recorded in `store.deliveries`
(GET /_emulator/webhooks), newest last.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx

from .http import iso, now
from .replica_state import Replica, ReplicaStore

MAX_RETRIES = 3
TIMEOUT_S = 10.0
MAX_RECORDS = 2000
USER_AGENT = "Replicas-Webhooks/1.0 (emulator)"


def normalize_target(value: Any) -> dict | None:
    """`webhook_url` from CreateReplicaRequest -> {"url", "secret"} (secret may be None)."""
    if value is None:
        return None
    if isinstance(value, str):
        return {"url": value, "secret": None}
    if isinstance(value, dict) and value.get("url"):
        secret = value.get("secret")
        return {"url": value["url"], "secret": secret if secret else None}
    return None


def sign(secret: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def build_body(replica: Replica, event_type: str, data: dict) -> dict:
    return {
        "id": "wh_" + uuid.uuid4().hex,
        "type": event_type,
        "created_at": iso(now()),
        "replica": {
            "id": replica.id,
            "name": replica.name,
            "status": replica.status,
            "source": replica.source,
            "created_at": iso(replica.created_at),
        },
        "data": data,
    }


def send(rs: ReplicaStore, replica: Replica, event_type: str, data: dict | None = None) -> None:
    """Queue one event for delivery (no-op when the replica has no webhook)."""
    target = replica.webhook
    if not target:
        return
    body = build_body(replica, event_type, data or {})
    # Not tied to the replica's tasks: `replica.deleted` must survive the delete itself.
    rs.spawn(_deliver(rs, replica.id, dict(target), body))


def turn_completed_data(replica: Replica, new_pr_urls: list[str]) -> dict:
    return {
        "repository_statuses": [
            {
                "repository": repo.name,
                "branch": repo.branch,
                "default_branch": repo.default_branch,
                "pr_urls": list(repo.pr_urls),
            }
            for repo in replica.repos
        ],
        "pr_urls": list(new_pr_urls),
    }


def _client(rs: ReplicaStore) -> httpx.AsyncClient:
    if rs.http is None:
        rs.http = httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False)
    return rs.http


async def _deliver(rs: ReplicaStore, replica_id: str, target: dict, body: dict) -> None:
    config = rs.store.config
    raw = json.dumps(body, separators=(",", ":")).encode()
    delivery_id = "whd_" + uuid.uuid4().hex
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Replicas-Event": body["type"],
        "X-Replicas-Event-Id": body["id"],
        "X-Replicas-Delivery": delivery_id,
        "X-Replicas-Replica-Id": replica_id,
    }
    if target.get("secret"):
        headers["X-Replicas-Signature"] = sign(target["secret"], raw)
    for attempt in range(1, MAX_RETRIES + 2):
        started = time.monotonic()
        record: dict[str, Any] = {
            "delivery_id": delivery_id,
            "event_id": body["id"],
            "event": body["type"],
            "replica_id": replica_id,
            "url": target["url"],
            "attempt": attempt,
            "signed": "X-Replicas-Signature" in headers,
            "at": iso(now()),
            "status_code": None,
            "error": None,
            "headers": dict(headers),
            "body": body,
        }
        retry = False
        try:
            response = await _client(rs).post(target["url"], content=raw, headers=headers)
            record["status_code"] = response.status_code
            if 200 <= response.status_code < 300:
                record["outcome"] = "delivered"
            elif response.status_code >= 500 or response.status_code == 429:
                retry = True
            else:
                record["outcome"] = "failed"
                record["error"] = f"HTTP {response.status_code}: permanent failure, not retried"
        except httpx.HTTPError as exc:
            record["error"] = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            retry = True
        record["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        if retry:
            record["outcome"] = "retrying" if attempt <= MAX_RETRIES else "failed"
            if record["error"] is None:
                record["error"] = f"HTTP {record['status_code']}"
        _record(rs, record)
        if not retry or attempt > MAX_RETRIES:
            return
        await asyncio.sleep(config.webhook_backoff_s * (2 ** (attempt - 1)))


def _record(rs: ReplicaStore, record: dict) -> None:
    deliveries = rs.store.deliveries
    deliveries.append(record)
    if len(deliveries) > MAX_RECORDS:
        del deliveries[: len(deliveries) - MAX_RECORDS]
