"""Receiving one webhook POST from the Replica API, safely.

In this order, each step answering the API the way its retry policy needs (network errors,
5xx and 429 are retried; any other 4xx is permanent):

1. a body over WEBHOOK_MAX_BYTES: 413;
2. a URL token that is no replica's webhook: 404 ("unknown replica");
3. no `X-Replicas-Signature`, or one that isn't the HMAC of the raw body under that replica's
   secret (compared in constant time): 401, and nothing stored. The only 401;
4. a body that isn't a JSON event (id, type, created_at, replica.id): 400;
5. a replica id in the (signed) body that isn't this webhook's replica: 404;
6. an event id already stored: 200, and nothing happens again (retries and replays);
7. a signed `created_at` older than WEBHOOK_MAX_AGE: 400 ("stale": the signature has no
   timestamp, so an old event is refused rather than trusted);
8. otherwise the event is stored, then processed. Storing is what the 200 promises: a
   processing failure is logged and retried later (`processing.py`), never a 5xx that would
   make the API deliver an event the portal already has.

Every POST is recorded as a `Delivery` with its verdict (the admin page lists them). Logs
carry ids and verdicts only: never the secret, the signature or the body.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal.lib import crypto

from . import signing
from .models import Delivery, Event, EventSource, HookKind, ReplicaHook, Verdict

log = logging.getLogger("portal.webhooks")

_PRINTABLE = re.compile(r"[^\x21-\x7e]")


@dataclass
class Answer:
    status: int
    verdict: str
    text: str
    event: Event | None = None


def _header(request, name: str) -> str:
    """A header as a short printable string (it is shown on the admin page and logged)."""
    return _PRINTABLE.sub("", request.headers.get(name, ""))[:128]


def _client_ip(request) -> str | None:
    value = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def parse_event(raw: bytes) -> dict | None:
    """The event's fields, or None when the body isn't a JSON event the portal can use."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict):
        return None
    replica = body.get("replica")
    event_id, kind, created = body.get("id"), body.get("type"), body.get("created_at")
    if not (isinstance(event_id, str) and 0 < len(event_id) <= 128):
        return None
    if not (isinstance(kind, str) and 0 < len(kind) <= 64):
        return None
    when = parse_datetime(created) if isinstance(created, str) else None
    if when is None:
        return None
    if timezone.is_naive(when):
        when = timezone.make_aware(when, UTC)
    if not isinstance(replica, dict):
        return None
    try:
        replica_id = uuid.UUID(str(replica.get("id")))
    except ValueError:
        return None
    data = body.get("data")
    return {
        "id": event_id,
        "type": kind,
        "created_at": when,
        "replica_id": replica_id,
        "replica_name": str(replica.get("name") or "")[:255],
        "body": {**body, "data": data if isinstance(data, dict) else {}},
    }


