"""The browser's live event stream for one replica: the portal relays the upstream
`GET /v1/replica/{id}/events` as server-rendered HTML fragments (htmx SSE extension).

One upstream stream per replica per process, shared by every viewer (`streams.hub()`).
SSE events sent to the browser:
- `message`: htmx out-of-band fragments for the transcript and activity (rendered once per
  upstream event, shared); its `id` is the upstream event id, so a reconnecting browser
  resumes with `Last-Event-ID` (or `?after=`, which chat.js keeps current for the htmx
  extension's own reconnects) without duplicates or losses;
- `queue`: data = the chat id whose queue changed (turn accepted/started/completed...), for
  the queue panel to refetch;
- `reload`: the viewer missed events (too slow, or the portal lost its buffer): refetch the
  transcript from history;
- `status`: a small fragment for the "live / reconnecting…" indicator;
- `header`: the replica's status, PRs, diffs or activity changed: the page re-gets its header;
- `chat-state`: a chat started or ended a turn: an out-of-band "working" dot for its tab;
- `close`: the upstream ended for good (workspace asleep, deleted...): the page stops.

The user's key is loaded and access checked (getReplica with the viewer's own key) before the
first byte; the database connection is released before streaming starts.
"""

from __future__ import annotations

import logging

from asgiref.sync import sync_to_async
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from portal.accounts.acting import NoUsableKey, async_api_for
from portal.lib.api_errors import describe
from portal.lib.eventstream import HEADERS, PING_SECONDS, sse, status_fragment
from portal.lib.eventstream import release_database as _release_database
from portal.replica_api import Reconnected, Reconnecting, errors
from portal.replicas.rendering import ChatStream, running_turn_dom_id
from portal.replicas.streams import (
    TURN_END,
    TURN_START,
    CatchUp,
    Closed,
    Gap,
    Rendered,
    event_chat_id,
    hub,
)

log = logging.getLogger("portal.replicas.stream")

# Upstream events that change a chat's queue (the queue panel refetches on them).
QUEUE_EVENTS = frozenset(
    {
        "chat.turn.accepted",
        "chat.turn.started",
        "chat.turn.completed",
        "chat.interrupted",
        "chat.created",
        "chat.deleted",
    }
)
# Upstream events after which the header (status, PRs, diff counts, activity) is re-got.
HEADER_EVENTS = frozenset(
    {
        "engine.ready",
        "engine.status.changed",
        "repo.status.changed",
        "chat.turn.started",
        "chat.turn.completed",
        "chat.interrupted",
        "error",
    }
)


def chat_dot(chat_id: str, busy: bool) -> str:
    """The out-of-band "working" dot of a chat's tab (replicas/includes/chat_dot.html)."""
    return render_to_string(
        "replicas/includes/chat_dot.html", {"chat_id": chat_id, "busy": busy, "oob": True}
    )


def frames(item, show: bool = True, nudge: bool = True) -> str:
    """What one hub item becomes on the wire. With `show` False (another chat's event, or
    this chat's while the viewer is out of step), a rendered event's fragments are left out
    but its id is still sent, so a reconnect resumes after it. `nudge` False leaves out the
    `queue` event too (another chat's queue is not on the viewer's page)."""
    if isinstance(item, Rendered):
        out = ""
        if item.html and show:
            out = sse("message", item.html, item.id)
        elif item.id:
            out = f"id: {item.id}\n\n"  # no data: only moves the browser's Last-Event-ID
        if nudge and item.type in QUEUE_EVENTS and item.chat_id:
            out += sse("queue", item.chat_id)
        if item.chat_id and (item.type == TURN_START or item.type in TURN_END):
            out += sse("chat-state", chat_dot(item.chat_id, item.type == TURN_START))
        if item.type in HEADER_EVENTS:
            out += sse("header", item.type)
        return out
    if isinstance(item, Reconnecting):
        return sse("message", status_fragment("reconnecting", "reconnecting…"))
    if isinstance(item, Reconnected):
        return sse("message", status_fragment("live", "live"))
    if isinstance(item, Gap):
        return sse("reload", item.reason, item.upto)
    if isinstance(item, Closed):
        problem = describe(item.error)
        status = sse("message", status_fragment("closed", f"{problem.title}. {problem.hint}"))
        # The stream ends because the replica's state changed (asleep, in error, deleted):
        # the header re-gets itself before the page stops listening.
        return status + sse("header", "closed") + sse("close", problem.title)
    return ""


