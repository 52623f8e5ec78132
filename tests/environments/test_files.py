"""The Files tab against the emulator: add, edit, delete (audited); the path rule and the
64 KB limit checked before sending; a 413 or a 400 "too large" from the API become the same
message with the content kept; members read, and are refused changes."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest
import respx
from django.urls import reverse

from portal.accounts.models import AuditEntry

from .conftest import ADA_WEB, HX, WEB, audit_ops, text

pytestmark = pytest.mark.emulator

TOO_LARGE = "a file can hold at most 64 KB (65,536 bytes)"


def url(name, env_id, *args):
    return reverse(f"environments:{name}", args=[env_id, *args])


def textarea(response) -> str:
    match = re.search(
        r"<textarea name=\"(?:new|edit)-content\"[^>]*>(.*?)</textarea>",
        response.content.decode(),
        re.S,
    )
    return unescape(match[1]).removeprefix("\n")


def files(upstream, env_id) -> dict[str, str]:
    return {
        f.path: f.content for f in upstream.list_environment_files(str(env_id)).environment_files
    }


def test_the_tab_lists_files_with_path_size_and_an_editor(ada):
    response = ada.get(url("files", WEB))
    body = response.content.decode()
    assert "~/web/.env.local" in body
    assert 'data-editor="lines"' in body and 'data-max-bytes="65536"' in body
    assert "0 of 65536 bytes" in text(body)


def test_add_edit_and_delete_a_file(ada, team_env, upstream):
    env = str(team_env.id)
    content = "# Notes\n\nÜnïcode counts in bytes.\n"
    added = ada.post(
        url("file_add", env),
        {"new-name": "notes", "new-path": "~/notes.md", "new-content": content},
        headers=HX,
    )
    assert "~/notes.md added." in text(added)
    assert files(upstream, env) == {"~/notes.md": content}
    file_id = str(upstream.list_environment_files(env).environment_files[0].id)
    opened = ada.get(url("file", env, file_id), headers=HX)
    assert textarea(opened) == content
    assert f"{len(content.encode())} of 65536 bytes" in text(opened)
    saved = ada.post(
        url("file", env, file_id),
        {"edit-name": "notes", "edit-path": "~/docs/notes.md", "edit-content": "new"},
        headers=HX,
    )
    assert "~/docs/notes.md saved." in text(saved)
    assert files(upstream, env) == {"~/docs/notes.md": "new"}
    deleted = ada.post(url("file_delete", env, file_id), headers=HX)
    assert "~/docs/notes.md deleted." in text(deleted)
    assert files(upstream, env) == {}
    assert audit_ops(username="ada") == [
        "deleteEnvironmentFile",
        "updateEnvironmentFile",
        "createEnvironmentFile",
    ]


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("AGENTS.md", "must start with ~/ or /"),
        ("~/dir/", "end the path with a file name"),
        ("~/../etc/passwd", "must not contain .. segments"),
        ("/etc/profile", "is in a system directory"),
    ],
)
def test_the_path_rule_is_checked_before_sending(ada, team_env, path, words):
    response = ada.post(
        url("file_add", team_env.id),
        {"new-name": "x", "new-path": path, "new-content": "kept text"},
        headers=HX,
    )
    assert words in text(response)
    assert "~/" in text(response)  # it says which paths the API accepts
    assert textarea(response) == "kept text"
    assert not AuditEntry.objects.exists()


def test_over_64_kb_is_refused_before_sending_with_the_content_kept(ada, team_env):
    big = "é" * 33_000  # 66,000 bytes in 33,000 characters
    response = ada.post(
        url("file_add", team_env.id),
        {"new-name": "big", "new-path": "~/big.txt", "new-content": big},
        headers=HX,
    )
    assert TOO_LARGE in text(response) and "66,000 bytes" in text(response)
    assert textarea(response) == big
    assert "byte-count is-over" in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_a_413_from_the_api_is_the_same_message_with_the_content_kept(ada, team_env, faults):
    faults("POST", rf"/v1/environments/{team_env.id}/files$", 413)
    response = ada.post(
        url("file_add", team_env.id),
        {"new-name": "x", "new-path": "~/x.txt", "new-content": "almost too much"},
        headers=HX,
    )
    assert TOO_LARGE in text(response)
    assert textarea(response) == "almost too much"
    assert AuditEntry.objects.get(operation="createEnvironmentFile").status_code == 413


def test_a_400_file_too_large_from_the_real_api_reads_the_same(ada, team_env, settings):
    refusal = httpx.Response(400, json={"error": "File too large", "details": "Maximum is 64 KB."})
    with respx.mock(base_url=settings.REPLICAS_API_URL, assert_all_called=True) as mock:
        mock.post(f"/v1/environments/{team_env.id}/files").mock(return_value=refusal)
        mock.route().pass_through()
        response = ada.post(
            url("file_add", team_env.id),
            {"new-name": "x", "new-path": "~/x.txt", "new-content": "text"},
            headers=HX,
        )
    assert TOO_LARGE in text(response)
    assert textarea(response) == "text"


def test_another_400_about_the_path_goes_on_the_path(ada, team_env, upstream):
    upstream.create_environment_file(
        str(team_env.id), {"name": "a", "path": "~/a.md", "content": ""}
    )
    response = ada.post(
        url("file_add", team_env.id),
        {"new-name": "b", "new-path": "~/a.md", "new-content": "mine"},
        headers=HX,
    )
    assert "A file at ~/a.md already exists" in text(response)
    assert textarea(response) == "mine"


def test_a_member_reads_team_files_and_is_refused_changes(grace, upstream):
    file_id = str(upstream.list_environment_files(WEB).environment_files[0].id)
    body = grace.get(url("files", WEB)).content.decode()
    assert ">View</a>" in body and "New file" not in body
    opened = grace.get(url("file", WEB, file_id))
    assert "Read-only for you" in text(opened) and "disabled" in opened.content.decode()
    refused = grace.post(
        url("file", WEB, file_id),
        {"edit-name": "x", "edit-path": "~/x", "edit-content": "x"},
        headers=HX,
    )
    assert "Only org admins can change team environments" in text(refused)
    assert grace.post(url("file_delete", WEB, file_id)).status_code == 403
    assert not AuditEntry.objects.exists()


def test_a_source_backed_environment_lists_its_sources_files_locked(ada):
    body = text(ada.get(url("files", ADA_WEB)))
    assert "Inherited from web" in body and "~/web/.env.local" in body
