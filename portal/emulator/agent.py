"""The simulated coding agent and the replica lifecycle (prepare, wake, sleep, error, delete).

A turn is planned as abstract steps (user message, thinking, text pieces, tool calls and
their results, the final result) and each step is encoded in the chat provider's native
event format, as the spec's AgentEvent variants define them:

- claude:   `claude-system` (init), `claude-user` (the prompt; tool_result blocks),
            `claude-assistant` (thinking / text / tool_use content blocks), `claude-result`
- codex:    `event_msg` (user_message, agent_reasoning) and `response_item` (message,
            function_call/function_call_output for shell + update_plan,
            custom_tool_call/custom_tool_call_output for apply_patch)
- cursor:   `cursor-status` (init, the prompt as `{"type": "user", ...}`, the final result),
            `cursor-thinking`, `cursor-assistant`, `cursor-tool_call` (started/completed)
- opencode: `opencode-message.updated` (message info with its role), `opencode-part-text`,
            `opencode-part-reasoning`, `opencode-part-tool` (running/completed),
            `opencode-session.idle`
- pi:       `pi-agent_start`, `pi-message_update` (the prompt as a user message; thinking and
            text deltas), `pi-tool_execution_start/update/end`

Each text piece is its own event (an increment, never cumulative), so a client renders a
turn by concatenating the text of consecutive assistant events. Every event is streamed as
a `chat.turn.delta` and appended to the chat's history as a HistoryEvent
`{timestamp, type, payload: <the AgentEvent>}`, whose outer `type` is the AgentEvent's type
except for the user's prompt (`<provider>-user`) and Codex (`codex-user`, `codex-reasoning`,
`codex-assistant`, `codex-tool_call`, `codex-tool_result`).

Turn on the event stream: chat.turn.accepted -> chat.turn.started -> chat.updated ->
chat.turn.delta xN (pieces spaced `agent_step_s` apart) -> repo.status.changed (diff, PR
URL) -> chat.turn.completed -> chat.updated; then `replica.turn_completed` goes to the
webhook. Messages arriving while a chat works join its queue and drain in order.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from . import webhooks
from .http import iso, now
from .replica_state import (
    DEFAULT_MODELS,
    ENGINE_VERSION,
    Chat,
    QueuedMessage,
    Replica,
    ReplicaStore,
    RepoState,
    engine_chat,
)

STOPWORDS = {
    "the", "and", "for", "with", "that", "this", "from", "into", "please", "also", "add",
    "fix", "make", "should", "would", "could", "about", "when", "then", "them", "there",
    "what", "your", "have", "some", "more", "tests", "test", "issue", "code", "sure",
}  # fmt: skip


# --- text helpers ------------------------------------------------------------------------


def slugify(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].strip("-") or "change"


def keyword_of(message: str) -> str:
    words = re.findall(r"[A-Za-z][A-Za-z0-9_]{3,}", message)
    candidates = [w.lower() for w in words if w.lower() not in STOPWORDS]
    if not candidates:
        return "handler"
    return max(candidates, key=len)[:24]


def short_hash(*parts: str, n: int = 7) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:n]


def pieces(text: str, count: int = 3) -> list[str]:
    """Split `text` into about `count` pieces at word boundaries (joined they are `text`)."""
    words = re.split(r"(?<=\s)", text)
    if len(words) < count:
        return [text]
    size = max(1, len(words) // count)
    out = ["".join(words[i : i + size]) for i in range(0, len(words), size)]
    if len(out) > count:
        out[count - 1 :] = ["".join(out[count - 1 :])]
    return out


def unified_diff(path: str, old: str | None, new: str) -> tuple[str, int, int]:
    """A git-style unified diff of one file: (text, lines added, lines removed)."""
    old_lines = (old or "").splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    body = list(
        difflib.unified_diff(
            old_lines,
            new_lines,
            fromfile="/dev/null" if old is None else f"a/{path}",
            tofile=f"b/{path}",
            n=3,
        )
    )
    added = sum(1 for line in body if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in body if line.startswith("-") and not line.startswith("---"))
    head = f"diff --git a/{path} b/{path}\n"
    if old is None:
        head += f"new file mode 100644\nindex 0000000..{short_hash(path, new)}\n"
    else:
        head += f"index {short_hash(path, old)}..{short_hash(path, new)} 100644\n"
    text = head + "".join(line if line.endswith("\n") else line + "\n" for line in body)
    return text, added, removed


# --- planning a turn ---------------------------------------------------------------------


@dataclass
class Edit:
    repo: RepoState
    path: str
    old: str | None
    new: str


@dataclass
class TurnPlan:
    steps: list[tuple] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    canvas: list[tuple[str, str]] = field(default_factory=list)
    open_pr: RepoState | None = None
    pr_url: str | None = None


def _is_ts(repo: RepoState) -> bool:
    return any(k in repo.name for k in ("web", "mobile", "app", "docs"))


def _source_files(repo: RepoState, kw: str) -> tuple[str, str, str, str, str]:
    """(path, old, new, test path, test body) for a plausible fix around `kw`."""
    if _is_ts(repo):
        path = f"src/lib/{kw}.ts"
        old = (
            f"export interface {kw.title()}Options {{\n  retries: number;\n}}\n\n"
            f"export function handle{kw.title()}(input: string, options: {kw.title()}Options) {{\n"
            f"  const value = input.trim();\n"
            f"  return {{ value, retries: options.retries }};\n}}\n"
        )
        new = (
            f"export interface {kw.title()}Options {{\n  retries: number;\n  timeoutMs?: number;\n}}\n\n"
            f"const DEFAULT_TIMEOUT_MS = 30_000;\n\n"
            f"export function handle{kw.title()}(input: string, options: {kw.title()}Options) {{\n"
            f"  const value = input.trim();\n"
            f"  if (!value) {{\n    throw new Error('{kw} must not be empty');\n  }}\n"
            f"  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;\n"
            f"  return {{ value, retries: options.retries, timeoutMs }};\n}}\n"
        )
        test_path = f"src/lib/__tests__/{kw}.test.ts"
        test = (
            f"import {{ describe, expect, it }} from 'vitest';\n"
            f"import {{ handle{kw.title()} }} from '../{kw}';\n\n"
            f"describe('handle{kw.title()}', () => {{\n"
            f"  it('rejects empty input', () => {{\n"
            f"    expect(() => handle{kw.title()}('  ', {{ retries: 1 }})).toThrow();\n  }});\n\n"
            f"  it('defaults the timeout', () => {{\n"
            f"    expect(handle{kw.title()}('x', {{ retries: 1 }}).timeoutMs).toBe(30_000);\n  }});\n"
            f"}});\n"
        )
        return path, old, new, test_path, test
    path = f"app/{kw}.py"
    old = (
        f'"""Helpers for {kw}."""\n\n\n'
        f"def handle_{kw}(payload: dict) -> dict:\n"
        f'    value = payload["{kw}"]\n'
        f'    return {{"{kw}": value}}\n'
    )
    new = (
        f'"""Helpers for {kw}."""\n\n'
        f"DEFAULT_TIMEOUT_S = 30\n\n\n"
        f"def handle_{kw}(payload: dict) -> dict:\n"
        f'    value = payload.get("{kw}")\n'
        f"    if value is None:\n"
        f'        raise ValueError("{kw} is required")\n'
        f"    if isinstance(value, str):\n"
        f"        value = value.strip()\n"
        f'    return {{"{kw}": value, "timeout_s": payload.get("timeout_s", DEFAULT_TIMEOUT_S)}}\n'
    )
    test_path = f"tests/test_{kw}.py"
    test = (
        f"import pytest\n\nfrom app.{kw} import handle_{kw}\n\n\n"
        f"def test_missing_{kw}_is_rejected():\n"
        f"    with pytest.raises(ValueError):\n"
        f"        handle_{kw}({{}})\n\n\n"
        f"def test_{kw}_is_stripped():\n"
        f'    assert handle_{kw}({{"{kw}": " x "}})["{kw}"] == "x"\n'
    )
    return path, old, new, test_path, test


def pr_url_for(repo: RepoState, replica: Replica) -> str:
    number = 100 + int(short_hash(replica.id, repo.name, n=6), 16) % 900
    if repo.provider == "gitlab":
        return f"{repo.url}/-/merge_requests/{number}"
    return f"{repo.url}/pull/{number}"


def plan_turn(replica: Replica, chat: Chat, msg: QueuedMessage) -> TurnPlan:
    text = msg.message.strip()
    opts = msg.options
    kw = keyword_of(text)
    topic = text.splitlines()[0][:100] if text else "the request"
    plan_mode = bool(opts.get("plan_mode"))
    fast = bool(opts.get("fast_mode"))
    thinking_level = opts.get("thinking_level") or replica.thinking_level
    repo = replica.repos[0] if replica.repos else None
    p = TurnPlan()
    images = len(opts.get("images") or [])
    prompt = text + (f"\n\n[{images} image{'s' if images > 1 else ''} attached]" if images else "")
    p.steps.append(("user", prompt))
    p.steps.append(("init",))
    if not fast and thinking_level != "low":
        p.steps.append(
            (
                "thinking",
                f"The request is: “{topic}”. I should find where `{kw}` is handled, "
                "make a focused change, and verify it with the tests.",
            )
        )
    p.steps.append(("text", f"I'll start by looking at how `{kw}` is handled in the codebase."))
    where = repo.path if repo else "/home/ubuntu/workspace"
    search = f'rg -n "{kw}" --glob "!node_modules" . | head -20'
    if repo:
        path, old, new, test_path, test = _source_files(repo, kw)
        found = f"{path}:5:  {kw} handling\n{path}:9:  return {kw}\n"
    else:
        path = old = new = test_path = test = ""
        found = f"notes/{kw}.md:3:- {kw}: open question\n"
    p.steps.append(("tool", "search", {"command": search, "cwd": where, "pattern": kw}))
    p.steps.append(("result", "search", found, False))
    if plan_mode:
        plan_md = (
            f"# Plan: {topic}\n\n"
            f"## Findings\n\n- `{kw}` is handled in `{path or 'notes'}`.\n"
            f"- There are no tests covering empty input or timeouts.\n\n"
            f"## Steps\n\n1. Validate `{kw}` input and reject empty values.\n"
            f"2. Add a configurable timeout with a sane default.\n"
            f"3. Cover both with regression tests.\n"
        )
        p.steps.append(("plan", ["Validate input", "Add timeout", "Add regression tests"]))
        p.canvas.append((f"plan-{slugify(kw, 24)}.md", plan_md))
        final = (
            f"Here is my plan (also saved to the Canvas as `plan-{slugify(kw, 24)}.md`):\n\n"
            f"1. Validate `{kw}` input and reject empty values.\n"
            f"2. Add a configurable timeout with a sane default.\n"
            f"3. Cover both with regression tests.\n\nReply to go ahead."
        )
    elif repo:
        p.edits.append(Edit(repo, path, old if chat.turns == 0 else None, new))
        p.edits.append(Edit(repo, test_path, None, test))
        edit_args = {"file_path": f"{repo.path}/{path}", "old": old, "new": new}
        p.steps.append(("tool", "edit", edit_args))
        p.steps.append(("result", "edit", f"Updated {path}", False))
        if not fast:
            test_cmd = "npx vitest run" if _is_ts(repo) else "pytest -q"
            p.steps.append(("tool", "test", {"command": f"{test_cmd} {test_path}", "cwd": where}))
            p.steps.append(("result", "test", "2 passed in 0.41s\n", False))
        if not repo.pr_urls:
            p.open_pr = repo
            p.pr_url = pr_url_for(repo, replica)
        pr = p.pr_url or repo.pr_urls[-1]
        final = (
            f"Done. I made `{kw}` handling stricter in `{path}`: empty input is now rejected "
            f"and a timeout with a 30 s default is applied. I added regression tests in "
            f"`{test_path}` and they pass. "
            + (f"I opened a pull request: {pr}" if p.pr_url else f"I pushed to the open PR: {pr}")
        )
    else:
        final = (
            f"Done. There is no repository bound to this workspace, so I noted the findings "
            f"about `{kw}` instead of changing code."
        )
    for piece in pieces(final, 3):
        p.steps.append(("text", piece))
    p.steps.append(("done", final))
    return p


# --- encoding steps as agent-native events -----------------------------------------------


@dataclass
class TurnContext:
    provider: str
    model: str
    session_id: str
    message_id: str  # the assistant message id for this turn
    user_message_id: str
    calls: dict[str, str] = field(default_factory=dict)  # step kind -> call id
    seq: int = 0

    def part_id(self) -> str:
        self.seq += 1
        return f"prt_{self.message_id[-12:]}{self.seq:03d}"


def _tool_names(kind: str) -> dict[str, str]:
    return {
        "search": {"claude": "Grep", "cursor": "grepToolCall", "opencode": "grep", "pi": "bash"},
        "edit": {"claude": "Edit", "cursor": "editToolCall", "opencode": "edit", "pi": "edit"},
        "test": {"claude": "Bash", "cursor": "shellToolCall", "opencode": "bash", "pi": "bash"},
    }[kind]


def encode(ctx: TurnContext, step: tuple) -> list[tuple[str, dict]]:
    """One abstract step -> [(agent event type, payload)] for the chat's provider."""
    return _ENCODERS[ctx.provider](ctx, step)


