"""Per-agent normalizers: one `AgentEvent` (Claude, Codex, Cursor, Opencode, Pi) → `Message`.

All of them work on plain dicts and are lenient: a missing optional field gives an empty part,
never an exception. Cursor, Opencode and Pi payloads are "not yet formally specified" in the
spec; the shapes read here are those of the agents' own JSON streams (Cursor `stream-json`,
Opencode bus events, Pi `--mode json`), with the obvious alternatives (`text`, `message`,
`content`, `delta`) tried in turn. Anything unrecognised becomes an `UnknownPart`.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from .model import (
    ImagePart,
    Message,
    Part,
    SenderDirectory,
    StatusPart,
    TextPart,
    ThinkingPart,
    ToolResultPart,
    ToolUsePart,
    UnknownPart,
    agent_name,
)
from .util import get_str, parse_time, pretty_json


@dataclass
class Context:
    """What a normalizer may know beyond the event itself."""

    senders: SenderDirectory = field(default_factory=SenderDirectory)
    chat_id: str | None = None
    # Opencode reports a message's role in `message.updated` and its text in separate part
    # events; a transcript keeps the roles it has seen here so user parts render as the user's.
    opencode_roles: dict[str, str] = field(default_factory=dict)


def provider_of(event_type: str) -> str | None:
    if event_type.startswith("claude-"):
        return "claude"
    if event_type in ("event_msg", "response_item") or event_type.startswith("codex-"):
        return "codex"
    for provider in ("cursor", "opencode", "pi"):
        if event_type.startswith(provider + "-"):
            return provider
    return None


def normalize_agent_event(event: dict[str, Any], ctx: Context) -> Message | None:
    """Dispatch on the event's `type`; unknown types give a message with an `UnknownPart`."""
    event_type = str(event.get("type") or "")
    payload = event.get("payload")
    payload = payload if isinstance(payload, dict) else {}
    provider = provider_of(event_type)
    timestamp = parse_time(event.get("timestamp") or event.get("ts"))
    base = {"provider": provider, "event_type": event_type, "timestamp": timestamp}
    handler = {
        "claude": _claude,
        "codex": _codex,
        "cursor": _cursor,
        "opencode": _opencode,
        "pi": _pi,
    }.get(provider or "")
    message = handler(event_type, payload, ctx, base) if handler else _unknown(event, base)
    if message is not None:
        message.chat_id = message.chat_id or ctx.chat_id
    return message


# --- shared helpers ----------------------------------------------------------------------


def _agent(base: dict, parts: list[Part], **kw: Any) -> Message:
    return Message(
        role=kw.pop("role", "assistant"),
        sender_name=agent_name(base["provider"]),
        parts=parts,
        **base,
        **kw,
    )


def _user(base: dict, parts: list[Part], ctx: Context, message_id: str | None = None) -> Message:
    name, email = ctx.senders.lookup(base["timestamp"], message_id)
    return Message(
        role="user", sender_name=name, sender_email=email, parts=parts, key=message_id, **base
    )


def _notice(base: dict, text: str, level: str = "info", detail: str | None = None, **kw) -> Message:
    part = StatusPart(text=text, level=level, detail=detail or None)  # type: ignore[arg-type]
    return Message(
        role="system", sender_name=agent_name(base["provider"]), parts=[part], **base, **kw
    )


def _unknown(event: Any, base: dict) -> Message:
    event_type = base.get("event_type") or ""
    part = UnknownPart(event_type=event_type, raw=event)
    return Message(
        role="system", sender_name=agent_name(base.get("provider")), parts=[part], **base
    )


