"""The Warm pool tab against the emulator over real HTTP: state, workspaces, on/off, who may."""

from __future__ import annotations

import html

import pytest
from asgiref.sync import async_to_sync

from portal.accounts.models import AuditEntry
from tests.environments.conftest import SCRATCH, WEB, audit_ops

pytestmark = pytest.mark.emulator

HX = {"HX-Request": "true", "HX-Target": "panel"}


def pool_url(env_id) -> str:
    return f"/environments/{env_id}/warm-pool/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_pool_shows_its_size_state_and_workspaces(ada):
    body = text(ada.get(pool_url(WEB)))
    assert "Warm pool:" in body and 'run-badge run-ok">on' in body
    assert "Target size</dt><dd>3 workspaces" in body
    assert "Generation</dt><dd>3" in body
    # The emulator's workspaces move on with the clock (warming, then ready...): the seeded
    # history stays.
    for status in ("ready", "assigned", "expired", "failed"):
        assert f"pool-status-{status}" in body, status
    assert "(stale)" in body
    if "pool-status-warming" in body:
        assert "Watch output" in body
    assert 'class="tab active" aria-current="page">Warm pool' in body


def test_watching_a_workspace_opens_its_live_output(ada, upstream):
    pool = upstream.get_environment_warm_hooks(WEB).warm_pool
    ws = upstream.list_warm_pool_workspaces(str(pool.id)).workspaces[0]
    response = ada.get(
        pool_url(WEB), {"watch": str(ws.id)}, headers={**HX, "HX-Target": "pool-watch"}
    )
    body = text(response)
    assert body.lstrip().startswith('<section id="pool-watch"')
    assert f'sse-connect="/environments/{WEB}/warm-pool/workspaces/{ws.id}/stream/"' in body
    assert 'id="pool-log"' in body


def test_a_disabled_pool_and_an_environment_without_one(ada, team_env, upstream):
    assert 'run-badge run-warn">off' in text(ada.get(pool_url(SCRATCH)))
    # A new environment's pool is on by default (the guide); switched off, it says so.
    env_id = str(team_env.id)
    assert 'run-badge run-ok">on' in text(ada.get(pool_url(env_id)))


def test_an_admin_turns_a_pool_off_and_on_and_it_is_audited(ada, admin, team_env, upstream):
    env_id = str(team_env.id)
    toggle = f"/environments/{env_id}/warm-pool/toggle/"
    body = text(ada.post(toggle, {"enabled": "off"}, headers=HX))
    assert "The warm pool is off." in body and 'run-badge run-warn">off' in body
    assert upstream.get_environment_warm_hooks(env_id).warm_pool.enabled is False
    body = text(ada.post(toggle, {"enabled": "on"}, headers=HX))
    assert "The warm pool is on." in body
    assert upstream.get_environment_warm_hooks(env_id).warm_pool.enabled is True
    assert audit_ops(user=admin).count("upsertEnvironmentWarmPool") == 2


def test_a_member_cant_switch_a_team_pool(grace, member, upstream):
    body = text(grace.get(pool_url(WEB)))
    assert "Turn the warm pool" not in body and "Only org admins" in body
    response = grace.post(f"/environments/{WEB}/warm-pool/toggle/", {"enabled": "off"}, headers=HX)
    assert "Only org admins" in text(response) and 'role="alert"' in text(response)
    assert upstream.get_environment_warm_hooks(WEB).warm_pool.enabled is True
    assert not AuditEntry.objects.filter(user=member).exists()


def test_a_member_switches_their_own_pool(grace, grace_env, grace_upstream):
    env_id = str(grace_env.id)
    body = text(
        grace.post(f"/environments/{env_id}/warm-pool/toggle/", {"enabled": "off"}, headers=HX)
    )
    assert "The warm pool is off." in body
    assert grace_upstream.get_environment_warm_hooks(env_id).warm_pool.enabled is False


def test_a_failing_pool_read_stays_in_its_box(ada, faults):
    faults("GET", r"/warm-hooks$", 500)
    response = ada.get(pool_url(WEB))
    body = text(response)
    assert response.status_code == 200
    assert 'role="alert"' in body and "Try again" in body
    assert 'id="env-header"' in body  # the header and tabs stay


def test_a_failing_toggle_says_why(ada, team_env, faults, upstream):
    env_id = str(team_env.id)
    faults("PUT", r"/warm-pools$", 500)
    body = text(
        ada.post(f"/environments/{env_id}/warm-pool/toggle/", {"enabled": "off"}, headers=HX)
    )
    assert 'role="alert"' in body
    assert upstream.get_environment_warm_hooks(env_id).warm_pool.enabled is True


def test_while_a_workspace_warms_the_pool_box_re_gets_itself(ada, team_env, upstream):
    env_id = str(team_env.id)
    upstream.save_environment_warm_hook(env_id, {"content": "echo warming\n"})  # a rebuild
    body = text(ada.get(pool_url(env_id)))
    assert 'id="pool-live"' in body and 'hx-trigger="every 4s"' in body
    assert "Watch output" in body
    part = ada.get(pool_url(env_id), headers={**HX, "HX-Target": "pool-live"})
    assert part.content.decode().lstrip().startswith('<div id="pool-live"')


def test_members_dont_get_a_team_workspaces_live_output(grace, upstream):
    """Warm hook output can hold the environment's secret values, which members don't see."""
    pool = upstream.get_environment_warm_hooks(WEB).warm_pool
    ws = upstream.list_warm_pool_workspaces(str(pool.id)).workspaces[0]
    body = text(grace.get(pool_url(WEB), {"watch": str(ws.id)}))
    assert "Watch output" not in body and "sse-connect" not in body
    assert "shown only to those who may change" in body
    response = grace.get(f"/environments/{WEB}/warm-pool/workspaces/{ws.id}/stream/")

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    streamed = html.unescape(async_to_sync(collect)().decode())
    assert "shown only to those who may change" in streamed and "event: close" in streamed
