"""The common model every agent format is normalized into before rendering.

A `Message` is one agent event's worth of content: who said it (`role`, `sender_name`) and an
ordered list of parts. Parts carry an optional `key` and a `mode` that tell the transcript
builder (`transcript.py`) how a streaming update relates to what is already on screen:

- `full`: a new part.
- `append`: more text for the open part with the same `key` (a streaming delta). Without a key
  it continues the last open part of the same kind.
- `replace`: the new state of the part with the same `key` (cumulative updates, tool progress).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from django.utils.safestring import SafeString, mark_safe

from .highlight import highlight_block, lexer_for
from .markdown import render_markdown
from .util import dom_id, parse_time, pretty_json, short_hash, truncate

Mode = Literal["full", "append", "replace"]
Role = Literal["user", "assistant", "tool", "system"]
Level = Literal["info", "success", "warning", "error"]
TurnStateName = Literal["queued", "accepted", "running", "completed", "failed", "interrupted"]

MAX_TOOL_INPUT_CHARS = 20_000
MAX_TOOL_OUTPUT_CHARS = 20_000
INLINE_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
# Tool inputs up to this many lines are shown expanded; longer ones start collapsed.
TOOL_INPUT_OPEN_LINES = 12

AGENT_NAMES = {
    "claude": "Claude",
    "codex": "Codex",
    "cursor": "Cursor",
    "opencode": "OpenCode",
    "pi": "Pi",
}


def agent_name(provider: str | None) -> str:
    if not provider:
        return "Agent"
    return AGENT_NAMES.get(provider, provider.title())


@dataclass(eq=False)
class Part:
    kind: ClassVar[str] = "part"
    key: str | None = field(default=None, kw_only=True)
    mode: Mode = field(default="full", kw_only=True)
    # Set by the transcript builder when the part is placed on the page.
    dom_id: str = field(default="", kw_only=True)
    streaming: bool = field(default=False, kw_only=True)

    @property
    def text_dom_id(self) -> str:
        """The element holding this part's text while it streams (replaced on every piece)."""
        return f"{self.dom_id}-text"


@dataclass(eq=False)
class TextPart(Part):
    kind: ClassVar[str] = "text"
    text: str = ""

    @property
    def html(self) -> SafeString:
        return render_markdown(self.text)


@dataclass(eq=False)
class ThinkingPart(Part):
    kind: ClassVar[str] = "thinking"
    text: str = ""

    @property
    def html(self) -> SafeString:
        return render_markdown(self.text)


@dataclass(eq=False)
class ImagePart(Part):
    kind: ClassVar[str] = "image"
    media_type: str = ""
    data: str = ""  # base64
    alt: str = "Image"

    @property
    def src(self) -> str | None:
        """A data URL for PNG/JPEG/GIF/WebP with valid base64; None otherwise (no SVG)."""
        media_type = (self.media_type or "").split(";")[0].strip().lower()
        if media_type not in INLINE_IMAGE_TYPES or not self.data:
            return None
        compact = re.sub(r"\s+", "", self.data)
        try:
            base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError):
            return None
        return f"data:{media_type};base64,{compact}"


@dataclass(eq=False)
class ToolResultPart(Part):
    kind: ClassVar[str] = "tool_result"
    output: str = ""
    is_error: bool = False
    tool_id: str | None = None
    name: str | None = None  # shown when the matching tool use is not on the page
    exit_code: int | None = None
    partial: bool = False
    images: list[ImagePart] = field(default_factory=list)

    @property
    def shown_output(self) -> str:
        return truncate(self.output or "", MAX_TOOL_OUTPUT_CHARS)[0]

    @property
    def cut_chars(self) -> int:
        return truncate(self.output or "", MAX_TOOL_OUTPUT_CHARS)[1]

    @property
    def preview(self) -> str:
        for line in (self.output or "").splitlines():
            if line.strip():
                return line.strip()[:120]
        return ""

    @property
    def label(self) -> str:
        if self.partial:
            return "Output so far"
        if self.is_error:
            return "Error" if self.exit_code is None else f"Failed (exit {self.exit_code})"
        return "Result" if self.exit_code is None else f"Result (exit {self.exit_code})"