def _text_of(value: Any) -> str:
    """Text from a string, a list of text blocks, or a dict with text-ish fields."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        pieces = [_text_of(item) for item in value]
        return "\n".join(p for p in pieces if p)
    if isinstance(value, dict):
        if value.get("type") in ("image", "input_image"):
            return ""
        for key in ("text", "content", "message", "output", "delta", "result"):
            if key in value:
                text = _text_of(value[key])
                if text:
                    return text
    return ""


def _images_of(value: Any) -> list[ImagePart]:
    images = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item.get("type") == "image":
                source = item.get("source") if isinstance(item.get("source"), dict) else item
                images.append(
                    ImagePart(
                        media_type=get_str(source, "media_type", "mimeType", "mime_type"),
                        data=get_str(source, "data"),
                    )
                )
    return images


def _json_or_text(raw: Any) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _exit_code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


# --- Claude --------------------------------------------------------------------------------


def _claude_blocks(content: Any, mode: str = "full") -> list[Part]:
    """Content blocks → parts. Agent text and thinking use `mode="append"`: consecutive blocks
    continue one part, since a stream may send a message's text in several events."""
    if isinstance(content, str):
        return [TextPart(text=content)] if content else []
    parts: list[Part] = []
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            parts.append(TextPart(text=get_str(block, "text"), mode=mode))  # type: ignore[arg-type]
        elif kind == "thinking":
            text = get_str(block, "text", "thinking")
            parts.append(ThinkingPart(text=text, mode=mode))  # type: ignore[arg-type]
        elif kind == "redacted_thinking":
            parts.append(ThinkingPart(text="*(redacted)*"))
        elif kind in ("tool_use", "server_tool_use"):
            tool_input = block.get("input")
            parts.append(
                ToolUsePart(
                    name=get_str(block, "name", default="tool"),
                    input=tool_input if tool_input is not None else {},
                    tool_id=get_str(block, "id") or None,
                )
            )
        elif kind == "tool_result" or kind == "web_search_tool_result":
            result = block.get("content")
            parts.append(
                ToolResultPart(
                    output=_text_of(result)
                    if not isinstance(result, dict)
                    else pretty_json(result),
                    is_error=bool(block.get("is_error")),
                    tool_id=get_str(block, "tool_use_id") or None,
                    images=_images_of(result),
                )
            )
        elif kind == "image":
            parts.extend(_images_of([block]))
        else:
            parts.append(UnknownPart(event_type=f"content block {kind}", raw=block))
    return parts


def _claude(event_type: str, p: dict, ctx: Context, base: dict) -> Message | None:
    message = p.get("message") if isinstance(p.get("message"), dict) else {}
    subagent = bool(p.get("parent_tool_use_id"))
    if event_type == "claude-assistant":
        parts = _claude_blocks(message.get("content"), mode="append")
        if not parts:
            return None
        return _agent(base, parts, key=get_str(message, "id") or None, subagent=subagent)
    if event_type == "claude-user":
        parts = _claude_blocks(message.get("content"))
        if not parts:
            return None
        if all(isinstance(part, ToolResultPart) for part in parts):
            return _agent(base, parts, role="tool", subagent=subagent)
        for part in parts:
            if isinstance(part, ToolUsePart):  # a user never calls tools; keep it readable
                part.input_format = "json"
        msg = _user(base, parts, ctx, get_str(p, "uuid", "messageId") or None)
        msg.subagent = subagent
        return msg
    if event_type == "claude-result":
        subtype = get_str(p, "subtype")
        failed = bool(p.get("is_error")) or (subtype not in ("", "success"))
        facts = []
        if isinstance(p.get("duration_ms"), (int, float)):
            facts.append(f"{p['duration_ms'] / 1000:.1f} s")
        if isinstance(p.get("num_turns"), int):
            facts.append(f"{p['num_turns']} steps")
        if isinstance(p.get("total_cost_usd"), (int, float)):
            facts.append(f"${p['total_cost_usd']:.2f}")
        if failed:
            errors = [str(e) for e in p.get("errors") or [] if e]
            label = subtype.replace("_", " ") if subtype and subtype != "success" else "error"
            text = f"Turn failed ({label})"
            detail = "\n".join(errors) or get_str(p, "result") or None
            return _notice(base, text, "error", detail, turn_state="failed")
        text = "Turn completed" + (f" · {' · '.join(facts)}" if facts else "")
        return _notice(base, text, "success", turn_state="completed")
    if event_type == "claude-system":
        subtype = get_str(p, "subtype")
        if subtype == "init":
            facts = [get_str(p, "model"), get_str(p, "cwd")]
            return _notice(base, "Session started", "info", " · ".join(f for f in facts if f))
        text = get_str(p, "message", "text", "content")
        label = f"System: {subtype.replace('_', ' ')}" if subtype else "System message"
        return _notice(base, label, "info", text or None)
    return _unknown({"type": event_type, "payload": p}, base)


