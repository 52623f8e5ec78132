"""Agent events → HTML: the public API the chat panel uses.

History page (`GET /v1/replica/{id}/history`)::

    html = render_history(history_response, viewer_email=user.email)

Live stream (`GET /v1/replica/{id}/events`, one `ChatStream` per upstream stream)::

    stream = ChatStream(senders=history.senders)
    async for event in api.stream_replica_events(...):
        html = stream.feed_html(event)      # hx-swap-oob fragments, "" when nothing to show

Single pieces: `normalize_history_event`, `normalize_engine_event`, `render_message`,
`render_turn_state`, `render_delta`, `render_engine_notice`. Everything accepts plain dicts, the
generated pydantic models, or `StreamEvent`s, and never raises on odd input: an event it can't
read becomes a small "Unrecognised event" line.

DOM ids (all valid CSS `#selectors`; see `model.py` / `transcript.py`):
- `chat-{chatId}-transcript`: the transcript container the panel renders (`transcript_dom_id`).
- `msg-{prefix}-{n}` a bubble; `…-parts` its parts container; `…-p{i}` a part.
- `…-p{i}-text`: a streaming part's text element, replaced with the Markdown of the text so far
  on every piece (`Part.text_dom_id`).
- `tool-{prefix}-{hash(tool id)}`: a tool card (replaced when its result arrives).
- `turn-{chatId}-{messageId}`: a turn's state line (`turn_dom_id`).
- `chat-{chatId}-running`: a busy chat's running turn, as history had it (`running_turn_dom_id`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.template.loader import render_to_string
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from .agents import Context, normalize_agent_event, provider_of
from .model import (
    EngineUpdate,
    Message,
    Part,
    SenderDirectory,
    StatusPart,
    TurnState,
    UnknownPart,
    agent_name,
    running_turn_dom_id,
    transcript_dom_id,
    turn_dom_id,
)
from .transcript import Bubble, Item, Notice, Transcript
from .util import as_data, as_dict, get_str, parse_time, short_hash

log = logging.getLogger("portal.replicas.rendering")

TEMPLATE = "replicas/events/transcript.html"

__all__ = [
    "EngineUpdate",
    "Message",
    "SenderDirectory",
    "TurnState",
    "normalize_engine_event",
    "normalize_history_event",
    "render_delta",
    "render_engine_notice",
    "render_history",
    "render_items",
    "render_message",
    "render_part",
    "render_turn_state",
    "transcript_dom_id",
    "turn_dom_id",
    "user_message",
]


# --- normalizing ---------------------------------------------------------------------------


def _directory(senders: Any, viewer_email: str | None = None) -> SenderDirectory:
    if isinstance(senders, SenderDirectory):
        return senders
    return SenderDirectory(senders, viewer_email=viewer_email)


def _unwrap_agent_event(event: dict[str, Any]) -> dict[str, Any]:
    """A `HistoryEvent` wraps an `AgentEvent` in `payload`; accept either shape."""
    inner = event.get("payload")
    wrapped = isinstance(inner, dict) and isinstance(inner.get("type"), str) and "payload" in inner
    if wrapped and (provider_of(inner["type"]) or not provider_of(str(event.get("type") or ""))):
        merged = dict(inner)
        merged.setdefault("timestamp", event.get("timestamp"))
        return merged
    return {
        "timestamp": event.get("timestamp") or event.get("ts"),
        "type": event.get("type"),
        "payload": inner,
    }


def _fallback_message(event: Any, exc: Exception | None = None) -> Message:
    data = as_data(event)
    event_type = get_str(data, "type") if isinstance(data, dict) else ""
    if exc is not None:
        log.warning("could not normalize agent event %r: %s", event_type, exc)
    return Message(
        role="system",
        sender_name="Agent",
        parts=[UnknownPart(event_type=event_type, raw=data)],
        event_type=event_type,
    )


def normalize_history_event(
    event: Any,
    senders: Any = None,
    *,
    viewer_email: str | None = None,
    chat_id: str | None = None,
    ctx: Context | None = None,
) -> Message | None:
    """One `HistoryEvent` (or bare `AgentEvent`) → `Message`, or None when it shows nothing.

    `senders` is the history response's `senders` list (or a `SenderDirectory`).
    """
    try:
        data = as_dict(event)
        if not data:
            return _fallback_message(event)
        if ctx is None:
            ctx = Context(senders=_directory(senders, viewer_email), chat_id=chat_id)
        elif senders is not None:
            ctx.senders = _directory(senders, viewer_email)
        return normalize_agent_event(_unwrap_agent_event(data), ctx)
    except Exception as exc:
        return _fallback_message(event, exc)


# State snapshots that arrive often: normalized like the rest, but `ChatStream` shows no line.
NOISY_EVENTS = frozenset(
    {"engine.status.changed", "chat.updated", "hooks.progress", "hooks.status"}
)


def normalize_engine_event(
    event: Any, *, senders: Any = None, ctx: Context | None = None
) -> EngineUpdate:
    """One `EngineEvent` from the SSE stream (dict, model or `StreamEvent`) → `EngineUpdate`."""
    data = as_dict(event)
    event_type = get_str(data, "type") or str(getattr(event, "type", "") or "")
    try:
        return _normalize_engine(data, event_type, event, senders, ctx)
    except Exception as exc:
        log.warning("could not normalize engine event %r: %s", event_type, exc)
        return EngineUpdate(
            type=event_type,
            category="unknown",
            id=get_str(data, "id") or None,
            notice=_fallback_message(data),
            payload=data.get("payload") if isinstance(data.get("payload"), dict) else {},
        )


def _notice(text: str, level: str = "info", detail: str | None = None, ts=None) -> Message:
    part = StatusPart(text=text, level=level, detail=detail)  # type: ignore[arg-type]
    return Message(role="system", sender_name="Replica", parts=[part], timestamp=ts)


def _repo_line(repo: dict) -> str:
    name = get_str(repo, "name", "repository", default="repository")
    branch = get_str(repo, "currentBranch", "branch")
    bits = [f"{name}" + (f" on {branch}" if branch else "")]
    diff = repo.get("gitDiff") or repo.get("git_diff")
    if isinstance(diff, dict):
        bits.append(f"+{diff.get('added', 0)} −{diff.get('removed', 0)}")
    prs = repo.get("prUrls") or repo.get("pr_urls") or []
    if prs:
        bits.append(f"{len(prs)} PR" + ("s" if len(prs) != 1 else ""))
    return ", ".join(bits)


def _normalize_engine(
    data: dict, event_type: str, original: Any, senders: Any, ctx: Context | None
) -> EngineUpdate:
    payload = data.get("payload") if isinstance(data.get("payload"), dict) else {}
    chat = payload.get("chat") if isinstance(payload.get("chat"), dict) else {}
    chat_id = get_str(payload, "chatId") or get_str(chat, "id") or None
    update = EngineUpdate(
        type=event_type,
        category="unknown",
        id=get_str(data, "id") or (str(getattr(original, "id", "") or "") or None),
        ts=parse_time(data.get("ts")),
        chat_id=chat_id,
        payload=payload,
    )
    ts = update.ts
    if event_type in ("heartbeat", "ping", "keepalive", ""):
        update.category = "ignored"
    elif event_type == "chat.turn.delta":
        update.category = "message"
        if ctx is None:
            ctx = Context(senders=_directory(senders), chat_id=chat_id)
        ctx.chat_id = chat_id
        agent_event = payload.get("event")
        if isinstance(agent_event, dict):
            update.message = normalize_history_event(agent_event, ctx=ctx)
        else:
            update.message = _fallback_message(data)
    elif event_type in ("chat.turn.accepted", "chat.turn.started", "chat.turn.completed"):
        update.category = "turn"
        message_id = get_str(payload, "messageId") or None
        if event_type == "chat.turn.accepted":
            queued = bool(payload.get("queued"))
            position = payload.get("position") if isinstance(payload.get("position"), int) else None
            state = "queued" if queued else "accepted"
            update.turn = TurnState(chat_id or "", message_id, state, position, timestamp=ts)
        elif event_type == "chat.turn.started":
            update.turn = TurnState(chat_id or "", message_id, "running", timestamp=ts)
        else:
            state = "completed" if payload.get("isComplete") else "failed"
            update.turn = TurnState(chat_id or "", message_id, state, timestamp=ts)
    elif event_type == "chat.interrupted":
        update.category = "turn"
        if payload.get("interrupted", True):
            remaining = payload.get("queue") if isinstance(payload.get("queue"), list) else []
            detail = f"{len(remaining)} queued" if remaining else None
            update.turn = TurnState(chat_id or "", None, "interrupted", detail=detail, timestamp=ts)
        else:
            update.category = "chat"
            update.notice = _notice("Could not interrupt the agent", "warning", ts=ts)
    elif event_type.startswith("chat."):
        update.category = "chat"
        title = get_str(chat, "title")
        label = f"“{title}”" if title else "A chat"
        provider = get_str(chat, "provider")
        if event_type == "chat.created":
            who = f" ({agent_name(provider)})" if provider else ""
            update.notice = _notice(f"{label} was created{who}", ts=ts)
        elif event_type == "chat.deleted":
            update.notice = _notice("A chat was deleted", ts=ts)
        else:
            state = "working" if chat.get("processing") else "idle"
            update.notice = _notice(f"{label} is {state}", ts=ts)
    elif event_type.startswith("repo."):
        update.category = "repo"
        repos = [r for r in payload.get("repos") or [] if isinstance(r, dict)]
        lines = [_repo_line(r) for r in repos]
        verb = "discovered" if event_type == "repo.discovered" else "updated"
        noun = "Repository" if len(repos) == 1 else "Repositories"
        text = f"{noun} {verb}: " + "; ".join(lines) if lines else f"Repositories {verb}"
        update.notice = _notice(text, ts=ts)
    elif event_type.startswith("hooks."):
        update.category = "hooks"
        phase = event_type.removeprefix("hooks.")
        text, level = {
            "started": ("Start hooks are running", "info"),
            "completed": ("Start hooks completed", "success"),
            "failed": ("Start hooks failed", "error"),
        }.get(phase, ("", "info"))
        if not text:
            running, done = payload.get("running"), payload.get("completed")
            text = (
                "Start hooks are running"
                if running
                else ("Start hooks completed" if done else "Start hooks have not run")
            )
        update.notice = _notice(text, level, ts=ts)
    elif event_type.startswith("engine."):
        update.category = "engine"
        if event_type == "engine.ready":
            version = get_str(payload, "version")
            update.notice = _notice(
                "Replica engine ready" + (f" ({version})" if version else ""), ts=ts
            )
        else:
            status = payload.get("status") if isinstance(payload.get("status"), dict) else {}
            chats, busy = status.get("chatsTotal"), status.get("chatsProcessing")
            text = "Engine status changed"
            if isinstance(chats, int):
                text += f": {chats} chats, {busy or 0} working"
            update.notice = _notice(text, ts=ts)
    elif event_type == "preview.changed":
        update.category = "preview"
        ports = [p for p in payload.get("previews") or [] if isinstance(p, dict)]
        listing = ", ".join(
            f"{p.get('port')} → {get_str(p, 'publicUrl')}".strip(" →") for p in ports
        )
        update.notice = _notice("Previews: " + listing if listing else "No previews open", ts=ts)
    elif event_type == "error":
        update.category = "error"
        message = get_str(payload, "message", default="The event stream reported an error")
        code = get_str(payload, "code")
        detail = "\n".join(x for x in (code and f"Code: {code}", get_str(payload, "details")) if x)
        update.notice = _notice(message, "error", detail or None, ts=ts)
    else:
        update.notice = Message(
            role="system",
            sender_name="Replica",
            parts=[UnknownPart(event_type=event_type, raw=data)],
            timestamp=ts,
        )
    return update


# --- rendering -----------------------------------------------------------------------------


def _render(partial: str, context: dict[str, Any]) -> SafeString:
    return mark_safe(render_to_string(f"{TEMPLATE}#{partial}", context))


def _safe(render, *args, what: str = "event") -> SafeString:
    try:
        return render(*args)
    except Exception as exc:  # a rendering bug must not take the transcript down
        log.exception("could not render %s: %s", what, exc)
        return format_html(
            '<div class="notice notice--unknown">Could not display this {}.</div>', what
        )


def render_item(item: Item) -> SafeString:
    """A transcript item (bubble or notice) as HTML."""
    if isinstance(item, Bubble):
        return _safe(lambda: _render("bubble", {"bubble": item}), what="message")
    return _safe(lambda: _render("notice", {"notice": item}), what="event")


def render_items(items: list[Item]) -> SafeString:
    return mark_safe("".join(render_item(item) for item in items))


def render_part(part: Part) -> SafeString:
    """One part (`part.dom_id` must be set: parts are placed by a `Transcript`)."""
    return _safe(lambda: _render("part", {"part": part}), what="part")


def render_message(message: Message | None, *, id_prefix: str | None = None) -> SafeString:
    """A single normalized message as a finished bubble or notice (streaming parts finalized).

    Use a distinct `id_prefix` per call site if several are rendered on one page; the default
    derives one from the message's content.
    """
    if message is None:
        return mark_safe("")
    prefix = id_prefix or "m" + short_hash(
        [message.event_type, str(message.timestamp), message.key, id(message)], 10
    )
    transcript = Transcript(prefix)
    transcript.add(message)
    transcript.finalize()
    return render_items(transcript.items)


def user_message(
    text: str, sender_name: str = "You", *, timestamp=None, chat_id: str | None = None
) -> Message:
    """A user bubble for a message the portal itself just sent (the agent streams don't echo
    every agent's prompts)."""
    from .model import TextPart

    return Message(
        role="user", sender_name=sender_name, parts=[TextPart(text=text)], timestamp=timestamp,
        chat_id=chat_id,
    )  # fmt: skip


def render_history(
    history: Any,
    senders: Any = None,
    *,
    viewer_email: str | None = None,
    chat_id: str | None = None,
    id_prefix: str | None = None,
    running: bool = False,
) -> SafeString:
    """A page of history as HTML, oldest first.

    `running`: the chat is mid-turn (the newest page only). The turn so far (from the last
    user message on) is wrapped in `running_turn_dom_id(chat_id)`, which a live stream that
    has the whole turn replaces (see `views/stream.py`).

    `history` is a `ReadReplicaHistoryResponse` (dict or model; its `senders` are used) or a
    list of `HistoryEvent`s. Consecutive agent events merge into one bubble, tool results sit in
    their tool's card, cumulative/streamed updates collapse into their final state. Each page
    gets its own id prefix (derived from its events) so "load older" pages never clash.
    """
    data = as_data(history)
    events = data.get("events") if isinstance(data, dict) else data
    if senders is None and isinstance(data, dict):
        senders = data.get("senders")
    events = [e for e in events or [] if e is not None] if isinstance(events, list) else []
    directory = _directory(senders, viewer_email)
    prefix = id_prefix or "h" + short_hash(
        [chat_id, len(events), get_str(events[0], "timestamp") if events else ""]
        + [get_str(events[-1], "timestamp") if events else ""],
        10,
    )
    transcript = Transcript(prefix, Context(senders=directory, chat_id=chat_id))
    for event in events:
        transcript.add(normalize_history_event(event, ctx=transcript.ctx))
    transcript.finalize()
    items = transcript.items
    if not (running and chat_id):
        return render_items(items)
    users = [i for i, item in enumerate(items) if isinstance(item, Bubble) and item.role == "user"]
    cut = users[-1] if users else len(items)
    return format_html(
        '{}<div id="{}" class="running-turn">{}</div>',
        render_items(items[:cut]),
        running_turn_dom_id(chat_id),
        render_items(items[cut:]),
    )


def render_turn_state(turn: TurnState, *, oob: bool = False) -> SafeString:
    """The state line of a turn (`id="turn-{chat}-{message}"`); `oob` adds
    `hx-swap-oob="outerHTML"` so it replaces the line already on the page."""
    html = _safe(lambda: _render("turn_state", {"turn": turn}), what="turn state")
    return with_oob_attribute(html) if oob else html


def render_delta(target_id: str, text: str, *, oob: bool = True) -> SafeString:
    """A piece of streamed text for the element `target_id` (a part's `text_dom_id`).

    With `oob` (default) it is wrapped as `<div hx-swap-oob="beforeend:#target">text</div>`:
    htmx appends the text node to the target, so pieces join up in one bubble. Without it the
    escaped text alone is returned.
    """
    if not oob:
        return escape(text)
    return format_html('<div hx-swap-oob="beforeend:#{}">{}</div>', target_id, text)


def render_engine_notice(update: EngineUpdate) -> SafeString:
    """The one-line notice for a non-chat engine event (hooks, repos, errors, …)."""
    if update.notice is None:
        return mark_safe("")
    notice = Notice(
        dom_id=f"evt-{short_hash([update.type, update.id, id(update)], 10)}", message=update.notice
    )
    return render_item(notice)


def with_oob_attribute(html: str, swap: str = "outerHTML") -> SafeString:
    """Add `hx-swap-oob` to the first element of `html` (our own template output)."""
    start = html.find("<")
    end = start + 1
    while end < len(html) and (html[end].isalnum() or html[end] == "-"):
        end += 1
    if start < 0 or end == start + 1:
        return mark_safe(html)
    return mark_safe(f'{html[:end]} hx-swap-oob="{swap}"{html[end:]}')