_PATCH_FILE = re.compile(r"^\*\*\* (Add|Update|Delete) File: (.+)$", re.M)
_SUMMARY_KEYS = (
    "command", "cmd", "pattern", "query", "file_path", "filePath", "path", "notebook_path",
    "url", "description", "prompt", "skill", "subject", "name",
)  # fmt: skip


@dataclass(eq=False)
class ToolUsePart(Part):
    kind: ClassVar[str] = "tool_use"
    name: str = "tool"
    input: Any = None
    tool_id: str | None = None
    status: Literal["running", "completed", "failed"] | None = None
    # How to show `input`: json (pretty, highlighted), text, or diff (apply_patch).
    input_format: Literal["json", "text", "diff"] = "json"
    result: ToolResultPart | None = None

    @property
    def summary(self) -> str:
        value: Any = None
        if isinstance(self.input, dict):
            for key in _SUMMARY_KEYS:
                if self.input.get(key):
                    value = self.input[key]
                    break
            for key in ("plan", "todos"):
                if value is None and isinstance(self.input.get(key), list):
                    value = f"{len(self.input[key])} items"
        elif isinstance(self.input, str):
            files = _PATCH_FILE.findall(self.input)
            value = ", ".join(path for _, path in files) if files else self.input
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        if value is None or isinstance(value, (dict, bool)):
            return ""
        text = " ".join(str(value).split())
        return text[:117] + "…" if len(text) > 120 else text

    @property
    def input_text(self) -> str:
        if self.input is None or self.input == {}:
            return ""
        if self.input_format == "json":
            return pretty_json(self.input)
        return self.input if isinstance(self.input, str) else pretty_json(self.input)

    @property
    def input_html(self) -> SafeString:
        text, cut = truncate(self.input_text, MAX_TOOL_INPUT_CHARS)
        language = {"json": "json", "diff": "diff"}.get(self.input_format)
        if self.input_format == "json" and not text.lstrip().startswith(("{", "[")):
            language = None
        html = highlight_block(text, lexer_for(language) if language else None)
        if cut:
            html += f'<p class="truncated">Truncated: {cut:,} more characters.</p>'
        return mark_safe(html)

    @property
    def input_open(self) -> bool:
        return 0 < self.input_text.count("\n") + 1 <= TOOL_INPUT_OPEN_LINES

    @property
    def effective_status(self) -> str:
        if self.result is not None and not self.result.partial:
            return "failed" if self.result.is_error else "completed"
        return self.status or ("running" if self.result is not None else "called")


@dataclass(eq=False)
class StatusPart(Part):
    kind: ClassVar[str] = "status"
    text: str = ""
    level: Level = "info"
    detail: str | None = None


@dataclass(eq=False)
class UnknownPart(Part):
    kind: ClassVar[str] = "unknown"
    event_type: str = ""
    raw: Any = None

    @property
    def raw_json(self) -> str:
        return truncate(pretty_json(self.raw), 2_000)[0] if self.raw is not None else ""


@dataclass(eq=False)
class Message:
    """One normalized agent event (or a user message the portal renders itself)."""

    role: Role
    sender_name: str
    parts: list[Part] = field(default_factory=list)
    timestamp: datetime | None = None
    provider: str | None = None
    event_type: str = ""
    # Set on events that end a turn (claude-result, opencode-session.idle, pi agent_end).
    turn_state: TurnStateName | None = None
    key: str | None = None
    chat_id: str | None = None
    subagent: bool = False
    # A user message's sender, when known: the live stream is rendered once for every viewer,
    # so the page turns the viewer's own name into "You" (chat.js, `data-sender`).
    sender_email: str | None = None

    @property
    def is_notice(self) -> bool:
        """Status lines and unrecognised events render as a notice, not a chat bubble."""
        return bool(self.parts) and all(
            isinstance(p, (StatusPart, UnknownPart)) for p in self.parts
        )


@dataclass(eq=False)
class TurnState:
    """The state of one turn of a chat: shown as a small status line that is replaced in place."""

    chat_id: str
    message_id: str | None
    state: TurnStateName
    position: int | None = None
    detail: str | None = None
    timestamp: datetime | None = None

    @property
    def dom_id(self) -> str:
        return turn_dom_id(self.chat_id, self.message_id)

    @property
    def label(self) -> str:
        if self.state == "queued":
            return f"Queued (position {self.position})" if self.position else "Queued"
        return {
            "accepted": "Accepted",
            "running": "Working…",
            "completed": "Completed",
            "failed": "Failed",
            "interrupted": "Interrupted",
        }.get(self.state, self.state.title())


