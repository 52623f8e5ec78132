"""The queue editor (being built)."""

from __future__ import annotations

from .chat import chat_panel

queue_panel = reorder = remove = clear = chat_panel
