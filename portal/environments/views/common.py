"""What the Environments views share: answering a refused change, an action's outcome in
its box, and the lost-answer checks for the API's environment operations."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied

from portal.lib.api_errors import Problem, describe, plain
from portal.lib.outcomes import Outcome, settle
from portal.replica_api import errors

from ..common import EnvironmentPage

log = logging.getLogger("portal.environments")


def refuse(request, page: EnvironmentPage, what: str) -> Problem | None:
    """None when the viewer may change this environment. Otherwise the refusal, logged (not
    audited: nothing was sent), as a Problem for the box of an HTMX request; a plain POST
    gets the 403 page."""
    problem = page.refusal()
    if problem is None:
        return None
    user = getattr(request, "user", None)
    log.info(
        "[%s] refused %s on environment %s for %s (%s)",
        getattr(request, "request_id", "-"),
        what,
        page.env_id,
        getattr(user, "username", "?"),
        page.kind if page.loaded else "not loaded",
    )
    if not getattr(request, "htmx", False) and page.loaded:
        raise PermissionDenied(problem.message)
    return problem


def flash(request, outcome: Outcome) -> None:
    """A plain (non-HTMX) POST: the outcome as a message on the page it redirects to."""
    if outcome.done:
        messages.success(request, outcome.note)
    elif outcome.problem is not None:
        messages.error(request, outcome.problem.text)


@dataclass
class Result:
    """What a change did: its outcome (re-read when the answer was lost), the API's error when
    it refused (to word a field's error), and what the change returned."""

    outcome: Outcome
    error: errors.ReplicaAPIError | None = None
    value: Any = None

    @property
    def done(self) -> bool:
        return self.outcome.done

    @property
    def problem(self) -> Problem | None:
        return self.outcome.problem

    def refused(self, *kinds: type[errors.ReplicaAPIError]) -> bool:
        return not self.done and isinstance(self.error, kinds)


async def attempt(
    request,
    change: Callable[[], Awaitable[Any]],
    check: Callable[[], Awaitable[bool]],
    *,
    done: str,
    what: str,
    operation: str,
) -> Result:
    """`settle()` (portal.lib.outcomes), keeping the error and the change's result."""
    kept: dict[str, Any] = {}

    async def run():
        try:
            kept["value"] = await change()
        except errors.ReplicaAPIError as exc:
            kept["error"] = exc
            raise

    outcome = await settle(request, run, check, done=done, what=what, operation=operation)
    return Result(outcome, None if outcome.done else kept.get("error"), kept.get("value"))


def refused_words(exc: errors.ReplicaAPIError | None) -> str:
    """The API's refusal in plain words (no paths), for a field's error."""
    if exc is None:
        return ""
    return plain(exc.user_message) or describe(exc).message
