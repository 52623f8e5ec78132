"""The hook consoles' live relay: a test run's upstream events, as server-rendered HTML for
the browser (htmx SSE extension), and what a run's result says in words.

The browser's EventSource gets only `message` events, each a set of out-of-band fragments:
output lines appended to the log (`#run-log`), progress messages appended to the timeline
(`#run-timeline`), the status box replaced (`#run-status`); at the end, the versions list
(`#versions`) and, when the script was saved, the editor's "active hook" line (`#active-hook`),
then `close` (the page stops listening).

The upstream stream is opened inside the response's generator (`async with aclosing(...)`):
when the viewer presses Stop or closes the page, the generator is cancelled, the upstream
connection closed, the run stored as stopped, and the `CancelledError` re-raised. A stream
that can't be had (the API unreachable or failing, or without the guide's stream) is replaced
by the synchronous calls (`hooks.run_sync`), and the console says so; a refusal (a bad
script, a key not allowed) is not retried. A stream that broke mid-run is retried
synchronously only for a plain test: re-running a Save & test could save it twice, so the
active hook is read instead to say whether it was saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape

from portal.lib.api_errors import describe, plain
from portal.lib.eventstream import PING, release_database, sse, status_fragment, with_pings
from portal.replica_api import Reconnected, Reconnecting, StreamEvent, errors

from . import versions
from .ansi import AnsiLines, strip_ansi
from .hooks import Kind, may_fall_back, run_sync
from .models import HookAction, HookVersion, RunState

log = logging.getLogger("portal.environments.console")

TEMPLATE = "environments/hooks/console.html"
RETRY_MS = 3000
STALE_PENDING = timedelta(minutes=10)  # a recorded run whose stream never opened
STOP_GONE = '<form id="run-stop" hx-swap-oob="delete"></form>'  # the run is over: no Stop


# --- the log --------------------------------------------------------------------------------


def seconds(t: float) -> str:
    return f"+{t:.2f}s"


def line_html(t: float, html: str) -> str:
    return (
        f'<span class="log-line"><span class="log-ts">{seconds(t)} </span>'
        f'<span class="log-text">{html}</span>\n</span>'
    )


def timeline_html(t: float, kind: str, text: str) -> str:
    return (
        f'<li class="timeline-item timeline-{kind}"><span class="log-ts">{seconds(t)}</span> '
        f"<span>{escape(text)}</span></li>"
    )


class RunLog:
    """A run's events as they arrive: rendered for the browser, kept for the database."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self.t0 = clock()
        self.ansi = AnsiLines()
        self.partial = ""
        self.partial_t = 0.0
        self.parts: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.lines = 0

    def elapsed(self) -> float:
        return round(self.clock() - self.t0, 3)

    @property
    def output(self) -> str:
        return "".join(self.parts)

    def add_output(self, chunk: str, t: float | None = None, keep: bool = True) -> str:
        """A chunk of output: the HTML of the lines it completes (a trailing partial line
        waits for its end, or for `flush`)."""
        if not chunk:
            return ""
        t = self.elapsed() if t is None else t
        if keep:
            self.parts.append(chunk)
            self.events.append({"t": t, "type": "output", "text": chunk})
        text = self.partial + chunk
        if not self.partial:
            self.partial_t = t
        *complete, self.partial = text.split("\n")
        html = []
        for line in complete:
            html.append(line_html(self.partial_t, self.ansi.line(line.removesuffix("\r"))))
            self.lines += 1
            self.partial_t = t
        return "".join(html)

    def flush(self) -> str:
        if not self.partial:
            return ""
        html = line_html(self.partial_t, self.ansi.line(self.partial))
        self.partial = ""
        self.lines += 1
        return html

    def add_note(self, kind: str, text: str, t: float | None = None, keep: bool = True) -> str:
        """A timeline entry (progress, error, or the portal's own note)."""
        t = self.elapsed() if t is None else t
        if keep:
            self.events.append({"t": t, "type": kind, "text": text})
        return timeline_html(t, kind, text)

    @property
    def plain_output(self) -> str:
        return strip_ansi(self.output)


