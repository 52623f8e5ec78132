"""The queue editor: the selected chat's queued messages, reordered by drag-and-drop (or the
move up/down buttons), removed one by one or cleared.

The browser moves a dragged row at once (optimistic); the answer to every change is the
queue as the API now has it, so a refused or stale change rolls back on its own, with a
message saying why. The page follows live changes through the replica's event stream
(`sse:queue` refetches the list), so messages drained by the agent or added by others show up.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.acting import async_api_for, requires_api_key
from portal.lib.api_errors import describe
from portal.replica_api import errors

from .common import load_chat_page


def _list_context(
    replica_id, chat_id: str, queue, notice: str | None = None, error: str | None = None
):
    return {
        "replica_id": replica_id,
        "chat_id": chat_id,
        "processing": bool(queue.processing) if queue is not None else False,
        "queue": list(queue.queue) if queue is not None else [],
        "notice": notice,
        "error": error,
    }


@requires_api_key
@require_GET
async def queue_panel(request, replica_id):
    rid = str(replica_id)
    wanted = request.GET.get("chat")
    if request.htmx and request.GET.get("fragment") == "list" and wanted:
        # A live refresh of the list only.
        api = await async_api_for(request)
        queue = await api.get_replica_chat_queue(rid, wanted)
        return render(request, "replicas/queue.html#queue-list", _list_context(rid, wanted, queue))
    page, context, chat = await load_chat_page(request, rid, wanted, "queue")
    queue = None
    if chat is not None:
        try:
            queue = await page.api.get_replica_chat_queue(rid, chat.id)
        except errors.Conflict as exc:
            page.unavailable["queue"] = exc
    context.update(_list_context(rid, chat.id if chat else "", queue))
    context["unavailable_problem"] = page.problem()
    return render(request, "replicas/queue.html", context)


async def _mutated(request, rid: str, chat_id: str, change, done: str):
    """Run one change; answer with the queue as it now is (HTMX) or go back (plain POST)."""
    api = await async_api_for(request)
    notice = error = None
    queue = None
    try:
        result = await change(api)
        if result.success:
            notice = done
        else:
            error = "The queue had already changed (the agent may have taken that message): showing it as it is now."
    except errors.NotFound:
        error = "That message is no longer queued: showing the queue as it is now."
    except errors.ReplicaAPIError as exc:
        problem = describe(exc)
        error = f"{problem.title}. {problem.message} Nothing was changed."
    try:
        queue = await api.get_replica_chat_queue(rid, chat_id)
    except errors.ReplicaAPIError as exc:
        error = error or describe(exc).title
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, notice)
        return redirect(reverse("replicas:queue", args=[rid]) + f"?chat={chat_id}")
    return render(
        request, "replicas/queue.html#queue-list", _list_context(rid, chat_id, queue, notice, error)
    )


def _position(request) -> int | None:
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        return None
    return position if position >= 0 else None


@requires_api_key
@require_POST
async def reorder(request, replica_id, chat_id):
    rid = str(replica_id)
    message_id = request.POST.get("message_id", "")
    position = _position(request)
    if not message_id or position is None:
        api = await async_api_for(request)
        queue = await api.get_replica_chat_queue(rid, chat_id)
        context = _list_context(rid, chat_id, queue, error="Choose a message and a position.")
        return render(request, "replicas/queue.html#queue-list", context)
    body = {"messageId": message_id, "position": position}
    return await _mutated(
        request, rid, chat_id,
        lambda api: api.reorder_replica_chat_queue(rid, chat_id, body),
        "Moved.",
    )  # fmt: skip


@requires_api_key
@require_POST
async def remove(request, replica_id, chat_id, message_id):
    rid = str(replica_id)
    return await _mutated(
        request, rid, chat_id,
        lambda api: api.remove_replica_chat_queue_message(rid, chat_id, message_id),
        "Removed from the queue.",
    )  # fmt: skip


@requires_api_key
@require_POST
async def clear(request, replica_id, chat_id):
    rid = str(replica_id)
    return await _mutated(
        request, rid, chat_id,
        lambda api: api.clear_replica_chat_queue(rid, chat_id),
        "The queue is cleared.",
    )  # fmt: skip
