"""The Hooks panel against the emulator: warm and start hook logs with exit code, timed-out
flag, time and output; truncated output says so; sleeping/error workspaces; access."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
import respx
from django.urls import reverse

from tests.accounts.personas import *  # noqa: F403
from tests.replicas.conftest import (
    SEEDED,
    active_replica,
    assert_asked_together,
    seeded_replica,
    seeded_replicas,
)

from . import domsim

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def logged(org_api) -> dict:
    """A seeded active replica whose hook logs include a truncated and a timed-out run."""
    for replica in seeded_replicas(org_api, "active"):
        hooks = org_api.get_replica_hooks(str(replica.id))
        runs = hooks.warm_hooks.logs + hooks.start_hooks.logs
        if any(r.outputTruncated for r in runs) and any(r.timedOut for r in runs):
            return {"id": str(replica.id), "hooks": hooks}
    raise AssertionError("no seeded replica has truncated and timed-out hook logs")


def hooks_url(rid: str) -> str:
    return reverse("replicas:hooks", args=[rid])


def runs(body: str, group: str) -> list[str]:
    """The `<details class="hook-run">` blocks of one group ("warm" or "start")."""
    section = re.search(
        rf'<section class="hook-group" aria-labelledby="{group}-hooks-title">(.*?)</section>',
        body,
        re.S,
    )[1]
    return re.findall(r'<details class="hook-run\b.*?</div>\s*</details>', section, re.S)


def test_warm_and_start_runs_show_exit_code_time_and_output(ada, logged):
    response = ada.get(hooks_url(logged["id"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="replica-header"' in body and 'aria-current="page">Hooks</a>' in body
    hooks = logged["hooks"]
    for group, entries in (("warm", hooks.warm_hooks.logs), ("start", hooks.start_hooks.logs)):
        blocks = runs(body, group)
        assert len(blocks) == len(entries)
        for entry, block in zip(entries, blocks, strict=True):
            text = domsim.squash(domsim.parse(block).text())
            assert entry.hookName in text
            assert f"exit {entry.exitCode}" in text
            assert f'datetime="{entry.executedAt.isoformat()}"' in block
            first_line = entry.output.strip().splitlines()[0]
            assert domsim.squash(first_line) in text
            if group == "warm":
                assert domsim.squash(entry.hookScript.splitlines()[-1]) in text
            else:
                assert all(domsim.squash(c) in text for c in entry.hookCommands)


def test_timed_out_and_failed_runs_are_flagged_and_open(ada, logged):
    body = ada.get(hooks_url(logged["id"])).content.decode()
    hooks = logged["hooks"]
    for group, entries in (("warm", hooks.warm_hooks.logs), ("start", hooks.start_hooks.logs)):
        for entry, block in zip(entries, runs(body, group), strict=True):
            head = re.search(r"<summary.*?</summary>", block, re.S)[0]
            failed = entry.timedOut or entry.exitCode != 0
            assert bool(re.match(r"<details[^>]*\sopen>", block)) == failed, entry.hookName
            assert ("timed out" in head) == entry.timedOut, entry.hookName
            if entry.timedOut:
                assert "This hook timed out and was stopped." in block
                assert "hook-exit--bad" in head


def test_truncated_output_says_how_much_is_shown(ada, logged):
    body = ada.get(hooks_url(logged["id"])).content.decode()
    hooks = logged["hooks"]
    for group, entries in (("warm", hooks.warm_hooks.logs), ("start", hooks.start_hooks.logs)):
        for entry, block in zip(entries, runs(body, group), strict=True):
            if entry.outputTruncated:
                assert "output truncated" in block
                assert (
                    f"Output truncated: showing the first {len(entry.output):,} of "
                    f"{entry.outputTotalChars:,} characters"
                ) in domsim.squash(block)
            else:
                assert "truncated" not in block.lower()


def test_hook_output_is_escaped(ada, logged):
    body = ada.get(hooks_url(logged["id"])).content.decode()
    # The seeded scripts hold quotes and `>` redirections: they come out as text.
    assert "&gt; /tmp/dev.log" in body or "&quot;" in body
    assert '<pre class="hook-output">' in body


def new_replica(org_api) -> str:
    repo = org_api.list_repositories().repositories[0]
    return active_replica(
        org_api, f"hooks-test-{uuid.uuid4().hex[:6]}", message="Hi", repository_ids=[str(repo.id)]
    )


def test_a_replica_without_hook_runs_says_so(ada, org_api):
    for replica in (seeded_replica(org_api, name) for name in SEEDED["active"]):
        hooks = org_api.get_replica_hooks(str(replica.id))
        if not hooks.warm_hooks.logs and not hooks.start_hooks.logs:
            body = ada.get(hooks_url(str(replica.id))).content.decode()
            assert "No warm hooks ran." in body and "No start hooks ran." in body
            return
    pytest.fail("no seeded active replica is without hook logs")


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("sleeping", "Hook logs are unavailable while the workspace is sleeping."),
        ("error", "this workspace is in its error state, so its hook logs can't be read"),
    ],
)
def test_an_unreadable_workspace_says_hooks_are_unavailable(ada, emulator, org_api, state, message):
    rid = new_replica(org_api)
    emulator.control(f"replicas/{rid}/state", {"status": state})
    response = ada.get(hooks_url(rid))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert ("Wake</button>" in body) == (state == "sleeping")


def test_a_conflict_on_an_active_workspace_says_to_try_later(ada, logged, settings):
    rid = logged["id"]
    conflict = httpx.Response(
        409, json={"error": "Workspace is still preparing", "details": "Retry shortly."}
    )
    with respx.mock(base_url=settings.REPLICAS_API_URL, assert_all_called=True) as mock:
        mock.get(f"/v1/replica/{rid}/hooks").mock(return_value=conflict)
        mock.route().pass_through()
        response = ada.get(hooks_url(rid))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Hook logs can't be read right now" in body and "Workspace is still preparing" in body


def test_the_panel_works_with_the_database_off_limits_to_async_code(ada, logged, monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    assert ada.get(hooks_url(logged["id"])).status_code == 200


def test_hooks_and_the_header_are_fetched_concurrently(ada, logged, settings):
    assert_asked_together(ada, hooks_url(logged["id"]), settings.REPLICAS_API_URL)


def test_an_htmx_tab_switch_gets_the_whole_page(ada, logged):
    # The tab bar swaps #main out of the full page (hx-select="#main").
    headers = {"HX-Request": "true", "HX-Target": "main"}
    body = ada.get(hooks_url(logged["id"]), headers=headers).content.decode()
    assert 'id="main"' in body and 'id="hooks"' in body and 'id="replica-header"' in body


def test_an_unknown_replica_is_a_404(ada):
    assert ada.get(hooks_url(str(uuid.uuid4()))).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(db, logged):
    from django.test import Client

    response = Client().get(hooks_url(logged["id"]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_member_without_a_key_is_sent_to_add_one(as_member, logged):
    response = as_member.get(hooks_url(logged["id"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:key_needed"))
