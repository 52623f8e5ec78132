"""The mcpServers importer: the Claude Code / Cursor JSON format read as the API's MCP
servers, one bad server never stopping the others."""

from __future__ import annotations

import json

import pytest

from portal.environments import mcp_import


def servers(block: dict) -> dict[str, mcp_import.Server]:
    parsed = mcp_import.parse(json.dumps(block))
    assert parsed.error == ""
    return {s.name: s for s in parsed.servers}


def test_stdio_http_and_sse_servers():
    found = servers(
        {
            "mcpServers": {
                "linear": {
                    "command": "npx",
                    "args": ["-y", "@linear/mcp"],
                    "env": {"LINEAR_API_KEY": "lin_x"},
                },
                "docs": {"url": "https://docs.example.com/mcp", "headers": {"X-Key": "k"}},
                "events": {"type": "sse", "url": "https://example.com/events"},
                "stream": {"url": "https://example.com/mcp/sse"},
                "typed-http": {"type": "streamable-http", "url": "https://example.com/x"},
            }
        }
    )
    assert found["linear"].body() == {
        "name": "linear",
        "transport": "stdio",
        "config": {
            "command": "npx",
            "args": ["-y", "@linear/mcp"],
            "env": {"LINEAR_API_KEY": "lin_x"},
        },
    }
    assert found["docs"].transport == "http"
    assert found["docs"].config == {
        "url": "https://docs.example.com/mcp",
        "headers": {"X-Key": "k"},
    }
    assert found["events"].transport == "sse"
    assert found["stream"].transport == "sse"  # no type, the path ends in /sse
    assert found["typed-http"].transport == "http"
    assert all(s.ok for s in found.values())
    assert found["linear"].secret_keys == ["LINEAR_API_KEY"]


def test_missing_args_and_env_default_to_empty():
    found = servers({"mcpServers": {"bare": {"command": "uvx"}, "h": {"url": "http://x.test"}}})
    assert found["bare"].config == {"command": "uvx", "args": [], "env": {}}
    assert found["h"].config == {"url": "http://x.test", "headers": {}}


@pytest.mark.parametrize(
    ("name", "raw", "words"),
    [
        ("replicas-x", {"command": "npx"}, "reserved"),
        ("has space", {"command": "npx"}, "No spaces"),
        ("-dash-first", {"command": "npx"}, "starting with a letter or digit"),
        ("x" * 65, {"command": "npx"}, "at most 64"),
        ("both", {"command": "npx", "url": "https://x.test"}, "both command and url"),
        ("neither", {"args": ["a"]}, "neither command"),
        ("bad-url", {"url": "ftp://x.test"}, "http(s) URL"),
        ("bad-type", {"type": "websocket", "url": "https://x.test"}, "not one the API knows"),
        ("stdio-url", {"type": "stdio", "url": "https://x.test"}, "needs a command"),
        ("args-not-list", {"command": "npx", "args": "-y"}, "args must be a list"),
        ("env-not-map", {"command": "npx", "env": ["A=1"]}, "env must be an object"),
        ("env-bool", {"command": "npx", "env": {"A": True}}, "env.A must be a string"),
        ("empty-command", {"command": "  "}, "command must be a non-empty string"),
        ("not-object", "npx -y thing", "must be an object"),
    ],
)
def test_each_bad_server_says_why(name, raw, words):
    found = servers({"mcpServers": {name: raw, "good": {"command": "npx"}}})
    assert not found[name].ok
    assert any(words in problem for problem in found[name].problems), found[name].problems
    assert found["good"].ok  # one bad server doesn't stop the rest


def test_numbers_in_args_and_env_become_strings():
    found = servers(
        {"mcpServers": {"n": {"command": "srv", "args": ["--port", 8080], "env": {"N": 3}}}}
    )
    assert found["n"].config["args"] == ["--port", "8080"]
    assert found["n"].config["env"] == {"N": "3"}


def test_keys_the_api_has_no_place_for_are_named():
    found = servers({"mcpServers": {"s": {"command": "x", "cwd": "/tmp", "timeout": 5}}})
    assert found["s"].ok and found["s"].ignored == ["cwd", "timeout"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "isn't valid JSON (line 1"),
        ('{"servers": {}}', '"mcpServers" object'),
        ("[1, 2]", '"mcpServers" object'),
        ('{"mcpServers": []}', '"mcpServers" object'),
        ('{"mcpServers": {}}', "nothing to import"),
        ("", "isn't valid JSON"),
    ],
)
def test_a_block_that_cannot_be_read_says_what_to_paste(text, words):
    parsed = mcp_import.parse(text)
    assert parsed.servers == [] and words in parsed.error


def test_leftover_is_a_block_of_just_those_servers_that_parses_again():
    parsed = mcp_import.parse(
        json.dumps(
            {"mcpServers": {"a": {"command": "x"}, "b": {"url": "nope"}, "c": {"command": "y"}}}
        )
    )
    kept = mcp_import.leftover([s for s in parsed.servers if s.name != "a"])
    assert json.loads(kept) == {"mcpServers": {"b": {"url": "nope"}, "c": {"command": "y"}}}
    assert [s.name for s in mcp_import.parse(kept).servers] == ["b", "c"]
    assert mcp_import.leftover([]) == ""
