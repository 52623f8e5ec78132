"""Agent events → normalized messages → HTML, for every agent format in the spec, and the live
stream (`ChatStream`) against the history rendering of the same events."""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from portal.replica_api import errors, models
from portal.replica_api.sse import Reconnecting, StreamEvent, parse_engine_event
from portal.replicas.rendering import (
    ChatStream,
    normalize_engine_event,
    normalize_history_event,
    render_delta,
    render_engine_notice,
    render_history,
    render_markdown,
    render_message,
    render_turn_state,
    transcript_dom_id,
    turn_slot_dom_id,
    user_message,
)
from portal.replicas.rendering.model import (
    SenderDirectory,
    TextPart,
    ThinkingPart,
    ToolResultPart,
    ToolUsePart,
    TurnState,
    UnknownPart,
)

from . import domsim
from .xss import PAYLOADS, assert_inert

TS = "2026-05-01T10:00:00Z"


def agent(type_: str, payload: dict, ts: str = TS) -> dict:
    """An `AgentEvent` as the spec defines it."""
    return {"timestamp": ts, "type": type_, "payload": payload}


def hist(event: dict, outer: str | None = None) -> dict:
    """A `HistoryEvent` wrapping an `AgentEvent`."""
    return {"timestamp": event["timestamp"], "type": outer or event["type"], "payload": event}


def engine(type_: str, payload: dict, id_: str = "e1", ts: str = TS) -> dict:
    """An `EngineEvent` envelope from the SSE stream."""
    return {"id": id_, "ts": ts, "type": type_, "payload": payload}


def claude_assistant(*blocks: dict, msg_id: str = "msg_01") -> dict:
    return agent(
        "claude-assistant",
        {"type": "assistant", "message": {"id": msg_id, "content": list(blocks)}},
    )


def claude_user(*blocks: dict) -> dict:
    return agent(
        "claude-user", {"type": "user", "message": {"role": "user", "content": list(blocks)}}
    )


CLAUDE_TURN = [
    agent("claude-system", {"type": "system", "subtype": "init", "model": "sonnet", "cwd": "/w"}),
    claude_user({"type": "text", "text": "Fix the *login* bug"}),
    claude_assistant({"type": "thinking", "text": "I should grep for it."}),
    claude_assistant({"type": "text", "text": "I'll search for "}),
    claude_assistant({"type": "text", "text": "`login`."}),
    claude_assistant(
        {"type": "tool_use", "id": "toolu_1", "name": "Grep", "input": {"pattern": "login", "path": "/w"}}
    ),
    claude_user({"type": "tool_result", "tool_use_id": "toolu_1", "content": "src/auth.py:3: def login()"}),
    claude_assistant({"type": "tool_use", "id": "toolu_2", "name": "Bash", "input": {"command": "pytest -q"}}),
    claude_user(
        {
            "type": "tool_result",
            "tool_use_id": "toolu_2",
            "content": [{"type": "text", "text": "1 failed"}],
            "is_error": True,
        }
    ),
    claude_assistant({"type": "text", "text": "Fixed it: see **auth.py**."}),
    agent(
        "claude-result",
        {"type": "result", "subtype": "success", "is_error": False, "duration_ms": 8400, "num_turns": 4,
         "total_cost_usd": 0.0421},
    ),
]  # fmt: skip

CODEX_TURN = [
    agent("event_msg", {"type": "user_message", "message": "Run the tests"}),
    agent("event_msg", {"type": "agent_reasoning", "text": "Running pytest first."}),
    agent(
        "response_item",
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Running the tests now."}]},
    ),
    agent(
        "response_item",
        {"type": "function_call", "call_id": "call_1", "name": "shell",
         "arguments": json.dumps({"command": ["bash", "-lc", "pytest -q"], "workdir": "/w"})},
    ),
    agent(
        "response_item",
        {"type": "function_call_output", "call_id": "call_1",
         "output": json.dumps({"output": "1 failed", "metadata": {"exit_code": 1}})},
    ),
    agent(
        "response_item",
        {"type": "custom_tool_call", "call_id": "call_2", "name": "apply_patch", "status": "completed",
         "input": "*** Begin Patch\n*** Update File: src/auth.py\n@@\n-bad\n+good\n*** End Patch\n"},
    ),
    agent(
        "response_item",
        {"type": "custom_tool_call_output", "call_id": "call_2",
         "output": json.dumps({"output": "Success. Updated src/auth.py", "metadata": {"exit_code": 0}})},
    ),
    agent(
        "response_item",
        {"type": "function_call", "call_id": "call_3", "name": "update_plan",
         "arguments": json.dumps({"plan": [{"step": "Fix", "status": "completed"}]})},
    ),
]  # fmt: skip

CURSOR_TURN = [
    agent("cursor-status", {"type": "system", "subtype": "init", "model": "composer-2", "cwd": "/w"}),
    agent("cursor-status", {"type": "user", "message": {"role": "user", "content": [{"type": "text", "text": "List files"}]}}),
    agent("cursor-thinking", {"type": "thinking", "subtype": "delta", "text": "Looking "}),
    agent("cursor-thinking", {"type": "thinking", "subtype": "delta", "text": "around."}),
    agent("cursor-assistant", {"type": "assistant", "message": {"role": "assistant", "content": [{"type": "text", "text": "Let me "}]}}),
    agent("cursor-assistant", {"type": "assistant", "message": {"role": "assistant", "content": [{"type": "text", "text": "check."}]}}),
    agent(
        "cursor-tool_call",
        {"type": "tool_call", "subtype": "started", "call_id": "call_c1",
         "tool_call": {"shellToolCall": {"args": {"command": "ls"}}}},
    ),
    agent(
        "cursor-tool_call",
        {"type": "tool_call", "subtype": "completed", "call_id": "call_c1",
         "tool_call": {"shellToolCall": {"args": {"command": "ls"},
                                         "result": {"success": {"exitCode": 0, "stdout": "a.txt", "stderr": ""}}}}},
    ),
    agent("cursor-task", {"type": "task", "subtype": "todos",
                          "todos": [{"content": "Fix", "status": "completed"}, {"content": "Test", "status": "pending"}]}),
    agent("cursor-status", {"type": "result", "subtype": "success", "is_error": False, "duration_ms": 7900}),
    agent("cursor-error", {"message": "Rate limited", "details": "retry in 5 s"}),
]  # fmt: skip

