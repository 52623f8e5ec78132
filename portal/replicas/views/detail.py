"""The replica header and its actions: wake, sleep, archive, delete.

The header is its own box (`#replica-header`): it polls itself (quickly while something is
about to change, quietly otherwise; `common.POLL_EVERY`), the event stream nudges it, and when
the status it shows has moved on (`?was=`) it tells the page (`replica-status-changed`), whose
panel then re-gets itself. An action answers with the fresh header and, in it, what happened:
when the API's answer was lost the state is read again (`outcomes.py`), so a success is never
reported as a failure.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from portal.accounts.acting import async_api_for, requires_api_key
from portal.replicas.outcomes import replica_action

from .common import UNKNOWN, load_replica_page

HEADER_TEMPLATE = "replicas/detail_base.html#replica-header"
STATUS_CHANGED = "replica-status-changed"


def _header_response(request, page, was: str | None, **extra):
    response = render(request, HEADER_TEMPLATE, {**page.header(), **extra})
    if was and request.htmx and page.status not in (was, UNKNOWN):
        trigger_client_event(response, STATUS_CHANGED, {"status": page.status})
    return response


@requires_api_key
@require_GET
async def header(request, replica_id):
    """The header box on its own (polled, nudged by the event stream, retried)."""
    page = await load_replica_page(request, str(replica_id))
    return _header_response(request, page, request.GET.get("was"))


async def _act(request, replica_id, name: str):
    rid = str(replica_id)
    api = await async_api_for(request)
    outcome = await replica_action(request, api, rid, name)
    if not request.htmx:
        if outcome.done:
            messages.success(request, outcome.note)
        else:
            messages.error(request, outcome.text)
        return redirect("replicas:detail", replica_id=rid)
    page = await load_replica_page(request, rid)
    extra = {"action_note": outcome.note} if outcome.done else {"action_problem": outcome.problem}
    # The panel depends on the status: after a change, it re-gets itself.
    return _header_response(request, page, request.POST.get("was") or UNKNOWN, **extra)


@requires_api_key
@require_POST
async def wake(request, replica_id):
    return await _act(request, replica_id, "wake")


@requires_api_key
@require_POST
async def sleep(request, replica_id):
    return await _act(request, replica_id, "sleep")


@requires_api_key
@require_POST
async def archive(request, replica_id):
    return await _act(request, replica_id, "archive")


@requires_api_key
@require_http_methods(["GET", "POST"])
async def delete(request, replica_id):
    """GET: confirm. POST: delete (idempotent upstream) and go back to the list."""
    rid = str(replica_id)
    problem = None
    if request.method == "POST":
        outcome = await replica_action(request, await async_api_for(request), rid, "delete")
        if outcome.done:
            messages.success(request, outcome.note)
            return redirect("replicas:list")
        problem = outcome.problem
    page = await load_replica_page(request, rid)
    return render(request, "replicas/delete.html", {**page.header(), "problem": problem})