def _claude(ctx: TurnContext, step: tuple) -> list[tuple[str, dict]]:
    kind = step[0]
    base = {"parent_tool_use_id": None, "session_id": ctx.session_id}

    def assistant(block: dict) -> tuple[str, dict]:
        message = {"id": ctx.message_id, "role": "assistant", "model": ctx.model}
        return (
            "claude-assistant",
            {"type": "assistant", "message": {**message, "content": [block]}, **base},
        )

    if kind == "user":
        content = [{"type": "text", "text": step[1]}]
        return [
            (
                "claude-user",
                {"type": "user", "message": {"role": "user", "content": content}, **base},
            )
        ]
    if kind == "init":
        payload = {
            "type": "system",
            "subtype": "init",
            "model": ctx.model,
            "cwd": "/home/ubuntu/workspace",
            "tools": ["Bash", "Edit", "Glob", "Grep", "Read", "Write", "WebSearch", "TaskCreate"],
            "permissionMode": "bypassPermissions",
            "session_id": ctx.session_id,
        }
        return [("claude-system", payload)]
    if kind == "thinking":
        return [assistant({"type": "thinking", "text": step[1]})]
    if kind == "text":
        return [assistant({"type": "text", "text": step[1]})]
    if kind == "plan":
        todos = [{"content": s, "status": "pending", "activeForm": s} for s in step[1]]
        call_id = ctx.calls.setdefault("plan", "toolu_" + uuid.uuid4().hex[:24])
        return [
            assistant(
                {"type": "tool_use", "id": call_id, "name": "TodoWrite", "input": {"todos": todos}}
            )
        ]
    if kind == "tool":
        _, tool, args = step
        call_id = ctx.calls.setdefault(tool, "toolu_" + uuid.uuid4().hex[:24])
        if tool == "search":
            tool_input = {"pattern": args["pattern"], "path": args["cwd"], "output_mode": "content"}
        elif tool == "edit":
            tool_input = {
                "file_path": args["file_path"],
                "old_string": args["old"],
                "new_string": args["new"],
            }
        else:
            tool_input = {"command": args["command"], "description": "Run the tests"}
        return [
            assistant(
                {
                    "type": "tool_use",
                    "id": call_id,
                    "name": _tool_names(tool)["claude"],
                    "input": tool_input,
                }
            )
        ]
    if kind == "result":
        _, tool, output, is_error = step
        block = {
            "type": "tool_result",
            "tool_use_id": ctx.calls[tool],
            "content": output,
            "is_error": is_error,
        }
        return [
            (
                "claude-user",
                {"type": "user", "message": {"role": "user", "content": [block]}, **base},
            )
        ]
    if kind == "done":
        payload = {
            "type": "result",
            "subtype": "success",
            "is_error": False,
            "result": step[1],
            "num_turns": 4,
            "duration_ms": 8400,
            "total_cost_usd": 0.0421,
            "session_id": ctx.session_id,
        }
        return [("claude-result", payload)]
    return []