OPENCODE_TURN = [
    agent("opencode-message.updated", {"info": {"id": "msg_u", "role": "user"}}),
    agent("opencode-part-text", {"part": {"id": "prt_u", "messageID": "msg_u", "type": "text", "text": "Add a README"}}),
    agent("opencode-message.updated", {"info": {"id": "msg_a", "role": "assistant"}}),
    agent("opencode-part-reasoning", {"part": {"id": "prt_r", "messageID": "msg_a", "type": "reasoning", "text": "Plan"}}),
    agent("opencode-part-reasoning", {"part": {"id": "prt_r", "messageID": "msg_a", "type": "reasoning", "text": "Plan it."}}),
    agent("opencode-part-text", {"part": {"id": "prt_t", "messageID": "msg_a", "type": "text", "text": "Writ"}, "delta": "Writ"}),
    agent("opencode-part-text", {"part": {"id": "prt_t", "messageID": "msg_a", "type": "text", "text": "Writing"}, "delta": "ing"}),
    agent(
        "opencode-part-tool",
        {"part": {"id": "prt_x", "messageID": "msg_a", "type": "tool", "callID": "call_o1", "tool": "write",
                  "state": {"status": "running", "input": {"filePath": "README.md"}}}},
    ),
    agent(
        "opencode-part-tool",
        {"part": {"id": "prt_x", "messageID": "msg_a", "type": "tool", "callID": "call_o1", "tool": "write",
                  "state": {"status": "completed", "input": {"filePath": "README.md"}, "output": "Wrote 1 file"}}},
    ),
    agent(
        "opencode-part-tool",
        {"part": {"id": "prt_y", "messageID": "msg_a", "type": "tool", "callID": "call_o2", "tool": "bash",
                  "state": {"status": "error", "input": {"command": "rm -rf /"}, "error": "permission denied"}}},
    ),
    agent("opencode-session.idle", {"sessionID": "ses_1"}),
    agent("opencode-error", {"error": {"name": "ProviderAuthError", "data": {"message": "Bad key"}}}),
]  # fmt: skip

PI_TURN = [
    agent("pi-agent_start", {"model": "kimi"}),
    agent("pi-message_update", {"message": {"role": "user", "content": [{"type": "text", "text": "Explain"}], "timestamp": 1}}),
    agent("pi-message_update", {"message": {"role": "assistant", "id": "pim_1"},
                                "assistantMessageEvent": {"type": "thinking_delta", "contentIndex": 0, "delta": "Hmm."}}),
    agent("pi-message_update", {"message": {"role": "assistant", "id": "pim_1"},
                                "assistantMessageEvent": {"type": "text_delta", "contentIndex": 1, "delta": "Here "}}),
    agent("pi-message_update", {"message": {"role": "assistant", "id": "pim_1"},
                                "assistantMessageEvent": {"type": "text_delta", "contentIndex": 1, "delta": "it is."}}),
    agent("pi-tool_execution_start", {"toolCallId": "call_p1", "toolName": "bash", "args": {"command": "ls"}}),
    agent("pi-tool_execution_update", {"toolCallId": "call_p1", "toolName": "bash",
                                       "partialResult": {"content": [{"type": "text", "text": "a"}]}}),
    agent("pi-tool_execution_end", {"toolCallId": "call_p1", "toolName": "bash",
                                    "result": {"content": [{"type": "text", "text": "a\nb"}]}, "isError": False}),
    agent("pi-message_update", {"message": {"role": "assistant", "id": "pim_1"},
                                "assistantMessageEvent": {"type": "text_delta", "contentIndex": 1, "delta": "Done."}}),
    agent("pi-error", {"error": "Model overloaded"}),
]  # fmt: skip

TURNS = {
    "claude": CLAUDE_TURN,
    "codex": CODEX_TURN,
    "cursor": CURSOR_TURN,
    "opencode": OPENCODE_TURN,
    "pi": PI_TURN,
}


def messages(events: list[dict], **kw) -> list:
    from portal.replicas.rendering.agents import Context

    ctx = Context(senders=SenderDirectory(kw.pop("senders", None)))
    out = [normalize_history_event(hist(e), ctx=ctx) for e in events]
    return [m for m in out if m is not None]


# --- the fixtures are the spec's shapes ------------------------------------------------------


@pytest.mark.parametrize("provider", TURNS)
def test_fixtures_validate_against_the_spec_models(provider):
    for event in TURNS[provider]:
        models.AgentEvent.model_validate(event)
        models.HistoryEvent.model_validate(hist(event))
        delta = engine("chat.turn.delta", {"chatId": "c1", "event": event})
        assert parse_engine_event(delta) is not None


# --- Claude --------------------------------------------------------------------------------


def test_claude_normalized_model():
    msgs = messages(CLAUDE_TURN)
    init, user, thinking, text1, text2, grep, grep_result, *_rest, result = msgs
    assert init.role == "system" and init.parts[0].text == "Session started"
    assert init.parts[0].detail == "sonnet · /w"
    assert user.role == "user" and user.sender_name == "You"
    assert isinstance(user.parts[0], TextPart) and user.parts[0].text == "Fix the *login* bug"
    assert thinking.role == "assistant" and thinking.sender_name == "Claude"
    assert isinstance(thinking.parts[0], ThinkingPart) and thinking.key == "msg_01"
    assert isinstance(text1.parts[0], TextPart) and text1.parts[0].mode == "append"
    tool = grep.parts[0]
    assert isinstance(tool, ToolUsePart)
    assert (tool.name, tool.tool_id, tool.input) == (
        "Grep",
        "toolu_1",
        {"pattern": "login", "path": "/w"},
    )
    assert tool.summary == "login"
    assert grep_result.role == "tool"
    res = grep_result.parts[0]
    assert isinstance(res, ToolResultPart) and res.tool_id == "toolu_1" and not res.is_error
    assert result.turn_state == "completed"
    assert result.parts[0].text == "Turn completed · 8.4 s · 4 steps · $0.04"


def test_claude_history_html():
    html = render_history([hist(e) for e in CLAUDE_TURN])
    doc = domsim.parse(html)
    bubbles = [n for n in doc.iter() if n.tag == "article"]
    assert [b.attrs["class"] for b in bubbles] == ["msg msg--user", "msg msg--assistant"]
    # consecutive agent events read as one bubble; the two text pieces joined as one paragraph
    assert "<p>I'll search for <code>login</code>.</p>" in html
    # thinking collapsed
    assert '<details class="part part--thinking"' in html and "<summary>Thinking</summary>" in html
    # tool input as pretty JSON, highlighted with classes
    assert (
        '<span class="nt">&quot;pattern&quot;</span>' in html
        or '<span class="nt">"pattern"</span>' in html
    )
    # tool results collapsed (no `open`) inside their tool's card, errors marked
    grep_card = doc.find_id(
        next(n.attrs["id"] for n in doc.iter() if "tool-" in n.attrs.get("id", ""))
    )
    assert "src/auth.py:3" in grep_card.text()
    assert '<details class="part part--result">' in html
    assert '<details class="part part--result is-error">' in html
    assert "tool--failed" in html and "tool--completed" in html
    assert "Turn completed · 8.4 s" in html
    assert "<strong>auth.py</strong>" in html


