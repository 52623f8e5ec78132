"""What a change really did when its answer was lost.

A mutating call can fail after the API acted: the connection drops while the answer is on its
way, a gateway times out (502/504) after passing the request on. Reporting that as "failed"
is wrong half the time (seen: Sleep said "unreachable" while the replica was asleep and the
audit log said 200). So when the answer may have been lost, the state is read again and the
user is told what actually happened: done, not done ("nothing was changed" is then known to
be true), or, when asking again fails too, that the portal can't tell.

    outcome = await settle(request, change, check, done="Saved.", what="it was saved",
                           operation="save variable")
    outcome.done, outcome.note, outcome.problem
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from portal.lib.api_errors import Problem, report
from portal.replica_api import errors

log = logging.getLogger("portal.outcomes")

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
