"""The replica list: every replica the acting key can see, filtered and paged in the URL.

`replicas:list` is the page (an HTMX request aimed at `#replica-results` gets just that
partial); `replicas:list_results` is the same partial on its own, which the page polls
(static/js/poll.js) so status badges and relative times stay current without a reload.

"Only mine" filters on the acting key's API user (`getUserProfile().userId`, cached per key).
The org key acts as the Replicas bot, which has no user, and the API cannot filter for
replicas without one, so the filter is offered (disabled, with the reason) only with a
personal key.
"""

from __future__ import annotations

from django.core.cache import cache
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.accounts.acting import acting_kind, api_for, requires_api_key, usable_key
from portal.accounts.models import KeyKind
from portal.lib.api_errors import report
from portal.lib.htmx import render_box
from portal.replica_api import errors

from .. import choices
from ..forms import ReplicaFilterForm

TEMPLATE = "replicas/list.html"
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100  # the spec's maximum `limit`
API_USER_TTL = 10 * 60
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


def _api_user_id(request, api) -> str:
    """The acting personal key's API user id (cached: it doesn't change for a key)."""
    key = usable_key(request)
    cache_key = f"replicas:api-user:{key.pk}:{key.last_four}:{key.added_at.timestamp()}"
    user_id = cache.get(cache_key)
    if user_id is None:
        user_id = str(api.get_user_profile().profile.userId)
        cache.set(cache_key, user_id, API_USER_TTL)
    return user_id


def _row(replica) -> dict:
    status = str(getattr(replica.status, "value", replica.status))
    return {
        "id": replica.id,
        "name": replica.name,
        "status": status,
        "source": str(getattr(replica.source, "value", replica.source)),
        "repositories": [{"name": r.name, "url": str(r.url)} for r in replica.repositories],
        "pull_requests": [
            {"url": str(pr.url), "label": f"{pr.repository}#{pr.number}"}
            for pr in replica.pull_requests
        ],
        "created_at": replica.created_at,
        "last_activity_at": replica.last_activity_at,
    }


def _form(request) -> ReplicaFilterForm:
    mine_available = acting_kind(request) == KeyKind.PERSONAL
    form = ReplicaFilterForm(request.GET, mine_available=mine_available)
    form.is_valid()  # invalid values are reported and left out; valid ones still apply
    return form


def _list_context(request) -> dict:
    form = _form(request)
    filters = form.cleaned_data
    page = _positive_int(request.GET.get("page"), 1)
    limit = _positive_int(request.GET.get("limit"), PAGE_SIZE, MAX_PAGE_SIZE)
    api = api_for(request)
    user_id = None
    mine_problem = None
    if filters.get("mine"):
        try:
            user_id = _api_user_id(request, api)
        except errors.NotFound:
            mine_problem = "Your key has no user profile, so “only mine” can't be applied."
    result = api.list_replicas(
        page=page,
        limit=limit,
        status=filters.get("status") or None,
        source=filters.get("source") or None,
        user_id=user_id,
    )
    rows = [_row(r) for r in result.replicas]
    filtered = bool(filters.get("status") or filters.get("source") or user_id)
    return {
        "form": form,
        "rows": rows,
        "result": result,
        "filtered": filtered,
        "mine_problem": mine_problem,
        "past_last_page": not rows and result.total > 0,
        "poll_every": POLL_FAST
        if any(r["status"] in choices.TRANSIENT_STATUSES for r in rows)
        else POLL_SLOW,
    }


def _failed_context(request, exc: errors.ReplicaAPIError) -> dict:
    """The page without results: the box says why, and keeps polling until it recovers."""
    return {
        "form": _form(request),
        "rows": [],
        "result": None,
        "list_problem": report(request, exc, "replica list"),
        "poll_every": POLL_FAST,
    }


@requires_api_key
@require_GET
def replica_list(request):
    try:
        context = _list_context(request)
    except errors.ReplicaAPIError as exc:
        context = _failed_context(request, exc)
    return render_box(request, TEMPLATE, context, boxes=("replica-results",))


@requires_api_key
@require_GET
def list_results(request):
    """The results partial on its own: what the list page polls. A failed poll keeps the
    table as it was and shows why above it; the next successful poll clears that."""
    try:
        context = _list_context(request)
    except errors.ReplicaAPIError as exc:
        problem = report(request, exc, "replica list poll")
        response = render(
            request, f"{TEMPLATE}#list-problem", {"list_problem": problem, "oob": True}
        )
        response["HX-Reswap"] = "none"
        return response
    return render(request, f"{TEMPLATE}#replica-results", context)
