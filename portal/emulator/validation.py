"""A small JSON-Schema checker for request bodies and query values (the subset the spec uses).

The emulator has no runtime dependency on a schema library, so request schemas are written
here as plain dicts mirroring openapi.json, and `check(value, schema)` raises the spec's 400
envelope naming the first problem it finds:

    check(body, CREATE_REPLICA, "body")  # -> ApiError(400, "Invalid request body", "name: ...")

Supported keywords: type (one or a list), enum, const, pattern, minLength, maxLength, minimum,
maximum, format (uuid, uri, date-time, email), properties, required, additionalProperties
(bool), items, oneOf, anyOf, allOf, and `x-message` (a friendlier message for that node).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from .http import ApiError

_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Invalid(Exception):
    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


def is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def is_uri(value: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/?#]+[^\s]*$", value))


def parse_datetime(value: str) -> datetime | None:
    """RFC 3339 / ISO 8601 with a timezone (a `Z` or an offset); None when not one."""
    text = value.strip()
    if not re.match(
        r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$", text
    ):
        return None
    try:
        return datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None


def _format_ok(fmt: str, value: str) -> bool:
    if fmt == "uuid":
        return is_uuid(value)
    if fmt == "uri":
        return is_uri(value)
    if fmt == "date-time":
        return parse_datetime(value) is not None
    if fmt == "email":
        return bool(_EMAIL.match(value))
    return True


def _type_name(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _TYPES[name](value):
            return name
    return type(value).__name__


def _validate(value: Any, schema: dict, where: str) -> None:
    custom = schema.get("x-message")
    try:
        _validate_node(value, schema, where)
    except Invalid as exc:
        if custom and exc.where == where:
            raise Invalid(where, custom) from None
        raise


def _validate_node(value: Any, schema: dict, where: str) -> None:
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(_TYPES[name](value) for name in names):
            expected = " or ".join(names)
            raise Invalid(where, f"must be {_article(expected)}, not {_type_name(value)}")
    if "const" in schema and value != schema["const"]:
        raise Invalid(where, f"must be {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(str(v) for v in schema["enum"] if v is not None)
        raise Invalid(where, f"must be one of: {allowed}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            raise Invalid(where, f"must be at least {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise Invalid(where, f"must be at most {schema['maxLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise Invalid(where, f"must match the pattern {schema['pattern']}")
        if "format" in schema and not _format_ok(schema["format"], value):
            raise Invalid(where, f"must be a valid {schema['format']}")
    if _TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            raise Invalid(where, f"must be at least {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise Invalid(where, f"must be at most {schema['maximum']}")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                raise Invalid(_join(where, name), "is required")
        props = schema.get("properties", {})
        for name, sub in props.items():
            if name in value:
                _validate(value[name], sub, _join(where, name))
        if schema.get("additionalProperties") is False:
            extra = sorted(set(value) - set(props))
            if extra:
                raise Invalid(_join(where, extra[0]), "is not an allowed field")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            _validate(item, schema["items"], f"{where}[{index}]")
    for sub in schema.get("allOf", []):
        _validate(value, sub, where)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            errors = []
            matched = 0
            for sub in schema[key]:
                try:
                    _validate(value, sub, where)
                    matched += 1
                except Invalid as exc:
                    errors.append(exc)
            if matched == 0:
                # Report the error of the branch that got deepest (most specific).
                best = max(errors, key=lambda e: len(e.where))
                raise best
            if key == "oneOf" and matched > 1:
                raise Invalid(where, "matches more than one allowed shape")


def _article(text: str) -> str:
    return ("an " if text[:1] in "aeiou" else "a ") + text


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def check(value: Any, schema: dict, what: str = "body", error: str = "Invalid request body") -> Any:
    """Raise the 400 envelope when `value` doesn't satisfy `schema`; return it otherwise."""
    try:
        _validate(value, schema, "")
    except Invalid as exc:
        subject = exc.where or what
        raise ApiError(400, error, f"{subject} {exc.message}") from None
    return value


# --- request schemas (mirroring openapi.json) ----------------------------------------------

PROVIDERS = ["claude", "codex", "cursor", "opencode", "pi"]
# openapi.json's lifecycle policies plus the guide's `delete_when_done` (both supported).
LIFECYCLE_POLICIES = [
    "default",
    "archive_when_done",
    "sleep_when_done",
    "delete_after_inactivity",
    "delete_when_done",
]
SOURCES = ["api", "dashboard", "slack", "linear", "github", "gitlab", "automation"]
STATUSES = ["active", "sleeping", "archived", "preparing", "error"]
THINKING_MESSAGE = ["low", "medium", "high", "xhigh", "max", "ultra", "ultracode"]

