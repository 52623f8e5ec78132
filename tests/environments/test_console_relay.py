"""The hook consoles' live relay (portal/environments/hook_console.py) against the emulator over
real HTTP: what the browser receives, event by event, and what is kept in the portal's history.

The emulator never runs a script: `echo` lines become output, `exit N` fails, `# timeout`
times out, `# emulate: sandbox-error` gives an error event.
"""

from __future__ import annotations

import asyncio
import html
import re

import pytest
from asgiref.sync import sync_to_async

from portal.emulator.config import DEMO_PERSONAL_KEYS
from portal.environments import versions
from portal.environments.hook_console import pool_relay, relay
from portal.environments.hooks import START, WARM
from portal.environments.models import HookAction, HookVersion, RunState
from portal.replica_api import AsyncReplicaAPI
from tests.environments.conftest import WEB

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]

THREE_LINES = "#!/usr/bin/env bash\necho one\necho two\necho three\n"


@pytest.fixture
def aada(api_settings):
    return AsyncReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=api_settings)


async def record(env_id: str, kind, action: str, content: str) -> HookVersion:
    version = await versions.arecord(
        env_id=env_id,
        env_name="test",
        kind=kind.slug,
        action=action,
        content=content,
        user=None,
        key_kind="personal",
    )
    assert await versions.aclaim(version)
    return version


async def ending(run) -> str:
    return '<div id="ended"></div>'


