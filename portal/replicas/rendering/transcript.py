"""Builds a chat transcript from normalized messages, for history pages and live streams alike.

`Transcript.add(message)` places the message's parts on the page model and returns the changes
it made (`Change`), which the live stream turns into htmx out-of-band swaps; a history page
simply renders `transcript.items` at the end. Rules, in order, for assistant-side parts:

1. A tool result whose tool use is already on the page is attached to that tool card.
2. A part whose `key` is already on the page updates it (`append` adds text, `replace` swaps
   the content; a repeated tool use id replaces the card).
3. An `append` part without a key continues the open streaming part of the same kind.
4. Anything else is a new part: added to the current agent bubble when the previous item is
   one (consecutive agent events read as one message), else to a new bubble.

Streaming parts are marked `streaming` while they grow (the live stream renders their text so
far as Markdown after every piece, see `stream.py`) and rendered for good when they are
finalized: when any other part arrives, a notice or user message is added, or the turn ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from .agents import Context
from .model import (
    Message,
    Part,
    TextPart,
    ThinkingPart,
    ToolResultPart,
    ToolUsePart,
    tool_dom_id,
)
from .util import dom_id


@dataclass(eq=False)
class Bubble:
    """A chat bubble: one speaker, one or more parts."""

    kind = "bubble"
    dom_id: str
    role: str
    sender_name: str
    provider: str | None = None
    timestamp: datetime | None = None
    subagent: bool = False
    chat_id: str | None = None
    sender_email: str | None = None
    parts: list[Part] = field(default_factory=list)
    _next_part: int = 0

    @property
    def parts_dom_id(self) -> str:
        """Container new parts are appended to (`hx-swap-oob="beforeend:#…"`)."""
        return f"{self.dom_id}-parts"


@dataclass(eq=False)
class Notice:
    """A status line or unrecognised event between bubbles."""

    kind = "notice"
    dom_id: str
    message: Message


Item = Bubble | Notice


@dataclass(eq=False)
class Change:
    op: Literal["append_item", "append_part", "append_text", "replace_part"]
    item: Item
    part: Part | None = None
    text: str = ""


class Transcript:
    def __init__(self, id_prefix: str, ctx: Context | None = None) -> None:
        self.prefix = dom_id(id_prefix)
        self.ctx = ctx or Context()
        self.items: list[Item] = []
        self._seq = 0
        self._current: Bubble | None = None
        self._keys: dict[str, tuple[Bubble, Part]] = {}
        self._tools: dict[str, tuple[Bubble, ToolUsePart]] = {}
        self._open: list[tuple[Bubble, Part]] = []
        self._segments: dict[int, dict[str, str]] = {}

    # -- public -------------------------------------------------------------------------

    def add(self, message: Message | None) -> list[Change]:
        if message is None:
            return []
        changes: list[Change] = []
        if message.is_notice or message.role == "system":
            changes += self.finalize()
            notice = Notice(dom_id=self._new_id("note"), message=message)
            self.items.append(notice)
            self._current = None
            changes.append(Change("append_item", notice))
            return changes
        if message.role == "user":
            changes += self.finalize()
            bubble = self._new_bubble(message, role="user")
            for part in message.parts:
                part.mode = "full"
                self._place(bubble, part)
            self.items.append(bubble)
            self._current = None
            changes.append(Change("append_item", bubble))
            return changes
        for part in message.parts:
            changes += self._add_part(message, part)
        if message.turn_state:
            changes += self.finalize()
        return _coalesce(changes)

    def finalize(self) -> list[Change]:
        """Stop streaming every open part; each is re-rendered (as Markdown) in place."""
        changes = []
        for bubble, part in self._open:
            part.streaming = False
            self._segments.pop(id(part), None)
            changes.append(Change("replace_part", bubble, part))
        self._open = []
        return changes

    def end_turn(self) -> list[Change]:
        """Finalize and start the next agent output in a new bubble."""
        changes = self.finalize()
        self._current = None
        return changes

    def trim(self, keep: int) -> None:
        """Forget all but the last `keep` items (a long-lived live stream's memory bound)."""
        if len(self.items) <= keep:
            return
        dropped = self.items[:-keep]
        self.items = self.items[-keep:]
        gone = {id(p) for item in dropped if isinstance(item, Bubble) for p in item.parts}
        self._keys = {k: v for k, v in self._keys.items() if id(v[1]) not in gone}
        self._tools = {k: v for k, v in self._tools.items() if id(v[1]) not in gone}
        self._open = [(b, p) for b, p in self._open if id(p) not in gone]
        if self._current is not None and self._current in dropped:
            self._current = None

    # -- internals ----------------------------------------------------------------------

    def _new_id(self, kind: str) -> str:
        self._seq += 1
        return f"{kind}-{self.prefix}-{self._seq}"

    def _new_bubble(self, message: Message, role: str) -> Bubble:
        return Bubble(
            dom_id=self._new_id("msg"),
            role=role,
            sender_name=message.sender_name,
            provider=message.provider,
            timestamp=message.timestamp,
            subagent=message.subagent,
            chat_id=message.chat_id,
            sender_email=message.sender_email,
        )

    def _place(self, bubble: Bubble, part: Part) -> None:
        if isinstance(part, ToolUsePart) and part.tool_id:
            part.dom_id = tool_dom_id(self.prefix, part.tool_id)
        else:
            part.dom_id = f"{bubble.dom_id}-p{bubble._next_part}"
        bubble._next_part += 1
        bubble.parts.append(part)
        if part.key:
            self._keys[part.key] = (bubble, part)
        if isinstance(part, ToolUsePart) and part.tool_id:
            self._tools[part.tool_id] = (bubble, part)

    def _finalize_except(self, keep: Part | None) -> list[Change]:
        changes = []
        still_open = []
        for bubble, part in self._open:
            if part is keep:
                still_open.append((bubble, part))
                continue
            part.streaming = False
            self._segments.pop(id(part), None)
            changes.append(Change("replace_part", bubble, part))
        self._open = still_open
        return changes

    def _add_part(self, message: Message, part: Part) -> list[Change]:
        # 1. A result for a tool card already on the page.
        if isinstance(part, ToolResultPart) and part.tool_id and part.tool_id in self._tools:
            bubble, tool = self._tools[part.tool_id]
            if part.partial and tool.result is not None and not tool.result.partial:
                return []  # a late progress update after the final result
            changes = self._finalize_except(None)
            part.name = None  # shown inside its tool's card: the card names the tool
            tool.result = part
            if not part.partial:
                tool.status = "failed" if part.is_error else "completed"
            return changes + [Change("replace_part", bubble, tool)]

        # 2./3. Text or thinking that continues a part on the page: the part with the same key
        # (for appends: while it is still open), else the open streaming part of the same kind at the end of the current bubble. A part
        # is made of segments, one per source key, so cumulative (`replace`) and incremental
        # (`append`) updates of several upstream parts can share one bubble part.
        if isinstance(part, (TextPart, ThinkingPart)) and part.mode in ("append", "replace"):
            target = self._keys.get(part.key) if part.key else None
            if target is not None and part.mode == "append" and not target[1].streaming:
                target = None  # the part was closed (e.g. a tool call came between): start anew
            if target is None or type(target[1]) is not type(part):
                last = self._current.parts[-1] if self._current and self._current.parts else None
                target = (
                    (self._current, last) if type(last) is type(part) and last.streaming else None
                )  # type: ignore[union-attr,assignment]
            if target is not None:
                return self._continue(target[0], target[1], part)  # type: ignore[arg-type]

        # 2b. A repeated tool use or keyed tool result replaces the one on the page.
        existing = None
        if isinstance(part, ToolUsePart) and part.tool_id and part.tool_id in self._tools:
            existing = self._tools[part.tool_id]
        elif part.key and part.key in self._keys and part.mode == "replace":
            existing = self._keys[part.key]
        if existing is not None and type(existing[1]) is type(part):
            bubble, old = existing
            changes = self._finalize_except(None)
            _copy_into(old, part)
            return changes + [Change("replace_part", bubble, old)]

        # 4. A new part.
        changes = self._finalize_except(None)
        bubble = self._current
        if (
            bubble is None
            or bubble.provider != message.provider
            or bubble.subagent != message.subagent
        ):
            bubble = self._new_bubble(message, role="assistant")
            self.items.append(bubble)
            self._current = bubble
            self._place(bubble, part)
            changes.append(Change("append_item", bubble))
        else:
            self._place(bubble, part)
            changes.append(Change("append_part", bubble, part))
        if part.mode in ("append", "replace") and isinstance(part, (TextPart, ThinkingPart)):
            part.streaming = True
            self._open.append((bubble, part))
            self._segments[id(part)] = {part.key or "": part.text}
        return changes

    def _continue(
        self, bubble: Bubble, old: TextPart | ThinkingPart, new: TextPart | ThinkingPart
    ) -> list[Change]:
        segments = self._segments.setdefault(id(old), {"": old.text})
        key = new.key or ""
        before = old.text
        if new.mode == "append":
            segments[key] = segments.get(key, "") + new.text
        else:
            segments[key] = new.text
        old.text = "".join(segments.values())
        if new.key:
            self._keys[new.key] = (bubble, old)
        changes = self._finalize_except(old)
        if old.streaming and old.text == before + new.text and new.text:
            return changes + [Change("append_text", bubble, old, new.text)]
        if old.text == before:
            return changes
        return changes + [Change("replace_part", bubble, old)]


def _copy_into(old: Part, new: Part) -> None:
    if isinstance(old, (TextPart, ThinkingPart)):
        old.text = new.text  # type: ignore[attr-defined]
        old.streaming = False
    elif isinstance(old, ToolUsePart) and isinstance(new, ToolUsePart):
        old.name = new.name or old.name
        if new.input not in (None, {}, ""):
            old.input = new.input
            old.input_format = new.input_format
        old.status = new.status or old.status
        if new.result is not None:
            old.result = new.result
    elif isinstance(old, ToolResultPart) and isinstance(new, ToolResultPart):
        old.output, old.is_error, old.partial = new.output, new.is_error, new.partial
        old.exit_code, old.images = new.exit_code, new.images
        old.name = new.name or old.name


def _coalesce(changes: list[Change]) -> list[Change]:
    """Drop changes already covered by an earlier one in the same batch: rendering happens after
    the whole batch, so a freshly appended item or part already shows its final state."""
    covered: set[int] = set()
    out = []
    for change in changes:
        if change.op == "append_item":
            if isinstance(change.item, Bubble):
                covered.update(id(p) for p in change.item.parts)
        elif change.op == "append_part":
            covered.add(id(change.part))
        elif change.op in ("replace_part", "append_text"):
            if id(change.part) in covered:
                continue
            if change.op == "replace_part":
                covered.add(id(change.part))
        out.append(change)
    return out
