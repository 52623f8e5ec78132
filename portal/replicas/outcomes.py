"""What a change really did when its answer was lost.

A mutating call can fail after the API acted: the connection drops while the answer is on its
way, a gateway times out (502/504) after passing the request on. Reporting that as "failed"
is wrong half the time (seen: Sleep said "unreachable" while the replica was asleep and the
audit log said 200). So when the answer may have been lost, the state is read again and the
user is told what actually happened: done, not done ("nothing was changed" is then known to
be true), or, when asking again fails too, that the portal can't tell.

    outcome = await replica_action(request, api, rid, "sleep")
    outcome.done, outcome.note, outcome.problem
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from portal.lib.api_errors import Problem, report
from portal.replica_api import AsyncReplicaAPI, errors

log = logging.getLogger("portal.replicas")

# Failures before the request left the portal: the API can't have acted.
_NOT_SENT = frozenset({"ConnectError", "ConnectTimeout", "PoolTimeout", "UnsupportedProtocol"})


def answer_lost(error: errors.ReplicaAPIError) -> bool:
    """True when the API may have acted although the call failed."""
    if isinstance(error, errors.Unreachable):
        return error.details not in _NOT_SENT
    return isinstance(error, errors.ServerError)


@dataclass(frozen=True)
class Outcome:
    done: bool
    note: str = ""  # what happened, for a success
    problem: Problem | None = None  # why not, for a failure
    verified: bool = False  # the answer was lost and a re-read says it was done

    @property
    def text(self) -> str:
        return self.note if self.done else (self.problem.text if self.problem else "")


def cannot_tell(what: str) -> Problem:
    return Problem(
        f"The portal can't tell whether {what}",
        "The Replica API's answer was lost, and asking it again failed too.",
        "Reload in a moment to see what happened before trying again.",
        503,
    )


async def settle(
    request,
    change: Callable[[], Awaitable[Any]],
    check: Callable[[], Awaitable[bool]],
    *,
    done: str,
    what: str,
    operation: str,
) -> Outcome:
    """Run `change`; if its answer may have been lost, `check` whether it happened anyway."""
    try:
        await change()
    except errors.ReplicaAPIError as exc:
        problem = report(request, exc, operation)
        if not answer_lost(exc):
            return Outcome(False, problem=problem)
        try:
            happened = await check()
        except errors.ReplicaAPIError as again:
            report(request, again, f"{operation} (re-read after a lost answer)")
            return Outcome(False, problem=cannot_tell(what))
        if happened:
            log.info("[%s] %s: the answer was lost but it was done", problem.reference, operation)
            return Outcome(True, note=done, verified=True)
        return Outcome(False, problem=problem)
    return Outcome(True, note=done)


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