async def collect(api, kind, env_id, run) -> list[tuple[float, str]]:
    """Every chunk the browser would get, with the time it arrived."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    chunks = []
    async with asyncio.timeout(30):
        async for chunk in relay(api, kind, env_id, run, ending=ending):
            chunks.append((loop.time() - t0, chunk.decode()))
    return chunks


def text_of(chunks) -> str:
    return html.unescape("".join(c for _, c in chunks))


def log_lines(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", m)
        for m in re.findall(r'<span class="log-text">(.*?)</span>\n', html)
    ]


async def stored(run: HookVersion) -> HookVersion:
    return await HookVersion.objects.aget(pk=run.pk)


async def test_a_test_streams_its_output_line_by_line_then_its_result(aada, team_env):
    env_id = str(team_env.id)
    run = await record(env_id, WARM, HookAction.TEST, THREE_LINES)
    chunks = await collect(aada, WARM, env_id, run)
    body = text_of(chunks)
    assert body.startswith("retry: ")
    line_chunks = [(t, c) for t, c in chunks if "log-text" in c]
    assert len(line_chunks) >= 3, "each output line is sent as it comes"
    assert [log_lines(c) for _, c in line_chunks[:3]] == [["one"], ["two"], ["three"]]
    final_at = next(t for t, c in chunks if "Passed" in c)
    assert line_chunks[0][0] < final_at, "output arrives before the run ends"
    assert "Provisioning isolated sandbox" in body, "progress messages make the timeline"
    assert 'hx-swap-oob="beforeend:#run-timeline"' in body
    assert "Not saved: this was a test only." in body
    assert body.rstrip().endswith("event: close\ndata: done")
    assert '<div id="ended"></div>' in body
    got = await stored(run)
    assert got.state == RunState.FINISHED and got.exit_code == 0 and got.timed_out is False
    assert got.saved is False and got.via == "stream"
    assert got.output == "one\ntwo\nthree\n"
    assert {e["type"] for e in got.events} >= {"progress", "output"}
    assert got.duration is not None


async def test_a_failing_script_says_its_exit_code(aada, team_env):
    env_id = str(team_env.id)
    run = await record(env_id, WARM, HookAction.TEST, "echo about to fail\nexit 3\n")
    body = text_of(await collect(aada, WARM, env_id, run))
    assert "Failed with exit code 3" in body
    got = await stored(run)
    assert (got.exit_code, got.state, got.saved) == (3, RunState.FINISHED, False)


async def test_a_timeout_is_flagged(aada, team_env):
    env_id = str(team_env.id)
    run = await record(env_id, START, HookAction.TEST, "echo slow\n# timeout\n")
    body = text_of(await collect(aada, START, env_id, run))
    assert "Timed out" in body
    got = await stored(run)
    assert got.timed_out is True and got.exit_code == 124


async def test_a_sandbox_error_is_said_and_nothing_is_saved(aada, team_env):
    env_id = str(team_env.id)
    run = await record(env_id, WARM, HookAction.SAVE_TEST, "echo x\n# emulate: sandbox-error\n")
    body = text_of(await collect(aada, WARM, env_id, run))
    assert "Could not run" in body and "couldn" in body
    assert 'class="timeline-item timeline-error"' in body
    got = await stored(run)
    assert got.state == RunState.FAILED and got.saved is False and got.exit_code is None


async def test_save_and_test_saves_only_on_success(aada, team_env, upstream):
    env_id = str(team_env.id)
    good = "echo good version\n"
    run = await record(env_id, WARM, HookAction.SAVE_TEST, good)
    body = text_of(await collect(aada, WARM, env_id, run))
    assert "Saved: this is now the active warm hook (version" in body
    got = await stored(run)
    assert got.saved is True and got.api_version
    assert upstream.get_environment_warm_hooks(env_id).warm_hook.content == good

    bad = "echo bad version\nexit 1\n"
    run = await record(env_id, WARM, HookAction.SAVE_TEST, bad)
    body = text_of(await collect(aada, WARM, env_id, run))
    assert "Not saved: it didn't pass, so the active warm hook is unchanged." in body
    assert (await stored(run)).saved is False
    assert upstream.get_environment_warm_hooks(env_id).warm_hook.content == good


async def test_when_streaming_fails_it_runs_without_streaming_and_says_so(aada, team_env, faults):
    env_id = str(team_env.id)
    faults("POST", r"/warm-hooks/save-test/stream$", 503)
    run = await record(env_id, WARM, HookAction.TEST, THREE_LINES + "exit 4\n")
    body = text_of(await collect(aada, WARM, env_id, run))
    assert "Live output isn" in body and "without streaming" in body
    assert log_lines(body) == ["one", "two", "three"]
    assert "Failed with exit code 4" in body
    got = await stored(run)
    assert got.via == "sync" and got.exit_code == 4 and got.saved is False


async def test_fallback_save_and_test_saves_only_after_the_test_passed(
    aada, team_env, faults, upstream
):
    env_id = str(team_env.id)
    faults("POST", r"/warm-hooks/save-test/stream$", 500)
    run = await record(env_id, WARM, HookAction.SAVE_TEST, "echo fails\nexit 2\n")
    await collect(aada, WARM, env_id, run)
    assert (await stored(run)).saved is False
    assert upstream.get_environment_warm_hooks(env_id).warm_hook is None

    run = await record(env_id, WARM, HookAction.SAVE_TEST, "echo passes\n")
    await collect(aada, WARM, env_id, run)
    got = await stored(run)
    assert got.saved is True and got.via == "sync"
    assert upstream.get_environment_warm_hooks(env_id).warm_hook.content == "echo passes\n"


async def test_the_start_hook_stream_falls_back_to_its_synchronous_test(aada, team_env, faults):
    env_id = str(team_env.id)
    faults("POST", r"/start-hooks/test/stream$", "drop")
    run = await record(env_id, START, HookAction.TEST, "echo booting\n")
    body = text_of(await collect(aada, START, env_id, run))
    assert "without streaming" in body and log_lines(body) == ["booting"]
    assert (await stored(run)).via == "sync"


async def test_a_refused_script_is_not_retried(aada, team_env, faults, emulator):
    env_id = str(team_env.id)
    faults("POST", r"/warm-hooks/", 400)
    run = await record(env_id, WARM, HookAction.TEST, "echo refused\n")
    body = text_of(await collect(aada, WARM, env_id, run))
    assert "refused" in body.lower()
    assert "without streaming" not in body
    got = await stored(run)
    assert got.state == RunState.FAILED and got.saved is False


async def test_closing_the_stream_stops_the_run_and_keeps_what_ran(
    aada, team_env, agent_pace, upstream
):
    agent_pace(0.25)  # the emulator's slowest pace: 0.25 s a line
    env_id = str(team_env.id)
    script = "".join(f"echo line {n}\n" for n in range(20))
    run = await record(env_id, WARM, HookAction.SAVE_TEST, script)
    stream = relay(aada, WARM, env_id, run, ending=ending)
    seen = ""
    async with asyncio.timeout(20):
        async for chunk in stream:
            seen += chunk.decode()
            if "line 1" in seen:
                break
    await stream.aclose()  # what Django does when the browser goes away
    got = await stored(run)
    assert got.state == RunState.STOPPED
    assert "line 0" in got.output and "line 19" not in got.output
    assert got.saved is None  # a stopped Save & test: the portal can't tell
    await asyncio.sleep(0.6)
    assert upstream.get_environment_warm_hooks(env_id).warm_hook is None, (
        "the upstream stream was closed, so the emulator never finished (nor saved) it"
    )


async def test_cancelling_the_relay_propagates(aada, team_env, agent_pace):
    agent_pace(0.25)
    env_id = str(team_env.id)
    run = await record(env_id, WARM, HookAction.TEST, "".join(f"echo {n}\n" for n in range(20)))

    async def consume():
        async for _ in relay(aada, WARM, env_id, run, ending=ending):
            pass

    task = asyncio.create_task(consume())
    await asyncio.sleep(1.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    got = await sync_to_async(HookVersion.objects.get)(pk=run.pk)
    assert got.state == RunState.STOPPED and got.saved is False


async def test_a_warming_pool_workspace_streams_its_output(aada, upstream):
    pool = upstream.get_environment_warm_hooks(WEB).warm_pool
    listed = upstream.list_warm_pool_workspaces(str(pool.id)).workspaces
    warming = next((w for w in listed if w.status.value == "warming"), None) or listed[0]
    chunks = []
    async with asyncio.timeout(30):
        async for chunk in pool_relay(aada, str(warming.id)):
            chunks.append(chunk.decode())
    # The service module's reader leaves its inner generator to the loop's finalizer when
    # closed at a yield: let it close the connection before the test's loop ends.
    await asyncio.sleep(0.1)
    body = html.unescape("".join(chunks))
    assert 'id="pool-log"' in body and "pool-watch-status" in body
    assert "Warm-up over" in body or "closed" in body
    assert body.rstrip().endswith("event: close\ndata: done")


async def test_an_unknown_pool_workspace_says_so(aada):
    chunks = [c.decode() async for c in pool_relay(aada, "00000000-0000-4000-8000-0000000000ff")]
    body = html.unescape("".join(chunks))
    assert "stream-closed" in body and "Not found" in body