# --- Codex ---------------------------------------------------------------------------------


def _codex_output(raw: Any) -> tuple[str, int | None]:
    """Codex tool output: plain text, or JSON like `{"output": "...", "metadata": {...}}`."""
    data = _json_or_text(raw)
    if isinstance(data, dict):
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        code = _exit_code(metadata.get("exit_code", data.get("exit_code")))
        text = data.get("output")
        if isinstance(text, str):
            return text, code
        return pretty_json(data), code
    return (data if isinstance(data, str) else pretty_json(data)), None


def _codex(event_type: str, p: dict, ctx: Context, base: dict) -> Message | None:
    kind = get_str(p, "type")
    if event_type in ("event_msg", "codex-user") or event_type.startswith("codex-"):
        if kind == "user_message" or event_type == "codex-user":
            text = get_str(p, "message", "text") or _text_of(p.get("content"))
            return _user(base, [TextPart(text=text)], ctx) if text else None
        if kind == "agent_reasoning":
            text = get_str(p, "text", "message")
            return _agent(base, [ThinkingPart(text=text, mode="append")]) if text else None
        if event_type.startswith("codex-") and event_type != "codex-user":
            kind = event_type.removeprefix("codex-")
            if kind in ("message", "function_call", "function_call_output") and not p.get("type"):
                p = {**p, "type": kind}
                return _codex("response_item", p, ctx, base)
        return _unknown({"type": f"{event_type}:{kind}", "payload": p}, base)
    # response_item
    if kind == "message":
        text = _text_of(p.get("content"))
        role = get_str(p, "role", default="assistant")
        if role == "user":
            return _user(base, [TextPart(text=text)], ctx) if text else None
        if role != "assistant":
            return _notice(base, f"{role.title()} message", "info", text or None)
        return _agent(base, [TextPart(text=text, mode="append")]) if text else None
    if kind == "function_call":
        args = _json_or_text(p.get("arguments"))
        name = get_str(p, "name", default="function")
        if name in ("shell", "shell_command", "exec_command") and isinstance(args, dict):
            command = args.get("command", args.get("cmd"))
            if isinstance(command, list):
                args = {**args, "command": shlex.join(str(c) for c in command)}
        part = ToolUsePart(
            name=name,
            input=args,
            tool_id=get_str(p, "call_id") or None,
            input_format="json" if not isinstance(args, str) else "text",
        )
        return _agent(base, [part])
    if kind in ("function_call_output", "custom_tool_call_output"):
        output, code = _codex_output(p.get("output"))
        part = ToolResultPart(
            output=output,
            exit_code=code,
            is_error=code not in (None, 0),
            tool_id=get_str(p, "call_id") or None,
        )
        return _agent(base, [part], role="tool")
    if kind == "custom_tool_call":
        name = get_str(p, "name", default="tool")
        status = get_str(p, "status")
        part = ToolUsePart(
            name=name,
            input=p.get("input") if p.get("input") is not None else "",
            tool_id=get_str(p, "call_id") or None,
            input_format="diff" if name == "apply_patch" else "text",
            status={"in_progress": "running", "completed": "completed", "failed": "failed"}.get(
                status
            ),  # type: ignore[arg-type]
            mode="replace" if p.get("call_id") else "full",
            key=get_str(p, "call_id") or None,
        )
        return _agent(base, [part])
    return _unknown({"type": f"{event_type}:{kind}", "payload": p}, base)


# --- Cursor --------------------------------------------------------------------------------

_TODO_MARKS = {"completed": "☑", "done": "☑", "in_progress": "◐", "cancelled": "☒"}


