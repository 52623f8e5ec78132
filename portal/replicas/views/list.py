"""The replica list: every replica the acting key can see, filtered and paged in the URL.

`replicas:list` is the page (an HTMX request aimed at `#replica-results` gets just that
partial); `replicas:list_results` is the same partial on its own, which the page polls
(static/js/poll.js) so status badges and relative times stay current without a reload.

- "Only mine" filters on the acting key's API user (`getUserProfile().userId`, kept on the
  key). The org key acts as the Replicas bot, which has no user, and the API cannot filter
  for replicas without one, so the filter is offered (disabled, with the reason) only with a
  personal key.
- "Created by": who made each replica, as far as the portal can know (`ownership.py`).
- Name search: the API has no name filter, so the portal reads the newest pages the API
  returns (the status and source filters still apply upstream), concurrently, up to
  `SEARCH_MAX_PAGES` × `MAX_PAGE_SIZE` replicas, filters them by name, and says when that
  bound was reached.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from portal.accounts.acting import aacting_kind, async_api_for, requires_api_key
from portal.accounts.models import KeyKind
from portal.lib.api_errors import report
from portal.lib.htmx import render_box
from portal.lib.times import relative_time
from portal.replica_api import errors

from .. import choices
from ..forms import ReplicaFilterForm
from ..ownership import Owners, api_user_id

TEMPLATE = "replicas/list.html"
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100  # the spec's maximum `limit`
SEARCH_MAX_PAGES = 10  # a name search reads at most this many pages of MAX_PAGE_SIZE
# Poll intervals (seconds): quick while a replica is preparing, relaxed otherwise.
POLL_FAST = 3
POLL_SLOW = 15


def _positive_int(value: str | None, default: int, maximum: int | None = None) -> int:
    try:
        number = int(value or "")
    except ValueError:
        return default
    if number < 1:
        return default
    return min(number, maximum) if maximum else number


def _row(replica, owner, detail_prefix: str) -> dict:
    """One row, its strings made here: per-row template filters (dates, `{% url %}`) were a
    sixth of the page's time."""
    status = str(getattr(replica.status, "value", replica.status))
    return {
        "id": replica.id,
        "url": f"{detail_prefix}{replica.id}/",
        "name": replica.name,
        "status": status,
        "source": str(getattr(replica.source, "value", replica.source)),
        "owner": owner,
        "repositories": [{"name": r.name, "url": str(r.url)} for r in replica.repositories],
        "pull_requests": [
            {"url": str(pr.url), "label": f"{pr.repository}#{pr.number}"}
            for pr in replica.pull_requests
        ],
        "created": relative_time(replica.created_at),
        "last_activity": relative_time(replica.last_activity_at),
    }


@dataclass
class SearchResult:
    """A page of name-search matches, shaped like the API's list result for the template."""

    replicas: list
    total: int
    page: int
    total_pages: int
    searched: int  # how many replicas were read
    available: int  # how many the API has under the other filters
    bounded: bool  # the bound stopped the search before the end


async def _search(api, query: str, page: int, **filters) -> SearchResult:
    """Read the newest pages (the first to learn how many there are, then the rest at once,
    up to the bound) and keep the replicas whose name contains `query`."""
    first = await api.list_replicas(page=1, limit=MAX_PAGE_SIZE, **filters)
    pages = min(first.total_pages, SEARCH_MAX_PAGES)
    rest = await asyncio.gather(
        *(api.list_replicas(page=n, limit=MAX_PAGE_SIZE, **filters) for n in range(2, pages + 1))
    )
    seen: set[str] = set()
    replicas = []
    for result in (first, *rest):
        for replica in result.replicas:
            if str(replica.id) not in seen:  # pages can shift while they are read
                seen.add(str(replica.id))
                replicas.append(replica)
    needle = query.casefold()
    matches = [r for r in replicas if needle in r.name.casefold()]
    total_pages = max(1, math.ceil(len(matches) / PAGE_SIZE))
    start = (page - 1) * PAGE_SIZE
    return SearchResult(
        replicas=matches[start : start + PAGE_SIZE],
        total=len(matches),
        page=page,
        total_pages=total_pages,
        searched=len(replicas),
        available=first.total,
        bounded=first.total_pages > SEARCH_MAX_PAGES,
    )


async def _form(request) -> ReplicaFilterForm:
    mine_available = await aacting_kind(request) == KeyKind.PERSONAL
    form = ReplicaFilterForm(request.GET, mine_available=mine_available)
    form.is_valid()  # invalid values are reported and left out; valid ones still apply
    return form


async def _list_context(request) -> dict:
    form = await _form(request)
    filters = form.cleaned_data
    page = _positive_int(request.GET.get("page"), 1)
    limit = _positive_int(request.GET.get("limit"), PAGE_SIZE, MAX_PAGE_SIZE)
    api = await async_api_for(request)
    user_id = None
    mine_problem = None
    if filters.get("mine"):
        user_id = await api_user_id(request, api)
        if user_id is None:
            mine_problem = "Your key has no user profile, so “only mine” can't be applied."
    upstream = {
        "status": filters.get("status") or None,
        "source": filters.get("source") or None,
        "user_id": user_id,
    }
    query = (filters.get("q") or "").strip()
    if query:
        result = await _search(api, query, page, **upstream)
    else:
        result = await api.list_replicas(page=page, limit=limit, **upstream)
    owners = await Owners.load(request, api, result.replicas)
    prefix = reverse("replicas:list")  # /replicas/<id>/ is the detail page
    rows = [_row(r, owners.of(r), prefix) for r in result.replicas]
    filtered = bool(filters.get("status") or filters.get("source") or user_id or query)
    return {
        "form": form,
        "rows": rows,
        "result": result,
        "query": query,
        "search": result if query else None,
        "filtered": filtered,
        "mine_problem": mine_problem,
        "past_last_page": not rows and result.total > 0,
        "poll_every": POLL_FAST
        if any(r["status"] in choices.TRANSIENT_STATUSES for r in rows)
        else POLL_SLOW,
    }


async def _failed_context(request, exc: errors.ReplicaAPIError) -> dict:
    """The page without results: the box says why, and keeps polling until it recovers."""
    return {
        "form": await _form(request),
        "rows": [],
        "result": None,
        "list_problem": report(request, exc, "replica list"),
        "poll_every": POLL_FAST,
    }


@requires_api_key
@require_GET
async def replica_list(request):
    try:
        context = await _list_context(request)
    except errors.ReplicaAPIError as exc:
        context = await _failed_context(request, exc)
    return render_box(request, TEMPLATE, context, boxes=("replica-results",))


@requires_api_key
@require_GET
async def list_results(request):
    """The results partial on its own: what the list page polls. A failed poll keeps the
    table as it was and shows why above it; the next successful poll clears that."""
    try:
        context = await _list_context(request)
    except errors.ReplicaAPIError as exc:
        problem = report(request, exc, "replica list poll")
        context = {"list_problem": problem, "oob": True}
        response = render(request, f"{TEMPLATE}#list-problem", context)
        response["HX-Reswap"] = "none"
        return response
    return render(request, f"{TEMPLATE}#replica-results", context)
