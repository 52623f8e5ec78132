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


def catch_up(user_id: int, after: int | None) -> tuple[list[dict], int, int]:
    """(messages missed since `after`, unread count, newest id), then the connection closed."""
    try:
        mine = Notification.objects.filter(user_id=user_id)
        newest = mine.order_by("-pk").values_list("pk", flat=True).first() or 0
        missed: list[dict] = []
        if after is not None:
            since = timezone.now() - timedelta(minutes=BACKLOG_MINUTES)
            recent = mine.filter(pk__gt=after, created_at__gte=since).order_by("-pk")[:BACKLOG]
            count = notify.unread_count(user_id)
            missed = [notify.message(n, count) for n in reversed(list(recent))]
        return missed, notify.unread_count(user_id), newest
    finally:
        release_database()


def frames(message: dict) -> str:
    if message.get("kind") == "notification":
        data = json.dumps(message["payload"], separators=(",", ":"))
        return sse("notification", data, str(message["id"])) + sse("count", str(message["count"]))
    return sse("count", str(message.get("count", 0)))


async def relay(user_id: int, after: int | None):
    async with hub().subscribe(user_id) as sub:
        # Subscribed first, then caught up: nothing falls between the two.
        missed, count, newest = await sync_to_async(catch_up, thread_sensitive=False)(
            user_id, after
        )
        last = after if after is not None else newest
        out = "retry: 3000\n\n" + sse("count", str(count), str(last))
        for message in missed:
            out += frames(message)
            last = max(last, message["id"])
        yield out.encode()
        while True:
            message = await sub.get(PING_SECONDS)
            if message is None:
                yield PING
                continue
            kind = message.get("kind")
            if kind == "resync":  # the pub/sub lost messages: read them back
                missed, count, _ = await sync_to_async(catch_up, thread_sensitive=False)(
                    user_id, last
                )
                out = "".join(frames(m) for m in missed) + sse("count", str(count))
                last = max([last, *(m["id"] for m in missed)])
                yield out.encode()
            elif kind == "notification" and message.get("id", 0) <= last:
                yield sse("count", str(message.get("count", 0))).encode()  # already sent
            else:
                if kind == "notification":
                    last = message["id"]
                yield frames(message).encode()


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