def test_claude_result_failure_even_without_is_error():
    msg = normalize_history_event(
        agent("claude-result", {"type": "result", "subtype": "error_max_turns", "is_error": False})
    )
    assert msg.turn_state == "failed"
    assert msg.parts[0].level == "error" and "max turns" in msg.parts[0].text
    msg = normalize_history_event(
        agent(
            "claude-result",
            {"type": "result", "subtype": "error", "is_error": True, "errors": ["boom", "bang"]},
        )
    )
    assert msg.parts[0].detail == "boom\nbang"
    assert 'role="alert"' in render_message(msg)


def test_claude_subagent_images_and_odd_blocks():
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    event = agent(
        "claude-user",
        {"type": "user", "parent_tool_use_id": "toolu_parent", "message": {"content": [
            {"type": "tool_result", "tool_use_id": "toolu_9", "content": [
                {"type": "text", "text": "screenshot"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": png}},
                {"type": "image", "source": {"type": "base64", "media_type": "image/svg+xml", "data": "PHN2Zz4="}},
            ]},
        ]}},
    )  # fmt: skip
    msg = normalize_history_event(event)
    assert msg.subagent and msg.role == "tool"
    result = msg.parts[0]
    assert result.output == "screenshot"
    assert [i.src is not None for i in result.images] == [True, False]
    html = render_message(msg)
    assert f'src="data:image/png;base64,{png}"' in html
    assert "svg" not in html
    odd = normalize_history_event(claude_assistant({"type": "mystery", "x": 1}))
    assert isinstance(odd.parts[0], UnknownPart)
    assert "Unrecognised event" in render_message(odd)


# --- Codex ---------------------------------------------------------------------------------


def test_codex_normalized_model():
    user, reasoning, text, shell, shell_out, patch, patch_out, plan = messages(CODEX_TURN)
    assert user.role == "user" and user.parts[0].text == "Run the tests"
    assert isinstance(reasoning.parts[0], ThinkingPart)
    assert text.parts[0].text == "Running the tests now." and text.sender_name == "Codex"
    tool = shell.parts[0]
    assert tool.name == "shell" and tool.tool_id == "call_1"
    assert tool.input["command"] == "bash -lc 'pytest -q'"
    out = shell_out.parts[0]
    assert out.output == "1 failed" and out.exit_code == 1 and out.is_error
    assert out.label == "Failed (exit 1)"
    assert patch.parts[0].input_format == "diff" and patch.parts[0].summary == "src/auth.py"
    assert patch.parts[0].status == "completed"
    assert patch_out.parts[0].exit_code == 0 and not patch_out.parts[0].is_error
    assert plan.parts[0].summary == "1 items"


def test_codex_history_html_and_history_only_types():
    # The emulator and the API use `codex-*` outer types for history; both shapes work.
    outer = ["codex-user", "codex-reasoning", "codex-assistant", "codex-tool_call", "codex-tool_result",
             "codex-tool_call", "codex-tool_result", "codex-tool_call"]  # fmt: skip
    html = render_history([hist(e, o) for e, o in zip(CODEX_TURN, outer, strict=True)])
    assert html == render_history([hist(e) for e in CODEX_TURN]).replace(
        *_same_prefix(html, render_history([hist(e) for e in CODEX_TURN]))
    )
    assert '<div class="highlight" data-lang="diff">' in html  # apply_patch input as a diff
    assert '<span class="gi">+good</span>' in html
    assert "Failed (exit 1)" in html
    bare = normalize_history_event(
        {"timestamp": TS, "type": "codex-user", "payload": {"message": "hi"}}
    )
    assert bare.role == "user" and bare.parts[0].text == "hi"


def _same_prefix(a: str, b: str) -> tuple[str, str]:
    """History pages get an id prefix from their events: align the two for comparison."""
    import re

    pa = re.search(r'id="msg-(h[0-9a-f]+)-', a).group(1)
    pb = re.search(r'id="msg-(h[0-9a-f]+)-', b).group(1)
    return pb, pa


# --- Cursor --------------------------------------------------------------------------------


def test_cursor_normalized_model_and_html():
    msgs = messages(CURSOR_TURN)
    init, user = msgs[0], msgs[1]
    assert init.parts[0].text == "Session started"
    assert user.role == "user" and user.parts[0].text == "List files"
    started, completed = msgs[6], msgs[7]
    assert started.parts[0].status == "running" and started.parts[0].name == "shell"
    assert completed.parts[1].output == "a.txt" and completed.parts[1].exit_code == 0
    html = render_history([hist(e) for e in CURSOR_TURN])
    assert "<p>Let me check.</p>" in html  # pieces joined
    assert "Looking around." in html
    assert html.count("part--tool") == 1  # started + completed: one card
    assert "tool--completed" in html and "Result (exit 0)" in html
    assert "☑ Fix" in html and "☐ Test" in html
    assert "Turn completed · 7.9 s" in html
    assert "Rate limited" in html and 'role="alert"' in html


def test_cursor_status_variants():
    failed = normalize_history_event(
        agent(
            "cursor-status", {"type": "result", "subtype": "error", "is_error": True, "result": "x"}
        )
    )
    assert failed.turn_state == "failed"
    running = normalize_history_event(agent("cursor-status", {"status": "RUNNING"}))
    assert running.parts[0].text == "Status: running" and running.parts[0].level == "info"
    done = normalize_history_event(agent("cursor-status", {"status": "FINISHED", "summary": "ok"}))
    assert done.parts[0].level == "success" and done.parts[0].detail == "ok"
    task = normalize_history_event(agent("cursor-task", {"title": "Refactor", "status": "running"}))
    assert task.parts[0].text == "Task: Refactor (running)"
    failure = normalize_history_event(
        agent("cursor-tool_call", {"subtype": "completed", "call_id": "c", "tool_call": {
            "shellToolCall": {"args": {"command": "false"}, "result": {"failure": {"exitCode": 2, "stderr": "no"}}}}})
    )  # fmt: skip
    assert (
        failure.parts[1].is_error
        and failure.parts[1].exit_code == 2
        and failure.parts[1].output == "no"
    )


# --- Opencode ------------------------------------------------------------------------------


def test_opencode_normalized_model_and_html():
    msgs = messages(OPENCODE_TURN)
    user = msgs[0]
    assert user.role == "user" and user.parts[0].text == "Add a README"  # role from message.updated
    html = render_history([hist(e) for e in OPENCODE_TURN])
    assert "Plan it." in html and "Plan</p>" not in html  # cumulative reasoning: last state only
    assert "<p>Writing</p>" in html  # deltas joined
    assert html.count("part--tool") == 2
    assert "Wrote 1 file" in html and "permission denied" in html
    assert "tool--failed" in html
    assert "Turn completed" in html
    assert "Bad key" in html


def test_opencode_role_on_payload_and_structural_parts():
    msg = normalize_history_event(
        agent(
            "opencode-part-text",
            {"part": {"id": "p", "type": "text", "text": "hi"}, "role": "user"},
        )
    )
    assert msg.role == "user"
    assert (
        normalize_history_event(agent("opencode-part-step-start", {"part": {"type": "step-start"}}))
        is None
    )
    patch = normalize_history_event(
        agent("opencode-part-patch", {"part": {"files": ["a.py", "b.py"]}})
    )
    assert patch.parts[0].text == "Files changed: a.py, b.py"
    weird = normalize_history_event(agent("opencode-part-unheard", {"part": {}}))
    assert isinstance(weird.parts[0], UnknownPart)


# --- Pi ------------------------------------------------------------------------------------


def test_pi_normalized_model_and_html():
    msgs = messages(PI_TURN)
    assert msgs[0].parts[0].text == "Agent started" and msgs[0].parts[0].detail == "kimi"
    assert msgs[1].role == "user" and msgs[1].parts[0].text == "Explain"
    assert msgs[3].parts[0].mode == "append" and msgs[3].parts[0].key == "pi-pim_1-1"
    html = render_history([hist(e) for e in PI_TURN])
    assert "<p>Here it is.</p>" in html
    assert "<p>Done.</p>" in html  # text after a tool call is a new part, after the card
    assert html.index("Here it is.") < html.index("part--tool") < html.index("Done.")
    assert html.count("part--tool") == 1 and "tool--completed" in html
    assert "a\nb</pre>" in html and "Output so far" not in html
    assert "Model overloaded" in html


def test_pi_final_message_and_text_end_replace_streamed_text():
    events = [
        agent("pi-message_update", {"message": {"id": "m"}, "assistantMessageEvent": {"type": "text_delta", "contentIndex": 0, "delta": "Hel"}}),
        agent("pi-message_update", {"message": {"id": "m"}, "assistantMessageEvent": {"type": "text_end", "contentIndex": 0, "content": "Hello!"}}),
        agent("pi-message_end", {"message": {"id": "m", "role": "assistant", "content": [{"type": "text", "text": "Hello!"}]}}),
    ]  # fmt: skip
    html = render_history([hist(e) for e in events])
    assert html.count("Hello!") == 1 and "Hel</" not in html
    ignored = agent(
        "pi-message_update", {"message": {}, "assistantMessageEvent": {"type": "toolcall_start"}}
    )
    assert normalize_history_event(ignored) is None


# --- unknown and malformed input -----------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        None,
        "not json",
        42,
        [],
        {},
        {"type": "claude-assistant"},
        {"type": "claude-assistant", "payload": "oops"},
        {"type": "claude-assistant", "payload": {"message": {"content": "plain string"}}},
        {
            "type": "claude-user",
            "payload": {"message": {"content": [None, 1, {"type": "tool_result"}]}},
        },
        {"type": "response_item", "payload": {"type": "function_call", "arguments": "{not json"}},
        {"type": "response_item", "payload": {"type": "reasoning", "summary": []}},
        {"type": "event_msg", "payload": {"type": "token_count"}},
        {"type": "cursor-tool_call", "payload": {"tool_call": "x"}},
        {"type": "pi-tool_execution_end", "payload": {"result": 5}},
        {"type": "gemini-assistant", "payload": {"text": "<b>hi</b>"}},
        {
            "timestamp": "not a time",
            "type": "claude-assistant",
            "payload": {"message": {"content": [{"type": "text", "text": "x"}]}},
        },
        {
            "timestamp": TS,
            "type": "claude-user",
            "payload": {"timestamp": TS, "type": "mystery", "payload": {}},
        },
    ],
)
def test_odd_events_never_crash(event):
    msg = normalize_history_event(event)
    html = render_message(msg)
    assert isinstance(html, str)
    if msg is not None and any(isinstance(p, UnknownPart) for p in msg.parts):
        assert "Unrecognised event" in html
    assert "<b>hi</b>" not in html


