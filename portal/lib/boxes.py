"""A page's named fetches, each kept in the box that shows it (patterns.md, "A failure stays
in its box"). The replica and environment page loaders are built on it.

    page = SomePage(api=api, request=request, ...)      # a dataclass deriving from Boxes
    await page.fetch(hooks=lambda api: api.get_replica_hooks(rid))
    page.data["hooks"]          # what a fetch returned
    page.failed["hooks"]        # it failed: a Problem, for that box (the API's words are logged)
    page.unavailable["hooks"]   # (pages that set CONFLICTS_APART) a 409: the box words it itself

A rejected key (401) is not a box's failure: it is raised, and the accounts middleware sends
the user to the key page.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from portal.lib.api_errors import Problem, describe, report
from portal.replica_api import AsyncReplicaAPI, errors

Fetch = Callable[[AsyncReplicaAPI], Awaitable[Any]]


@dataclass(kw_only=True)
class Boxes:
    api: AsyncReplicaAPI
    request: Any
    data: dict[str, Any] = field(default_factory=dict)
    failed: dict[str, Problem] = field(default_factory=dict)
    # Conflicts (a sleeping or failed workspace), kept apart when CONFLICTS_APART is set.
    unavailable: dict[str, errors.ReplicaAPIError] = field(default_factory=dict)

    CONFLICTS_APART = False

    def keep(self, name: str, result: Any) -> None:
        """File one fetch's result under its name: data, unavailable or failed."""
        if isinstance(result, errors.Unauthorized):
            raise result  # the accounts middleware: "replace your key"
        if self.CONFLICTS_APART and isinstance(result, errors.Conflict):
            self.unavailable[name] = result
        elif isinstance(result, errors.ReplicaAPIError):
            self.failed[name] = report(self.request, result, name)
        elif isinstance(result, BaseException):
            raise result
        else:
            self.data[name] = result

    async def gather(self, *calls: Awaitable[Any], **fetches: Fetch) -> list[Any]:
        """Run `calls` (answered raw, in order) and the named `fetches` (kept in their boxes)
        concurrently: one round trip."""
        names = list(fetches)
        results = await asyncio.gather(
            *calls, *(fetches[n](self.api) for n in names), return_exceptions=True
        )
        for name, result in zip(names, results[len(calls) :], strict=True):
            self.keep(name, result)
        return results[: len(calls)]

    async def fetch(self, **fetches: Fetch) -> None:
        """Run more named fetches concurrently (a round trip of their own)."""
        await self.gather(**fetches)

    def forget(self, name: str) -> None:
        for box in (self.data, self.failed, self.unavailable):
            box.pop(name, None)

    def problem(self, *names: str) -> Problem | None:
        """The first failure among `names` (a box's fetches), or None."""
        return next((self.failed[n] for n in names if n in self.failed), None)

    def unavailable_problem(self) -> Problem | None:
        """How to word the first fetch that failed with a conflict (sleeping, in error)."""
        return next((describe(e) for e in self.unavailable.values()), None)