def _todo_markdown(todos: list) -> str:
    lines = ["**Plan**", ""]
    for todo in todos:
        if isinstance(todo, dict):
            text = get_str(todo, "content", "step", "title", "text")
            mark = _TODO_MARKS.get(get_str(todo, "status"), "☐")
        else:
            text, mark = str(todo), "☐"
        lines.append(f"- {mark} {text}")
    return "\n".join(lines)


def _cursor_tool(p: dict) -> tuple[str, Any, Any]:
    """(name, args, result) from Cursor's `tool_call` payload (`{"shellToolCall": {...}}`)."""
    call = p.get("tool_call") if isinstance(p.get("tool_call"), dict) else {}
    for key, value in call.items():
        if not isinstance(value, dict):
            continue
        if key == "function":
            return (
                get_str(value, "name", default="function"),
                _json_or_text(value.get("arguments")),
                value.get("result"),
            )
        name = key.removesuffix("ToolCall") or key
        return name, value.get("args", {}), value.get("result")
    name = get_str(p, "name", "tool", "toolName", default="tool")
    args = p.get("args", p.get("input", p.get("arguments", {})))
    return name, _json_or_text(args), p.get("result", p.get("output"))


def _cursor_result(result: Any) -> tuple[str, bool, int | None]:
    if result is None:
        return "", False, None
    if isinstance(result, str):
        return result, False, None
    if not isinstance(result, dict):
        return pretty_json(result), False, None
    outcome, body = next(iter(result.items())) if len(result) == 1 else ("", result)
    is_error = outcome in ("failure", "error", "rejected", "timeout", "permissionDenied")
    if isinstance(body, dict):
        code = _exit_code(body.get("exitCode", body.get("exit_code")))
        streams = [get_str(body, "stdout"), get_str(body, "stderr")]
        text = "\n".join(s for s in streams if s) or get_str(
            body, "content", "output", "message", "error", "reason"
        )
        if code not in (None, 0):
            is_error = True
        return (text or pretty_json(body)), is_error, code
    return (str(body) if body is not None else outcome), is_error, None


