"""The admin page's "send a test event": a signed event POSTed over HTTP to the portal's own
endpoint, at the address the Replica API is given (PORTAL_PUBLIC_URL), so it tests the whole
way in: the address, any proxy in front, the signature check and storage.

The test events have their own webhook (kind TEST, one per portal, with its own secret) and
their own type, `portal.test`: they are stored and shown like any event, and notify nobody.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import httpx
from asgiref.sync import sync_to_async
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import signing
from .models import TEST, HookKind, ReplicaHook

TIMEOUT_S = 10.0
TEST_REPLICA = "00000000-0000-4000-8000-000000000000"


@dataclass
class Sent:
    delivery_id: str
    event_id: str
    status: int | None  # None: the endpoint could not be reached
    error: str = ""


def _test_hook() -> tuple[str, str]:
    hook = ReplicaHook.objects.filter(kind=HookKind.TEST).first()
    if hook is None:
        hook = ReplicaHook(token=signing.new_token(), kind=HookKind.TEST)
        hook.set_secret(signing.new_secret())
        hook.save()
    return hook.token, hook.secret()


@sensitive_variables("secret")
async def send_test_event(base_url: str, endpoint_for) -> Sent:
    """POST one signed `portal.test` event to `base_url` + the test webhook's path."""
    token, secret = await sync_to_async(_test_hook)()
    event_id = "wh_test_" + uuid.uuid4().hex
    delivery_id = "whd_test_" + uuid.uuid4().hex
    body = {
        "id": event_id,
        "type": TEST,
        "created_at": timezone.now().isoformat().replace("+00:00", "Z"),
        "replica": {"id": TEST_REPLICA, "name": "portal-test", "status": "active"},
        "data": {},
    }
    raw = json.dumps(body, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Replicas-Portal-Test/1.0",
        "X-Replicas-Event": TEST,
        "X-Replicas-Event-Id": event_id,
        "X-Replicas-Delivery": delivery_id,
        "X-Replicas-Replica-Id": TEST_REPLICA,
        "X-Replicas-Signature": signing.sign(secret, raw),
    }
    url = base_url.rstrip("/") + endpoint_for(token)
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False) as client:
            response = await client.post(url, content=raw, headers=headers)
    except httpx.HTTPError as exc:
        return Sent(delivery_id, event_id, None, type(exc).__name__)
    return Sent(delivery_id, event_id, response.status_code)