def replay(run: HookVersion) -> tuple[str, str]:
    """A stored run's (timeline HTML, log HTML), with the times it was recorded at."""
    runlog = RunLog()
    timeline, lines = [], []
    events = run.events or []
    if not events and run.output:
        events = [{"t": 0.0, "type": "output", "text": run.output}]
    for event in events:
        t = float(event.get("t") or 0.0)
        text = str(event.get("text") or "")
        if event.get("type") == "output":
            lines.append(runlog.add_output(text, t, keep=False))
        else:
            timeline.append(runlog.add_note(str(event.get("type")), text, t, keep=False))
    lines.append(runlog.flush())
    return "".join(timeline), "".join(lines)


# --- what a result says -----------------------------------------------------------------------


@dataclass
class Summary:
    tone: str  # running, ok, bad, warn
    title: str
    saved: str  # whether it was saved, in words
    facts: list[tuple[str, str]] = field(default_factory=list)


def _duration(run: HookVersion) -> str:
    d = run.duration
    return "" if d is None else f"{d.total_seconds():.1f} s"


def display_state(run: HookVersion, now=None) -> str:
    if run.state == RunState.PENDING and (now or timezone.now()) - run.created_at > STALE_PENDING:
        return "never-started"
    return run.state


def summarize(run: HookVersion, kind: Kind) -> Summary:
    noun = kind.noun
    state = display_state(run)
    facts: list[tuple[str, str]] = []
    if run.exit_code is not None:
        facts.append(("Exit code", str(run.exit_code)))
    if run.timed_out is not None:
        facts.append(("Timed out", "yes" if run.timed_out else "no"))
    if _duration(run):
        facts.append(("Duration", _duration(run)))
    if run.via == "sync":
        facts.append(("Ran", "without streaming (the synchronous call)"))

    if state in (RunState.PENDING, RunState.RUNNING):
        title = "Starting…" if state == RunState.PENDING else "Running…"
        if run.action == HookAction.SAVE_TEST:
            saved = f"It will be saved as the active {noun} only if it passes."
        elif run.action == HookAction.SAVE:
            saved = "Saving…"
        else:
            saved = "Test only: it won't be saved."
        return Summary("running", title, saved, facts)

    if run.saved is True:
        version = f" (version {run.api_version})" if run.api_version else ""
        if run.action == HookAction.SAVE and not run.content.strip():
            saved = f"Saved: the {noun} is removed; workspaces start without one."
        else:
            saved = f"Saved: this is now the active {noun}{version}."
    elif run.saved is None:
        saved = (
            f"The portal can't tell whether it was saved: reload in a moment to see the "
            f"active {noun}."
        )
    elif run.action == HookAction.TEST:
        saved = "Not saved: this was a test only."
    elif run.action == HookAction.SAVE_TEST:
        saved = f"Not saved: it didn't pass, so the active {noun} is unchanged."
    else:
        saved = f"Not saved: the active {noun} is unchanged."

    if state == "never-started":
        return Summary("warn", "Never started", f"Not saved: the active {noun} is unchanged.")
    if state == RunState.STOPPED:
        return Summary("warn", "Stopped before it finished", saved, facts)
    if state == RunState.FAILED:
        return Summary("bad", "Could not run" if run.tested else "Could not save", saved, facts)
    if run.action == HookAction.SAVE:
        return Summary("ok" if run.saved else "bad", "Saved" if run.saved else "Not saved", saved,
                       facts)  # fmt: skip
    if run.timed_out:
        return Summary("bad", "Timed out", saved, facts)
    if run.exit_code == 0:
        return Summary("ok", "Passed", saved, facts)
    return Summary("bad", f"Failed with exit code {run.exit_code}", saved, facts)