def _cursor(event_type: str, p: dict, ctx: Context, base: dict) -> Message | None:
    if event_type == "cursor-assistant":
        text = get_str(p, "delta") or _text_of(p.get("message")) or get_str(p, "text", "content")
        # Cursor's stream-json sends assistant text in pieces: continue the open text part.
        return _agent(base, [TextPart(text=text, mode="append")]) if text else None
    if event_type == "cursor-thinking":
        text = get_str(p, "delta", "text", "thinking") or _text_of(p.get("message"))
        return _agent(base, [ThinkingPart(text=text, mode="append")]) if text else None
    if event_type == "cursor-tool_call":
        name, args, result = _cursor_tool(p)
        call_id = get_str(p, "call_id", "callId", "id") or None
        subtype = get_str(p, "subtype")
        use = ToolUsePart(
            name=name,
            input=args,
            tool_id=call_id,
            status="completed" if subtype == "completed" else "running",
            key=call_id,
            mode="replace" if call_id else "full",
            input_format="json" if not isinstance(args, str) else "text",
        )
        parts: list[Part] = [use]
        if subtype == "completed" or result is not None:
            output, is_error, code = _cursor_result(result)
            use.status = "failed" if is_error else "completed"
            parts.append(
                ToolResultPart(
                    output=output, is_error=is_error, exit_code=code, tool_id=call_id, name=name
                )
            )
        return _agent(base, parts)
    if event_type == "cursor-task" and isinstance(p.get("todos"), list):
        return _agent(base, [TextPart(text=_todo_markdown(p["todos"]))])
    if event_type == "cursor-task":
        title = get_str(p, "title", "description", "name", "task")
        status = get_str(p, "status", "subtype", "state")
        text = "Task" + (f": {title}" if title else "") + (f" ({status})" if status else "")
        return _notice(base, text, "info", get_str(p, "message", "text", "details") or None)
    if event_type == "cursor-status" and p.get("type") in ("user", "system", "result"):
        # Cursor's stream-json lines that are not assistant output: the prompt, init, result.
        if p["type"] == "user":
            return _cursor("cursor-user", p, ctx, base)
        if p["type"] == "system":
            facts = [get_str(p, "model"), get_str(p, "cwd")]
            return _notice(base, "Session started", "info", " · ".join(f for f in facts if f))
        failed = bool(p.get("is_error")) or get_str(p, "subtype") not in ("", "success")
        if failed:
            detail = get_str(p, "result", "error", "message") or None
            return _notice(base, "Turn failed", "error", detail, turn_state="failed")
        facts = []
        if isinstance(p.get("duration_ms"), (int, float)):
            facts.append(f"{p['duration_ms'] / 1000:.1f} s")
        text = "Turn completed" + (f" · {' · '.join(facts)}" if facts else "")
        return _notice(base, text, "success", turn_state="completed")
    if event_type == "cursor-status":
        status = get_str(p, "status", "subtype", "state", default="status update")
        lowered = status.lower()
        level = (
            "error"
            if lowered in ("error", "failed", "failure", "cancelled", "expired")
            else "success"
            if lowered in ("completed", "finished", "done", "success")
            else "info"
        )
        detail = get_str(p, "message", "text", "summary", "result")
        return _notice(base, f"Status: {status.replace('_', ' ').lower()}", level, detail or None)
    if event_type == "cursor-error":
        error = p.get("error")
        text = (
            get_str(p, "message", "text")
            or (get_str(error, "message") if isinstance(error, dict) else "")
            or (error if isinstance(error, str) else "")
            or "The agent reported an error"
        )
        detail = get_str(p, "details", "detail") or (
            get_str(error, "details", "code") if isinstance(error, dict) else ""
        )
        return _notice(base, text, "error", detail or None)
    if event_type == "cursor-user":
        text = _text_of(p.get("message")) or get_str(p, "text", "content", "prompt")
        return _user(base, [TextPart(text=text)], ctx) if text else None
    return _unknown({"type": event_type, "payload": p}, base)


# --- Opencode ------------------------------------------------------------------------------


def _opencode_props(p: dict) -> dict:
    props = p.get("properties")
    return props if isinstance(props, dict) else p


def _opencode_part(p: dict) -> tuple[dict, str | None]:
    props = _opencode_props(p)
    part = props.get("part") if isinstance(props.get("part"), dict) else props
    delta = props.get("delta") if isinstance(props.get("delta"), str) else None
    return part, delta


def _opencode_error_text(error: Any) -> str:
    if isinstance(error, str):
        return error
    if isinstance(error, dict):
        data = error.get("data") if isinstance(error.get("data"), dict) else {}
        return get_str(data, "message") or get_str(error, "message", "name") or "Error"
    return ""


