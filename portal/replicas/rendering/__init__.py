"""Pure rendering for the replica pages: no HTTP, no views.

- `events`: agent events (history and the live SSE stream) → chat transcript HTML;
  `stream.ChatStream` turns engine events into htmx out-of-band fragments.
- `markdown`: Markdown → sanitized HTML (markdown-it-py + nh3), code highlighted by Pygments.
- `diffs`: unified diffs → unified or split HTML views.
- `canvas`: how to present each canvas item (inline, sandboxed iframe, download, too large).

CSS: `static/css/replicas.css` and `static/css/highlight.css` (both needed).
"""

from __future__ import annotations

from .canvas import (
    canvas_binary,
    canvas_iframe_document,
    present_canvas_item,
    render_canvas_item,
    render_canvas_list,
)
from .diffs import parse_diff, render_diff, render_repository_diffs, repository_diffs
from .events import (
    normalize_engine_event,
    normalize_history_event,
    render_delta,
    render_engine_notice,
    render_history,
    render_message,
    render_turn_state,
    running_turn_dom_id,
    transcript_dom_id,
    turn_dom_id,
    user_message,
)
from .markdown import highlight_code, render_markdown, sanitize_html
from .model import turn_slot_dom_id
from .stream import ACTIVITY_DOM_ID, ChatStream, Fragment

__all__ = [
    "ACTIVITY_DOM_ID",
    "ChatStream",
    "Fragment",
    "canvas_binary",
    "canvas_iframe_document",
    "highlight_code",
    "normalize_engine_event",
    "normalize_history_event",
    "parse_diff",
    "present_canvas_item",
    "render_canvas_item",
    "render_canvas_list",
    "render_delta",
    "render_diff",
    "render_engine_notice",
    "render_history",
    "render_markdown",
    "render_message",
    "render_repository_diffs",
    "render_turn_state",
    "repository_diffs",
    "running_turn_dom_id",
    "sanitize_html",
    "transcript_dom_id",
    "turn_dom_id",
    "turn_slot_dom_id",
    "user_message",
]