def receive(request, token: str) -> Answer:
    ids = {
        "delivery_id": _header(request, "X-Replicas-Delivery"),
        "event_id": _header(request, "X-Replicas-Event-Id"),
        "event_type": _header(request, "X-Replicas-Event")[:64],
        "replica_id": _header(request, "X-Replicas-Replica-Id")[:64],
        "source_ip": _client_ip(request),
    }

    def answer(status: int, verdict: str, text: str, detail: str = "", *, body_bytes: int,
               event: Event | None = None) -> Answer:  # fmt: skip
        fields = {**ids}
        Delivery.objects.create(
            verdict=verdict, status_code=status, detail=detail[:255], body_bytes=body_bytes,
            stored_event=event, **fields,
        )  # fmt: skip
        log.info(
            "webhook delivery %s (event %s, replica %s): %s, answered %s",
            fields["delivery_id"] or "-",
            fields["event_id"] or "-",
            fields["replica_id"] or "-",
            verdict,
            status,
        )
        return Answer(status, verdict, text, event)

    cap = settings.WEBHOOK_MAX_BYTES
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > cap:
        return answer(413, Verdict.TOO_LARGE, "Too large.", f"{declared} bytes", body_bytes=0)
    raw = request.body
    size = len(raw)
    if size > cap:
        return answer(413, Verdict.TOO_LARGE, "Too large.", f"{size} bytes", body_bytes=0)

    hook = ReplicaHook.objects.filter(token=token).exclude(kind=HookKind.OWN).first()
    if hook is None:
        return answer(404, Verdict.UNKNOWN_REPLICA, "Unknown webhook.", "no such webhook URL",
                      body_bytes=size)  # fmt: skip

    signature = request.headers.get("X-Replicas-Signature")
    if not signature:
        return answer(401, Verdict.UNSIGNED, "Signature required.", body_bytes=size)
    try:
        secret = hook.secret()
    except crypto.DecryptionError:
        # Our fault, not the sender's: 503 so the API retries once the key is back.
        log.error("webhook %s: its secret can't be decrypted with FIELD_ENCRYPTION_KEYS", hook.pk)
        return answer(503, Verdict.BAD_SIGNATURE, "Try again later.",
                      "the replica's secret can't be decrypted", body_bytes=size)  # fmt: skip
    if not signing.verify(secret, raw, signature):
        return answer(401, Verdict.BAD_SIGNATURE, "Bad signature.", body_bytes=size)

    fields = parse_event(raw)
    if fields is None:
        return answer(400, Verdict.MALFORMED, "Not a JSON event.", body_bytes=size)
    # From here on, the signed body's ids are the ones that count.
    ids.update(event_id=fields["id"], event_type=fields["type"][:64])
    ids["replica_id"] = str(fields["replica_id"])

    if hook.kind == HookKind.PORTAL:
        if hook.replica_id is None:
            # Delivered before the create's answer was recorded: the signature proves it is
            # this webhook's replica.
            try:
                with transaction.atomic():
                    ReplicaHook.objects.filter(pk=hook.pk, replica_id__isnull=True).update(
                        replica_id=fields["replica_id"]
                    )
            except IntegrityError:
                pass  # that replica has its webhook already: this one stays unbound (404)
            hook.refresh_from_db()
        if hook.replica_id != fields["replica_id"]:
            return answer(404, Verdict.UNKNOWN_REPLICA, "Unknown replica.",
                          "signed for another replica", body_bytes=size)  # fmt: skip

    existing = Event.objects.filter(event_id=fields["id"]).first()
    if existing is not None:
        return answer(200, Verdict.DUPLICATE, "Already received.", body_bytes=size,
                      event=existing)  # fmt: skip

    now = timezone.now()
    if fields["created_at"] < now - timedelta(seconds=settings.WEBHOOK_MAX_AGE):
        return answer(400, Verdict.STALE, "Event too old.", f"created {_ago(fields['created_at'])}",
                      body_bytes=size)  # fmt: skip

    source = EventSource.TEST if hook.kind == HookKind.TEST else EventSource.WEBHOOK
    try:
        with transaction.atomic():
            event = Event.objects.create(
                event_id=fields["id"],
                type=fields["type"],
                replica_id=None if hook.kind == HookKind.TEST else fields["replica_id"],
                replica_name=fields["replica_name"],
                created_at=fields["created_at"],
                received_at=now,
                source=source,
                payload=fields["body"],
            )
    except IntegrityError:
        # The same event, delivered twice at once: the other request stored it.
        existing = Event.objects.filter(event_id=fields["id"]).first()
        return answer(200, Verdict.DUPLICATE, "Already received.", body_bytes=size,
                      event=existing)  # fmt: skip
    return answer(200, Verdict.VALID, "Received.", body_bytes=size, event=event)


def _ago(when: datetime) -> str:
    hours = (timezone.now() - when).total_seconds() / 3600
    return f"{hours:.0f} hours ago" if hours >= 2 else f"{hours * 60:.0f} minutes ago"