def _opencode(event_type: str, p: dict, ctx: Context, base: dict) -> Message | None:
    if event_type == "opencode-message.updated":
        props = _opencode_props(p)
        info = props.get("info") if isinstance(props.get("info"), dict) else props
        message_id = get_str(info, "id")
        role = get_str(info, "role")
        if message_id and role:
            ctx.opencode_roles[message_id] = role
        if info.get("error"):
            return _notice(base, _opencode_error_text(info["error"]), "error")
        return None
    if event_type == "opencode-session.idle":
        return _notice(base, "Turn completed", "success", turn_state="completed")
    if event_type in ("opencode-error", "opencode-session.error"):
        props = _opencode_props(p)
        text = _opencode_error_text(props.get("error")) or get_str(props, "message")
        return _notice(base, text or "The agent reported an error", "error")
    if not event_type.startswith("opencode-part-"):
        return _unknown({"type": event_type, "payload": p}, base)

    part, delta = _opencode_part(p)
    kind = event_type.removeprefix("opencode-part-")
    part_id = get_str(part, "id") or None
    role = get_str(_opencode_props(p), "role") or ctx.opencode_roles.get(
        get_str(part, "messageID", "messageId"), "assistant"
    )
    if part.get("ignored"):
        return None
    if kind in ("text", "reasoning"):
        cls = TextPart if kind == "text" else ThinkingPart
        if delta is not None:
            piece = cls(text=delta, key=part_id, mode="append")
        else:
            text = get_str(part, "text")
            if not text:
                return None
            piece = cls(text=text, key=part_id, mode="replace" if part_id else "full")
        if role == "user" and kind == "text":
            piece.mode = "full" if delta is None else piece.mode
            return _user(base, [piece], ctx, get_str(part, "messageID") or None)
        return _agent(base, [piece])
    if kind == "tool":
        state = part.get("state") if isinstance(part.get("state"), dict) else {}
        status = get_str(state, "status", default="pending")
        call_id = get_str(part, "callID", "callId") or part_id
        name = get_str(part, "tool", "name", default="tool")
        tool_input = state.get("input", {})
        use = ToolUsePart(
            name=name,
            input=tool_input,
            tool_id=call_id,
            key=call_id,
            mode="replace" if call_id else "full",
            status={"completed": "completed", "error": "failed"}.get(status, "running"),  # type: ignore[arg-type]
            input_format="json" if not isinstance(tool_input, str) else "text",
        )
        parts: list[Part] = [use]
        if status in ("completed", "error"):
            output = get_str(state, "output") if status == "completed" else ""
            if status == "error":
                output = _opencode_error_text(state.get("error")) or get_str(state, "output")
            parts.append(
                ToolResultPart(
                    output=output, is_error=status == "error", tool_id=call_id, name=name
                )
            )
        return _agent(base, parts)
    if kind in ("step-start", "step-finish", "snapshot"):
        return None  # structural markers with nothing to show
    if kind == "file":
        name = get_str(part, "filename", "url", default="file")
        return _notice(base, f"File attached: {name}", "info")
    if kind == "patch":
        files = part.get("files") if isinstance(part.get("files"), list) else []
        listing = ", ".join(str(f) for f in files[:10]) + (" …" if len(files) > 10 else "")
        return _notice(base, "Files changed" + (f": {listing}" if listing else ""), "info")
    return _unknown({"type": event_type, "payload": p}, base)


# --- Pi ------------------------------------------------------------------------------------


def _pi_result_text(result: Any) -> str:
    if isinstance(result, dict) and "content" in result:
        return _text_of(result.get("content"))
    if isinstance(result, str):
        return result
    if result is None:
        return ""
    return _text_of(result) or pretty_json(result)


def _pi_message_parts(message: dict, key_base: str) -> list[Part]:
    parts: list[Part] = []
    content = message.get("content")
    if isinstance(content, str):
        return [TextPart(text=content, key=f"{key_base}-0", mode="replace")] if content else []
    for index, block in enumerate(content if isinstance(content, list) else []):
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        key = f"{key_base}-{index}"
        if kind == "text":
            parts.append(TextPart(text=get_str(block, "text"), key=key, mode="replace"))
        elif kind == "thinking":
            text = get_str(block, "thinking", "text")
            parts.append(ThinkingPart(text=text, key=key, mode="replace"))
        elif kind in ("toolCall", "tool_call", "toolUse"):
            args = block.get("arguments", block.get("args", {}))
            call_id = get_str(block, "id", "toolCallId") or None
            parts.append(
                ToolUsePart(
                    name=get_str(block, "name", "toolName", default="tool"),
                    input=_json_or_text(args),
                    tool_id=call_id,
                    key=call_id,
                    mode="replace" if call_id else "full",
                )
            )
        elif kind == "image":
            parts.append(
                ImagePart(
                    media_type=get_str(block, "mimeType", "media_type"), data=get_str(block, "data")
                )
            )
    return parts


def _pi_key(message: Any) -> str:
    if isinstance(message, dict):
        stamp = get_str(message, "id", "timestamp")
        if stamp:
            return f"pi-{stamp}"
    return "pi-current"