def status_html(run: HookVersion, kind: Kind, *, oob: bool = False) -> str:
    return render_to_string(
        f"{TEMPLATE}#run-status",
        {"run": run, "hook_kind": kind, "summary": summarize(run, kind), "oob": oob},
    )


def append(target: str, html: str) -> str:
    return f'<div hx-swap-oob="beforeend:#{target}">{html}</div>' if html else ""


# --- the relay --------------------------------------------------------------------------------


@dataclass
class Upshot:
    """How the upstream part of a run ended (what is stored)."""

    outcome: versions.Outcome | None = None
    got_event: bool = False
    error: errors.ReplicaAPIError | None = None


def _complete(kind: Kind, run: HookVersion, data: dict[str, Any]) -> versions.Outcome:
    exit_code = data.get("exit_code")
    timed_out = bool(data.get("timed_out"))
    passed = exit_code == 0 and not timed_out
    saved: bool | None = False
    api_version = None
    if run.action == HookAction.SAVE_TEST:
        record = data.get("warm_hook")
        if isinstance(record, dict) and record:
            saved = bool(record.get("is_active", True))
            api_version = record.get("version")
        elif data.get("saved") is not None:
            saved = bool(data.get("saved"))
        elif passed:
            saved = None  # the API didn't say: the relay reads the active hook to tell
    return versions.Outcome(
        RunState.FINISHED,
        exit_code=exit_code if isinstance(exit_code, int) else None,
        timed_out=timed_out,
        saved=saved,
        api_version=api_version if isinstance(api_version, int) else None,
        via="stream",
    )


def _frames(*fragments: str) -> bytes:
    body = "".join(f for f in fragments if f)
    return sse("message", body).encode() if body else b""


async def _store(run: HookVersion, outcome: versions.Outcome, runlog: RunLog) -> None:
    def store() -> None:
        try:
            versions.finish(run, outcome, runlog.output, runlog.events)
        finally:
            release_database()

    await sync_to_async(store)()


async def _store_stopped(run: HookVersion, runlog: RunLog) -> None:
    """The viewer went away (Stop, or the page closed): keep what ran, say it stopped."""

    def store() -> None:
        try:
            note = "Stopped: the page was closed or lost its connection before the run ended."
            HookVersion.objects.filter(pk=run.pk, state=RunState.RUNNING).update(
                state=RunState.STOPPED, note=note
            )
            HookVersion.objects.filter(pk=run.pk).update(
                finished_at=timezone.now(),
                output=versions.cap_output(runlog.output),
                events=runlog.events[: versions.MAX_EVENTS],
                saved=False if run.action == HookAction.TEST else None,
            )
        finally:
            release_database()

    await sync_to_async(store)()


async def _waiting(awaitable) -> AsyncIterator[Any]:
    """Await `awaitable`, yielding None every ping interval meanwhile, then its result."""

    async def once():
        yield await awaitable

    async with contextlib.aclosing(with_pings(once())) as items:
        async for item in items:
            yield item


async def relay(api, kind: Kind, env_id: str, run: HookVersion, *, ending) -> AsyncIterator[bytes]:
    """The bytes of one run's event stream. `ending(run)` renders what follows the last
    status (the versions list, the active hook): it may read the database."""
    runlog = RunLog()
    upshot = Upshot()
    yield f"retry: {RETRY_MS}\n\n".encode() + _frames(status_html(run, kind, oob=True))
    try:
        try:
            stream = kind.stream(api, env_id, run.content, run.action)
            async with (
                contextlib.aclosing(stream) as events,
                contextlib.aclosing(with_pings(events)) as items,
            ):
                async for item in items:
                    if item is None:
                        yield PING
                        continue
                    if not isinstance(item, StreamEvent):
                        continue  # hook streams never reconnect
                    upshot.got_event = True
                    frames = _event(kind, run, item, runlog, upshot)
                    if frames:
                        yield frames
                    if upshot.outcome is not None:
                        break
        except errors.ReplicaAPIError as exc:
            upshot.error = exc
        if upshot.outcome is None:
            async for chunk in _without_stream(api, kind, env_id, run, runlog, upshot):
                yield chunk
        elif upshot.outcome.saved is None and upshot.outcome.state == RunState.FINISHED:
            upshot.outcome.saved = await _is_active(api, kind, env_id, run.content)
    except (asyncio.CancelledError, GeneratorExit):
        # Stop, or the page went away (the task cancelled mid-await, or this generator
        # closed at a `yield`): the upstream is closed by the `async with` above. Keep what
        # ran, then let the cancellation go on.
        await asyncio.shield(_store_stopped(run, runlog))
        raise
    outcome = upshot.outcome
    await _store(run, outcome, runlog)
    yield _frames(append("run-log", runlog.flush()), status_html(run, kind, oob=True), STOP_GONE)
    yield _frames(await ending(run))
    yield sse("close", "done").encode()


