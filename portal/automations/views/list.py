"""The automations list: org, mine or all (in the URL), name search, trigger and state filters,
pages as the API pages them.

Each row reads its automation's newest executions (a few at once, concurrently): the last
run's status and time, and a failure streak (a warning before the API switches it off after 5
failed runs in a row, and the reason once it has). A row's failed read costs only its cells.

While an admin acts as the org, personal automations are hidden by the API (the org key can't
read them): the page says so instead of showing nothing or an error.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from django.views.decorators.http import require_GET

from portal.accounts.acting import async_api_for, requires_api_key
from portal.lib.api_errors import report
from portal.replica_api import errors

from ..forms import ListFilterForm
from .common import (
    HIDDEN_PERSONAL,
    STREAK_READ,
    may_manage,
    names,
    render_in_zone,
    streak,
    streak_words,
    summary,
    viewer,
)

TEMPLATE = "automations/list.html"
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
ROW_CONCURRENCY = 8
API_SCOPE = {"all": "all", "org": "org", "mine": "user"}


def _positive_int(value: str | None, default: int, maximum: int | None = None) -> int:
    try:
        number = int(value or "")
    except ValueError:
        return default
    if number < 1:
        return default
    return min(number, maximum) if maximum else number


async def _recent(api, automation_id: str, gate: asyncio.Semaphore):
    async with gate:
        try:
            return await api.list_automation_executions(automation_id, page=1, limit=STREAK_READ)
        except errors.Unauthorized:
            raise
        except errors.ReplicaAPIError as exc:
            return exc


async def list_context(request) -> dict:
    form = ListFilterForm(request.GET)
    form.is_valid()  # invalid values are left out; valid ones still apply
    filters = form.cleaned_data
    scope = filters.get("scope") or "all"
    query = (filters.get("q") or "").strip()
    page = _positive_int(request.GET.get("page"), 1)
    limit = _positive_int(request.GET.get("limit"), PAGE_SIZE, MAX_PAGE_SIZE)
    who = await viewer(request)
    api = await async_api_for(request)
    context = {
        "form": form,
        "scope": scope,
        "query": query,
        "who": who,
        "rows": [],
        "result": None,
        "hidden_note": HIDDEN_PERSONAL if who.acting_org and scope in ("all", "mine") else "",
        "filtered": bool(query or filters.get("trigger") or filters.get("state")),
    }
    if who.acting_org and scope == "mine":
        return context  # the org key can't list anyone's personal automations: don't ask
    state = filters.get("state")
    try:
        result = await api.list_automations(
            page=page,
            limit=limit,
            scope=API_SCOPE[scope],
            search=query or None,
            trigger_type=filters.get("trigger") or None,
            enabled={"on": True, "off": False}.get(state or ""),
        )
    except errors.ReplicaAPIError as exc:
        if isinstance(exc, errors.Unauthorized):
            raise
        context["list_problem"] = report(request, exc, "list automations")
        return context
    gate = asyncio.Semaphore(ROW_CONCURRENCY)
    name_map, recents = await asyncio.gather(
        names(api), asyncio.gather(*(_recent(api, str(a.id), gate) for a in result.automations))
    )
    now = datetime.now(UTC)
    rows = []
    for automation, recent in zip(result.automations, recents, strict=True):
        row = summary(automation, name_map, now)
        row["may_manage"] = may_manage(automation, who.is_admin)
        row["toggle"] = {
            "id": row["id"],
            "enabled": automation.enabled,
            "may_manage": row["may_manage"],
            "next": request.get_full_path(),
        }
        if isinstance(recent, errors.ReplicaAPIError):
            row["runs_unknown"] = True
        else:
            executions = recent.executions
            row["last_run"] = executions[0] if executions else None
            count = streak(executions)
            row["streak"] = count
            row["streak_words"] = streak_words(count, automation.enabled)
        rows.append(row)
    context.update(
        rows=rows,
        result=result,
        past_last_page=not rows and result.total > 0,
    )
    return context


@requires_api_key
@require_GET
async def automation_list(request):
    context = await list_context(request)
    return render_in_zone(request, TEMPLATE, context, boxes=("automation-results",))