def test_unknown_event_is_a_small_neutral_line():
    html = render_message(
        normalize_history_event(agent("gemini-assistant", {"x": "<img src=x onerror=alert(1)>"}))
    )
    assert 'class="notice notice--unknown"' in html
    assert "<code>gemini-assistant</code>" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<article" not in html


def test_pydantic_models_are_accepted():
    response = models.ReadReplicaHistoryResponse.model_validate(
        {"thread_id": None, "events": [hist(e) for e in CLAUDE_TURN], "total": 11, "has_more": False,
         "senders": [{"senderUserId": "u", "senderEmail": "ann@example.com", "recordedAt": "2026-05-01T09:59:59Z"}]}
    )  # fmt: skip
    html = render_history(response)
    assert "ann@example.com" in html and "Turn completed" in html
    msg = normalize_history_event(response.events[1], response.senders)
    assert msg.role == "user" and msg.sender_name == "ann@example.com"


# --- senders -------------------------------------------------------------------------------


def test_senders_are_matched_by_time_and_viewer_is_you():
    senders = [
        {
            "senderUserId": "u1",
            "senderEmail": "ann@example.com",
            "recordedAt": "2026-05-01T10:00:00Z",
        },
        {
            "senderUserId": "u2",
            "senderEmail": "bob@example.com",
            "recordedAt": "2026-05-01T10:05:00Z",
        },
    ]
    directory = SenderDirectory(senders)
    at = lambda s: datetime.fromisoformat(s).replace(tzinfo=UTC)  # noqa: E731
    assert directory.name_for(at("2026-05-01T10:00:01")) == "ann@example.com"
    assert directory.name_for(at("2026-05-01T10:04:58")) == "bob@example.com"  # clock skew allowed
    assert directory.name_for(at("2026-05-01T10:07:00")) == "bob@example.com"
    assert directory.name_for(at("2026-05-01T09:00:00")) == "You"  # before every record
    assert directory.name_for(None) == "You"
    assert (
        SenderDirectory(senders, viewer_email="BOB@example.com").name_for(at("2026-05-01T10:06:00"))
        == "You"
    )
    assert SenderDirectory([]).name_for(at("2026-05-01T10:00:00")) == "You"
    one = SenderDirectory(senders[:1])
    assert one.name_for(None) == "ann@example.com"  # a single sender is everyone
    exact = SenderDirectory(
        [{**senders[0], "messageId": "m1", "senderDisplayName": "Ann"}, senders[1]]
    )
    assert exact.name_for(at("2026-05-01T10:06:00"), "m1") == "Ann"


