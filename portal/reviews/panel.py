"""The review box (#review) as the Diffs and Canvas panels show it, and who may use it.

    state = await load_state(user, rid)
    context.update(box_context(request, rid, state, panel="diffs"))

A reviewer must be able to see the replica: the panels prove it (their getReplica
succeeded) and remember it for a while (`remember_visible`); the review views ask the API
again when that is not known (`ensure_visible`).
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from portal.accounts.acting import async_api_for
from portal.replica_api import errors

from .message import anchor, compose
from .state import ReviewState

VISIBLE_TTL = 10 * 60
SHOWN_TTL = 7 * 24 * 3600  # the diff last shown; after that a review keeps the diff as sent


def urls(replica_id) -> dict[str, str]:
    base = reverse("replicas:reviews:box", args=[replica_id])
    return {
        "box": base,
        "add": base + "comments/",
        "comments": base + "comments/",  # + <id>/, <id>/edit/, <id>/delete/
        "viewed": base + "viewed/",
        "send": base + "send/",
        "chat": reverse("replicas:detail", args=[replica_id]),
        "diffs": reverse("replicas:diffs", args=[replica_id]),
    }


def _visible_key(user, api, replica_id) -> str:
    return f"reviews:visible:{user.pk}:{api.key_id}:{replica_id}"


async def remember_visible(request, api, replica_id) -> None:
    await cache.aset(_visible_key(await request.auser(), api, replica_id), True, VISIBLE_TTL)


async def ensure_visible(request, replica_id):
    """The user's API client, once the user is known to see the replica (404 otherwise)."""
    api = await async_api_for(request)
    key = _visible_key(await request.auser(), api, replica_id)
    if not await cache.aget(key):
        try:
            await api.get_replica(str(replica_id))
        except (errors.NotFound, errors.Forbidden):
            raise Http404("No such replica.") from None
        await cache.aset(key, True, VISIBLE_TTL)
    return api


def _shown_key(user, replica_id) -> str:
    return f"reviews:shown:{user.pk}:{replica_id}"


async def remember_shown(request, replica_id, digests: dict[str, str]) -> None:
    """The per-file digests of the diff the Diffs panel just showed this user: what a review
    sent next keeps, as "the diff it was written against"."""
    await cache.aset(_shown_key(await request.auser(), replica_id), digests, SHOWN_TTL)


async def last_shown(request, replica_id) -> dict[str, str] | None:
    return await cache.aget(_shown_key(await request.auser(), replica_id))


def safe_next(request, url: str | None, replica_id) -> str:
    """Where a plain (no JavaScript) POST goes back to: the panel it came from."""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}):
        return url
    return reverse("replicas:diffs", args=[replica_id])


def card(comment) -> dict:
    return {"comment": comment, "anchor": anchor(comment)}


def box_context(request, replica_id, state: ReviewState, *, panel: str) -> dict:
    rid = str(replica_id)
    return {
        "review": {
            "replica_id": rid,
            "panel": panel,
            "next": request.get_full_path() if request.method == "GET" else "",
            "urls": urls(rid),
            "draft": state.draft,
            "cards": [card(c) for c in state.comments],
            "count": len(state.comments),
            "sent": state.sent,
            "preview": compose(state.comments),
        }
    }