@dataclass(eq=False)
class EngineUpdate:
    """One `EngineEvent` from the replica's SSE stream, normalized.

    `category` is one of: message (a `chat.turn.delta`; see `message`), turn (see `turn`),
    chat, repo, hooks, engine, preview, error, ignored (heartbeats), unknown. Every category but
    `message`, `turn` and `ignored` has a one-line `notice` to show.
    """

    type: str
    category: str
    id: str | None = None
    ts: datetime | None = None
    chat_id: str | None = None
    message: Message | None = None
    turn: TurnState | None = None
    notice: Message | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def transcript_dom_id(chat_id: str) -> str:
    """The container the chat panel renders for a chat's transcript; live items are appended."""
    return dom_id("chat", chat_id, "transcript")


def turn_slot_dom_id(chat_id: str) -> str:
    """Below a chat's transcript: the running turn's state line ("Working…"), so it stays under
    the user's message and the reply as they arrive; the final state joins the transcript."""
    return dom_id("chat", chat_id, "turn")


def running_turn_dom_id(chat_id: str) -> str:
    """Wraps the running turn in a busy chat's history, for the live stream to replace."""
    return dom_id("chat", chat_id, "running")


def turn_dom_id(chat_id: str, message_id: str | None) -> str:
    return dom_id("turn", chat_id, message_id or "current")


def tool_dom_id(prefix: str, tool_id: str) -> str:
    """A tool card's id within one transcript (`prefix`): its result replaces the card."""
    return f"tool-{prefix}-{short_hash(tool_id, 10)}"


class SenderDirectory:
    """Names for user messages from a history response's `senders` (`ChatMessageSender`).

    The spec records who sent each message (`senderEmail`, `recordedAt`) but not which message
    it belongs to, so a user message is matched by time: the latest record made at or before the
    message (with a little clock-skew allowance). A record with a `messageId` (an extension some
    engines send) matches exactly. The viewer's own messages are labelled "You"; without records,
    every user message is "You".
    """

    SKEW_SECONDS = 5.0

    def __init__(
        self, senders: Any = None, *, viewer_email: str | None = None, default_name: str = "You"
    ) -> None:
        from .util import as_dict

        self.viewer_email = (viewer_email or "").strip().lower()
        self.default_name = default_name
        self.records: list[tuple[datetime | None, str, str, str | None]] = []
        for raw in senders or []:
            data = as_dict(raw)
            email = str(data.get("senderEmail") or "")
            name = str(
                data.get("senderDisplayName") or data.get("senderName") or email
                or data.get("senderUserId") or ""
            )  # fmt: skip
            if not name:
                continue
            message_id = data.get("messageId")
            self.records.append(
                (parse_time(data.get("recordedAt")), name, email.lower(), message_id)
            )
        self.records.sort(key=lambda r: (r[0] is None, r[0] or datetime.min))

    def _label(self, name: str, email: str) -> str:
        if self.viewer_email and email and email == self.viewer_email:
            return self.default_name
        return name

    def name_for(self, timestamp: datetime | None = None, message_id: str | None = None) -> str:
        return self.lookup(timestamp, message_id)[0]

    def lookup(
        self, timestamp: datetime | None = None, message_id: str | None = None
    ) -> tuple[str, str | None]:
        """(label, sender email or None) for a user message."""
        if not self.records:
            return self.default_name, None
        if message_id:
            for _, name, email, rec_id in self.records:
                if rec_id and rec_id == message_id:
                    return self._label(name, email), email or None
        if len({r[2] or r[1] for r in self.records}) == 1:
            _, name, email, _ = self.records[0]
            return self._label(name, email), email or None
        if timestamp is None:
            return self.default_name, None
        best = None
        for recorded, name, email, _ in self.records:
            if recorded is None:
                continue
            if (recorded - timestamp).total_seconds() <= self.SKEW_SECONDS:
                best = (name, email)
            else:
                break
        if best is None:
            return self.default_name, None
        return self._label(*best), best[1] or None
