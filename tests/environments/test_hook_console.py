"""The warm-hook and start-hook consoles' pages and actions against the emulator over real HTTP
(Django's test client; the live stream itself is tested in test_console_relay.py and, through
uvicorn, in tests/browser/test_hook_console_browser.py)."""

from __future__ import annotations

import html
import json

import pytest
from asgiref.sync import async_to_sync

from portal.accounts.models import AuditEntry
from portal.environments.models import HookAction, HookVersion, RunState
from tests.environments.conftest import GLOBAL, WEB, audit_ops

pytestmark = pytest.mark.emulator

HX = {"HX-Request": "true"}


def console(env_id, kind="warm") -> str:
    return f"/environments/{env_id}/{kind}-hook/"


def run_url(env_id, kind="warm") -> str:
    return f"/environments/{env_id}/{kind}-hook/run/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def post_run(client, env_id, content, action, kind="warm", htmx=True):
    headers = {**HX, "HX-Target": "console-run"} if htmx else {}
    return client.post(
        run_url(env_id, kind), {"content": content, "action": action}, headers=headers
    )


# --- the page ---------------------------------------------------------------------------------


def test_the_console_shows_the_active_hook_in_the_editor_beside_the_repository_hooks(ada):
    body = text(ada.get(console(WEB)))
    assert 'id="hook-form"' in body and "data-code-editor" in body
    assert 'echo "Installing Playwright browsers"' in body  # the active warm hook (v3)
    assert "Active: version 3" in body
    assert "acme/web" in body and "replicas.json" in body  # the repository's own hook
    assert "Installing web dependencies" in body
    assert "This history is the portal’s own" in body
    for action in ("test", "save_test", "save"):
        assert f'name="action" value="{action}"' in body
    assert "hx-confirm=" in body  # Save asks first
    assert 'class="tab active" aria-current="page">Warm hook' in body
    assert "env-kind-team" in body  # the header's own `kind` is left alone


def test_the_start_hook_console_has_test_and_save(ada):
    body = text(ada.get(console(WEB, "start")))
    assert "Dev server starting on :3000" in body
    assert 'value="save_test"' not in body and 'value="test"' in body and 'value="save"' in body
    assert "pnpm dev --port 3000 &amp;" in ada.get(console(WEB, "start")).content.decode()


def test_global_environment_console(ada):
    body = text(ada.get(console(GLOBAL)))
    assert "Global tooling ready" in body
    assert "bound to no repository" in body


def test_a_member_sees_a_team_console_read_only(grace):
    body = text(grace.get(console(WEB)))
    assert "Read-only for you" in body
    assert 'value="test"' not in body and "readonly" in body


def test_a_member_is_refused_in_words_and_nothing_is_sent(grace, member):
    response = post_run(grace, WEB, "echo hi\n", "test")
    body = text(response)
    assert response.status_code == 200 and 'role="alert"' in body
    assert "Only org admins" in body and "still in the editor" in body
    assert not HookVersion.objects.exists()
    assert not AuditEntry.objects.filter(user=member).exists()


def test_a_member_tests_their_own_personal_environments_hook(grace, member, grace_env):
    env_id = str(grace_env.id)
    response = post_run(grace, env_id, "echo mine\n", "test")
    body = text(response)
    assert 'sse-connect="/environments/' in body and "/warm-hook/runs/" in body
    version = HookVersion.objects.get()
    assert version.user == member and version.state == RunState.PENDING
    assert version.content == "echo mine\n" and version.action == HookAction.TEST
    assert 'id="versions" class="hook-versions"' in body and 'hx-swap-oob="true"' in body


def test_an_empty_script_is_refused_at_the_field_and_the_form_is_re_rendered(ada):
    response = post_run(ada, WEB, "   \n", "test")
    assert response["HX-Retarget"] == "#hook-form" and response["HX-Reswap"] == "outerHTML"
    body = text(response)
    assert "Write a script to test first" in body and 'role="alert"' in body
    assert not HookVersion.objects.exists()


def test_crlf_from_the_browser_is_sent_as_lf(ada, team_env):
    env_id = str(team_env.id)
    post_run(ada, env_id, "echo a\r\necho b\r\n", "test")
    assert HookVersion.objects.get().content == "echo a\necho b\n"


# --- save ---------------------------------------------------------------------------------------