def test_history_labels_user_messages_with_senders():
    first = claude_user({"type": "text", "text": "one"})
    second = {**claude_user({"type": "text", "text": "two"}), "timestamp": "2026-05-01T10:06:00Z"}
    response = {
        "events": [hist(first), hist(second)],
        "senders": [
            {
                "senderUserId": "u1",
                "senderEmail": "ann@example.com",
                "recordedAt": "2026-05-01T09:59:59Z",
            },
            {
                "senderUserId": "u2",
                "senderEmail": "bob@example.com",
                "recordedAt": "2026-05-01T10:05:59Z",
            },
        ],
    }
    html = render_history(response, viewer_email="bob@example.com")
    assert html.index("ann@example.com") < html.index(">You<")
    # Every user bubble names its sender for the page (chat.js labels the viewer's "You").
    assert 'data-sender="ann@example.com"' in html
    assert 'data-sender="bob@example.com"' in html


def test_a_busy_chat_s_history_wraps_its_running_turn():
    events = [
        hist(claude_user({"type": "text", "text": "first"})),
        hist(claude_assistant({"type": "text", "text": "done with the first"})),
        hist(claude_user({"type": "text", "text": "second"})),
        hist(claude_assistant({"type": "tool_use", "id": "t1", "name": "Bash", "input": {}})),
        hist(claude_user({"type": "tool_result", "tool_use_id": "t1", "content": "ok"})),
        hist(claude_assistant({"type": "text", "text": "working on the sec"})),
    ]
    html = str(render_history({"events": events}, chat_id="c1", running=True))
    head, _, running = html.partition('<div id="chat-c1-running" class="running-turn">')
    assert "first" in head and "done with the first" in head
    assert "second" in running and "working on the sec" in running
    assert "second" not in head
    assert "running-turn" not in str(render_history({"events": events}, chat_id="c1"))
    empty = str(render_history({"events": []}, chat_id="c1", running=True))
    assert 'id="chat-c1-running"' in empty  # always there for the live stream to replace


def test_live_user_messages_are_named_per_chat_once_senders_are_known():
    stream = ChatStream()
    senders = [{"senderUserId": "u1", "senderEmail": "Ann@Example.com", "recordedAt": "2026-05-01T10:00:00Z"}]  # fmt: skip
    stream.set_chat_senders("c1", senders)
    event = {
        "id": "e1",
        "type": "chat.turn.delta",
        "payload": {"chatId": "c1", "event": claude_user({"type": "text", "text": "hi"})},
    }
    named = stream.feed_html(event)
    assert 'data-sender="ann@example.com"' in named
    assert ">Ann@Example.com<" in named
    other = stream.feed_html({**event, "payload": {**event["payload"], "chatId": "c2"}})
    assert ">You<" in other and "data-sender" not in other  # c2's senders are unknown


# --- engine events -------------------------------------------------------------------------


ENGINE_EVENTS = [
    ("engine.ready", {"version": "v1"}, "engine", "Replica engine ready (v1)"),
    ("engine.status.changed", {"status": {"uptimeSeconds": 1, "hasActiveSSHSessions": False, "activeSseClients": 1,
                                          "chatsTotal": 2, "chatsProcessing": 1, "reposTotal": 1, "hooksRunning": False}},
     "engine", "Engine status changed: 2 chats, 1 working"),
    ("repo.discovered", {"repos": [{"name": "api", "path": "/w/api", "defaultBranch": "main", "currentBranch": "main",
                                    "prUrls": [], "gitDiff": None, "startHooksCompleted": True}]},
     "repo", "Repository discovered: api on main"),
    ("repo.status.changed", {"repos": [{"name": "api", "path": "/w/api", "defaultBranch": "main", "currentBranch": "fix",
                                        "prUrls": ["https://github.com/a/b/pull/1"], "gitDiff": {"added": 3, "removed": 1},
                                        "startHooksCompleted": True}]},
     "repo", "Repository updated: api on fix, +3 −1, 1 PR"),
    ("chat.created", {"chat": {"id": "c2", "provider": "codex", "title": "Refactor", "createdAt": TS, "updatedAt": TS,
                               "processing": False, "parentChatId": None}}, "chat", "“Refactor” was created (Codex)"),
    ("chat.updated", {"chat": {"id": "c2", "provider": "codex", "title": "Refactor", "createdAt": TS, "updatedAt": TS,
                               "processing": True, "parentChatId": None}}, "chat", "“Refactor” is working"),
    ("chat.deleted", {"chatId": "c2"}, "chat", "A chat was deleted"),
    ("hooks.started", {"running": True, "completed": False}, "hooks", "Start hooks are running"),
    ("hooks.progress", {"running": True, "completed": False}, "hooks", "Start hooks are running"),
    ("hooks.completed", {"running": False, "completed": True}, "hooks", "Start hooks completed"),
    ("hooks.failed", {"running": False, "completed": True}, "hooks", "Start hooks failed"),
    ("hooks.status", {"running": False, "completed": True}, "hooks", "Start hooks completed"),
    ("preview.changed", {"previews": [{"port": 3000, "publicUrl": "https://p.example", "createdAt": TS}]},
     "preview", "Previews: 3000 → https://p.example"),
    ("error", {"code": "ENGINE_DOWN", "message": "Engine unavailable", "details": "restart"}, "error", "Engine unavailable"),
]  # fmt: skip


@pytest.mark.parametrize(("type_", "payload", "category", "text"), ENGINE_EVENTS)
def test_engine_events_normalize_to_notices(type_, payload, category, text):
    event = engine(type_, payload)
    assert parse_engine_event(event) is not None  # the fixture is the spec's shape
    update = normalize_engine_event(event)
    assert update.category == category and update.type == type_ and update.id == "e1"
    assert update.notice.parts[0].text == text
    html = render_engine_notice(update)
    assert text.split(":")[0] in html.replace("&quot;", '"').replace("&#x27;", "'")