def _pi(event_type: str, p: dict, ctx: Context, base: dict) -> Message | None:
    kind = event_type.removeprefix("pi-")
    if kind == "agent_start":
        return _notice(base, "Agent started", "info", get_str(p, "model") or None)
    if kind == "agent_end":
        return _notice(base, "Turn completed", "success", turn_state="completed")
    if kind in ("turn_start", "turn_end", "message_start", "session"):
        return None  # lifecycle markers; the content arrives in the other events
    if kind in ("message_update", "message_end", "message"):
        message = p.get("message") if isinstance(p.get("message"), dict) else {}
        key_base = _pi_key(message)
        update = p.get("assistantMessageEvent")
        if isinstance(update, dict):
            utype = get_str(update, "type")
            index = update.get("contentIndex", 0)
            key = f"{key_base}-{index}"
            if utype == "text_delta":
                return _agent(
                    base, [TextPart(text=get_str(update, "delta"), key=key, mode="append")]
                )
            if utype == "thinking_delta":
                piece = ThinkingPart(text=get_str(update, "delta"), key=key, mode="append")
                return _agent(base, [piece])
            if utype == "text_end" and isinstance(update.get("content"), str):
                return _agent(base, [TextPart(text=update["content"], key=key, mode="replace")])
            if utype == "thinking_end" and isinstance(update.get("content"), str):
                return _agent(base, [ThinkingPart(text=update["content"], key=key, mode="replace")])
            if utype == "error":
                error = update.get("error") if isinstance(update.get("error"), dict) else {}
                text = get_str(error, "errorMessage", "message") or get_str(update, "reason")
                return _notice(base, text or "The model reported an error", "error")
            return None  # start / *_start / toolcall_* / done: structure only
        role = get_str(message, "role", default="assistant")
        if role == "user":
            parts = _pi_message_parts(message, key_base)
            for part in parts:
                part.mode, part.key = "full", None
            return _user(base, parts, ctx) if parts else None
        if role in ("toolResult", "tool"):
            text = _pi_result_text(message)
            part = ToolResultPart(
                output=text,
                is_error=bool(message.get("isError")),
                tool_id=get_str(message, "toolCallId") or None,
                name=get_str(message, "toolName") or None,
            )
            return _agent(base, [part], role="tool")
        parts = _pi_message_parts(message, key_base)
        if message.get("errorMessage"):
            parts.append(StatusPart(text=str(message["errorMessage"]), level="error"))
        return _agent(base, parts) if parts else None
    if kind == "tool_execution_start":
        call_id = get_str(p, "toolCallId") or None
        args = p.get("args", {})
        part = ToolUsePart(
            name=get_str(p, "toolName", default="tool"),
            input=_json_or_text(args),
            tool_id=call_id,
            key=call_id,
            mode="replace" if call_id else "full",
            status="running",
        )
        return _agent(base, [part])
    if kind in ("tool_execution_update", "tool_execution_end"):
        end = kind == "tool_execution_end"
        result = p.get("result") if end else p.get("partialResult")
        call_id = get_str(p, "toolCallId") or None
        part = ToolResultPart(
            output=_pi_result_text(result),
            is_error=bool(p.get("isError")) if end else False,
            tool_id=call_id,
            name=get_str(p, "toolName") or None,
            partial=not end,
            key=f"{call_id}-result" if call_id else None,
            mode="replace" if call_id else "full",
        )
        return _agent(base, [part], role="tool")
    if kind == "error":
        error = p.get("error")
        text = (
            (error if isinstance(error, str) else "")
            or (get_str(error, "message", "errorMessage") if isinstance(error, dict) else "")
            or get_str(p, "message", "errorMessage", "text")
        )
        return _notice(base, text or "The agent reported an error", "error")
    if kind in ("auto_retry_start", "auto_compaction_start"):
        label = "Retrying" if kind == "auto_retry_start" else "Compacting context"
        return _notice(base, label + "…", "warning", get_str(p, "errorMessage") or None)
    if kind in ("auto_retry_end", "auto_compaction_end"):
        return None
    return _unknown({"type": event_type, "payload": p}, base)
