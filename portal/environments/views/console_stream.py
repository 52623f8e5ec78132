"""The hook consoles' live stream: `GET …/warm-hook/runs/<n>/stream/` (and …/start-hook/…).

The browser's EventSource (htmx SSE extension, `sse-connect` in the run box) opens it once
the run has been recorded by the Test / Save & test POST. It is the viewer's own run, streamed
once: the run is claimed (pending → running) before the first byte, so a reconnecting browser
gets the stored result instead of running the script a second time. The viewer's key is
loaded and the database connection released before streaming (portal.lib.eventstream).

Refusals are answered as a short event stream (a status and `close`), not an HTTP error: an
EventSource can't show one, and the htmx extension would retry it for ever.
"""

from __future__ import annotations

import logging

from asgiref.sync import sync_to_async
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.accounts.acting import NoUsableKey, async_api_for
from portal.lib.eventstream import event_stream, release_database, sse

from .. import versions
from ..hook_console import TEMPLATE, relay, replay, status_html
from ..models import HookVersion, RunState
from .hooks import _kind, console_url, history

log = logging.getLogger("portal.environments.console")


async def _short(*fragments: str):
    body = "".join(f for f in fragments if f)
    yield (sse("message", body) + sse("close", "done")).encode()


def _stored(run: HookVersion, kind) -> str:
    """A run that was already streamed (a reconnect): its stored status, timeline and log."""
    timeline, log_html = replay(run)
    return (
        status_html(run, kind, oob=True)
        + f'<ol id="run-timeline" class="console-timeline" hx-swap-oob="true">{timeline}</ol>'
        + f'<pre id="run-log" class="console-log" tabindex="0" hx-swap-oob="true">{log_html}</pre>'
    )


@require_GET
async def stream(request, env_id, kind, run_id):
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponse("Sign in to follow this run.", status=403)
    kind = _kind(kind)
    eid = str(env_id)
    try:
        run = await versions.aget(eid, kind.slug, run_id)
        if run is None or run.user_id != user.pk:
            note = '<p id="run-status" hx-swap-oob="true" role="status">This run isn’t yours to follow.</p>'
            return event_stream(_short(note))
        if not await versions.aclaim(run):
            return event_stream(_short(_stored(run, kind)))
        try:
            api = await async_api_for(request)
        except NoUsableKey:
            await HookVersion.objects.filter(pk=run.pk).aupdate(
                state=RunState.FAILED,
                saved=False,
                finished_at=timezone.now(),
                note="Your API key can’t be used any more: add it again on your API keys page.",
            )
            await run.arefresh_from_db()
            return event_stream(_short(status_html(run, kind, oob=True)))
    finally:
        # No database connection is held while the stream runs.
        await sync_to_async(release_database)()

    async def ending(done: HookVersion) -> str:
        try:
            return _ending(done, kind, eid, await history(eid, kind))
        finally:
            await sync_to_async(release_database)()

    return event_stream(relay(api, kind, eid, run, ending=ending))


def _ending(run: HookVersion, kind, env_id: str, items: list[HookVersion]) -> str:
    """After the last status: the versions list, and the active hook when it was saved."""
    context = {
        "hook_kind": kind,
        "history": items,
        "console_url": console_url(env_id, kind),
        "can_edit": True,  # only someone who may change the hook runs a script
        "oob": True,
    }
    out = render_to_string(f"{TEMPLATE}#versions", context)
    if run.saved:
        active = {"version": run.api_version, "created_at": run.finished_at}
        out += render_to_string(
            f"{TEMPLATE}#active-hook",
            {
                "hook_kind": kind,
                "active": active if run.content.strip() else None,
                "active_content": run.content,
                "oob": True,
                "failed": {},
            },
        )
    return out