def _codex(ctx: TurnContext, step: tuple) -> list[tuple[str, dict]]:
    kind = step[0]
    if kind == "user":
        return [("event_msg", {"type": "user_message", "message": step[1], "images": []})]
    if kind == "thinking":
        return [("event_msg", {"type": "agent_reasoning", "text": step[1]})]
    if kind == "text":
        content = [{"type": "output_text", "text": step[1]}]
        return [("response_item", {"type": "message", "role": "assistant", "content": content})]
    if kind == "plan":
        call_id = ctx.calls.setdefault("plan", "call_" + uuid.uuid4().hex[:24])
        plan = [{"step": s, "status": "pending"} for s in step[1]]
        args = json.dumps({"explanation": "Proposed plan", "plan": plan})
        return [
            (
                "response_item",
                {
                    "type": "function_call",
                    "name": "update_plan",
                    "arguments": args,
                    "call_id": call_id,
                },
            ),
            (
                "response_item",
                {"type": "function_call_output", "call_id": call_id, "output": "Plan updated"},
            ),
        ]
    if kind == "tool":
        _, tool, args = step
        call_id = ctx.calls.setdefault(tool, "call_" + uuid.uuid4().hex[:24])
        if tool == "edit":
            path = args["file_path"]
            patch = "*** Begin Patch\n*** Update File: " + path + "\n@@\n"
            patch += "".join(f"-{line}\n" for line in (args["old"] or "").splitlines())
            patch += "".join(f"+{line}\n" for line in args["new"].splitlines())
            patch += "*** End Patch\n"
            item = {
                "type": "custom_tool_call",
                "status": "completed",
                "call_id": call_id,
                "name": "apply_patch",
                "input": patch,
            }
            return [("response_item", item)]
        arguments = json.dumps(
            {"command": ["bash", "-lc", args["command"]], "workdir": args["cwd"]}
        )
        return [
            (
                "response_item",
                {
                    "type": "function_call",
                    "name": "shell",
                    "arguments": arguments,
                    "call_id": call_id,
                },
            )
        ]
    if kind == "result":
        _, tool, output, is_error = step
        meta = {"exit_code": 1 if is_error else 0, "duration_seconds": 0.4}
        if tool == "edit":
            out = json.dumps(
                {
                    "output": f"Success. Updated the following files:\nM {output[8:]}\n",
                    "metadata": meta,
                }
            )
            return [
                (
                    "response_item",
                    {"type": "custom_tool_call_output", "call_id": ctx.calls[tool], "output": out},
                )
            ]
        out = json.dumps({"output": output, "metadata": meta})
        return [
            (
                "response_item",
                {"type": "function_call_output", "call_id": ctx.calls[tool], "output": out},
            )
        ]
    return []  # init and done have no Codex rollout item


