"""Unit tests: the version diff (versions.py), the console's log (hook_console.RunLog, replay)
and what a result says (summarize)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from portal.environments import versions
from portal.environments.hook_console import RunLog, replay, summarize
from portal.environments.hooks import START, WARM
from portal.environments.models import HookAction, HookVersion, RunState


def version(pk: int, content: str, **fields) -> HookVersion:
    return HookVersion(pk=pk, kind="warm", content=content, **fields)


# --- the diff ---------------------------------------------------------------------------------


def test_diff_is_a_unified_diff_named_after_the_hook():
    text = versions.diff(version(1, "echo a\necho b\n"), version(2, "echo a\necho c\n"))
    assert text.splitlines()[:3] == [
        "diff --git a/warm-hook.sh b/warm-hook.sh",
        "--- a/warm-hook.sh",
        "+++ b/warm-hook.sh",
    ]
    assert "-echo b" in text and "+echo c" in text and " echo a" in text


def test_diff_marks_a_missing_final_newline():
    text = versions.diff(version(1, "echo a\n"), version(2, "echo a\necho b"))
    assert text.rstrip().endswith("\\ No newline at end of file")


def test_identical_scripts_have_no_diff():
    assert versions.diff(version(1, "same\n"), version(2, "same\n")) == ""


def test_diff_html_reuses_the_replica_diff_rendering_and_escapes():
    html = versions.diff_html(
        version(3, "echo '<b>old</b>'\n"), version(7, "echo '<b>new</b>'\n"), view="split"
    )
    assert "diff-table--split" in html and "#3 → #7" in html
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert 'data-lang="Bash"' in html  # highlighted as shell


def test_output_is_capped_with_a_note():
    long = "x" * (versions.MAX_OUTPUT_CHARS + 10)
    capped = versions.cap_output(long)
    assert capped.startswith("x" * 100) and "10 more characters not kept" in capped


# --- the log ----------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_runlog_sends_complete_lines_and_holds_a_partial_one():
    clock = Clock()
    log = RunLog(clock)
    clock.now = 100.5
    assert log.add_output("one\ntw").count('class="log-line"') == 1
    clock.now = 101.25
    html = log.add_output("o\nthree")
    assert '<span class="log-text">two</span>' in html and "+0.50s" in html  # when it began
    assert "three" not in html
    assert '<span class="log-text">three</span>' in log.flush()
    assert log.output == "one\ntwo\nthree" and log.lines == 3
    assert [e["type"] for e in log.events] == ["output", "output"]


def test_runlog_escapes_and_colours():
    log = RunLog(Clock())
    html = log.add_output("\x1b[31m<fail>\x1b[0m ok\n")
    assert '<span class="ansi-fg-1">&lt;fail&gt;</span> ok' in html
    assert log.plain_output == "<fail> ok\n"


def test_replay_shows_a_stored_run_with_its_times():
    run = version(
        1,
        "echo",
        events=[
            {"t": 0.1, "type": "progress", "text": "Provisioning"},
            {"t": 1.5, "type": "output", "text": "hello\nwor"},
            {"t": 2.0, "type": "output", "text": "ld\n"},
            {"t": 2.5, "type": "error", "text": "<boom>"},
        ],
    )
    timeline, log = replay(run)
    assert "+0.10s" in timeline and "Provisioning" in timeline
    assert "timeline-error" in timeline and "&lt;boom&gt;" in timeline
    assert log.count('class="log-line"') == 2 and "+1.50s" in log and "world" in log


def test_replay_of_a_run_without_events_shows_its_output():
    _, log = replay(version(1, "echo", output="only output\n"))
    assert '<span class="log-text">only output</span>' in log


# --- words --------------------------------------------------------------------------------------


def finished(**fields) -> HookVersion:
    now = timezone.now()
    base = {
        "state": RunState.FINISHED,
        "action": HookAction.TEST,
        "exit_code": 0,
        "timed_out": False,
        "saved": False,
        "created_at": now,
        "started_at": now - timedelta(seconds=2),
        "finished_at": now,
    }
    merged = {"content": "echo", **base, **fields}
    content = merged.pop("content")
    return version(1, content, **merged)


def test_summaries_say_the_result_and_whether_it_was_saved():
    passed = summarize(finished(), WARM)
    assert (passed.tone, passed.title) == ("ok", "Passed")
    assert passed.saved == "Not saved: this was a test only."
    assert ("Duration", "2.0 s") in passed.facts and ("Exit code", "0") in passed.facts

    failed = summarize(finished(action=HookAction.SAVE_TEST, exit_code=2), WARM)
    assert failed.title == "Failed with exit code 2" and "didn't pass" in failed.saved

    saved = summarize(finished(action=HookAction.SAVE_TEST, saved=True, api_version=4), WARM)
    assert saved.saved == "Saved: this is now the active warm hook (version 4)."

    timed = summarize(finished(exit_code=124, timed_out=True), START)
    assert timed.title == "Timed out" and ("Timed out", "yes") in timed.facts

    unknown = summarize(finished(action=HookAction.SAVE_TEST, saved=None), WARM)
    assert "can't tell" in unknown.saved

    cleared = summarize(finished(action=HookAction.SAVE, saved=True, content=""), START)
    assert "removed" in cleared.saved


def test_a_running_test_and_one_that_never_started():
    running = version(1, "echo", state=RunState.RUNNING, action=HookAction.SAVE_TEST)
    running.created_at = timezone.now()
    assert summarize(running, WARM).tone == "running"
    assert "only if it passes" in summarize(running, WARM).saved
    old = version(2, "echo", state=RunState.PENDING, action=HookAction.TEST)
    old.created_at = timezone.now() - timedelta(hours=1)
    assert summarize(old, WARM).title == "Never started"


def test_the_end_of_a_saving_stream_updates_the_versions_and_the_active_hook():
    from portal.environments.views.console_stream import _ending

    run = finished(action=HookAction.SAVE_TEST, saved=True, api_version=5, content="echo hi\n")
    run.summary = summarize(run, WARM)
    env_id = "5e2815e8-08cf-5b6e-a9f8-ceb9132308ce"
    html = _ending(run, WARM, env_id, [run])
    assert '<section id="versions"' in html and 'hx-swap-oob="true"' in html
    assert '<p id="active-hook"' in html and "Active: version 5" in html
    assert "data-hook-active" in html and "echo hi" in html
    assert "Passed" in html