def test_engine_turn_events():
    accepted = normalize_engine_event(
        engine(
            "chat.turn.accepted", {"chatId": "c1", "messageId": "m1", "queued": True, "position": 2}
        )
    )
    assert (
        accepted.category == "turn"
        and accepted.turn.state == "queued"
        and accepted.turn.label == "Queued (position 2)"
    )
    started = normalize_engine_event(
        engine("chat.turn.started", {"chatId": "c1", "messageId": "m1"})
    )
    assert started.turn.state == "running" and started.turn.dom_id == "turn-c1-m1"
    done = normalize_engine_event(
        engine("chat.turn.completed", {"chatId": "c1", "isComplete": True})
    )
    assert done.turn.state == "completed"
    failed = normalize_engine_event(
        engine("chat.turn.completed", {"chatId": "c1", "isComplete": False})
    )
    assert failed.turn.state == "failed"
    stopped = normalize_engine_event(
        engine("chat.interrupted", {"chatId": "c1", "interrupted": True, "queue": ["m2"]})
    )
    assert stopped.turn.state == "interrupted" and stopped.turn.detail == "1 queued"
    delta = normalize_engine_event(
        engine("chat.turn.delta", {"chatId": "c1", "event": CLAUDE_TURN[2]})
    )
    assert delta.category == "message" and delta.chat_id == "c1"
    assert isinstance(delta.message.parts[0], ThinkingPart) and delta.message.chat_id == "c1"


def test_engine_event_inputs_stream_event_model_and_garbage():
    raw = engine("hooks.completed", {"running": False, "completed": True})
    as_stream = StreamEvent(
        id="e1", type="hooks.completed", data=raw, model=parse_engine_event(raw)
    )
    assert normalize_engine_event(as_stream).notice.parts[0].text == "Start hooks completed"
    assert normalize_engine_event(parse_engine_event(raw)).category == "hooks"
    assert normalize_engine_event(json.dumps(raw)).category == "hooks"
    for junk in (
        None,
        "",
        "{",
        [],
        {"type": "brand.new", "payload": 3},
        {"type": "chat.turn.delta", "payload": {"event": 1}},
    ):
        update = normalize_engine_event(junk)
        assert update.category in ("ignored", "unknown", "message")
        render_engine_notice(update)
    assert normalize_engine_event({"type": "heartbeat"}).category == "ignored"
    unknown = normalize_engine_event(engine("brand.new", {"x": "<script>"}))
    assert unknown.category == "unknown" and "Unrecognised event" in render_engine_notice(unknown)


def test_render_turn_state_and_delta():
    turn = TurnState("c1", "m1", "running")
    html = render_turn_state(turn)
    assert html.startswith('<div class="turn-state turn-state--running" id="turn-c1-m1"')
    assert "Working…" in html
    oob = render_turn_state(TurnState("c1", "m1", "failed"), oob=True)
    assert oob.startswith(
        '<div hx-swap-oob="outerHTML" class="turn-state turn-state--failed" id="turn-c1-m1"'
    )
    assert (
        render_delta("msg-x-p0-text", "a <b> & c")
        == '<div hx-swap-oob="beforeend:#msg-x-p0-text">a &lt;b&gt; &amp; c</div>'
    )
    assert render_delta("t", "<i>", oob=False) == "&lt;i&gt;"


def test_user_message_for_the_composer():
    html = render_message(user_message("Ship it **now**", "ann@example.com", chat_id="c1"))
    assert (
        'class="msg msg--user"' in html
        and "<strong>now</strong>" in html
        and "ann@example.com" in html
    )


# --- live stream -----------------------------------------------------------------------------


def live_events(chat: str, events: list[dict], complete: bool = True) -> list[dict]:
    out = [
        engine(
            "chat.turn.accepted",
            {"chatId": chat, "messageId": "m1", "queued": False, "position": 0},
            "a0",
        )
    ]
    out.append(engine("chat.turn.started", {"chatId": chat, "messageId": "m1"}, "a1"))
    out += [
        engine("chat.turn.delta", {"chatId": chat, "event": e}, f"d{i}")
        for i, e in enumerate(events)
    ]
    out.append(engine("chat.turn.completed", {"chatId": chat, "isComplete": complete}, "z"))
    return out


def apply_all(stream: ChatStream, events: list[dict], chats: list[str]) -> domsim.Node:
    page = (
        "".join(
            f'<div id="{transcript_dom_id(c)}"></div><div id="{turn_slot_dom_id(c)}"></div>'
            for c in chats
        )
        + '<div id="replica-activity"></div>'
    )
    doc = domsim.parse(page)
    for event in events:
        html = stream.feed_html(event)
        if html:
            domsim.apply_oob(doc, html)
    return doc


@pytest.mark.parametrize("provider", TURNS)
def test_live_transcript_matches_history(provider):
    """Appending the live fragments one by one builds the same transcript as the history page."""
    events = TURNS[provider]
    doc = apply_all(ChatStream(), live_events("c1", events), ["c1"])
    live = doc.find_id("chat-c1-transcript")
    states = [n for n in live.iter() if "turn-state" in n.attrs.get("class", "").split()]
    assert [n.attrs["data-state"] for n in states] == ["completed"]
    for node in states:
        node.parent.children.remove(node)
    history = domsim.parse(render_history([hist(e) for e in events]))
    assert domsim.squash(live.text()) == domsim.squash(history.text())
    assert not [n for n in doc.iter() if "is-streaming" in n.attrs.get("class", "")]
    ids = [n.attrs["id"] for n in doc.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids))


def _pi_piece(text: str) -> dict:
    return engine("chat.turn.delta", {"chatId": "c1", "event": agent(
        "pi-message_update", {"message": {"id": "pm"}, "assistantMessageEvent": {"type": "text_delta", "contentIndex": 0, "delta": text}})})  # fmt: skip