def test_save_activates_it_records_the_version_and_is_audited(ada, admin, team_env, upstream):
    env_id = str(team_env.id)
    script = "#!/bin/sh\necho saved without a test\n"
    response = post_run(ada, env_id, script, "save")
    body = text(response)
    assert "Saved: this is now the active warm hook (version 1)." in body
    assert 'id="active-hook"' in body and "data-hook-saved" in body
    assert upstream.get_environment_warm_hooks(env_id).warm_hook.content == script
    version = HookVersion.objects.get()
    assert (version.action, version.state, version.saved, version.api_version) == (
        HookAction.SAVE,
        RunState.FINISHED,
        True,
        1,
    )
    assert version.username == "ada" and version.key_kind == "personal"
    assert "saveEnvironmentWarmHook" in audit_ops(user=admin)


def test_a_failed_save_says_why_and_keeps_the_script(ada, team_env, faults, upstream):
    env_id = str(team_env.id)
    faults("POST", r"/warm-hooks/save$", 400)
    response = post_run(ada, env_id, "echo refused\n", "save")
    body = text(response)
    assert 'role="alert"' in body and "refused" in body.lower()
    assert "The script is still in the editor" in body
    assert upstream.get_environment_warm_hooks(env_id).warm_hook is None
    version = HookVersion.objects.get()
    assert version.saved is False and version.state == RunState.FAILED


def test_a_save_whose_answer_was_lost_is_checked(ada, team_env, faults, upstream):
    env_id = str(team_env.id)
    faults("POST", r"/warm-hooks/save$", "drop-after", times=1)
    body = text(post_run(ada, env_id, "echo lost answer\n", "save"))
    assert "Saved: this is now the active warm hook" in body
    version = HookVersion.objects.get()
    assert version.saved is True and "answer was lost" in version.note


def test_saving_an_empty_start_hook_clears_it(ada, team_env, upstream):
    env_id = str(team_env.id)
    upstream.save_environment_start_hook(env_id, {"content": "echo start\n"})
    body = text(post_run(ada, env_id, "", "save", kind="start"))
    assert "the start hook is removed" in body
    assert upstream.get_environment_start_hooks(env_id).start_hook is None


def test_without_javascript_a_test_runs_without_streaming(ada, team_env):
    env_id = str(team_env.id)
    response = post_run(ada, env_id, "echo plain\nexit 5\n", "test", htmx=False)
    body = text(response)
    assert response.status_code == 200 and "<html" in body
    assert "Failed with exit code 5" in body and "plain" in body
    assert "sse-connect" not in body
    assert "echo plain" in body  # the editor keeps the script
    version = HookVersion.objects.get()
    assert version.via == "sync" and version.exit_code == 5


# --- versions -----------------------------------------------------------------------------------


def _versions(env_id, *contents, kind="warm"):
    made = []
    for content in contents:
        made.append(
            HookVersion.objects.create(
                environment_id=env_id,
                kind=kind,
                action=HookAction.TEST,
                content=content,
                username="ada",
                state=RunState.FINISHED,
                exit_code=0,
                timed_out=False,
                saved=False,
                output="ok\n",
                events=[{"t": 0.5, "type": "output", "text": "ok\n"}],
            )
        )
    return made


def test_versions_are_listed_and_two_compared_as_a_diff(ada, team_env):
    env_id = str(team_env.id)
    old, new = _versions(env_id, "echo a\necho b\n", "echo a\necho c\n")
    body = text(ada.get(console(env_id)))
    assert f"#{old.pk}" in body and f"#{new.pk}" in body
    response = ada.get(
        console(env_id), {"a": old.pk, "b": new.pk}, headers={**HX, "HX-Target": "version-diff"}
    )
    diff = response.content.decode()
    assert diff.lstrip().startswith('<section id="version-diff"')
    assert "diff-line--removed" in diff and "diff-line--added" in diff
    assert "warm-hook.sh" in diff


def test_comparing_the_same_script_says_so(ada, team_env):
    env_id = str(team_env.id)
    one, two = _versions(env_id, "echo same\n", "echo same\n")
    response = ada.get(
        console(env_id), {"a": one.pk, "b": two.pk}, headers={**HX, "HX-Target": "version-diff"}
    )
    assert "are the same script" in text(response)


def test_restoring_a_version_puts_it_in_the_editor(ada, team_env):
    env_id = str(team_env.id)
    [old] = _versions(env_id, "echo restored version\n")
    body = text(ada.get(console(env_id), {"restore": old.pk}))
    assert f"Version #{old.pk}" in body and "is in the editor" in body
    assert 'data-fresh="1"' in body
    assert "echo restored version" in body.split('id="id_content"')[1].split("</textarea>")[0]