def _cursor(ctx: TurnContext, step: tuple) -> list[tuple[str, dict]]:
    kind = step[0]
    sid = {"session_id": ctx.session_id}
    if kind == "user":
        message = {"role": "user", "content": [{"type": "text", "text": step[1]}]}
        return [("cursor-status", {"type": "user", "message": message, **sid})]
    if kind == "init":
        payload = {
            "type": "system",
            "subtype": "init",
            "model": ctx.model,
            "cwd": "/home/ubuntu/workspace",
            "permissionMode": "default",
            **sid,
        }
        return [("cursor-status", payload)]
    if kind == "thinking":
        return [
            ("cursor-thinking", {"type": "thinking", "subtype": "delta", "text": step[1], **sid})
        ]
    if kind == "text":
        message = {"role": "assistant", "content": [{"type": "text", "text": step[1]}]}
        return [("cursor-assistant", {"type": "assistant", "message": message, **sid})]
    if kind == "plan":
        todos = [{"content": s, "status": "pending"} for s in step[1]]
        return [("cursor-task", {"type": "task", "subtype": "todos", "todos": todos, **sid})]
    if kind in ("tool", "result"):
        tool = step[1]
        call_id = ctx.calls.setdefault(tool, "call_" + uuid.uuid4().hex[:20])
        name = _tool_names(tool)["cursor"]
        if kind == "tool":
            args = step[2]
            if tool == "edit":
                targs = {"path": args["file_path"], "streamContent": args["new"]}
            elif tool == "search":
                targs = {"pattern": args["pattern"], "path": args["cwd"]}
            else:
                targs = {"command": args["command"], "workingDirectory": args["cwd"]}
            ctx.calls[tool + ":args"] = json.dumps(targs)
            return [
                (
                    "cursor-tool_call",
                    {
                        "type": "tool_call",
                        "subtype": "started",
                        "call_id": call_id,
                        "tool_call": {name: {"args": targs}},
                        **sid,
                    },
                )
            ]
        output, is_error = step[2], step[3]
        targs = json.loads(ctx.calls.get(tool + ":args", "{}"))
        if tool == "edit":
            result = {"success": {"path": targs.get("path"), "linesAdded": 9, "linesRemoved": 2}}
        else:
            result = {"success": {"exitCode": 1 if is_error else 0, "stdout": output, "stderr": ""}}
        return [
            (
                "cursor-tool_call",
                {
                    "type": "tool_call",
                    "subtype": "completed",
                    "call_id": call_id,
                    "tool_call": {name: {"args": targs, "result": result}},
                    **sid,
                },
            )
        ]
    if kind == "done":
        return [
            (
                "cursor-status",
                {
                    "type": "result",
                    "subtype": "success",
                    "is_error": False,
                    "duration_ms": 7900,
                    "result": step[1],
                    **sid,
                },
            )
        ]
    return []