IMAGE_CONTENT = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "const": "image"},
        "source": {
            "type": "object",
            "oneOf": [
                {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string", "const": "base64"},
                        "media_type": {
                            "type": "string",
                            "enum": ["image/png", "image/jpeg", "image/gif", "image/webp"],
                        },
                        "data": {"type": "string"},
                    },
                    "required": ["type", "media_type", "data"],
                },
                {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string", "const": "url"},
                        "url": {"type": "string", "format": "uri"},
                    },
                    "required": ["type", "url"],
                },
            ],
        },
    },
    "required": ["type", "source"],
}

WORKSPACE_CONFIG = {
    "type": "object",
    "properties": {
        "capabilities": {
            "type": "object",
            "properties": {"pr_followups": {"type": "boolean"}},
        },
        "preferences": {
            "type": "object",
            "properties": {
                "keep_open_on_pr_merge": {"type": "boolean"},
                "keep_open_on_pr_close": {"type": "boolean"},
            },
        },
        "provisioning_error": {
            "type": "object",
            "properties": {"message": {"type": "string"}},
        },
    },
}

CREATE_REPLICA = {
    "type": "object",
    "properties": {
        "name": {
            "type": "string",
            "pattern": r"^\S+$",
            "x-message": "must be a non-empty string without whitespace (e.g. fix-auth-bug)",
        },
        "message": {"type": "string"},
        "environment_id": {"type": "string", "format": "uuid"},
        "repository_set_id": {"type": "string", "format": "uuid"},
        "repository_ids": {"type": "array", "items": {"type": "string", "format": "uuid"}},
        "coding_agent": {"type": "string", "enum": PROVIDERS},
        "model": {"type": "string"},
        "images": {"type": "array", "items": IMAGE_CONTENT},
        "lifecycle_policy": {"type": "string", "enum": LIFECYCLE_POLICIES},
        "config": WORKSPACE_CONFIG,
        "plan_mode": {"type": "boolean"},
        "goal_mode": {"type": "boolean"},
        "fast_mode": {"type": "boolean"},
        "thinking_level": {"type": "string", "enum": THINKING_MESSAGE},
        "webhook_url": {
            "oneOf": [
                {"type": "string", "format": "uri"},
                {
                    "type": "object",
                    "properties": {
                        "url": {"type": "string", "format": "uri"},
                        "secret": {"type": "string"},
                    },
                    "required": ["url"],
                },
            ],
        },
        "size": {"type": "string", "enum": ["small", "large"]},
    },
    "required": ["name", "message"],
}

SEND_MESSAGE = {
    "type": "object",
    "properties": {
        "message": {"type": "string"},
        "coding_agent": {"type": "string", "enum": PROVIDERS},
        "chat_id": {"type": "string"},
        "model": {"type": "string"},
        "images": {"type": "array", "items": IMAGE_CONTENT},
        "plan_mode": {"type": "boolean"},
        "goal_mode": {"type": "boolean"},
        "fast_mode": {"type": "boolean"},
        "thinking_level": {"type": "string", "enum": THINKING_MESSAGE},
        "senderUserId": {"type": "string"},
        "senderEmail": {"type": "string"},
    },
    "required": ["message"],
}

CREATE_CHAT = {
    "type": "object",
    "properties": {
        "provider": {"type": "string", "enum": PROVIDERS},
        "id": {"type": "string", "format": "uuid"},
        "createdAt": {"type": "string", "format": "date-time"},
        "title": {"type": "string"},
        "parentChatId": {"type": "string", "format": "uuid"},
        "clientRequestId": {"type": "string"},
    },
    "required": ["provider"],
}

REORDER_QUEUE = {
    "type": "object",
    "properties": {"messageId": {"type": "string"}, "position": {"type": "integer"}},
    "required": ["messageId", "position"],
}

WORKSPACE_MESSAGE = {
    "type": "object",
    "properties": {
        "message": {"type": "string"},
        "messageId": {"type": "string"},
        "submittedAt": {"type": "string", "format": "date-time"},
        "model": {"type": "string"},
        "images": {"type": "array", "items": IMAGE_CONTENT},
        "planMode": {"type": "boolean"},
        "goalMode": {"type": "boolean"},
        "fastMode": {"type": "boolean"},
        "thinkingLevel": {"type": "string", "enum": THINKING_MESSAGE},
    },
    "required": ["message"],
}

DEFERRED_MESSAGE = {
    "allOf": [
        WORKSPACE_MESSAGE,
        {
            "type": "object",
            "properties": {
                "provider": {"type": "string", "enum": PROVIDERS},
                "chatId": {"type": "string", "format": "uuid"},
                "generateName": {"type": "boolean"},
            },
            "required": ["provider"],
        },
    ]
}

UPDATE_PROFILE_JSON = {
    "type": "object",
    "properties": {
        "displayName": {"type": "string", "minLength": 1, "maxLength": 80},
        "avatarUrl": {"type": ["string", "null"], "format": "uri"},
    },
    "required": ["displayName", "avatarUrl"],
}