def _event(
    kind: Kind, run: HookVersion, item: StreamEvent, runlog: RunLog, upshot: Upshot
) -> bytes:
    data = item.data if isinstance(item.data, dict) else {}
    if item.type == "output":
        return _frames(append("run-log", runlog.add_output(str(data.get("output") or ""))))
    if item.type == "progress":
        text = plain(str(data.get("message") or "")) or "…"
        return _frames(append("run-timeline", runlog.add_note("progress", text)))
    if item.type == "complete":
        fragments = []
        if not runlog.parts and data.get("output"):
            fragments.append(append("run-log", runlog.add_output(str(data["output"]))))
        upshot.outcome = _complete(kind, run, data)
        return _frames(*fragments)
    if item.type == "error":
        message = plain(str(data.get("message") or "")) or "The sandbox failed."
        note = f"The {kind.noun} couldn't run: {message}"
        # The run ended before it could pass: nothing was saved.
        upshot.outcome = versions.Outcome(RunState.FAILED, saved=False, via="stream", note=note)
        return _frames(append("run-timeline", runlog.add_note("error", note)))
    return b""


async def _is_active(api, kind: Kind, env_id: str, content: str) -> bool | None:
    try:
        return await kind.active_content(api, env_id) == content
    except errors.ReplicaAPIError as exc:
        log.info("could not re-read the active %s of %s: %s", kind.noun, env_id, exc)
        return None


async def _without_stream(
    api, kind: Kind, env_id: str, run: HookVersion, runlog: RunLog, upshot: Upshot
) -> AsyncIterator[bytes]:
    """The stream failed, or ended before saying how the run ended."""
    error = upshot.error or errors.Unreachable("The stream ended before the run finished.")
    problem = describe(error)
    if not may_fall_back(error):
        note = f"{problem.title}. {problem.message} {problem.hint}"
        upshot.outcome = versions.Outcome(
            RunState.FAILED,
            saved=False,
            via="stream",
            note=note,
        )
        yield _frames(append("run-timeline", runlog.add_note("error", note)))
        return
    if upshot.got_event and run.action == HookAction.SAVE_TEST:
        # It may have been saved already: don't run it again, ask what is active now.
        saved = await _is_active(api, kind, env_id, run.content)
        note = (
            "The live output broke off before the run ended. The portal didn't run it again "
            "(that could save it twice)."
        )
        upshot.outcome = versions.Outcome(RunState.FAILED, saved=saved, via="stream", note=note)
        yield _frames(append("run-log", runlog.flush()), append("run-timeline",
                      runlog.add_note("error", note)))  # fmt: skip
        return
    if upshot.got_event:
        note = (
            "The live output broke off before the run ended: running the test again "
            "without streaming (its output appears when it ends)."
        )
    else:
        note = (
            f"Live output isn't available ({problem.title.lower()}): running it without "
            "streaming instead. Its output appears when it ends."
        )
    yield _frames(append("run-log", runlog.flush()), append("run-timeline",
                  runlog.add_note("portal", note)))  # fmt: skip
    try:
        result = None
        async for item in _waiting(run_sync(kind, api, env_id, run.content, run.action)):
            if item is None:
                yield PING
            else:
                result = item
    except errors.ReplicaAPIError as exc:
        again = describe(exc)
        note = f"Without streaming it failed too. {again.title}. {again.message} {again.hint}"
        upshot.outcome = versions.Outcome(RunState.FAILED, saved=False, via="sync", note=note)
        yield _frames(append("run-timeline", runlog.add_note("error", note)))
        return
    if runlog.parts:
        # The broken stream's partial output is replaced by the whole run's.
        runlog.parts.clear()
        runlog.events = [e for e in runlog.events if e["type"] != "output"]
        yield _frames(append("run-log", '<span class="log-line log-rerun">— run again —\n</span>'))
    frames = append("run-log", runlog.add_output(result.output) + runlog.flush())
    upshot.outcome = versions.Outcome(
        RunState.FINISHED,
        exit_code=result.exit_code,
        timed_out=result.timed_out,
        saved=result.saved,
        api_version=getattr(result.record, "version", None),
        via="sync",
        note="Ran without streaming: the live stream wasn't available.",
    )
    yield _frames(frames)