def _opencode(ctx: TurnContext, step: tuple) -> list[tuple[str, dict]]:
    kind = step[0]
    ms = int(now().timestamp() * 1000)
    sess = {"sessionID": ctx.session_id}

    def part(body: dict, role: str = "assistant", message_id: str | None = None) -> dict:
        mid = message_id or ctx.message_id
        return {"part": {"id": ctx.part_id(), "messageID": mid, **sess, **body}, "role": role}

    if kind == "user":
        info = {"id": ctx.user_message_id, "role": "user", "time": {"created": ms}, **sess}
        return [
            ("opencode-message.updated", {"info": info}),
            (
                "opencode-part-text",
                part({"type": "text", "text": step[1]}, "user", ctx.user_message_id),
            ),
        ]
    if kind == "init":
        info = {
            "id": ctx.message_id,
            "role": "assistant",
            "modelID": ctx.model,
            "providerID": "openrouter",
            "time": {"created": ms},
            **sess,
        }
        return [("opencode-message.updated", {"info": info})]
    if kind == "thinking":
        return [
            (
                "opencode-part-reasoning",
                part({"type": "reasoning", "text": step[1], "time": {"start": ms}}),
            )
        ]
    if kind == "text":
        return [
            ("opencode-part-text", {**part({"type": "text", "text": step[1]}), "delta": step[1]})
        ]
    if kind == "plan":
        todos = [{"content": s, "status": "pending", "priority": "medium"} for s in step[1]]
        state = {
            "status": "completed",
            "input": {"todos": todos},
            "output": "Todo list updated",
            "title": "3 todos",
            "time": {"start": ms, "end": ms},
        }
        return [
            (
                "opencode-part-tool",
                part(
                    {
                        "type": "tool",
                        "callID": "call_" + uuid.uuid4().hex[:16],
                        "tool": "todowrite",
                        "state": state,
                    }
                ),
            )
        ]
    if kind in ("tool", "result"):
        tool = step[1]
        call_id = ctx.calls.setdefault(tool, "call_" + uuid.uuid4().hex[:16])
        name = _tool_names(tool)["opencode"]
        if kind == "tool":
            args = step[2]
            if tool == "edit":
                tool_input = {
                    "filePath": args["file_path"],
                    "oldString": args["old"],
                    "newString": args["new"],
                }
            elif tool == "search":
                tool_input = {"pattern": args["pattern"], "path": args["cwd"]}
            else:
                tool_input = {"command": args["command"], "description": "Run the tests"}
            ctx.calls[tool + ":input"] = json.dumps(tool_input)
            state = {"status": "running", "input": tool_input, "time": {"start": ms}}
        else:
            tool_input = json.loads(ctx.calls.get(tool + ":input", "{}"))
            state = {
                "status": "error" if step[3] else "completed",
                "input": tool_input,
                "output": step[2],
                "title": tool_input.get("command")
                or tool_input.get("filePath")
                or tool_input.get("pattern", ""),
                "metadata": {"exit": 1 if step[3] else 0},
                "time": {"start": ms - 400, "end": ms},
            }
        return [
            (
                "opencode-part-tool",
                part({"type": "tool", "callID": call_id, "tool": name, "state": state}),
            )
        ]
    if kind == "done":
        return [("opencode-session.idle", {**sess})]
    return []


def _pi(ctx: TurnContext, step: tuple) -> list[tuple[str, dict]]:
    kind = step[0]
    ms = int(now().timestamp() * 1000)
    if kind == "user":
        message = {"role": "user", "content": [{"type": "text", "text": step[1]}], "timestamp": ms}
        return [
            ("pi-agent_start", {"sessionId": ctx.session_id, "model": ctx.model}),
            ("pi-message_update", {"message": message}),
        ]
    if kind in ("thinking", "text"):
        delta_type = "thinking_delta" if kind == "thinking" else "text_delta"
        event = {
            "type": delta_type,
            "contentIndex": 0 if kind == "thinking" else 1,
            "delta": step[1],
        }
        message = {"role": "assistant", "id": ctx.message_id, "model": ctx.model}
        return [("pi-message_update", {"message": message, "assistantMessageEvent": event})]
    if kind == "plan":
        text = "\n".join(f"- [ ] {s}" for s in step[1])
        event = {"type": "text_delta", "contentIndex": 1, "delta": text + "\n\n"}
        return [
            (
                "pi-message_update",
                {
                    "message": {"role": "assistant", "id": ctx.message_id},
                    "assistantMessageEvent": event,
                },
            )
        ]
    if kind in ("tool", "result"):
        tool = step[1]
        call_id = ctx.calls.setdefault(tool, "call_" + uuid.uuid4().hex[:16])
        name = _tool_names(tool)["pi"]
        if kind == "tool":
            args = step[2]
            if tool == "edit":
                targs = {"path": args["file_path"], "oldText": args["old"], "newText": args["new"]}
            else:
                targs = {"command": args["command"]}
            return [
                (
                    "pi-tool_execution_start",
                    {"toolCallId": call_id, "toolName": name, "args": targs},
                )
            ]
        output, is_error = step[2], step[3]
        result = {
            "content": [{"type": "text", "text": output}],
            "details": {"exitCode": 1 if is_error else 0},
        }
        return [
            (
                "pi-tool_execution_update",
                {
                    "toolCallId": call_id,
                    "toolName": name,
                    "partialResult": {"content": [{"type": "text", "text": output[:40]}]},
                },
            ),
            (
                "pi-tool_execution_end",
                {"toolCallId": call_id, "toolName": name, "result": result, "isError": is_error},
            ),
        ]
    return []


