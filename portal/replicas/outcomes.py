"""Replica actions (wake, sleep, archive, delete) and sends, told as what really happened
when their answer was lost (`portal.lib.outcomes`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from portal.lib.outcomes import Outcome, settle
from portal.replica_api import AsyncReplicaAPI, errors


@dataclass(frozen=True)
class ReplicaAction:
    call: Callable[[AsyncReplicaAPI, str], Awaitable[Any]]
    done: str
    what: str  # "<it happened>", for "The portal can't tell whether …"
    statuses: frozenset[str]  # statuses that mean it was done (a 404 means deleted)


ACTIONS = {
    "wake": ReplicaAction(
        lambda api, rid: api.wake_replica(rid),
        "Waking the workspace.",
        "the workspace is waking",
        frozenset({"active", "preparing"}),
    ),
    "sleep": ReplicaAction(
        lambda api, rid: api.sleep_workspace(rid),
        "The workspace is asleep.",
        "the workspace went to sleep",
        frozenset({"sleeping"}),
    ),
    "archive": ReplicaAction(
        lambda api, rid: api.archive_workspace(rid),
        "The workspace is archived.",
        "the workspace was archived",
        frozenset({"archived"}),
    ),
    "delete": ReplicaAction(
        lambda api, rid: api.delete_replica(rid),
        "The replica was deleted.",
        "the replica was deleted",
        frozenset(),
    ),
}


async def replica_action(request, api: AsyncReplicaAPI, replica_id: str, name: str) -> Outcome:
    action = ACTIONS[name]

    async def change():
        try:
            await action.call(api, replica_id)
        except errors.NotFound:
            if name != "delete":
                raise
            # Already gone: what the user asked for (delete is idempotent upstream).

    async def check() -> bool:
        try:
            replica = (await api.get_replica(replica_id)).replica
        except errors.NotFound:
            return name == "delete"
        status = str(getattr(replica.status, "value", replica.status))
        return status in action.statuses or (name == "wake" and bool(replica.waking))

    return await settle(request, change, check, done=action.done, what=action.what, operation=name)


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


async def find_sent_message(api: AsyncReplicaAPI, replica_id: str, chat_id: str, text: str):
    """After a send whose answer was lost: ("queued", position) if the message waits in the
    chat's queue, ("sent", None) if the chat's latest history has it, else None."""
    from portal.replicas.rendering.events import normalize_history_event
    from portal.replicas.rendering.model import TextPart

    queue, history = await asyncio.gather(
        api.get_replica_chat_queue(replica_id, chat_id),
        api.read_replica_history(replica_id, chat_id=chat_id, limit=20),
    )
    for position, item in enumerate(queue.queue, start=1):
        if _same_text(item.message, text):
            return "queued", position
    for event in reversed(history.events):
        message = normalize_history_event(event, chat_id=chat_id)
        if message is None or message.role != "user":
            continue
        said = "".join(p.text for p in message.parts if isinstance(p, TextPart))
        if _same_text(said, text):
            return "sent", None
    return None


@dataclass(frozen=True)
class Delivery:
    """What became of a message: `status` "sent", "queued" or "waking", with `outcome` in
    words; or not sent (`status` None) with `error` in words."""

    status: str | None
    outcome: str = ""
    error: str = ""
    chat_id: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None


async def deliver_message(
    request,
    api: AsyncReplicaAPI,
    replica_id: str,
    body: dict,
    *,
    kept: str = "your text is kept below",
) -> Delivery:
    """Send (or queue) a message: the one path for the composer and for reviews. When the
    answer is lost, the chat is read again: a message that arrived is reported as sent (or
    queued), never as failed. `kept` says where the unsent text is (the composer's box, a
    review's draft)."""
    from portal.lib.api_errors import report
    from portal.lib.outcomes import answer_lost

    target_chat = body.get("chat_id", "")
    try:
        result = await api.send_replica_message(replica_id, body)
    except errors.ReplicaAPIError as exc:
        problem = report(request, exc, "send")
        found = None
        if answer_lost(exc) and target_chat:
            try:
                found = await find_sent_message(api, replica_id, target_chat, body["message"])
            except errors.ReplicaAPIError as again:
                report(request, again, "send (re-read after a lost answer)")
                return Delivery(
                    None,
                    error=(
                        "The portal can't tell whether your message arrived: the answer was "
                        f"lost and the chat can't be read now. {kept[:1].upper()}{kept[1:]}; "
                        "look at the chat before sending it again."
                    ),
                )
        if found is None:
            return Delivery(None, error=f"{problem.text} Your message was not sent; {kept}.")
        status, position = found
        outcome = f"Queued (position {position})." if status == "queued" else "Sent."
        return Delivery(status, outcome, chat_id=target_chat)
    status = result.status.value
    if status == "queued":
        outcome = f"Queued (position {result.position})." if result.position else "Queued."
    elif status == "waking":
        outcome = "The workspace is waking up; the message will be delivered when it's ready."
    else:
        outcome = "Sent."
    return Delivery(status, outcome, chat_id=result.chat_id or target_chat)
