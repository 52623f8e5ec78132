"""Live transcript: replica engine events → htmx out-of-band fragments.

One `ChatStream` per upstream `/events` stream (the relay shares it between all viewers; it keeps
a `Transcript` per chat, so it must see the events in order). `feed(event)` returns fragments;
`feed_html(event)` joins them into one HTML string to send as one SSE message. Each fragment
carries `hx-swap-oob`, so the element that receives the SSE message can use `hx-swap="none"`:

    <div hx-ext="sse" sse-connect="…/events" sse-swap="message" hx-swap="none"></div>
    <div id="chat-{chatId}-transcript">…history…</div>
    <div id="replica-activity">…</div>

What the fragments do:
- a new bubble, notice or turn line → `beforeend:#chat-{chatId}-transcript`
- a new part in the open bubble → `beforeend:#msg-…-parts`
- a streamed text piece → `outerHTML` of `#msg-…-p{i}-text`: the whole text so far rendered as
  Markdown (`MarkdownStream`: finished blocks rendered once, the rest completed for display, an
  unfinished `**`, code span or link closed or held back), so raw Markdown syntax never stays
  on screen past the delta that completes it.
  A new streaming part (or a bubble holding one) is followed, in the same message, by the
  same fragment, so its first piece is never shown as raw text either.
- a finished / updated part (streamed text rendered as Markdown for good, a tool card that got
  its result) → `outerHTML` of that part
- a turn's state line → appended at `chat.turn.started`, replaced (outerHTML) when the turn
  completes, fails or is interrupted
- hooks, repository, preview, engine and stream-error notices → `beforeend:#replica-activity`
  (`activity_target`; None drops them). Frequent snapshots (`NOISY_EVENTS`) show nothing.

Fragments for a chat whose transcript is not on a viewer's page are ignored by htmx (no target).
"""

from __future__ import annotations

import secrets
import weakref
from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .agents import Context
from .events import (
    NOISY_EVENTS,
    _directory,
    normalize_engine_event,
    render_engine_notice,
    render_item,
    render_part,
    render_turn_state,
    with_oob_attribute,
)
from .markdown import MarkdownStream
from .model import (
    Part,
    SenderDirectory,
    TextPart,
    ThinkingPart,
    TurnState,
    transcript_dom_id,
    turn_slot_dom_id,
)
from .transcript import Bubble, Change, Transcript
from .util import as_dict, dom_id, get_str

ACTIVITY_DOM_ID = "replica-activity"
# Items a live transcript keeps in memory per chat (the page keeps everything it was sent).
MAX_LIVE_ITEMS = 200


@dataclass(frozen=True)
class Fragment:
    """One DOM update: put `html` at element `target` with htmx swap style `swap`."""

    target: str
    swap: str  # "beforeend" or "outerHTML"
    html: SafeString
    chat_id: str | None = None

    def oob(self) -> SafeString:
        """As an htmx out-of-band swap."""
        if self.swap == "outerHTML":
            return with_oob_attribute(self.html)
        return format_html('<div hx-swap-oob="{}:#{}">{}</div>', self.swap, self.target, self.html)


class _ChatState:
    def __init__(self, prefix: str, senders: SenderDirectory) -> None:
        self.transcript = Transcript(prefix, Context(senders=senders))
        self.turn: TurnState | None = None
        self.interrupted = False