_ENCODERS = {
    "claude": _claude,
    "codex": _codex,
    "cursor": _cursor,
    "opencode": _opencode,
    "pi": _pi,
}

_CODEX_HISTORY_TYPES = {
    "user_message": "codex-user",
    "agent_reasoning": "codex-reasoning",
    "message": "codex-assistant",
    "function_call": "codex-tool_call",
    "custom_tool_call": "codex-tool_call",
    "function_call_output": "codex-tool_result",
    "custom_tool_call_output": "codex-tool_result",
}


def history_event(provider: str, agent_event: dict, is_user: bool) -> dict:
    """HistoryEvent wrapping one AgentEvent."""
    if provider == "codex":
        outer = _CODEX_HISTORY_TYPES.get(agent_event["payload"].get("type"), "codex-event")
    elif is_user:
        outer = f"{provider}-user"
    else:
        outer = agent_event["type"]
    return {"timestamp": agent_event["timestamp"], "type": outer, "payload": agent_event}


def new_context(chat: Chat, msg: QueuedMessage) -> TurnContext:
    model = msg.options.get("model") or chat.model or DEFAULT_MODELS[chat.provider]
    prefix = {
        "claude": "msg_",
        "codex": "resp_",
        "cursor": "cmsg_",
        "opencode": "msg_",
        "pi": "pim_",
    }[chat.provider]
    return TurnContext(
        provider=chat.provider,
        model=model,
        session_id=chat.thread_id,
        message_id=prefix + uuid.uuid4().hex[:24],
        user_message_id="msg_" + uuid.uuid4().hex[:24],
    )


def record_sender(chat: Chat, msg: QueuedMessage, at: datetime) -> None:
    sender = msg.sender or {}
    if sender.get("userId") and sender.get("email"):
        chat.senders.append(
            {
                "senderUserId": sender["userId"],
                "senderEmail": sender["email"],
                "recordedAt": iso(at),
            }
        )


def apply_plan(replica: Replica, plan: TurnPlan, at: datetime) -> list[str]:
    """Apply a turn's file edits, PR and canvas items; return newly opened PR urls."""
    for edit in plan.edits:
        text, added, removed = unified_diff(edit.path, edit.old, edit.new)
        edit.repo.files[edit.path] = (text, added, removed)
    for filename, content in plan.canvas:
        data = content.encode()
        replica.canvas[filename] = {"filename": filename, "data": data, "size": len(data)}
    new_urls: list[str] = []
    if plan.open_pr is not None and plan.pr_url and plan.pr_url not in plan.open_pr.pr_urls:
        repo = plan.open_pr
        repo.pr_urls.append(plan.pr_url)
        number = int(plan.pr_url.rstrip("/").rsplit("/", 1)[1])
        replica.pull_requests.append(
            {
                "repository": repo.name,
                "number": number,
                "url": plan.pr_url,
                "state": "open",
                "opened_at": at,
            }
        )
        new_urls.append(plan.pr_url)
    return new_urls


def synthesize_turn(replica: Replica, chat: Chat, msg: QueuedMessage, start: datetime) -> datetime:
    """Write a whole turn into the chat's history at once (for seed data); returns its end."""
    plan = plan_turn(replica, chat, msg)
    ctx = new_context(chat, msg)
    at = start
    record_sender(chat, msg, at)
    for step in plan.steps:
        for event_type, payload in encode(ctx, step):
            event = {"timestamp": iso(at), "type": event_type, "payload": payload}
            chat.history.append(history_event(chat.provider, event, step[0] == "user"))
        at += timedelta(seconds=3 if step[0] in ("tool", "result") else 1)
    apply_plan(replica, plan, at)
    chat.turns += 1
    chat.last_message_text = msg.message[:500]
    chat.last_message_at = start
    chat.updated_at = at
    return at


# --- live turns ---------------------------------------------------------------------------


def submit(rs: ReplicaStore, replica: Replica, chat: Chat, msg: QueuedMessage) -> tuple[bool, int]:
    """Hand a message to the chat's agent: (queued?, position). The replica must be active."""
    chat.last_message_text = msg.message[:500]
    chat.last_message_at = msg.queued_at
    chat.updated_at = now()
    replica.touch()
    if not chat.titled:
        chat.title = (msg.message.strip().splitlines() or ["New chat"])[0][:60] or chat.title
        chat.titled = True
    if chat.current is None and not chat.queue and not chat.busy_forever:
        chat.current = msg
        replica.emit(
            "chat.turn.accepted",
            {"chatId": chat.id, "messageId": msg.id, "queued": False, "position": 0},
        )
        ensure_worker(rs, replica, chat)
        return False, 0
    chat.queue.append(msg)
    position = len(chat.queue)
    replica.emit(
        "chat.turn.accepted",
        {"chatId": chat.id, "messageId": msg.id, "queued": True, "position": position},
    )
    replica.emit("chat.updated", {"chat": engine_chat(chat)})
    ensure_worker(rs, replica, chat)
    return True, position


