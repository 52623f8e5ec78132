"""What a stored event does: move the replica's known state forward, and notify.

    outcome = process_event(event.pk)     # idempotent; safe to run again (reprocess, retries)

- State: `KnownReplica.status_at` is the time of the news that set the status. A
  `replica.ready`, `replica.error` or `replica.deleted` older than that changes nothing and
  notifies nobody (events arriving out of order never move a replica backwards). A
  `replica.turn_completed` is news whenever it happened (its PR links too): it always notifies,
  and moves the state only when it is newer.
- Who: the replica's creator (unless they muted it) and everyone following it, each as their
  preferences say (off, in the portal, or in the portal and on the desktop). One notification
  per user and event, whatever runs twice.
- A failure is logged (ids and the exception's type only) and retried with backoff by the
  per-process worker (`sweep()`); the event stays stored, unprocessed, until it works.
"""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.fleet.live import board_changed
from portal.replicas.models import ReplicaRecord

from . import notify
from .models import (
    DELETED,
    ERROR,
    EVENT_TYPES,
    READY,
    TEST,
    TURN_COMPLETED,
    Delivery,
    Event,
    Follow,
    HookKind,
    How,
    KnownReplica,
    Notification,
    Preferences,
    ReplicaHook,
)

log = logging.getLogger("portal.webhooks")

STATUS_AFTER = {READY: "active", ERROR: "error", DELETED: "deleted"}
MAX_ATTEMPTS = 8
RETRY_BASE_S = 10


def preferences_for(user) -> Preferences:
    prefs = Preferences.objects.filter(user=user).first()
    return prefs or Preferences(user=user)


def recipients(replica_id) -> list:
    """Active users told about this replica: its creator (unless muted) and its followers."""
    follows = list(Follow.objects.filter(replica_id=replica_id))
    ids = {f.user_id for f in follows if f.following}
    muted = {f.user_id for f in follows if not f.following}
    creators = set(
        ReplicaRecord.objects.filter(replica_id=replica_id, created_by__isnull=False).values_list(
            "created_by_id", flat=True
        )
    )
    creators |= set(
        ReplicaHook.objects.filter(replica_id=replica_id, created_by__isnull=False).values_list(
            "created_by_id", flat=True
        )
    )
    ids |= creators - muted
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _safe_links(urls) -> list[str]:
    out = []
    for url in urls or []:
        if (
            isinstance(url, str)
            and url.startswith(("https://", "http://"))
            and len(url) < 500
            and url not in out
        ):
            out.append(url)
    return out[:10]


def words(event: Event) -> dict:
    """Title, body, PR links and chat of the notification an event becomes."""
    data = (event.payload or {}).get("data") or {}
    name = event.replica_name or "A replica"
    links: list[str] = []
    chat_id = str(data.get("chat_id") or data.get("chatId") or "")[:64]
    if event.type == READY:
        title, body = f"{name} is ready", "Its workspace is up: the agent can take messages."
    elif event.type == TURN_COMPLETED:
        links = _safe_links(data.get("pr_urls"))
        title = f"{name}: the agent finished a turn"
        if len(links) == 1:
            body = "It opened a pull request."
        elif links:
            body = f"It opened {len(links)} pull requests."
        else:
            body = "Its answer is in the chat."
    elif event.type == ERROR:
        message = str(data.get("message") or "").strip()
        title = f"{name} failed"
        body = message[:500] or "Its workspace stopped and can't be woken."
    elif event.type == DELETED:
        title, body = f"{name} was deleted", "Its workspace is gone."
    else:
        title, body = f"{name}: {event.type}", ""
    return {"title": title[:255], "body": body, "links": links, "chat_id": chat_id}


def _apply_state(event: Event, known: KnownReplica) -> tuple[bool, str]:
    """Move the known state forward; (whether to notify, what happened in words)."""
    newer = known.status_at is None or event.created_at > known.status_at
    if event.replica_name:
        known.name = event.replica_name
    if event.type in STATUS_AFTER:
        if not newer:
            return False, (
                f"older than what the portal knew ({known.status or 'unknown'} as of "
                f"{known.status_at:%Y-%m-%d %H:%M:%S}): state kept, nobody notified"
            )
        known.status = STATUS_AFTER[event.type]
        known.status_at = event.created_at
        return True, f"replica now {known.status}"
    if event.type == TURN_COMPLETED:
        data = (event.payload or {}).get("data") or {}
        known.pr_urls = list(dict.fromkeys([*known.pr_urls, *_safe_links(data.get("pr_urls"))]))
        if newer:
            status = str(((event.payload or {}).get("replica") or {}).get("status") or "")
            if status in ("active", "sleeping", "archived", "preparing", "error"):
                known.status = status
            known.status_at = event.created_at
            return True, "turn completed"
        return True, "turn completed (older than the known state, which was kept)"
    return False, f"{event.type}: not an event the portal acts on"