def test_stream_renders_the_growing_text_as_markdown_in_one_stable_element():
    stream = ChatStream()
    stream.feed(engine("chat.turn.started", {"chatId": "c1", "messageId": "m1"}))
    first = stream.feed(_pi_piece("**Hel"))
    bubble_html = first[0].html
    assert first[0].target == "chat-c1-transcript" and first[0].swap == "beforeend"
    assert 'class="part part--text is-streaming"' in bubble_html
    text_id = next(
        n.attrs["id"]
        for n in domsim.parse(bubble_html).iter()
        if n.attrs.get("class") == "part-stream"
    )
    # in the same message, the new part's text as Markdown: the raw `**` never shows
    assert [(f.target, f.swap) for f in first[1:]] == [(text_id, "outerHTML")]
    assert first[1].oob() == (
        f'<div hx-swap-oob="outerHTML" class="part-stream md" id="{text_id}">'
        "<p><strong>Hel</strong></p>\n</div>"
    )
    second = stream.feed(_pi_piece("lo** <b>"))
    assert [(f.target, f.swap) for f in second] == [(text_id, "outerHTML")]
    assert second[0].html == (
        f'<div class="part-stream md" id="{text_id}"><p><strong>Hello</strong> &lt;b&gt;</p>\n</div>'
    )
    third = stream.feed(_pi_piece("!"))
    assert third[0].target == text_id  # the same element every time
    assert "<strong>Hello</strong> &lt;b&gt;!" in third[0].html
    done = stream.feed(engine("chat.turn.completed", {"chatId": "c1", "isComplete": True}))
    part_id = text_id.removesuffix("-text")
    assert [(f.target, f.swap) for f in done] == [
        (part_id, "outerHTML"),
        ("chat-c1-turn", "innerHTML"),  # the running line leaves the slot below the transcript
        ("chat-c1-transcript", "beforeend"),  # and the final state joins the transcript
    ]
    assert "<strong>Hello</strong> &lt;b&gt;!" in done[0].html
    assert (
        done[0]
        .oob()
        .startswith(f'<div hx-swap-oob="outerHTML" class="part part--text md" id="{part_id}"')
    )
    assert done[1].html == "" and "turn-state--completed" in done[2].html


STREAMED_MARKDOWN = """## Plan for the **session timeout** fix

I read `auth/session.py`: the *expiry* check uses ~~local time~~ UTC now.
See [the docs](https://example.com/docs), ***both*** styles, __strong__ and _em_.

| file | change |
|:--|--:|
| `a.py` | **fixed** |

- [x] **Reproduce** it with `make test`
- [ ] Fix the _cookie_ in [views](https://example.com/v)
1. Run ``a `b` c`` then **check**.

```python
print("**kept as code**")
```

> Done: **all green**.
"""


def _visible_text(node: domsim.Node) -> str:
    """Text a reader sees, code left out (Markdown syntax inside code is content)."""
    if node.tag in ("code", "pre"):
        return ""
    return "".join(c if isinstance(c, str) else _visible_text(c) for c in node.children)


RAW_SYNTAX = re.compile(r"(?m)[*`~\[\]|]|(?<![a-z])_|_(?![a-z])|^\s*\d+[.)]?\s*$|^\s*-")


@pytest.mark.parametrize("size", [1, 3, 7])
def test_streamed_markdown_never_shows_raw_syntax(size):
    """Fed in pieces of 1, 3 or 7 characters, the live text is Markdown after every piece: no
    `**`, backtick, `~~`, bracket, pipe, `_` or bare list marker ever reaches the reader
    outside code (the source has none as content), and the finished part is the history's."""
    stream = ChatStream()
    stream.feed(engine("chat.turn.started", {"chatId": "c1", "messageId": "m1"}))
    doc = domsim.parse('<div id="chat-c1-transcript"></div>')
    text_node = None
    for start in range(0, len(STREAMED_MARKDOWN), size):
        html = stream.feed_html(_pi_piece(STREAMED_MARKDOWN[start : start + size]))
        domsim.apply_oob(doc, html)
        text_node = next(n for n in doc.iter() if "part-stream" in n.attrs.get("class", ""))
        shown = _visible_text(text_node)
        assert not RAW_SYNTAX.search(shown), (STREAMED_MARKDOWN[: start + size], shown)
    assert "md" in text_node.attrs["class"].split()
    part_id = text_node.attrs["id"].removesuffix("-text")
    done = stream.feed(engine("chat.turn.completed", {"chatId": "c1", "isComplete": True}))
    assert done[0].target == part_id and done[0].swap == "outerHTML"
    domsim.apply_oob(doc, done[0].oob())
    assert not [n for n in doc.iter() if "part-stream" in n.attrs.get("class", "")]
    finished = doc.find_id(part_id)
    assert "md" in finished.attrs["class"].split()
    assert finished.text() == domsim.parse(render_markdown(STREAMED_MARKDOWN)).text()


def test_stream_turn_states():
    stream = ChatStream()
    out = stream.feed(
        engine(
            "chat.turn.accepted", {"chatId": "c1", "messageId": "m1", "queued": True, "position": 1}
        )
    )
    assert out == []  # the queue panel shows queued messages
    out = stream.feed(engine("chat.turn.started", {"chatId": "c1", "messageId": "m1"}))
    # "Working…" sits below the transcript: the user's message and the reply come above it.
    assert out[0].target == "chat-c1-turn" and out[0].swap == "innerHTML"
    assert "turn-state--running" in out[0].html
    out = stream.feed(engine("chat.turn.completed", {"chatId": "c1", "isComplete": False}))
    assert [(f.target, f.swap) for f in out[-2:]] == [
        ("chat-c1-turn", "innerHTML"),
        ("chat-c1-transcript", "beforeend"),
    ]
    assert 'id="turn-c1-m1"' in out[-1].html and "turn-state--failed" in out[-1].html
    assert "Failed" in out[-1].html
    stream.feed(engine("chat.turn.started", {"chatId": "c1", "messageId": "m2"}))
    out = stream.feed(
        engine("chat.interrupted", {"chatId": "c1", "interrupted": True, "queue": []})
    )
    assert out[-1].target == "chat-c1-turn" and "turn-state--interrupted" in out[-1].html
    out = stream.feed(engine("chat.turn.completed", {"chatId": "c1", "isComplete": False}))
    assert out[-1].target == "chat-c1-transcript" and "Interrupted" in out[-1].html
    assert 'id="turn-c1-m2"' in out[-1].html
    # a completion without a start seen (the relay joined mid-turn) still shows a state line
    out = stream.feed(engine("chat.turn.completed", {"chatId": "c9", "isComplete": True}))
    assert out[-1].target == "chat-c9-transcript" and "turn-state--completed" in out[-1].html


def test_stream_activity_and_noise():
    stream = ChatStream()
    out = stream.feed(engine("hooks.failed", {"running": False, "completed": True}))
    assert (
        out[0].target == "replica-activity"
        and out[0].swap == "beforeend"
        and "Start hooks failed" in out[0].html
    )
    assert (
        stream.feed(engine("error", {"code": "X", "message": "Stream broke"}))[0].target
        == "replica-activity"
    )
    for noisy in ("engine.status.changed", "chat.updated", "hooks.progress", "hooks.status"):
        assert stream.feed(engine(noisy, {"running": True, "completed": False})) == []
    assert stream.feed({"type": "heartbeat"}) == []
    assert stream.feed(Reconnecting(attempt=1, delay=0.5, error=errors.Unreachable("gone"))) == []
    quiet = ChatStream(activity_target=None)
    assert quiet.feed(engine("hooks.failed", {"running": False, "completed": True})) == []


