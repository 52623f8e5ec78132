"""Optional self-check of the emulator against openapi.json (on in the test suite).

Placeholder: the real checker (openapi-core middleware + event validation) is being built.
"""

from __future__ import annotations

from typing import Any


def check_event(schema: str, event: Any) -> None:
    return None
