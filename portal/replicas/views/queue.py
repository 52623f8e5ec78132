"""The queue editor: the selected chat's queued messages, reordered by drag-and-drop (or the
move up/down buttons), removed one by one or cleared.

The browser moves a dragged row at once (optimistic); the answer to every change is the
queue as the API now has it, so a refused or stale change rolls back on its own, with a
message saying why. When a change's answer is lost, the queue is read again and the message
says what actually happened (`outcomes.settle`). The page follows live changes through the
replica's event stream (`sse:queue` re-gets `#queue-list`), so messages drained by the agent
or added by others show up; a failed refresh keeps the list and says it may be out of date.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.acting import async_api_for, requires_api_key
from portal.lib.api_errors import report
from portal.lib.htmx import render_box, target
from portal.lib.outcomes import settle
from portal.replica_api import errors

from .common import load_chat_page, replica_urls

TEMPLATE = "replicas/queue.html"
LIST = "queue-list"


def _list_context(
    replica_id, chat_id: str, queue, notice: str | None = None, problem=None, error=None
):
    return {
        "replica_id": replica_id,
        "chat_id": chat_id,
        "urls": replica_urls(str(replica_id), chat_id),
        "processing": bool(queue.processing) if queue is not None else False,
        "queue": list(queue.queue) if queue is not None else [],
        "queue_known": queue is not None,
        "notice": notice,
        "list_problem": problem,
        "error": error,
    }


def _list_url(rid: str, chat_id: str) -> str:
    return reverse("replicas:queue", args=[rid]) + f"?chat={chat_id}"


async def _refresh(request, rid: str, chat_id: str):
    """A live refresh of the list only. If it fails, the list stays as it was and a note
    says it may be out of date (the next refresh clears it)."""
    api = await async_api_for(request)
    try:
        queue = await api.get_replica_chat_queue(rid, chat_id)
    except errors.ReplicaAPIError as exc:
        problem = report(request, exc, "queue refresh")
        context = {
            "list_problem": problem,
            "replica_id": rid,
            "chat_id": chat_id,
            "urls": replica_urls(rid, chat_id),
        }
        response = render(request, f"{TEMPLATE}#queue-stale", context)
        response["HX-Reswap"] = "none"
        return response
    return render(request, f"{TEMPLATE}#{LIST}", _list_context(rid, chat_id, queue))


@requires_api_key
@require_GET
async def queue_panel(request, replica_id):
    rid = str(replica_id)
    wanted = request.GET.get("chat")
    if target(request) == LIST and wanted:
        return await _refresh(request, rid, wanted)
    page, context, chat = await load_chat_page(
        request, rid, wanted, "queue",
        chat_fetch=lambda api, chat_id: api.get_replica_chat_queue(rid, chat_id),
    )  # fmt: skip
    context.update(
        _list_context(
            rid,
            chat.id if chat else "",
            page.data.get("chat_data"),
            problem=page.problem("chat_data"),
        ),
        chats_problem=page.problem("chats"),
        unavailable_problem=page.unavailable_problem(),
    )
    return render_box(request, TEMPLATE, context, boxes=("panel", LIST))


class _Stale(Exception):
    """The API answered `success: false`: the queue had changed under the request."""


class _Gone(Exception):
    """The API answered 404: the message is no longer queued."""


async def _apply(request, api, change, check, done: str, what: str):
    """(notice, error) for one change, told as what really happened."""

    async def run_change():
        try:
            result = await change(api)
        except errors.NotFound:
            raise _Gone from None
        if not result.success:
            raise _Stale

    try:
        outcome = await settle(
            request, run_change, check, done=done, what=what, operation="queue edit"
        )
    except _Stale:
        return None, (
            "The queue had already changed (the agent may have taken that message): "
            "showing it as it is now."
        )
    except _Gone:
        return None, "That message is no longer queued: showing the queue as it is now."
    if outcome.done:
        return outcome.note, None
    return None, outcome.problem.text


async def _mutated(request, rid: str, chat_id: str, change=None, happened=None, done="", what=""):
    """Run one change; answer with the queue as it now is (HTMX) or go back (plain POST).
    Without `change` (the request itself was wrong), only the queue and that error."""
    api = await async_api_for(request)
    latest = {}

    async def check() -> bool:
        latest["queue"] = await api.get_replica_chat_queue(rid, chat_id)
        return happened(latest["queue"])

    if change is None:
        notice, error = None, "Choose a message and a position."
    else:
        notice, error = await _apply(request, api, change, check, done, what)
        if error and "queue" in latest:
            error += " Nothing was changed."  # known: the queue was read again after
    queue = latest.get("queue")
    problem = None
    if queue is None:
        try:
            queue = await api.get_replica_chat_queue(rid, chat_id)
        except errors.ReplicaAPIError as exc:
            problem = report(request, exc, "queue read")
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif notice:
            messages.success(request, notice)
        return redirect(_list_url(rid, chat_id))
    context = _list_context(rid, chat_id, queue, notice, problem, error)
    return render(request, f"{TEMPLATE}#{LIST}", context)


def _position(request) -> int | None:
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        return None
    return position if position >= 0 else None


def _ids(queue) -> list[str]:
    return [item.id for item in queue.queue]


@requires_api_key
@require_POST
async def reorder(request, replica_id, chat_id):
    rid = str(replica_id)
    message_id = request.POST.get("message_id", "")
    position = _position(request)
    if not message_id or position is None:
        return await _mutated(request, rid, chat_id)
    body = {"messageId": message_id, "position": position}

    def moved(queue) -> bool:
        ids = _ids(queue)
        return message_id in ids and ids.index(message_id) == min(position, len(ids) - 1)

    return await _mutated(
        request, rid, chat_id,
        lambda api: api.reorder_replica_chat_queue(rid, chat_id, body),
        moved, "Moved.", "the message was moved",
    )  # fmt: skip


@requires_api_key
@require_POST
async def remove(request, replica_id, chat_id, message_id):
    rid = str(replica_id)
    return await _mutated(
        request, rid, chat_id,
        lambda api: api.remove_replica_chat_queue_message(rid, chat_id, message_id),
        lambda queue: message_id not in _ids(queue),
        "Removed from the queue.", "the message was removed",
    )  # fmt: skip


@requires_api_key
@require_POST
async def clear(request, replica_id, chat_id):
    rid = str(replica_id)
    return await _mutated(
        request, rid, chat_id,
        lambda api: api.clear_replica_chat_queue(rid, chat_id),
        lambda queue: not queue.queue,
        "The queue is cleared.", "the queue was cleared",
    )  # fmt: skip