def test_stream_keeps_chats_apart_and_late_tool_results_find_their_card():
    stream = ChatStream()
    events = []
    for chat in ("c1", "c2"):
        events.append(
            engine("chat.turn.delta", {"chatId": chat, "event": CLAUDE_TURN[5]})
        )  # tool use toolu_1
    events.append(
        engine("chat.turn.delta", {"chatId": "c2", "event": CLAUDE_TURN[6]})
    )  # its result
    doc = apply_all(stream, events, ["c1", "c2"])
    c1, c2 = doc.find_id("chat-c1-transcript"), doc.find_id("chat-c2-transcript")
    assert "src/auth.py:3" not in c1.text() and "src/auth.py:3" in c2.text()


def test_stream_memory_is_bounded():
    stream = ChatStream(max_items=5)
    for i in range(20):
        stream.feed(
            engine(
                "chat.turn.delta",
                {"chatId": "c1", "event": claude_user({"type": "text", "text": f"m{i}"})},
            )
        )
    assert len(stream.chat("c1").transcript.items) == 5


def test_stream_accepts_stream_events_and_models():
    stream = ChatStream()
    raw = engine("chat.turn.delta", {"chatId": "c1", "event": CLAUDE_TURN[9]})
    out = stream.feed(
        StreamEvent(id="d1", type="chat.turn.delta", data=raw, model=parse_engine_event(raw))
    )
    assert out and "Fixed it" in out[0].html
    out = stream.feed(
        parse_engine_event(engine("chat.turn.delta", {"chatId": "c1", "event": CLAUDE_TURN[3]}))
    )
    assert out


# --- XSS through the event renderers -----------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_event_rendering_is_inert(payload):
    events = [
        claude_user({"type": "text", "text": payload}),
        claude_assistant({"type": "thinking", "text": payload}, {"type": "text", "text": payload}),
        claude_assistant({"type": "tool_use", "id": "t1", "name": payload, "input": {"command": payload, payload: payload}}),
        claude_user({"type": "tool_result", "tool_use_id": "t1", "content": payload, "is_error": True}),
        claude_user({"type": "tool_result", "tool_use_id": "orphan", "content": [{"type": "text", "text": payload}]}),
        agent("response_item", {"type": "custom_tool_call", "call_id": "c", "name": "apply_patch", "input": payload}),
        agent("response_item", {"type": "function_call", "call_id": "f", "name": "shell", "arguments": payload}),
        agent("cursor-error", {"message": payload, "details": payload}),
        agent("cursor-task", {"type": "task", "todos": [{"content": payload}]}),
        agent("opencode-part-tool", {"part": {"id": "x", "tool": payload, "callID": "o",
                                              "state": {"status": "error", "input": payload, "error": payload}}}),
        agent("pi-message_update", {"message": {"id": "p"}, "assistantMessageEvent": {"type": "text_delta", "delta": payload}}),
        agent(payload, {"x": payload}),
        agent("claude-result", {"type": "result", "subtype": payload, "is_error": True, "errors": [payload]}),
    ]  # fmt: skip
    assert_inert(
        render_history({"events": [hist(e) for e in events]}), context=f"history {payload!r}"
    )
    stream = ChatStream(senders=[{"senderUserId": "u", "senderEmail": payload, "recordedAt": TS}])
    live = [stream.feed_html(e) for e in live_events("c1", events)]
    live.append(
        stream.feed_html(engine("error", {"code": payload, "message": payload, "details": payload}))
    )
    live.append(stream.feed_html(engine(payload, {"x": payload})))
    live.append(
        stream.feed_html(
            engine("chat.created", {"chat": {"id": "c", "title": payload, "provider": payload}})
        )
    )
    assert_inert("".join(live), context=f"live {payload!r}")
    assert_inert(render_delta("x", payload), context="delta")


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is not installed")
def test_real_htmx_applies_the_live_fragments(tmp_path):
    """The same check as `test_live_transcript_matches_history`, with htmx 2 itself doing the
    out-of-band swaps in headless Chromium (as the SSE extension does: `htmx.swap`, swap none)."""
    import django_htmx

    htmx_js = Path(django_htmx.__file__).parent / "static" / "django_htmx" / "htmx-2.js"
    shutil.copy(htmx_js, tmp_path / "htmx.js")
    stream = ChatStream()
    fragments: list[str] = []
    expected: dict[str, str] = {}
    for index, turn in enumerate(TURNS.values()):
        chat = f"c{index}"
        fragments += [str(h) for e in live_events(chat, turn) if (h := stream.feed_html(e))]
        history = domsim.parse(render_history([hist(e) for e in turn]))
        expected[chat] = domsim.squash(history.text())
    containers = "".join(f'<div id="{transcript_dom_id(c)}"></div>' for c in expected)
    script = """
document.addEventListener("DOMContentLoaded", () => {
  for (const f of FRAGMENTS) htmx.swap(document.body, f, {swapStyle: "none"});
  document.querySelectorAll(".turn-state").forEach(n => n.remove());
  const out = {};
  for (const c of CHATS) {
    const node = document.getElementById("chat-" + c + "-transcript");
    out[c] = {text: node.textContent.replace(/\\s+/g, " ").trim(),
              streaming: node.querySelectorAll(".is-streaming").length};
  }
  const pre = document.createElement("pre");
  pre.id = "result";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});"""
    script = script.replace("FRAGMENTS", json.dumps(fragments)).replace(
        "CHATS", json.dumps(list(expected))
    )
    (tmp_path / "page.html").write_text(
        f'<!doctype html><html><head><meta charset="utf-8"><script src="htmx.js"></script></head>'
        f'<body><div id="replica-activity"></div>{containers}<script>{script}</script></body></html>'
    )
    args = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--allow-file-access-from-files",
        "--virtual-time-budget=5000", "--dump-dom", (tmp_path / "page.html").as_uri(),
    ]  # fmt: skip
    dom = subprocess.run(args, capture_output=True, text=True, timeout=90).stdout
    match = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert match, dom[-2000:]
    result = json.loads(html_lib.unescape(match.group(1)))
    for chat, text in expected.items():
        assert result[chat]["text"] == text, chat
        assert result[chat]["streaming"] == 0
