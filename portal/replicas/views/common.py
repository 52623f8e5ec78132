"""Shared by every replica page: load the replica and whatever a panel needs, concurrently.

    page = await load_replica_page(request, replica_id, chats=lambda api: api.list_replica_chats(rid))

Each panel view is async: `getReplica` (for the header) and the panel's own calls run at the
same time with one `AsyncReplicaAPI`, instead of one after another. A call that fails with an
engine-proxy conflict (sleeping/error workspace) doesn't fail the page: the panel gets the
error and shows what can still be done; other errors go to the error middleware.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404

from portal.accounts.acting import async_api_for
from portal.lib.api_errors import describe
from portal.replica_api import AsyncReplicaAPI, errors, models

Fetch = Callable[[AsyncReplicaAPI], Awaitable[Any]]

# Panels (tabs) of the detail page, in order: (slug, label, url name).
PANELS = (
    ("chat", "Chat", "replicas:detail"),
    ("queue", "Queue", "replicas:queue"),
    ("canvas", "Canvas", "replicas:canvas"),
    ("diffs", "Diffs", "replicas:diffs"),
    ("hooks", "Hooks", "replicas:hooks"),
)
# Statuses in which the page polls the header until something changes.
TRANSIENT_STATUSES = frozenset({"preparing"})


@dataclass
class ReplicaPage:
    api: AsyncReplicaAPI
    replica: models.ReplicaDetails
    data: dict[str, Any] = field(default_factory=dict)
    # Calls that failed with a conflict (sleeping / in error): name -> error.
    unavailable: dict[str, errors.ReplicaAPIError] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return status_of(self.replica)

    @property
    def is_live(self) -> bool:
        """Whether the engine answers (chat, history, canvas ... calls can succeed)."""
        return self.status == "active"

    def problem(self):
        """How to word the first call that failed with a conflict, or None."""
        return next((describe(e) for e in self.unavailable.values()), None)

    def context(self, panel: str) -> dict[str, Any]:
        return {**header_context(self.replica), "panel": panel, "panels": PANELS,
                "unavailable": self.unavailable, **self.data}  # fmt: skip


LIVE_STATUSES = frozenset({"active", "preparing"})


def status_of(replica: Any) -> str:
    return str(getattr(replica.status, "value", replica.status))


def header_context(replica: models.ReplicaDetails) -> dict[str, Any]:
    """What the header shows: repositories joined with their branch, diff size and PRs."""
    statuses = {s.repository: s for s in (replica.repository_statuses or [])}
    prs_by_repo: dict[str, list] = {}
    for pr in replica.pull_requests:
        prs_by_repo.setdefault(pr.repository, []).append(
            {"url": str(pr.url), "label": f"#{pr.number}"}
        )
    repositories = []
    for repo in replica.repositories:
        st = statuses.get(repo.name)
        prs = prs_by_repo.get(repo.name, [])
        if st is not None:
            known = {p["url"] for p in prs}
            prs += [{"url": str(u), "label": "PR"} for u in st.pr_urls if str(u) not in known]
        repositories.append(
            {
                "name": repo.name,
                "url": str(repo.url),
                "branch": st.branch if st else None,
                "added": st.git_diff.added if st and st.git_diff else None,
                "removed": st.git_diff.removed if st and st.git_diff else None,
                "prs": prs,
            }
        )
    status = status_of(replica)
    return {
        "replica": replica,
        "status": status,
        # Panels follow the event stream while preparing too, so the first message's turn
        # is seen from its start.
        "live": status in LIVE_STATUSES,
        "repositories": repositories,
        # Beyond ReplicaDetails in the spec, but sent by the API when known: show them then.
        "extras": {
            k: v
            for k, v in (getattr(replica, "model_extra", None) or {}).items()
            if k in ("model", "size", "environment_id") and isinstance(v, str) and v
        },
        "transient": status in TRANSIENT_STATUSES or bool(replica.waking),
        "error_message": getattr(replica, "error", None) or getattr(replica, "error_message", None),
    }


def pick_chat(chats: list[models.ReplicaChat], wanted: str | None) -> models.ReplicaChat | None:
    """The chat `wanted` names, else the one most recently active."""
    for chat in chats:
        if chat.id == wanted:
            return chat
    return max(chats, key=lambda c: c.updated_at) if chats else None


async def load_chat_page(
    request, replica_id: str, wanted_chat: str | None, panel: str
) -> tuple[ReplicaPage, dict[str, Any], models.ReplicaChat | None]:
    """A chat-scoped panel (chat, queue): the replica and its chats, concurrently; the
    chat to show; and the context with `chats` and `chat` set."""
    page = await load_replica_page(
        request, replica_id, chats=lambda api: api.list_replica_chats(replica_id)
    )
    chats = page.data["chats"].chats if "chats" in page.data else []
    chat = pick_chat(chats, wanted_chat)
    context = page.context(panel)
    context.update(chats=chats, chat=chat)
    return page, context, chat


async def _guard(name: str, fetch: Fetch, api: AsyncReplicaAPI) -> tuple[str, Any]:
    try:
        return name, await fetch(api)
    except errors.Conflict as exc:
        return name, exc


async def load_replica_page(
    request, replica_id: str, *, include: str | None = None, **fetches: Fetch
) -> ReplicaPage:
    """getReplica plus each named fetch, concurrently. 404 for an unknown replica."""
    api = await async_api_for(request)
    tasks = [api.get_replica(replica_id, include=include)] + [
        _guard(name, fetch, api) for name, fetch in fetches.items()
    ]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    head, rest = results[0], results[1:]
    if isinstance(head, errors.NotFound):
        raise Http404("No such replica.")
    if isinstance(head, BaseException):
        raise head
    page = ReplicaPage(api=api, replica=head.replica)
    for result in rest:
        if isinstance(result, BaseException):
            raise result
        name, value = result
        if isinstance(value, errors.ReplicaAPIError):
            page.unavailable[name] = value
        else:
            page.data[name] = value
    return page
