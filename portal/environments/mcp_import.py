"""An `mcpServers` JSON block (the format Claude Code, Cursor and others use) read as the
API's MCP servers, each checked on its own so one bad server doesn't stop the rest.

    {"mcpServers": {
        "linear": {"command": "npx", "args": ["-y", "@linear/mcp"], "env": {"KEY": "…"}},
        "docs":   {"url": "https://docs.example.com/mcp", "headers": {"Authorization": "…"}},
        "events": {"type": "sse", "url": "https://example.com/sse"}
    }}

A server with `command` is stdio; one with `url` is http, or sse when its `type` says so
(or, without a type, when the URL's path ends in /sse). Keys the API has no place for
(`cwd`, `timeout`, `disabled`…) are named as ignored. `parse()` never raises: a block that
isn't JSON, or has no `mcpServers` object, comes back as `error`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from .validators import check_mcp_name

KNOWN = {"type", "transport", "command", "args", "env", "url", "headers"}
HTTP_TYPES = {"http": "http", "streamable-http": "http", "streamablehttp": "http", "sse": "sse"}


@dataclass
class Server:
    name: str
    original: Any  # the server's JSON value, as pasted (kept to give failures back)
    transport: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def secret_keys(self) -> list[str]:
        """Names of env variables or headers (their values are secrets: never shown)."""
        return sorted((self.config.get("env") or self.config.get("headers") or {}).keys())

    def body(self) -> dict[str, Any]:
        """The CreateEnvironmentMcpRequest."""
        return {"name": self.name, "transport": self.transport, "config": self.config}


@dataclass
class Parsed:
    servers: list[Server] = field(default_factory=list)
    error: str = ""


def _strings(value: Any, what: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{what} must be a list of strings.")
        return []
    if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
        problems.append(f"{what} must hold only strings.")
        return []
    return [str(v) for v in value]


def _string_map(value: Any, what: str, problems: list[str]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{what} must be an object of names and string values.")
        return {}
    out = {}
    for key, item in value.items():
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            problems.append(f"{what}.{key} must be a string.")
            continue
        out[str(key)] = str(item)
    return out


def _transport(raw: dict[str, Any], problems: list[str]) -> str:
    declared = raw.get("type", raw.get("transport"))
    has_command, has_url = "command" in raw, "url" in raw
    if has_command and has_url:
        problems.append("It has both command and url: a server is either stdio or http/sse.")
        return ""
    if declared is not None and not isinstance(declared, str):
        problems.append("type must be a string.")
        return ""
    declared = (declared or "").strip().lower()
    if has_command:
        if declared and declared != "stdio":
            problems.append(f"type {declared} needs a url, not a command.")
            return ""
        return "stdio"
    if has_url:
        if not declared:
            path = urlsplit(str(raw.get("url") or "")).path.rstrip("/")
            return "sse" if path.endswith("/sse") else "http"
        if declared == "stdio":
            problems.append("type stdio needs a command, not a url.")
            return ""
        if declared not in HTTP_TYPES:
            problems.append(f"type {declared} is not one the API knows (stdio, http, sse).")
            return ""
        return HTTP_TYPES[declared]
    problems.append("It has neither command (stdio) nor url (http or sse).")
    return ""


def _server(name: str, raw: Any) -> Server:
    server = Server(name=name, original=raw)
    try:
        check_mcp_name(name)
    except ValidationError as exc:
        server.problems.append(exc.messages[0])
    if not isinstance(raw, dict):
        server.problems.append("Its value must be an object.")
        return server
    server.ignored = sorted(k for k in raw if k not in KNOWN)
    server.transport = _transport(raw, server.problems)
    if server.transport == "stdio":
        command = raw.get("command")
        if not isinstance(command, str) or not command.strip():
            server.problems.append("command must be a non-empty string.")
        server.config = {
            "command": command if isinstance(command, str) else "",
            "args": _strings(raw.get("args"), "args", server.problems),
            "env": _string_map(raw.get("env"), "env", server.problems),
        }
    elif server.transport:
        url = raw.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            server.problems.append("url must be an http(s) URL.")
        server.config = {
            "url": url if isinstance(url, str) else "",
            "headers": _string_map(raw.get("headers"), "headers", server.problems),
        }
    return server


def parse(text: str) -> Parsed:
    try:
        data = json.loads(text or "")
    except json.JSONDecodeError as exc:
        return Parsed(error=f"This isn't valid JSON (line {exc.lineno}, column {exc.colno}).")
    if not isinstance(data, dict) or not isinstance(data.get("mcpServers"), dict):
        return Parsed(
            error='Paste a JSON object with an "mcpServers" object inside, e.g. '
            '{"mcpServers": {"linear": {"command": "npx", "args": ["-y", "@linear/mcp"]}}}.'
        )
    servers = data["mcpServers"]
    if not servers:
        return Parsed(error='"mcpServers" is empty: there is nothing to import.')
    return Parsed(servers=[_server(str(name), raw) for name, raw in servers.items()])


def leftover(servers: list[Server]) -> str:
    """A block of just these servers, to keep in the box."""
    if not servers:
        return ""
    return json.dumps({"mcpServers": {s.name: s.original for s in servers}}, indent=2)