# --- a warm pool workspace's live output ----------------------------------------------------------


def pool_status(state: str, text: str) -> str:
    return status_fragment(state, text, dom_id="pool-watch-status", css="stream-status")


async def pool_relay(api, workspace_id: str) -> AsyncIterator[bytes]:
    """`GET /v1/warm-pool-workspaces/{id}/stream` as HTML: output lines into #pool-log, the
    workspace's status into #pool-watch-status. The upstream reconnects by itself (the
    service module resumes it); a browser that reconnects here starts the log afresh."""
    runlog = RunLog()
    reset = '<pre id="pool-log" class="console-log" tabindex="0" hx-swap-oob="true"></pre>'
    yield f"retry: {RETRY_MS}\n\n".encode() + _frames(reset, pool_status("live", "connecting…"))
    try:
        stream = api.stream_warm_pool_workspace(workspace_id, max_attempts=POOL_ATTEMPTS)
        async with (
            contextlib.aclosing(stream) as events,
            contextlib.aclosing(with_pings(events)) as items,
        ):
            async for item in items:
                if item is None:
                    yield PING
                elif isinstance(item, Reconnecting):
                    yield _frames(pool_status("reconnecting", "reconnecting…"))
                elif isinstance(item, Reconnected):
                    yield _frames(pool_status("live", "live"))
                elif isinstance(item, StreamEvent):
                    frames, done = _pool_event(item, runlog)
                    if frames:
                        yield frames
                    if done:
                        break
    except errors.ReplicaAPIError as exc:
        problem = describe(exc)
        text = f"{problem.title}. {problem.hint}"
        yield _frames(append("pool-log", runlog.flush()), pool_status("closed", text))
    else:
        yield _frames(append("pool-log", runlog.flush()))
    yield sse("close", "done").encode()


POOL_ATTEMPTS = 5


def _pool_event(item: StreamEvent, runlog: RunLog) -> tuple[bytes, bool]:
    data = item.data if isinstance(item.data, dict) else {}
    if item.type == "output":
        return _frames(append("pool-log", runlog.add_output(str(data.get("output") or "")))), False
    if item.type == "status":
        status = str(data.get("status") or "")
        return _frames(pool_status("live", f"live · {status}" if status else "live")), False
    if item.type == "complete":
        workspace = data.get("workspace") if isinstance(data.get("workspace"), dict) else {}
        status = str(workspace.get("status") or "finished")
        text = f"Warm-up over: the workspace is {status}."
        if workspace.get("error_message"):
            text += f" {plain(str(workspace['error_message']))}"
        return _frames(append("pool-log", runlog.flush()), pool_status("closed", text)), True
    if item.type == "error":
        message = plain(str(data.get("message") or "")) or "The stream failed."
        return _frames(append("pool-log", runlog.flush()), pool_status("closed", message)), True
    return b"", False
