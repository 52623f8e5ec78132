"""The Warm pool tab: on/off, the pool's size and state, its workspaces, and a warming
workspace's live output.

    GET  …/warm-pool/                                   (`?watch=<workspace id>`: its output)
    POST …/warm-pool/toggle/                            upsertEnvironmentWarmPool
    GET  …/warm-pool/workspaces/<workspace id>/stream/  the live output, as SSE

The pool's state comes with the warm hook (`getEnvironmentWarmHooks`: `warm_pool`, null when
no pool was ever configured); its workspaces from `listWarmPoolWorkspaces` (a second round
trip: it needs the pool's id). Who may switch it: as for the hooks (`page.can_edit`).
"""

from __future__ import annotations

import uuid
from typing import Any

from asgiref.sync import sync_to_async
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.acting import NoUsableKey, requires_api_key
from portal.lib.api_errors import Problem
from portal.lib.eventstream import event_stream, release_database
from portal.lib.htmx import go, render_box
from portal.replica_api import errors

from ..common import EnvironmentPage, load_environment_page
from ..hook_console import pool_relay, pool_status
from ..hooks import WarmPoolForm
from .common import attempt, flash, refuse

TEMPLATE = "environments/hooks/warm_pool.html"
BOXES = ("panel", "pool-live", "pool-watch")
POLL_SECONDS = 4  # #pool-live re-gets itself this often while a workspace warms
LIVE = ("warming", "snapshotting")


def _pool(page: EnvironmentPage):
    state = page.data.get("warm")
    return getattr(state, "warm_pool", None) if state is not None else None


def _watch_id(request) -> str | None:
    raw = request.GET.get("watch") or ""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


async def _page(request, env_id: str) -> EnvironmentPage:
    page = await load_environment_page(
        request, env_id, warm=lambda api: api.get_environment_warm_hooks(env_id)
    )
    pool = _pool(page)
    if pool is not None:
        await page.fetch(workspaces=lambda api: api.list_warm_pool_workspaces(str(pool.id)))
    return page


def _context(request, page: EnvironmentPage, **extra) -> dict[str, Any]:
    eid = page.env_id
    pool = _pool(page)
    state = page.data.get("warm")
    listed = page.data.get("workspaces")
    rows = []
    for ws in listed.workspaces if listed is not None else []:
        status = str(getattr(ws.status, "value", ws.status))
        rows.append(
            {
                "ws": ws,
                "status": status,
                "stale": pool is not None and ws.generation < pool.generation,
                "live": status in LIVE,
            }
        )
    watch = _watch_id(request)
    warming = any(row["live"] for row in rows) or (
        pool is not None and (pool.warming_count or pool.snapshotting_count)
    )
    context = page.context("warm_pool")
    context.update(
        pool=pool,
        warm_hook=getattr(state, "warm_hook", None),
        rows=rows,
        watch=watch,
        watch_url=reverse("environments:warm_pool_watch", args=[eid, watch]) if watch else "",
        pool_url=reverse("environments:warm_pool", args=[eid]),
        toggle_url=reverse("environments:warm_pool_toggle", args=[eid]),
        warm_hook_url=reverse("environments:warm_hook", args=[eid]),
        polling=POLL_SECONDS if warming else 0,
    )
    context.update(extra)
    return context


@requires_api_key
@require_GET
async def warm_pool(request, env_id):
    page = await _page(request, str(env_id))
    return render_box(request, TEMPLATE, _context(request, page), boxes=BOXES)


@requires_api_key
@require_POST
async def toggle(request, env_id):
    eid = str(env_id)
    page = await _page(request, eid)
    problem = refuse(request, page, "switch the warm pool")
    form = WarmPoolForm(request.POST)
    if problem is None and not form.is_valid():
        problem = Problem("Not done", "Choose on or off.", "Use the button on this page.", 400)
    if problem is not None:
        context = _context(request, page, action_problem=problem)
        return render_box(request, TEMPLATE, context, boxes=BOXES)
    wanted = form.request_body()["enabled"]
    words = "on" if wanted else "off"

    async def check() -> bool:
        state = await page.api.get_environment_warm_hooks(eid)
        return state.warm_pool is not None and state.warm_pool.enabled == wanted

    result = await attempt(
        request,
        lambda: page.api.upsert_environment_warm_pool(eid, form.request_body()),
        check,
        done=f"The warm pool is {words}.",
        what=f"the warm pool was turned {words}",
        operation=f"turn the warm pool {words}",
    )
    if not getattr(request, "htmx", False):
        flash(request, result.outcome)
        return go(request, reverse("environments:warm_pool", args=[eid]))
    page = await _page(request, eid)  # the pool as it is now (counts, workspaces)
    context = _context(
        request,
        page,
        action_note=result.outcome.note if result.done else "",
        action_problem=result.problem,
    )
    return render_box(request, TEMPLATE, context, boxes=BOXES)


async def _closed(text: str):
    from portal.lib.eventstream import sse

    yield (sse("message", pool_status("closed", text)) + sse("close", "done")).encode()


HIDDEN = (
    "The live output is shown only to those who may change this environment: a warm hook "
    "can print the environment's secret values."
)


@require_GET
async def watch(request, env_id, workspace_id):
    """A warm pool workspace's live output, for who may change the environment (its warm
    hooks' output can hold secret values members don't see)."""
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponse("Sign in to follow this workspace.", status=403)
    try:
        page = await load_environment_page(request, str(env_id))
        if not page.can_edit:
            return event_stream(_closed(HIDDEN))
        api = page.api
    except NoUsableKey:
        return event_stream(_closed("Your API key can’t be used: add it on your API keys page."))
    except Http404:
        return event_stream(_closed("This environment isn’t there any more."))
    except errors.Unauthorized:
        return event_stream(_closed("Your API key was rejected: replace it on your API keys page."))
    finally:
        await sync_to_async(release_database)()
    return event_stream(pool_relay(api, str(workspace_id)))
