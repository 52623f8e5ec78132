"""Notifications without webhooks: one poller per portal process asks the API, at a modest
rate, about the replicas someone is to be told about and the portal gets no webhooks for
(created without a public URL, with the creator's own webhook, or elsewhere and followed).

- Which: replicas with a recipient (their portal creator, unless muted, or a follower), no
  portal webhook (or one that has delivered nothing in its first two minutes: a public URL
  the API can't reach), and not known to be deleted or in error; the newest MAX_REPLICAS.
- How: with a recipient's personal key (the creator's first), else the org key. A replica
  known to be active, preparing or not yet seen is read with getReplica (its chats say
  whether a turn ended); one known to be sleeping or archived is looked for in one
  listReplicas page per key instead, because the spec says a getReplica wakes a sleeping
  workspace.
- What it notices: preparing/sleeping/archived -> active (`replica.ready`), -> error
  (`replica.error`, with the message), gone (`replica.deleted`), and a chat whose
  `updated_at` moved on while it is not working (`replica.turn_completed`, with the pull
  requests that appeared). These become stored events like webhooks' and go through the same
  processing (`processing.py`), in the transaction that records what was seen.
- Several processes: what was seen is compared and updated under the replica's row lock
  (`KnownReplica`), and the events' ids are derived from it, so two processes polling at once
  notify once.
- It runs while someone has a notification stream open in this process (any portal page), and
  also retries stored events whose processing failed (`processing.sweep()`) and, hourly,
  forgets what no longer matters (`processing.prune()`). When no page is
  open anywhere, nothing polls; the first poll after that reports what changed meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.debug import sensitive_variables

from portal.accounts.models import ApiKey, KeyKind
from portal.lib import crypto
from portal.lib.eventstream import release_database
from portal.replica_api import AsyncReplicaAPI, errors
from portal.replicas.models import ReplicaRecord

from . import processing
from .hub import hub
from .models import (
    DELETED,
    ERROR,
    READY,
    TURN_COMPLETED,
    Event,
    EventSource,
    Follow,
    HookKind,
    KnownReplica,
    ReplicaHook,
)

log = logging.getLogger("portal.webhooks.poller")

POLL_SECONDS = 20
PRUNE_EVERY_S = 60 * 60
SILENT_AFTER = timedelta(minutes=2)  # a webhook that said nothing in this long is polled
MAX_REPLICAS = 100
WATCH_DAYS = 30  # replicas the portal created longer ago than this are no longer polled
TERMINAL = ("deleted", "error")
QUIET = ("sleeping", "archived")


@dataclass
class Target:
    replica_id: str
    key_id: int
    known_status: str


@dataclass
class Seen:
    """One replica as the API showed it."""

    status: str  # the API's status, or "deleted"
    name: str = ""
    message: str = ""
    chats: list[tuple[str, datetime, bool]] | None = None  # (id, updated_at, processing)
    pr_urls: list[str] | None = None
    extra: dict = field(default_factory=dict)


def _closing(fn):
    """Run `fn` in a thread, then close that thread's database connections (the poller is
    not a request: nothing else would)."""

    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            release_database()

    return sync_to_async(run, thread_sensitive=False)


# --- what to poll, with which key ---------------------------------------------------------


def plan(limit: int = MAX_REPLICAS) -> list[Target]:
    since = timezone.now() - timedelta(days=WATCH_DAYS)
    people: dict[uuid.UUID, list[int]] = {}
    muted = set(Follow.objects.filter(following=False).values_list("replica_id", "user_id"))
    for rid, uid in (
        ReplicaRecord.objects.filter(created_by__isnull=False, created_at__gte=since)
        .order_by("-created_at")
        .values_list("replica_id", "created_by_id")
    ):
        people.setdefault(rid, []).append(uid)
    for rid, uid in (
        Follow.objects.filter(following=True)
        .order_by("-created_at")
        .values_list("replica_id", "user_id")
    ):
        people.setdefault(rid, []).append(uid)
    hooked = set(
        ReplicaHook.objects.filter(kind=HookKind.PORTAL, replica_id__isnull=False).values_list(
            "replica_id", flat=True
        )
    )
    # A webhook that never delivered anything (PORTAL_PUBLIC_URL the API can't reach, say):
    # its replica is polled too, once it is old enough to have been heard from.
    heard = set(
        Event.objects.filter(source=EventSource.WEBHOOK, replica_id__in=hooked)
        .values_list("replica_id", flat=True)
        .distinct()
    )
    silent = set(
        ReplicaHook.objects.filter(
            replica_id__in=hooked - heard, created_at__lt=timezone.now() - SILENT_AFTER
        ).values_list("replica_id", flat=True)
    )
    hooked -= silent
    known = dict(KnownReplica.objects.values_list("replica_id", "status"))
    keys = {
        k.user_id: k.pk
        for k in ApiKey.objects.filter(kind=KeyKind.PERSONAL, rejected_at__isnull=True).only(
            "pk", "user_id"
        )
    }
    org = (
        ApiKey.objects.filter(kind=KeyKind.ORG, rejected_at__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )
    targets = []
    for rid, users in people.items():
        if rid in hooked or known.get(rid) in TERMINAL:
            continue
        if all((rid, uid) in muted for uid in users):
            continue  # nobody to tell
        key_id = next((keys[uid] for uid in users if uid in keys), org)
        if key_id is None:
            continue
        targets.append(Target(str(rid), key_id, known.get(rid, "")))
        if len(targets) >= limit:
            break
    return targets


@sensitive_variables("plaintext")
def _client(key_id: int) -> AsyncReplicaAPI | None:
    """A plain client (reads only: nothing to audit; the key's "last used" stays the
    person's own use)."""
    key = ApiKey.objects.filter(pk=key_id).first()
    if key is None:
        return None
    try:
        plaintext = key.secret()
    except crypto.DecryptionError:
        log.error("poller: the stored %s API key %s can't be decrypted", key.kind, key.pk)
        return None
    return AsyncReplicaAPI(plaintext)


# --- asking the API -------------------------------------------------------------------------


def _status(value) -> str:
    return str(getattr(value, "value", value))


def _seen_details(replica) -> Seen:
    extras = getattr(replica, "model_extra", None) or {}
    chats = [(c.id, c.updated_at, bool(c.processing)) for c in (replica.chats or [])]
    return Seen(
        status=_status(replica.status),
        name=replica.name,
        message=str(extras.get("error_message") or ""),
        chats=chats,
        pr_urls=[str(pr.url) for pr in replica.pull_requests],
    )


async def poll_once() -> int:
    """One round over every target; returns how many events it recorded."""
    targets = await _closing(plan)()
    by_key: dict[int, list[Target]] = {}
    for target in targets:
        by_key.setdefault(target.key_id, []).append(target)
    recorded = 0
    for key_id, group in by_key.items():
        api = await _closing(_client)(key_id)
        if api is None:
            continue
        listing: dict[str, Seen] | None = None
        for target in group:
            seen: Seen | None = None
            try:
                if target.known_status in QUIET:
                    if listing is None:
                        page = await api.list_replicas(page=1, limit=100)
                        listing = {
                            str(r.id): Seen(status=_status(r.status), name=r.name)
                            for r in page.replicas
                        }
                    seen = listing.get(target.replica_id)
                else:
                    answer = await api.get_replica(target.replica_id)
                    seen = _seen_details(answer.replica)
            except errors.NotFound:
                seen = Seen(status="deleted")
            except errors.Unauthorized:
                # As a page would: the key is marked rejected (its owner is asked for a new
                # one), and the next round polls with another.
                await ApiKey.objects.filter(pk=key_id).aupdate(rejected_at=timezone.now())
                break
            except errors.ReplicaAPIError as exc:
                log.info("poller: replica %s not checked: %s", target.replica_id, exc.status)
                continue
            if seen is not None:
                recorded += await _closing(observe)(target.replica_id, seen)
    return recorded


# --- what changed -----------------------------------------------------------------------------


def _event(rid: str, event_id: str, kind: str, seen: Seen, now, data: dict) -> Event | None:
    payload = {
        "id": event_id,
        "type": kind,
        "created_at": now.isoformat(),
        "replica": {"id": rid, "name": seen.name, "status": seen.status},
        "data": data,
        "source": "poll",
    }
    try:
        with transaction.atomic():
            return Event.objects.create(
                event_id=event_id,
                type=kind,
                replica_id=rid,
                replica_name=seen.name,
                created_at=now,
                received_at=now,
                source=EventSource.POLL,
                payload=payload,
            )
    except IntegrityError:
        return None  # another process recorded it first


def observe(rid: str, seen: Seen) -> int:
    """Compare what the API showed with what the portal knew; record and process the news."""
    now = timezone.now()
    with transaction.atomic():
        known, first = KnownReplica.objects.select_for_update().get_or_create(
            replica_id=rid, defaults={"name": seen.name, "status_at": now}
        )
        seen.name = seen.name or known.name
        baseline = known.polled_at or known.status_at or now
        news: list[tuple[str, str, dict]] = []  # (event id, type, data)
        old, new = known.status, seen.status
        if old and new != old:
            if new == "active" and old in ("preparing", *QUIET):
                news.append((f"poll:{rid}:ready:{known.version}", READY, {}))
            elif new == "error":
                news.append((f"poll:{rid}:error", ERROR, {"message": seen.message}))
            elif new == "deleted":
                news.append((f"poll:{rid}:deleted", DELETED, {}))
        if not news and new != old:
            known.status, known.status_at = new, now  # nothing to tell (first sight, asleep…)
        if seen.chats is not None:
            # Turns are told only of an active workspace (a preparing one's chats only wait).
            tell = seen.status == "active" and not first
            chats = dict(known.chats) if isinstance(known.chats, dict) else {}
            new_prs = [u for u in seen.pr_urls or [] if u not in known.pr_urls]
            for chat_id, updated_at, working in seen.chats:
                if working:
                    continue  # told when it ends
                before = parse_datetime(chats[chat_id]) if chat_id in chats else baseline
                if tell and before is not None and updated_at > before:
                    data = {"chat_id": chat_id, "pr_urls": new_prs}
                    stamp = updated_at.isoformat()
                    news.append((f"poll:{rid}:turn:{chat_id}:{stamp}", TURN_COMPLETED, data))
                    new_prs = []
                chats[chat_id] = updated_at.isoformat()
            known.chats = chats
        if seen.pr_urls is not None:
            known.pr_urls = list(dict.fromkeys([*known.pr_urls, *seen.pr_urls]))
        if seen.name:
            known.name = seen.name
        known.polled_at = now
        known.version += 1
        known.save()
        recorded = 0
        for event_id, kind, data in news:
            event = _event(rid, event_id, kind, seen, now, data)
            if event is not None:
                processing.process_locked(event)
                recorded += 1
        return recorded


# --- the per-process task ---------------------------------------------------------------------


class Poller:
    def __init__(self) -> None:
        self.task: asyncio.Task | None = None

    def ensure_running(self) -> None:
        """Start this process's poller on the running loop, unless it runs already."""
        loop = asyncio.get_running_loop()
        if self.task is not None and not self.task.done() and self.task.get_loop() is loop:
            return
        self.task = loop.create_task(self._run())

    async def _run(self) -> None:
        idle_rounds = 0
        pruned = 0.0
        while idle_rounds < 2:  # stop once nobody has had a stream open for two rounds
            try:
                await poll_once()
                await _closing(processing.sweep)()
                if time.monotonic() - pruned > PRUNE_EVERY_S:
                    pruned = time.monotonic()
                    await _closing(processing.prune)()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001  (next round tries again)
                log.warning("poller round failed: %s", type(exc).__name__)
            await asyncio.sleep(POLL_SECONDS)
            idle_rounds = 0 if hub().has_subscribers() else idle_rounds + 1

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None


_poller = Poller()


def poller() -> Poller:
    return _poller