def _notify(event: Event) -> list[Notification]:
    """Create this event's notifications (once per user); returns the new ones."""
    said = words(event)
    created = []
    for user in recipients(event.replica_id):
        how = preferences_for(user).how(event.type)
        if how == How.OFF:
            continue
        notification, new = Notification.objects.get_or_create(
            user=user,
            event_id=event.event_id,
            defaults={
                "kind": event.type,
                "replica_id": event.replica_id,
                "replica_name": event.replica_name,
                "desktop": how == How.DESKTOP,
                **said,
            },
        )
        if new:
            created.append(notification)
    return created


def _handle(event: Event) -> str:
    """Process one locked, unprocessed event inside the caller's transaction."""
    if event.type == TEST:
        return "test event: received and verified; nothing to do"
    if event.type not in EVENT_TYPES or event.replica_id is None:
        return f"{event.type}: not an event the portal acts on"
    known, _ = KnownReplica.objects.select_for_update().get_or_create(replica_id=event.replica_id)
    notify_them, outcome = _apply_state(event, known)
    known.version += 1
    known.save()
    transaction.on_commit(board_changed)  # open boards refresh (portal/fleet/live.py)
    if not notify_them:
        return outcome
    created = _notify(event)
    if created:
        transaction.on_commit(lambda: notify.publish_new(created))
    who = len(created)
    return f"{outcome}; {who} notified" if who else f"{outcome}; nobody to notify"


def process_locked(event: Event) -> str:
    """For callers already in a transaction holding the event (the poller)."""
    outcome = _handle(event)
    event.processed_at = timezone.now()
    event.attempts += 1
    event.outcome = outcome[:255]
    event.last_error = ""
    event.next_attempt_at = None
    event.save(update_fields=["processed_at", "attempts", "outcome", "last_error",
                              "next_attempt_at"])  # fmt: skip
    return outcome


def process_event(pk: int, *, again: bool = False) -> str:
    """Process a stored event (again, with `again`: an admin's reprocess). Never raises for
    a processing failure: it is logged, recorded on the event and retried later."""
    try:
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=pk)
            if event.processed_at is not None and not again:
                return event.outcome
            return process_locked(event)
    except Event.DoesNotExist:
        return "no such event"
    except Exception as exc:  # noqa: BLE001  (the event stays stored; the worker retries)
        where = _where(exc)
        log.error("processing webhook event #%s failed: %s at %s; will retry",
                  pk, type(exc).__name__, where)  # fmt: skip
        attempts = Event.objects.filter(pk=pk).values_list("attempts", flat=True).first() or 0
        delay = RETRY_BASE_S * (2 ** min(attempts, 10))
        Event.objects.filter(pk=pk).update(
            attempts=F("attempts") + 1,
            last_error=f"{type(exc).__name__} at {where}"[:255],
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
        )
        return f"failed ({type(exc).__name__}); will be retried"


def _where(exc: BaseException) -> str:
    """file:line of the innermost frame: enough to find the bug, without the message (which
    may quote the body)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno}"


def due_events(limit: int = 50) -> list[int]:
    """Stored events still to process: failed ones whose retry is due, and any left behind
    (a process that died between storing and processing)."""
    now = timezone.now()
    settled = now - timedelta(seconds=30)  # not one the receiver is processing right now
    return list(
        Event.objects.filter(processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .filter(
            Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, received_at__lte=settled)
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )


KEEP_DELIVERIES_DAYS = 30


def prune() -> None:
    """Forget what no longer guards anything: processed events well past the stale window
    (a replay of one is refused as stale anyway), the delivery log after a month, and webhooks
    made for creates that never happened."""
    now = timezone.now()
    old = now - timedelta(seconds=2 * settings.WEBHOOK_MAX_AGE)
    Event.objects.filter(processed_at__isnull=False, created_at__lt=old).delete()
    Delivery.objects.filter(received_at__lt=now - timedelta(days=KEEP_DELIVERIES_DAYS)).delete()
    ReplicaHook.objects.filter(
        kind=HookKind.PORTAL, replica_id__isnull=True, created_at__lt=now - timedelta(days=1)
    ).delete()


def sweep() -> int:
    """Retry what is due; returns how many events were processed now."""
    done = 0
    for pk in due_events():
        outcome = process_event(pk)
        if not outcome.startswith("failed"):
            done += 1
    return done
