"""Mission control: the board page, its lanes (what the page refreshes), the bulk action.

The logic lives in `board.py` and `bulk.py`; these views read the filters, call them and
pick the partial. `#board-lanes` is refreshed by static/js/board.js, which swaps only the
cards that changed (each carries a version) and keeps selection and focus.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from portal.accounts.acting import aacting_kind, async_api_for, requires_api_key
from portal.accounts.models import KeyKind
from portal.lib.api_errors import report
from portal.lib.htmx import render_box
from portal.replica_api import errors
from portal.replicas.ownership import api_user_id
from portal.webhooks.models import Follow

from .. import bulk, live
from ..board import BoardFilters, load_board
from ..forms import BoardFilterForm

TEMPLATE = "fleet/board.html"
REFRESH_BUSY = 2  # seconds between refreshes while a card is preparing or working
REFRESH_QUIET = 10


def _filters(request) -> tuple[BoardFilterForm, BoardFilters]:
    form = BoardFilterForm(request.GET)
    form.is_valid()  # invalid values are reported and left out; valid ones still apply
    return form, BoardFilters(**form.values())


async def _followed(request) -> set[str]:
    user = await request.auser()
    ids = Follow.objects.filter(user=user, following=True).values_list("replica_id", flat=True)
    return {str(rid) async for rid in ids}


async def _lanes_context(request, api, filters: BoardFilters) -> dict:
    context: dict = {"filters": filters}
    await live.note_viewer((await request.auser()).pk)
    user_id = followed = None
    if filters.who == "mine":
        if await aacting_kind(request) == KeyKind.PERSONAL:
            user_id = await api_user_id(request, api)
        if user_id is None:
            context["who_problem"] = (
                "“Mine” can't be applied: the API filters replicas by the user who created "
                "them, and the key you act with has no user (the org key) or its profile "
                "couldn't be read. Showing all."
            )
    elif filters.who == "followed":
        followed = await _followed(request)
    try:
        board = await load_board(request, api, filters, user_id=user_id, followed=followed)
    except errors.Unauthorized:
        raise
    except errors.ReplicaAPIError as exc:
        context["board_problem"] = report(request, exc, "board")
        context["refresh_every"] = REFRESH_BUSY
        return context
    context["board"] = board
    context["refresh_every"] = REFRESH_BUSY if board.busy else REFRESH_QUIET
    return context


def _lanes_url(request) -> str:
    query = request.GET.urlencode()
    return reverse("fleet:lanes") + (f"?{query}" if query else "")


@requires_api_key
@require_GET
async def board(request):
    form, filters = _filters(request)
    api = await async_api_for(request)
    context = await _lanes_context(request, api, filters)
    environments, env_problem = [], None
    if not request.htmx:
        try:
            environments = (await api.list_environments()).environments
        except errors.Unauthorized:
            raise
        except errors.ReplicaAPIError as exc:
            env_problem = report(request, exc, "board environments")
    context.update(
        form=form,
        environments=[(str(e.id), e.name) for e in environments],
        env_problem=env_problem,
        lanes_url=_lanes_url(request),
    )
    return render_box(request, TEMPLATE, context, boxes=("board-lanes",))


@requires_api_key
@require_GET
async def lanes(request):
    """The lanes on their own: what the page refreshes. A failed refresh says why in the
    lanes' problem box; the next one clears it."""
    _, filters = _filters(request)
    api = await async_api_for(request)
    context = await _lanes_context(request, api, filters)
    context["lanes_url"] = _lanes_url(request)
    return render(request, f"{TEMPLATE}#board-lanes", context)


def _ids(request) -> list[str]:
    seen: list[str] = []
    for rid in request.POST.getlist("ids"):
        rid = rid.strip()
        if rid and rid not in seen and len(rid) <= 64:
            seen.append(rid)
    return seen[: bulk.MAX_SELECTED]


@requires_api_key
@require_POST
async def bulk_action(request):
    """First POST: what would happen (confirm). With `confirm`: do it, each replica's result."""
    action = request.POST.get("action", "")
    ids = _ids(request)
    context: dict = {"action": action, "action_label": bulk.ACTIONS.get(action, "")}
    if action not in bulk.ACTIONS:
        context["bulk_error"] = "Choose Sleep or Archive."
    elif not ids:
        context["bulk_error"] = "Select one or more replicas first (the boxes on the cards)."
    else:
        api = await async_api_for(request)
        chosen = await bulk.targets(request, api, ids, action)
        if request.POST.get("confirm"):
            context["results"] = await bulk.run(request, api, chosen, action)
            context["done_count"] = sum(r.done for r in context["results"])
        else:
            context["targets"] = chosen
            context["saving"] = bulk.saving(chosen)
            context["actionable"] = [t for t in chosen if not t.refusal and not t.problem]
    template = f"{TEMPLATE}#bulk-box" if request.htmx else "fleet/bulk.html"
    response = render(request, template, context)
    if request.htmx and context.get("results"):
        trigger_client_event(response, "board:refresh")
    return response
