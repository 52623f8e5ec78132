"""The per-user notification stream: every open portal page listens to it (notifications.js).

SSE events:
- `count`: the unread count (first thing sent, and whenever it changes). The first one carries
  the id of the user's newest notification, so the browser's Last-Event-ID is right at once;
- `notification`: a new notification, as JSON (words, where opening it goes, whether it wants
  the desktop, the toast's HTML); its `id` is the notification's, so a reconnecting browser
  (Last-Event-ID, or `?after=` from the last page) gets what it missed, and nothing twice.

The user is looked up and the database released before the first byte; the stream then
holds no connection (it reads one only to catch up after a gap). A `: ping` every 15 s.
"""

from __future__ import annotations

import json
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.lib.eventstream import PING, PING_SECONDS, event_stream, release_database, sse

from .. import notify
from ..hub import hub
from ..models import Notification
from ..poller import poller

BACKLOG = 10  # at most this many missed notifications are replayed on a reconnect
BACKLOG_MINUTES = 10  # and none older than this (the centre lists them all)


def _after(request) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or ""
    return int(raw) if raw.isdigit() else None


def catch_up(
    user_id: int, after: int | None, skip: frozenset[int] = frozenset()
) -> tuple[list[dict], int, int]:
    """(messages missed since `after`, but those in `skip`; the unread count; the newest id),
    then the connection closed."""
    try:
        mine = Notification.objects.filter(user_id=user_id)
        newest = mine.order_by("-pk").values_list("pk", flat=True).first() or 0
        count = notify.unread_count(user_id)
        missed: list[dict] = []
        if after is not None:
            since = timezone.now() - timedelta(minutes=BACKLOG_MINUTES)
            recent = (
                mine.filter(pk__gt=after, created_at__gte=since)
                .exclude(pk__in=skip)
                .order_by("-pk")[:BACKLOG]
            )
            missed = [notify.message(n, count) for n in reversed(list(recent))]
        return missed, count, newest
    finally:
        release_database()


def frames(message: dict, event_id: int | None = None) -> str:
    if message.get("kind") == "board":  # a replica changed: open boards refresh (fleet/live.py)
        return sse("board", "changed")
    if message.get("kind") == "notification":
        data = json.dumps(message["payload"], separators=(",", ":"))
        # The id is the newest sent so far, so a reconnect (Last-Event-ID) resumes after it
        # even when notifications arrived out of order.
        notification = sse("notification", data, str(event_id or message["id"]))
        return notification + sse("count", str(message["count"]))
    return sse("count", str(message.get("count", 0)))


async def relay(user_id: int, after: int | None):
    async with hub().subscribe(user_id) as sub:
        # Subscribed first, then caught up: nothing falls between the two.
        missed, count, newest = await sync_to_async(catch_up, thread_sensitive=False)(
            user_id, after
        )
        floor = after if after is not None else newest  # older ones are not news for this page
        sent: set[int] = set()
        top = floor
        out = "retry: 3000\n\n" + sse("count", str(count), str(top))
        for message in missed:
            sent.add(message["id"])
            top = max(top, message["id"])
            out += frames(message, top)
        yield out.encode()
        while True:
            message = await sub.get(PING_SECONDS)
            if message is None:
                yield PING
                continue
            kind = message.get("kind")
            if kind == "resync":  # the pub/sub lost messages: read them back
                missed, count, _ = await sync_to_async(catch_up, thread_sensitive=False)(
                    user_id, floor, frozenset(sent)
                )
                out = ""
                for m in missed:
                    sent.add(m["id"])
                    top = max(top, m["id"])
                    out += frames(m, top)
                yield (out + sse("count", str(count))).encode()
            elif kind == "notification" and (message.get("id") in sent or message["id"] <= floor):
                yield sse("count", str(message.get("count", 0))).encode()  # not news here
            else:
                if kind == "notification":
                    # Any order: two webhooks processed at once may publish out of order.
                    sent.add(message["id"])
                    top = max(top, message["id"])
                yield frames(message, top).encode()


@require_GET
async def notification_stream(request):
    user = await request.auser()
    if not user.is_authenticated:
        # EventSource can't follow a redirect to sign in.
        return HttpResponse("Sign in to get notifications.", status=403)
    if isinstance(request, ASGIRequest):
        # Served for real (not a test client's one-off loop): this process polls the API for
        # replicas without webhooks while anyone listens.
        poller().ensure_running()
    await sync_to_async(release_database)()
    return event_stream(relay(user.pk, _after(request)))
