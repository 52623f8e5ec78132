"""The MCP servers tab against the emulator: forms per transport, the name rule as you type
(the same validator as the save), secrets masked and a reveal audited, edit keeping secrets,
delete, and the mcpServers import (preview, then a per-server report keeping what failed)."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from portal.accounts.models import AuditEntry

from .conftest import ADA_WEB, HX, WEB, audit_ops, text

pytestmark = pytest.mark.emulator

SECRET = "lin_s3cr3t_abcdef"
IMPORT_BOX = {"HX-Request": "true", "HX-Target": "mcp-import"}


def url(name, env_id, *args):
    return reverse(f"environments:{name}", args=[env_id, *args])


def servers(upstream, env_id) -> dict:
    listing = upstream.list_environment_mcps(str(env_id)).environment_mcps
    return {m.name: m for m in listing}


def config(mcp) -> dict:
    return mcp.config.root.model_dump(mode="json")


STDIO = {
    "name": "linear",
    "transport": "stdio",
    "command": "npx",
    "args": ["-y", "@linear/mcp", ""],
    "env_key": ["LINEAR_API_KEY", ""],
    "env_value": [SECRET, ""],
    "url": "",
    "header_key": [""],
    "header_value": [""],
}


def test_the_tab_masks_env_and_header_values(ada, upstream):
    body = ada.get(url("mcps", WEB)).content.decode()
    assert "internal-docs" in body and "@playwright/mcp@latest" in body
    headers = re.search(
        r'<td data-label="Headers">.*?</td>', body[body.index("internal-docs") :], re.S
    )[0]
    assert "X-Team" in headers and "web" not in headers  # the header's value stays masked
    assert 'aria-label="Reveal X-Team"' in body


def test_the_name_is_checked_as_you_type_with_the_rule_of_the_save(ada):
    check = reverse("environments:mcp_name_check")
    bad = ada.get(check, {"name": "replicas-tools"})
    assert bad.content.decode().lstrip().startswith('<div id="mcp-name-check"')
    assert "reserved" in text(bad)
    assert "No spaces" in text(ada.get(check, {"name": "my tools"}))
    assert "is a valid name" in text(ada.get(check, {"name": "my-tools_2"}))
    form = ada.get(url("mcps", WEB)).content.decode()
    name_input = re.search(r'<input type="text" name="name"[^>]*>', form)[0]
    assert f'hx-get="{check}"' in name_input and "input changed delay:300ms" in name_input
    assert 'hx-sync="this:replace"' in name_input


def test_add_a_stdio_server(ada, team_env, upstream):
    response = ada.post(url("mcp_add", team_env.id), STDIO, headers=HX)
    assert "linear added." in text(response) and SECRET not in response.content.decode()
    mcp = servers(upstream, team_env.id)["linear"]
    assert config(mcp) == {
        "command": "npx",
        "args": ["-y", "@linear/mcp"],
        "env": {"LINEAR_API_KEY": SECRET},
    }
    assert audit_ops(operation="createEnvironmentMcp") == ["createEnvironmentMcp"]


def test_add_an_sse_server_with_headers(ada, team_env, upstream):
    data = {
        **STDIO,
        "name": "events",
        "transport": "sse",
        "command": "",
        "url": "https://events.example.com/sse",
        "header_key": ["Authorization"],
        "header_value": ["Bearer x"],
    }
    ada.post(url("mcp_add", team_env.id), data, headers=HX)
    mcp = servers(upstream, team_env.id)["events"]
    assert config(mcp) == {
        "url": "https://events.example.com/sse",
        "headers": {"Authorization": "Bearer x"},
    }


def test_a_bad_name_is_refused_before_sending_with_the_form_kept(ada, team_env):
    response = ada.post(url("mcp_add", team_env.id), {**STDIO, "name": "bad name"}, headers=HX)
    assert "No spaces" in text(response)
    assert 'value="@linear/mcp"' in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_each_transport_needs_its_part(ada, team_env):
    no_command = ada.post(url("mcp_add", team_env.id), {**STDIO, "command": ""}, headers=HX)
    assert "A stdio server needs the command to run." in text(no_command)
    no_url = ada.post(url("mcp_add", team_env.id), {**STDIO, "transport": "http"}, headers=HX)
    assert "Give the server's http(s) URL." in text(no_url)
    twice = ada.post(
        url("mcp_add", team_env.id),
        {**STDIO, "env_key": ["A", "A"], "env_value": ["1", "2"]},
        headers=HX,
    )
    assert "A is given twice." in text(twice)


def test_a_taken_name_409_goes_on_the_name(ada, team_env, upstream):
    ada.post(url("mcp_add", team_env.id), STDIO, headers=HX)
    again = ada.post(url("mcp_add", team_env.id), STDIO, headers=HX)
    assert "An MCP server with this name already exists here." in text(again)
    statuses = AuditEntry.objects.filter(operation="createEnvironmentMcp").values_list(
        "status_code", flat=True
    )
    assert list(statuses) == [409, 201]


def test_edit_keeps_a_secret_left_empty_and_changes_the_rest(ada, team_env, upstream):
    ada.post(url("mcp_add", team_env.id), STDIO, headers=HX)
    mcp = servers(upstream, team_env.id)["linear"]
    form = ada.get(url("mcp", team_env.id, mcp.id), headers=HX).content.decode()
    assert SECRET not in form and "•••••• (unchanged)" in form
    data = {
        **STDIO,
        "args": ["-y", "@linear/mcp@2"],
        "env_key": ["LINEAR_API_KEY", "EXTRA"],
        "env_value": ["", "more"],
    }
    saved = ada.post(url("mcp", team_env.id, mcp.id), data, headers=HX)
    assert "linear saved." in text(saved)
    assert config(servers(upstream, team_env.id)["linear"]) == {
        "command": "npx",
        "args": ["-y", "@linear/mcp@2"],
        "env": {"LINEAR_API_KEY": SECRET, "EXTRA": "more"},
    }
    assert audit_ops(operation="updateEnvironmentMcp") == ["updateEnvironmentMcp"]


def test_reveal_one_secret_is_audited(ada, admin, team_env, upstream):
    ada.post(url("mcp_add", team_env.id), STDIO, headers=HX)
    mcp = servers(upstream, team_env.id)["linear"]
    target = f"mcp-{mcp.id}-secret-0"
    response = ada.post(
        url("mcp_secret_reveal", team_env.id, mcp.id, 0),
        headers={"HX-Request": "true", "HX-Target": target},
    )
    body = response.content.decode()
    assert body.lstrip().startswith(f'<span id="{target}"') and SECRET in body
    entry = AuditEntry.objects.get(operation="portal.revealSecret")
    assert entry.user == admin and "LINEAR_API_KEY" in entry.detail and SECRET not in entry.detail
    hidden = ada.get(
        url("mcp_secret_hide", team_env.id, mcp.id, 0),
        headers={"HX-Request": "true", "HX-Target": target},
    )
    assert SECRET not in hidden.content.decode()


def test_delete_a_server(ada, team_env, upstream):
    ada.post(url("mcp_add", team_env.id), STDIO, headers=HX)
    mcp = servers(upstream, team_env.id)["linear"]
    response = ada.post(url("mcp_delete", team_env.id, mcp.id), headers=HX)
    assert "linear deleted." in text(response)
    assert servers(upstream, team_env.id) == {}


def test_a_member_is_refused_changes_to_a_team_environment(grace, upstream):
    mcp = servers(upstream, WEB)["playwright"]
    body = grace.get(url("mcps", WEB)).content.decode()
    assert "Add an MCP server" not in body and "Reveal" not in body
    assert "Only org admins" in text(grace.post(url("mcp_add", WEB), STDIO, headers=HX))
    assert grace.post(url("mcp_delete", WEB, mcp.id)).status_code == 403
    assert grace.post(url("mcp_secret_reveal", WEB, mcp.id, 0)).status_code == 403
    assert not AuditEntry.objects.exists()


# --- import -------------------------------------------------------------------------------------

BLOCK = {
    "mcpServers": {
        "linear": {
            "command": "npx",
            "args": ["-y", "@linear/mcp"],
            "env": {"LINEAR_API_KEY": SECRET},
        },
        "docs": {"url": "https://docs.example.com/mcp", "headers": {"Authorization": "Bearer d"}},
        "replicas-mine": {"command": "x"},
        "events": {"type": "sse", "url": "https://example.com/sse", "timeout": 30},
    }
}


def test_import_previews_each_server_with_secrets_masked(ada, team_env):
    response = ada.post(
        url("mcp_import", team_env.id), {"servers_json": json.dumps(BLOCK)}, headers=IMPORT_BOX
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="mcp-import"')
    preview = re.search(r'<div class="mcp-import-preview".*?</table>', body, re.S)[0]
    assert SECRET not in preview and "LINEAR_API_KEY =•••" in text(preview)
    rows = {
        text(r).split()[0]: text(r)
        for r in re.findall(r"<tr class=\"preview-.*?</tr>", preview, re.S)
    }
    assert "created" in rows["linear"] and "stdio" in rows["linear"]
    assert "http" in rows["docs"]
    assert "invalid" in rows["replicas-mine"] and "reserved" in rows["replicas-mine"]
    assert "sse" in rows["events"] and "ignored: timeout" in rows["events"]
    assert "Create 3 servers" in text(body)
    assert not AuditEntry.objects.exists()


def test_import_creates_each_and_keeps_what_did_not(ada, team_env, upstream, faults):
    env = str(team_env.id)
    upstream.create_environment_mcp(
        env,
        {"name": "docs", "transport": "http", "config": {"url": "https://d.test", "headers": {}}},
    )
    # The API fails on the first server created (a re-read finds it wasn't).
    faults("POST", rf"^/v1/environments/{env}/mcps$", 500, times=1)
    response = ada.post(
        url("mcp_import_apply", env), {"servers_json": json.dumps(BLOCK)}, headers=HX
    )
    body = response.content.decode()
    assert "1 server created, 1 failed." in text(body)
    report = re.search(r'<table class="table mcp-import-report">.*?</table>', body, re.S)[0]
    results = {
        text(r).split()[0]: text(r)
        for r in re.findall(r"<tr class=\"result-.*?</tr>", report, re.S)
    }
    assert "failed" in results["linear"] and "The Replica API had a problem" in results["linear"]
    assert "skipped" in results["docs"] and "already exists" in results["docs"]
    assert "skipped" in results["replicas-mine"]
    assert "created" in results["events"]
    assert sorted(servers(upstream, env)) == ["docs", "events"]
    kept = json.loads(
        unescape(re.search(r'<textarea name="servers_json"[^>]*>(.*?)</textarea>', body, re.S)[1])
    )
    assert sorted(kept["mcpServers"]) == ["docs", "linear", "replicas-mine"]
    assert kept["mcpServers"]["linear"] == BLOCK["mcpServers"]["linear"]  # as pasted


def test_import_of_unreadable_json_says_what_to_paste(ada, team_env):
    response = ada.post(
        url("mcp_import", team_env.id), {"servers_json": "{nope"}, headers=IMPORT_BOX
    )
    assert "isn't valid JSON" in text(response)
    assert "{nope" in response.content.decode()


def test_a_source_backed_environment_names_its_inherited_servers(ada):
    assert "Inherited from web: internal-docs (sse), playwright (stdio)" in text(
        ada.get(url("mcps", ADA_WEB))
    )