def ensure_worker(rs: ReplicaStore, replica: Replica, chat: Chat) -> None:
    if replica.status != "active" or chat.busy_forever or chat.deleted_at is not None:
        return
    if chat.worker is not None and not chat.worker.done():
        return
    if chat.current is None and not chat.queue:
        return
    chat.worker = rs.spawn(_worker(rs, replica, chat), replica)


# Lifecycle policies acting when the agent has finished all its work (spec + guide).
WHEN_DONE = {
    "delete_when_done": "deleted",
    "archive_when_done": "archived",
    "sleep_when_done": "sleeping",
}


async def _worker(rs: ReplicaStore, replica: Replica, chat: Chat) -> None:
    try:
        while replica.status == "active" and chat.deleted_at is None:
            if chat.current is None:
                if not chat.queue:
                    break
                chat.current = chat.queue.pop(0)
            await run_turn(rs, replica, chat, chat.current)
            chat.current = None
            replica.emit("chat.updated", {"chat": engine_chat(chat)})
            replica.emit("engine.status.changed", {"status": replica.status_snapshot()})
    finally:
        if chat.worker is asyncio.current_task():
            chat.worker = None
    policy = replica.lifecycle_policy
    if (
        policy in WHEN_DONE
        and replica.deleted_at is None
        and replica.status == "active"
        and not any(c.processing or c.queue for c in replica.live_chats)
        and not replica.deferred
    ):
        if policy == "delete_when_done":
            delete(rs, replica)
        else:
            go_to_sleep(rs, replica, status=WHEN_DONE[policy])


async def run_turn(rs: ReplicaStore, replica: Replica, chat: Chat, msg: QueuedMessage) -> None:
    step_s = rs.store.config.agent_step_s
    replica.emit("chat.turn.started", {"chatId": chat.id, "messageId": msg.id})
    replica.emit("chat.updated", {"chat": engine_chat(chat)})
    replica.emit("engine.status.changed", {"status": replica.status_snapshot()})
    record_sender(chat, msg, now())
    plan = plan_turn(replica, chat, msg)
    ctx = new_context(chat, msg)
    for step in plan.steps:
        for event_type, payload in encode(ctx, step):
            event = {"timestamp": iso(now()), "type": event_type, "payload": payload}
            chat.history.append(history_event(chat.provider, event, step[0] == "user"))
            replica.emit("chat.turn.delta", {"chatId": chat.id, "event": event})
        if step[0] not in ("user", "init"):
            await asyncio.sleep(step_s)
    new_urls = apply_plan(replica, plan, now())
    chat.turns += 1
    chat.updated_at = now()
    replica.touch()
    if plan.edits or new_urls:
        replica.emit("repo.status.changed", {"repos": [repo.engine() for repo in replica.repos]})
    replica.emit("chat.turn.completed", {"chatId": chat.id, "isComplete": True})
    webhooks.send(
        rs, replica, "replica.turn_completed", webhooks.turn_completed_data(replica, new_urls)
    )


def interrupt_all(replica: Replica) -> None:
    """Stop every running turn (workspace slept, errored or was deleted)."""
    for chat in replica.live_chats:
        if chat.current is not None:
            replica.emit(
                "chat.interrupted",
                {"chatId": chat.id, "interrupted": True, "queue": [m.id for m in chat.queue]},
            )
            replica.emit("chat.turn.completed", {"chatId": chat.id, "isComplete": False})
            chat.current = None
    replica.cancel_tasks()


# --- lifecycle -----------------------------------------------------------------------------


def start_preparing(rs: ReplicaStore, replica: Replica) -> None:
    rs.spawn(_prepare(rs, replica), replica)


async def _prepare(rs: ReplicaStore, replica: Replica) -> None:
    prepare_s = rs.store.config.prepare_s
    await asyncio.sleep(prepare_s * 0.4)
    replica.hooks_running = True
    replica.emit("hooks.started", {"running": True, "completed": False})
    replica.emit("repo.discovered", {"repos": [repo.engine() for repo in replica.repos]})
    await asyncio.sleep(prepare_s * 0.3)
    _write_hook_logs(replica)
    replica.emit("hooks.progress", {"running": True, "completed": False})
    for repo in replica.repos:
        repo.start_hooks_completed = True
    replica.hooks_running = False
    replica.emit("hooks.completed", {"running": False, "completed": True})
    await asyncio.sleep(prepare_s * 0.3)
    if replica.status == "preparing" and replica.deleted_at is None:
        become_active(rs, replica)


def _write_hook_logs(replica: Replica) -> None:
    at = iso(now())
    if not replica.warm_logs:
        output = "$ npm ci --prefer-offline\nadded 812 packages in 9.8s\nwarm hook finished\n"
        replica.warm_logs.append(
            {
                "hookType": "global",
                "hookName": "global",
                "hookScript": "#!/usr/bin/env bash\nset -euo pipefail\nnpm ci --prefer-offline\n",
                "output": output,
                "outputTruncated": False,
                "outputTotalChars": len(output),
                "exitCode": 0,
                "timedOut": False,
                "executedAt": at,
            }
        )
    if not replica.start_logs:
        for repo in replica.repos:
            output = f"$ cd {repo.path}\n$ make dev-setup\nready in 2.1s\n"
            replica.start_logs.append(
                {
                    "hookType": "repository",
                    "hookName": repo.name,
                    "repoName": repo.name,
                    "hookCommands": ["make dev-setup"],
                    "output": output,
                    "outputTruncated": False,
                    "outputTotalChars": len(output),
                    "exitCode": 0,
                    "timedOut": False,
                    "executedAt": at,
                }
            )


