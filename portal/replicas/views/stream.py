"""The live event relay (being built)."""

from __future__ import annotations

from .chat import chat_panel

events = chat_panel
