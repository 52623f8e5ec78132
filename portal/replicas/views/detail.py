"""The replica header and its actions: wake, sleep, archive, delete.

Archive and delete are guarded (`ownership.may_remove`): a member may remove only their own
replicas unless an admin allowed more; someone else's (or one not known to be the viewer's)
needs its name typed on a confirmation page.

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
from portal.lib.api_errors import Problem
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


async def _act(request, replica_id, name: str, api=None):
    rid = str(replica_id)
    api = api or await async_api_for(request)
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


CONFIRM = {
    "archive": (
        "Archive",
        "The workspace is stopped and stored; waking it restores it. Its chats, canvas and "
        "changes are kept.",
    ),
    "delete": (
        "Delete",
        "The workspace, its chats, canvas and uncommitted changes are deleted. Pull requests "
        "already opened stay on the code host.",
    ),
}


def _confirm(request, page, action: str, status: int = 200, **extra):
    verb, explanation = CONFIRM[action]
    context = {**page.header(), "verb": verb, "explanation": explanation, **extra}
    return render(request, "replicas/confirm.html", context, status=status)


async def _removal(request, replica_id, action: str):
    """GET: the confirmation page. POST: the guard (may the viewer? the typed name?), then
    the action; a refusal or a wrong name comes back to the page, nothing done."""
    rid = str(replica_id)
    page = await load_replica_page(request, rid)
    if request.method == "GET":
        return _confirm(request, page, action)
    header = page.header()
    if page.replica is None:  # can't check whose it is: don't act blind
        return _confirm(request, page, action, problem=page.failed.get("replica"))
    typed = request.POST.get("confirm_name", "").strip()
    refused = not page.may_remove
    if request.htmx and (refused or (header["confirm_by_name"] and typed != page.replica.name)):
        # From the header's button: the answer is the header, saying why nothing was done.
        problem = Problem(
            "Not done",
            header["removal_refusal"] if refused else "This replica isn't known to be yours.",
            "" if refused else "Use Archive… to confirm with its name.",
            403,
        )
        return _header_response(request, page, None, action_problem=problem)
    if refused:
        return _confirm(request, page, action, status=403)
    if header["confirm_by_name"] and typed != page.replica.name:
        error = "Type the replica's name exactly to confirm." if typed else "Type the name."
        return _confirm(request, page, action, name_error=error, typed_name=typed)
    if action == "archive":
        return await _act(request, rid, "archive", api=page.api)
    outcome = await replica_action(request, page.api, rid, "delete")
    if outcome.done:
        messages.success(request, outcome.note)
        return redirect("replicas:list")
    return _confirm(request, page, action, problem=outcome.problem)


@requires_api_key
@require_http_methods(["GET", "POST"])
async def archive(request, replica_id):
    return await _removal(request, replica_id, "archive")


@requires_api_key
@require_http_methods(["GET", "POST"])
async def delete(request, replica_id):
    """GET: confirm. POST: delete (idempotent upstream) and go back to the list."""
    return await _removal(request, replica_id, "delete")
