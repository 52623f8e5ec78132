"""Small helpers shared by the renderers: DOM ids, sizes, JSON, truncation, input coercion."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

_ID_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")


def dom_id(*parts: object) -> str:
    """A DOM id that is also a valid CSS `#selector` (htmx `hx-swap-oob="beforeend:#id"`).

    Parts are joined with `-`. A part with characters outside `[A-Za-z0-9_-]` (or longer than 64
    characters) is replaced by a short hash of itself, so any upstream id maps to one stable,
    safe DOM id. The first part should be a literal prefix that starts with a letter.
    """
    out = []
    for part in parts:
        text = str(part)
        if not text or len(text) > 64 or not _ID_SAFE.match(text):
            text = "h" + hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:12]
        out.append(text)
    return "-".join(out)


def short_hash(value: object, length: int = 12) -> str:
    raw = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha1(raw.encode("utf-8", "replace")).hexdigest()[:length]


def human_size(num_bytes: int | float | None) -> str:
    """`1536` → `1.5 KB`. Decimal-free under 10 units, one decimal otherwise up to 10."""
    if num_bytes is None:
        return "unknown size"
    try:
        size = float(num_bytes)
    except (TypeError, ValueError):
        return "unknown size"
    if size < 0:
        return "unknown size"
    if size < 1024:
        n = int(size)
        return f"{n} byte" if n == 1 else f"{n} bytes"
    for unit in ("KB", "MB", "GB", "TB"):
        size /= 1024
        if size < 1024 or unit == "TB":
            return f"{size:.1f} {unit}" if size < 10 else f"{size:.0f} {unit}"
    raise AssertionError("unreachable")


def truncate(text: str, limit: int) -> tuple[str, int]:
    """Cut `text` to `limit` characters; also return how many characters were cut."""
    if len(text) <= limit:
        return text, 0
    return text[:limit], len(text) - limit


def pretty_json(value: Any) -> str:
    """Indented JSON for display; strings that hold JSON are parsed first."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
        if isinstance(value, str):
            return value
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def as_data(value: Any) -> Any:
    """Plain JSON-ish data from a dict, a pydantic model, a `StreamEvent` or a JSON string."""
    if value is None:
        return None
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return dump(mode="json", by_alias=True, exclude_unset=True)
        except Exception:  # a model that cannot dump is treated as unknown
            return None
    if hasattr(value, "data") and hasattr(value, "type") and not isinstance(value, dict):
        # portal.replica_api.sse.StreamEvent: `data` is the parsed JSON payload.
        return as_data(value.data)
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def as_dict(value: Any) -> dict[str, Any]:
    data = as_data(value)
    return data if isinstance(data, dict) else {}


def get_str(data: Any, *keys: str, default: str = "") -> str:
    """The first of `keys` in `data` whose value is a non-empty string (numbers are stringified)."""
    if not isinstance(data, dict):
        return default
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    return default


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from an ISO string, epoch seconds/milliseconds, or a datetime."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value:
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None