def test_a_stored_runs_output_and_its_log_file(ada, team_env):
    env_id = str(team_env.id)
    [old] = _versions(env_id, "echo x\n")
    response = ada.get(console(env_id), {"run": old.pk}, headers={**HX, "HX-Target": "console-run"})
    body = text(response)
    assert body.lstrip().startswith('<section id="console-run"')
    assert '<span class="log-text">ok</span>' in body and "+0.50s" in body
    assert "sse-connect" not in body
    log = ada.get(f"/environments/{env_id}/warm-hook/runs/{old.pk}/log/")
    assert log["Content-Type"].startswith("text/plain") and log.content == b"ok\n"
    assert "attachment" in log["Content-Disposition"]


def test_versions_are_per_environment_and_kind(ada, team_env):
    env_id = str(team_env.id)
    _versions(env_id, "echo warm only\n")
    _versions(env_id, "echo start only\n", kind="start")
    warm = text(ada.get(console(env_id)))
    start = text(ada.get(console(env_id, "start")))
    assert "warm only" not in start.split('id="versions"')[1]
    assert "warm only" in warm or "#1" in warm


def test_stop_marks_the_run_stopped(ada, admin, team_env):
    env_id = str(team_env.id)
    post_run(ada, env_id, "echo long\n", "test")
    version = HookVersion.objects.get()
    response = ada.post(
        f"/environments/{env_id}/warm-hook/runs/{version.pk}/stop/",
        headers={**HX, "HX-Target": "run-live"},
    )
    body = text(response)
    assert "Stopped before it finished" in body and 'hx-swap-oob="delete"' in body
    assert "hook-versions-changed" in json.loads(response["HX-Trigger-After-Settle"])
    version.refresh_from_db()
    assert version.state == RunState.STOPPED and version.saved is False


def test_someone_elses_run_cant_be_stopped_or_followed(ada, grace, member, team_env):
    env_id = str(team_env.id)
    post_run(ada, env_id, "echo ada's\n", "test")
    version = HookVersion.objects.get()
    stop = grace.post(f"/environments/{env_id}/warm-hook/runs/{version.pk}/stop/")
    assert stop.status_code == 404
    version.refresh_from_db()
    assert version.state == RunState.PENDING


# --- the stream view's short answers (the live stream itself: test_console_relay.py) -----------


def streamed(response) -> str:
    async def collect() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    return html.unescape(async_to_sync(collect)().decode())


def test_a_reconnect_to_a_run_already_streamed_gets_its_stored_result(ada, admin, team_env):
    env_id = str(team_env.id)
    [done] = _versions(env_id, "echo done\n")
    done.user = admin
    done.save()
    response = ada.get(f"/environments/{env_id}/warm-hook/runs/{done.pk}/stream/")
    assert response["Content-Type"] == "text/event-stream"
    body = streamed(response)
    assert "Passed" in body and '<span class="log-text">ok</span>' in body
    assert body.rstrip().endswith("event: close\ndata: done")
    done.refresh_from_db()
    assert done.state == RunState.FINISHED  # not run again


def test_someone_elses_run_is_not_streamed(ada, grace, team_env):
    env_id = str(team_env.id)
    post_run(ada, env_id, "echo ada's\n", "test")
    version = HookVersion.objects.get()
    response = grace.get(f"/environments/{env_id}/warm-hook/runs/{version.pk}/stream/")
    body = streamed(response)
    assert "isn’t yours" in body and "event: close" in body
    version.refresh_from_db()
    assert version.state == RunState.PENDING


def test_members_see_a_team_runs_result_but_not_its_output(grace, team_env):
    """A script can print the environment's secret values, which members don't see."""
    env_id = str(team_env.id)
    [run] = _versions(env_id, "echo $DATABASE_URL\n")
    run.output = "postgres://secret\n"
    run.events = [{"t": 0.1, "type": "output", "text": "postgres://secret\n"}]
    run.save()
    body = text(grace.get(console(env_id), {"run": run.pk}))
    assert "Passed" in body and "postgres://secret" not in body
    assert "shown only to those who may change" in body
    log = grace.get(f"/environments/{env_id}/warm-hook/runs/{run.pk}/log/")
    assert log.status_code == 403 and b"secret" not in log.content
