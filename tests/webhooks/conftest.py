"""Inbound webhook tests (Zulip style): stored JSON fixtures, one per event type, signed in
the test with the replica's secret and posted to the receiver."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from portal.replicas.models import ReplicaRecord
from portal.webhooks import signing
from portal.webhooks.models import HookKind, ReplicaHook
from tests.accounts.personas import *  # noqa: F403
from tests.browser.conftest import live_portal, portal  # noqa: F401  (fixtures: ASGI server)
from tests.replicas.conftest import ada, upstream  # noqa: F401  (fixtures)

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "whsec_test_secret_for_replica_one"
RID = "11111111-1111-4111-8111-111111111111"


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_body(kind: str, *, created_at: datetime | None = None, **changes) -> dict:
    """The stored fixture for `kind` ("ready", "turn_completed"...), made current: a fresh
    event id, `created_at` now (or as given), and any top-level field changed."""
    body = json.loads((FIXTURES / f"replica_{kind}.json").read_text())
    body["id"] = "wh_" + uuid.uuid4().hex
    body["created_at"] = iso(created_at or datetime.now(UTC))
    body.update(changes)
    return body


def make_hook(user, replica_id: str = RID, secret: str = SECRET, **fields) -> ReplicaHook:
    hook = ReplicaHook(token=signing.new_token(), replica_id=replica_id, created_by=user, **fields)
    hook.set_secret(secret)
    hook.save()
    return hook


class Sender:
    """Posts events to the receiver as the Replica API does (headers, signature)."""

    def __init__(self, client, hook: ReplicaHook, secret: str = SECRET) -> None:
        self.client = client
        self.hook = hook
        self.secret = secret

    @property
    def url(self) -> str:
        return reverse("webhooks:receive", args=[self.hook.token])

    def post(self, body: dict | bytes, *, secret: str | None = None, signature: str | None = None,
             signed: bool = True, delivery: str | None = None, url: str | None = None):  # fmt: skip
        raw = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
        meta = body if isinstance(body, dict) else {}
        headers = {
            "X-Replicas-Event": meta.get("type", ""),
            "X-Replicas-Event-Id": meta.get("id", ""),
            "X-Replicas-Delivery": delivery or "whd_" + uuid.uuid4().hex,
            "X-Replicas-Replica-Id": (meta.get("replica") or {}).get("id", RID),
        }
        if signed:
            headers["X-Replicas-Signature"] = signature or signing.sign(secret or self.secret, raw)
        return self.client.post(
            url or self.url, raw, content_type="application/json", headers=headers
        )


@pytest.fixture
def hook(member):
    """Grace created replica RID through the portal: its webhook, and the portal's record."""
    ReplicaRecord.objects.create(
        replica_id=RID, name="fix-auth-bug", created_by=member, created_by_username="grace"
    )
    return make_hook(member, kind=HookKind.PORTAL)


@pytest.fixture
def sender(client, hook) -> Sender:
    return Sender(client, hook)


def hours_ago(hours: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)