class ChatStream:
    def __init__(
        self,
        *,
        senders: Any = None,
        viewer_email: str | None = None,
        activity_target: str | None = ACTIVITY_DOM_ID,
        max_items: int = MAX_LIVE_ITEMS,
    ) -> None:
        self.senders = _directory(senders, viewer_email)
        self.activity_target = activity_target
        self.max_items = max_items
        self._nonce = "live" + secrets.token_hex(3)
        self._chats: dict[str, _ChatState] = {}
        # One incremental Markdown renderer per streaming part, gone with the part.
        self._markdown: weakref.WeakKeyDictionary[Part, MarkdownStream] = (
            weakref.WeakKeyDictionary()
        )

    def set_senders(self, senders: Any, viewer_email: str | None = None) -> None:
        """New `senders` (e.g. after re-reading history); applies to every chat."""
        self.senders = _directory(senders, viewer_email)
        for state in self._chats.values():
            state.transcript.ctx.senders = self.senders

    def set_chat_senders(self, chat_id: str, senders: Any) -> None:
        """One chat's `senders` (its history's records), for naming its live user messages."""
        self.chat(chat_id).transcript.ctx.senders = _directory(senders)

    def chat(self, chat_id: str) -> _ChatState:
        state = self._chats.get(chat_id)
        if state is None:
            state = _ChatState(dom_id(self._nonce, chat_id), self.senders)
            state.transcript.ctx.chat_id = chat_id
            self._chats[chat_id] = state
        return state

    def feed_html(self, event: Any) -> SafeString:
        return mark_safe("".join(fragment.oob() for fragment in self.feed(event)))

    def feed(self, event: Any) -> list[Fragment]:
        data = as_dict(event)
        payload = data.get("payload") if isinstance(data.get("payload"), dict) else {}
        chat_id = get_str(payload, "chatId") or None
        state = self.chat(chat_id) if chat_id else None
        ctx = state.transcript.ctx if state else None
        update = normalize_engine_event(data or event, ctx=ctx)
        if update.category == "ignored":
            return []
        if update.category == "message" and state is not None and chat_id:
            changes = state.transcript.add(update.message)
            state.transcript.trim(self.max_items)
            return [f for change in changes for f in self._fragments(chat_id, change)]
        if update.category == "turn" and update.turn is not None and state is not None and chat_id:
            return self._turn(chat_id, state, update.turn)
        if update.type in NOISY_EVENTS or update.notice is None or not self.activity_target:
            return []
        return [Fragment(self.activity_target, "beforeend", render_engine_notice(update), chat_id)]

    # -- internals ----------------------------------------------------------------------

    def _fragments(self, chat_id: str, change: Change) -> list[Fragment]:
        """The change's fragment, then the Markdown of every streaming text it put on the page
        (the template shows a streaming part's text as it came; this replaces it at once)."""
        if change.op == "append_text":
            return [self._streaming_text(change.part, chat_id)]  # type: ignore[arg-type]
        fragments = [self._fragment(chat_id, change)]
        if change.op == "append_item" and isinstance(change.item, Bubble):
            parts = change.item.parts
        else:
            parts = [change.part] if change.part is not None else []
        fragments += [self._streaming_text(p, chat_id) for p in parts if _is_streaming_text(p)]
        return fragments

    def _streaming_text(self, part: Part, chat_id: str | None) -> Fragment:
        """A streaming part's text element, its text so far as Markdown (same id, so the next
        piece replaces it again; `md` for the Markdown styles)."""
        renderer = self._markdown.get(part)
        if renderer is None:
            renderer = self._markdown[part] = MarkdownStream()
        html = format_html(
            '<div class="part-stream md" id="{}">{}</div>',
            part.text_dom_id,
            renderer.render(getattr(part, "text", "")),
        )
        return Fragment(part.text_dom_id, "outerHTML", html, chat_id)

    def _fragment(self, chat_id: str, change: Change) -> Fragment:
        if change.op == "append_item":
            return Fragment(
                transcript_dom_id(chat_id), "beforeend", render_item(change.item), chat_id
            )
        part = change.part
        assert part is not None
        if change.op == "append_part":
            target = change.item.parts_dom_id  # type: ignore[union-attr]
            return Fragment(target, "beforeend", render_part(part), chat_id)
        return Fragment(part.dom_id, "outerHTML", render_part(part), chat_id)

    def _turn(self, chat_id: str, state: _ChatState, turn: TurnState) -> list[Fragment]:
        """A turn's state line. While the turn runs it sits in the slot below the transcript
        (under the user's message and the reply as they come); when it ends, the slot empties
        and the final state joins the transcript, where history has it too."""
        container = transcript_dom_id(chat_id)
        slot = turn_slot_dom_id(chat_id)
        if turn.state in ("queued", "accepted"):
            return []  # the queue panel shows queued messages; the transcript waits for start
        fragments = [f for c in state.transcript.end_turn() for f in self._fragments(chat_id, c)]
        if turn.state == "running":
            state.turn, state.interrupted = turn, False
            fragments.append(Fragment(slot, "innerHTML", render_turn_state(turn), chat_id))
            return fragments
        ends = turn.state != "interrupted"  # `chat.interrupted` comes before the turn's end
        if not ends:
            state.interrupted = True
        elif state.interrupted:
            turn.state, turn.detail = "interrupted", None
        previous = state.turn
        if previous is not None:
            turn.message_id = previous.message_id
        if not ends:
            # Interrupted: the turn's end is still to come; the line stays in the slot.
            state.turn = turn
            fragments.append(Fragment(slot, "innerHTML", render_turn_state(turn), chat_id))
            return fragments
        state.turn, state.interrupted = None, False
        if previous is not None:
            fragments.append(Fragment(slot, "innerHTML", mark_safe(""), chat_id))
        # (Without a start seen, the relay joined mid-turn: the line still says how it ended.)
        fragments.append(Fragment(container, "beforeend", render_turn_state(turn), chat_id))
        return fragments


def _is_streaming_text(part: Part) -> bool:
    return isinstance(part, (TextPart, ThinkingPart)) and part.streaming