def wire(item, show: bool = True, nudge: bool = True) -> bytes:
    """`frames` as bytes, cached on shared items: the same bytes for every viewer."""
    if not isinstance(item, Rendered):
        return frames(item, show, nudge).encode()
    cached = item.wire.get((show, nudge))
    if cached is None:
        cached = item.wire[(show, nudge)] = frames(item, show, nudge).encode()
    return cached


class ViewerState:
    """One viewer's view of its chat's turns.

    Live fragments append to the bubble a turn opened; a viewer that didn't see the turn
    open (it joined while the chat was busy, or refilled its transcript from history after
    a gap) has no such bubble. If this process buffered the running turn from its start,
    a viewer joining mid-turn gets it (`CatchUp`: the partial turn from history is dropped,
    the buffered turn replayed) and is in step. Otherwise, until the next turn starts,
    that viewer gets its chat's event ids but not their fragments; when the turn it missed
    the start of ends, it reloads the transcript from history, which then holds the whole
    turn. Other chats' fragments are never sent (their transcripts aren't on the page)."""

    def __init__(self, chat_id: str | None, busy: bool = False) -> None:
        self.chat_id = chat_id
        self.in_step = not busy
        self.saw_start = False

    def encode(self, item) -> bytes:
        if isinstance(item, CatchUp):
            if item.chat_id != self.chat_id:
                return b""
            # The running turn follows from its start: drop the part the page got from
            # history, then follow the turn like a viewer who saw it start.
            self.in_step = True
            drop = f'<div id="{running_turn_dom_id(item.chat_id)}" hx-swap-oob="delete"></div>'
            return sse("message", drop).encode()
        if isinstance(item, Gap):
            self.in_step = self.saw_start = False
            return wire(item)
        if not isinstance(item, Rendered) or not item.chat_id or not self.chat_id:
            return wire(item)
        if item.chat_id != self.chat_id:
            return wire(item, show=False, nudge=False)
        if item.type == TURN_START:
            self.in_step = self.saw_start = True
        out = wire(item, show=self.in_step)
        if item.type in TURN_END:
            if not self.saw_start:
                reason = "a turn that started before this page joined has ended"
                out += sse("reload", reason, item.id).encode()
            self.in_step, self.saw_start = True, False
        return out


class LiveChat:
    """The hub's renderer for chat panels: a `ChatStream`, plus the names of who sent each
    turn's message. Live events don't say who sent a message; the chat's history `senders`
    do, so they are re-read when a turn starts (the sender is recorded at send time)."""

    def __init__(self) -> None:
        self.stream = ChatStream()

    def __call__(self, event) -> str:
        return self.stream.feed_html(event)

    async def prepare(self, api, replica_id: str, event) -> None:
        chat_id = event_chat_id(event)
        if event.type != TURN_START or chat_id is None:
            return
        history = await api.read_replica_history(replica_id, chat_id=chat_id, limit=1)
        self.stream.set_chat_senders(chat_id, history.senders)


async def relay(
    replica_id: str, api, last_event_id: str | None, chat_id: str | None = None, busy: bool = False
):
    viewer = ViewerState(chat_id, busy)
    async with hub().subscribe(
        replica_id,
        api,
        last_event_id=last_event_id,
        renderer=LiveChat,
        running_chat=chat_id if busy else None,
    ) as sub:
        # `retry` sets the browser's reconnect delay; the first status says we're live.
        yield ("retry: 2000\n\n" + sse("message", status_fragment("live", "live"))).encode()
        while True:
            item = await sub.get(PING_SECONDS)
            if item is None:
                yield b": ping\n\n"
                continue
            batch = [item, *sub.drain()]
            yield b"".join(viewer.encode(i) for i in batch)
            if any(sub.is_last(i) for i in batch):
                return


@require_GET
async def events(request, replica_id):
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponse("Sign in to follow this replica.", status=403)
    try:
        api = await async_api_for(request)
        await api.get_replica(str(replica_id))  # access check with the viewer's own key
    except NoUsableKey:
        return HttpResponse("No usable API key.", status=403)
    except errors.NotFound:
        raise Http404("No such replica.") from None
    except errors.ReplicaAPIError as exc:
        # EventSource can't show a body; a 204 stops it from retrying in a loop.
        log.info("event stream for %s not started: %s", replica_id, exc)
        return HttpResponse(status=204)
    finally:
        # No database connection is held while the stream runs.
        await sync_to_async(_release_database)()
    last_event_id = request.headers.get("Last-Event-ID") or request.GET.get("after") or None
    return StreamingHttpResponse(
        relay(
            str(replica_id),
            api,
            last_event_id,
            chat_id=request.GET.get("chat") or None,
            busy=request.GET.get("busy") == "1" and not last_event_id,
        ),
        content_type="text/event-stream",
        headers=HEADERS,
    )