PREVIEW_PORTS = (3000, 3001)  # the start hooks' dev server and API, once a workspace is up


def become_active(rs: ReplicaStore, replica: Replica) -> None:
    replica.set_status("active")
    replica.waking = False
    replica.touch()
    if replica.repos and not replica.previews and not replica.preview_history:
        for port in PREVIEW_PORTS:
            replica.previews[port] = {
                "port": port,
                "publicUrl": f"https://{port}-{replica.short}.preview.replicas.dev",
                "createdAt": iso(now()),
            }
        replica.preview_history = True
    replica.emit("engine.ready", {"version": ENGINE_VERSION})
    replica.emit("engine.status.changed", {"status": replica.status_snapshot()})
    if replica.previews:
        replica.emit("preview.changed", {"previews": list(replica.previews.values())})
    webhooks.send(rs, replica, "replica.ready", {})
    deferred, replica.deferred = replica.deferred, []
    for chat_id, msg in deferred:
        chat = replica.chat(chat_id)
        if chat is not None:
            submit(rs, replica, chat, msg)
    for chat in replica.live_chats:
        ensure_worker(rs, replica, chat)


def start_waking(rs: ReplicaStore, replica: Replica) -> None:
    if replica.waking or replica.status not in ("sleeping", "archived"):
        return
    replica.waking = True
    rs.spawn(_wake(rs, replica), replica)


async def _wake(rs: ReplicaStore, replica: Replica) -> None:
    await asyncio.sleep(rs.store.config.wake_s)
    if replica.waking and replica.status in ("sleeping", "archived") and replica.deleted_at is None:
        become_active(rs, replica)


def go_to_sleep(rs: ReplicaStore, replica: Replica, status: str = "sleeping") -> None:
    interrupt_all(replica)
    replica.waking = False
    replica.set_status(status)
    replica.close_streams()


def fail(rs: ReplicaStore, replica: Replica, message: str) -> None:
    interrupt_all(replica)
    replica.waking = False
    replica.set_status("error")
    replica.error_message = message
    replica.config = {**replica.config, "provisioning_error": {"message": message}}
    replica.emit(
        "error",
        {
            "code": "workspace_error",
            "message": message,
            "details": "The workspace entered a terminal error state.",
        },
    )
    replica.close_streams()
    webhooks.send(rs, replica, "replica.error", {"message": message})


def delete(rs: ReplicaStore, replica: Replica) -> None:
    if replica.deleted_at is not None:
        return
    interrupt_all(replica)
    replica.stop_clock()
    replica.deleted_at = now()
    replica.waking = False
    replica.close_streams()
    webhooks.send(rs, replica, "replica.deleted", {})


async def sleep_watcher(rs: ReplicaStore) -> None:
    """Put idle active replicas to sleep after `sleep_after_s` (0 = never)."""
    while not rs.stopping:
        after = rs.store.config.sleep_after_s
        await asyncio.sleep(0.5 if after <= 0 else max(0.05, min(0.5, after / 4)))
        if after <= 0:
            continue
        limit = now() - timedelta(seconds=after)
        for replica in rs.all():
            if replica.status != "active" or replica.deferred:
                continue
            if any(c.processing or c.queue for c in replica.live_chats):
                continue
            if replica.last_activity_at is not None and replica.last_activity_at > limit:
                continue
            if replica.lifecycle_policy == "delete_after_inactivity":
                delete(rs, replica)
            else:
                go_to_sleep(rs, replica)


def new_chat(
    provider: str,
    *,
    title: str | None = None,
    chat_id: str | None = None,
    created_at: datetime | None = None,
    parent_chat_id: str | None = None,
    model: str | None = None,
) -> Chat:
    at = created_at or now()
    return Chat(
        id=chat_id or str(uuid.uuid4()),
        provider=provider,
        title=title or "New chat",
        created_at=at,
        updated_at=at,
        thread_id=_thread_id(provider),
        parent_chat_id=parent_chat_id,
        model=model,
        titled=bool(title),
    )


def _thread_id(provider: str) -> str:
    if provider == "opencode":
        return "ses_" + uuid.uuid4().hex[:26]
    return str(uuid.uuid4())


def parse_modes(message: str, flags: dict) -> tuple[str, dict]:
    """Strip leading /plan, /goal, /fast from `message` and merge them with the flags."""
    modes = {k: bool(flags.get(k)) for k in ("plan_mode", "goal_mode", "fast_mode")}
    text = message.lstrip()
    while True:
        match = re.match(r"^/(plan|goal|fast)\b\s*", text)
        if not match:
            break
        modes[f"{match.group(1)}_mode"] = True
        text = text[match.end() :]
    return (text if text != message.lstrip() else message), modes


def provider_options(chat: Chat, options: dict[str, Any]) -> dict[str, Any]:
    """Drop flags the provider can't use (goal mode is Codex-only)."""
    out = {k: v for k, v in options.items() if v not in (None, False, [], "")}
    if chat.provider != "codex":
        out.pop("goal_mode", None)
    return out
