"""An automation's page: what it is and when it runs, its executions (followed while the page
is open), the enabled switch, run now, the custom webhook with a test event, and delete.

- Executions poll themselves (static/js/poll.js): every few seconds while a run is in
  progress, less often otherwise, backing off while the tab is hidden.
- Run now: `triggerAutomation` for automations with a schedule (optional JSON payload), or
  against a pull request for a GitHub `pull_request.command` trigger; otherwise the box says
  why it isn't available. The new execution appears in the list at once (out of band).
- Custom webhook: the URL and token are shown once, right after the save that made them,
  with a copy button and a curl example; afterwards only masked. "Send a test event" posts a
  JSON body to it (`fireCustomWebhookAutomation`) and shows the execution it produced.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.acting import async_api_for, requires_api_key
from portal.lib.api_errors import Problem, report
from portal.lib.htmx import go
from portal.lib.outcomes import Outcome, settle
from portal.replica_api import errors

from .. import triggers
from ..forms import (
    DeleteAutomationForm,
    RunNowForm,
    RunPullRequestForm,
    TestFireForm,
    ToggleForm,
)
from .common import (
    STREAK_READ,
    load_automation_page,
    render_in_zone,
    streak,
    streak_words,
    value_of,
)

TEMPLATE = "automations/detail.html"
EXECUTIONS_PAGE = 10
POLL_BUSY = 3  # seconds between polls while a run is in progress
POLL_IDLE = 20
IN_PROGRESS = frozenset({"pending", "creating", "running"})
REVEAL = "automations:reveal:{}"  # session flag: show the webhook URL once


def reveal_once(request, automation_id: str) -> None:
    """After a save that made (or kept) a webhook token: show it on the next page view."""
    request.session[REVEAL.format(automation_id)] = True


def webhook_url(token: str) -> str:
    return f"{settings.REPLICAS_API_URL.rstrip('/')}/v1/automations/webhook/{token}"


def masked(token: str) -> str:
    return f"{token[:8]}…••••"


def safe_next(request, default: str) -> str:
    candidate = request.POST.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page") or 1))
    except ValueError:
        return 1


# --- what the boxes show ----------------------------------------------------------------------


def execution_rows(listing: Any, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for e in listing.executions:
        status = value_of(e.status)
        end = e.completed_at
        if end is not None:
            took = end - e.triggered_at
            duration = _short(took)
        elif status in IN_PROGRESS:
            duration = f"{_short(now - e.triggered_at)} so far"
        else:
            duration = ""
        payload = e.trigger_payload or {}
        rows.append(
            {
                "e": e,
                "status": status,
                "duration": duration,
                "trigger": str(payload.get("trigger") or "unknown"),
                "payload": json.dumps(payload, indent=2, sort_keys=True, default=str),
            }
        )
    return rows


def _short(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def executions_context(automation_id: str, page: int, listing, problem, now) -> dict[str, Any]:
    rows = execution_rows(listing, now) if listing is not None else []
    busy = any(r["status"] in IN_PROGRESS for r in rows)
    return {
        "automation_id": automation_id,
        "exec_rows": rows,
        "exec_listing": listing,
        "exec_page": page,
        "exec_problem": problem,
        "poll_every": POLL_BUSY if busy or problem else POLL_IDLE,
    }


def run_context(page, *, form=None, pr_form=None, result=None, problem=None) -> dict[str, Any]:
    """The Run now box: which forms apply, or why none does."""
    a = page.automation
    context: dict[str, Any] = {"run_result": result, "run_problem": problem}
    if a is None:
        return context
    command = triggers.command_trigger(a.triggers)
    context["can_run_cron"] = triggers.has_cron(a.triggers)
    context["can_run_pr"] = command is not None
    context["run_form"] = form or RunNowForm()
    repo_names = page.names.get("repositories", {})
    wanted = [str(r) for r in (command or {}).get("repository_ids") or []]
    repos = [(r, repo_names.get(r, r)) for r in wanted] or sorted(
        repo_names.items(), key=lambda item: item[1].casefold()
    )
    context["pr_form"] = pr_form or RunPullRequestForm(repositories=repos)
    context["run_off"] = not a.enabled
    context["other_triggers"] = [triggers.words(t, repo_names) for t in a.triggers]
    context["is_custom"] = triggers.has_custom(a.triggers)
    return context


def webhook_context(request, page, *, form=None, result=None, problem=None) -> dict[str, Any]:
    a = page.automation
    if a is None or not a.webhook_token:
        return {"webhook": None}
    shown = bool(request.session.pop(REVEAL.format(page.automation_id), False))
    if shown:
        request.session.modified = True
    token = a.webhook_token
    return {
        "webhook": {
            "revealed": shown,
            "url": webhook_url(token) if shown else "",
            "token": token if shown else "",
            "masked_url": webhook_url(masked(token)),
            "enabled": a.enabled,
        },
        "fire_form": form or TestFireForm(),
        "fire_result": result,
        "fire_problem": problem,
    }


async def _detail_context(request, page, now) -> dict[str, Any]:
    exec_page = _page_number(request)
    listing = page.data.get("executions")
    recent = page.data.get("recent") or (listing if exec_page == 1 else None)
    context = page.header(now)
    context.update(
        executions_context(
            page.automation_id, exec_page, listing, page.failed.get("executions"), now
        )
    )
    if page.loaded:
        count = streak(recent.executions) if recent is not None else 0
        context["streak_words"] = streak_words(count, page.automation.enabled)
        context["toggle"] = {
            "id": page.automation_id,
            "enabled": page.automation.enabled,
            "may_manage": page.may_manage,
            "next": reverse("automations:detail", args=[page.automation_id]),
            "on_page": True,
        }
        context["prompt_html"] = _markdown(page.automation.prompt)
        context["acting_org"] = page.acting_org
    context.update(run_context(page))
    context.update(webhook_context(request, page))
    return context


def _markdown(text: str):
    from portal.replicas.rendering.markdown import render_markdown

    return render_markdown(text or "")


def _fetches(automation_id: str, exec_page: int) -> dict:
    fetches = {
        "executions": lambda api: api.list_automation_executions(
            automation_id, page=exec_page, limit=EXECUTIONS_PAGE
        )
    }
    if exec_page > 1:
        fetches["recent"] = lambda api: api.list_automation_executions(
            automation_id, page=1, limit=STREAK_READ
        )
    return fetches


# --- the page and its boxes -------------------------------------------------------------------


@requires_api_key
@require_GET
async def automation_detail(request, automation_id):
    automation_id = str(automation_id)
    page = await load_automation_page(
        request, automation_id, **_fetches(automation_id, _page_number(request))
    )
    context = await _detail_context(request, page, datetime.now(UTC))
    return render_in_zone(
        request, TEMPLATE, context, boxes=("automation-header", "executions", "run-now", "webhook")
    )


@requires_api_key
@require_GET
async def executions(request, automation_id):
    """The executions box on its own (what the page polls, and its pages)."""
    automation_id = str(automation_id)
    exec_page = _page_number(request)
    api = await async_api_for(request)
    listing, problem = None, None
    try:
        listing = await api.list_automation_executions(
            automation_id, page=exec_page, limit=EXECUTIONS_PAGE
        )
    except errors.NotFound:
        problem = Problem(
            "This automation is gone",
            "It was deleted (with its run history) since the page was opened.",
            "Go back to the automations list.",
            404,
        )
    except errors.ReplicaAPIError as exc:
        if isinstance(exc, errors.Unauthorized):
            raise
        problem = report(request, exc, "list executions")
    context = executions_context(automation_id, exec_page, listing, problem, datetime.now(UTC))
    return render_in_zone(request, f"{TEMPLATE}#executions", context)


# --- the enabled switch -----------------------------------------------------------------------


@requires_api_key
@require_POST
async def toggle(request, automation_id):
    automation_id = str(automation_id)
    page = await load_automation_page(request, automation_id)
    form = ToggleForm(request.POST)
    form.is_valid()
    wanted = bool(form.cleaned_data.get("enabled"))
    detail_url = reverse("automations:detail", args=[automation_id])
    next_url = safe_next(request, detail_url)
    state = page.automation.enabled if page.loaded else not wanted
    outcome: Outcome
    refusal = page.refusal()
    if refusal is not None:
        outcome = Outcome(False, problem=refusal)
    elif page.automation.enabled == wanted:
        outcome = Outcome(True, note="Already on." if wanted else "Already off.")
    else:
        api = page.api

        async def check() -> bool:
            return (await api.get_automation(automation_id)).automation.enabled == wanted

        outcome = await settle(
            request,
            lambda: api.update_automation(automation_id, form.request_body()),
            check,
            done="Switched on." if wanted else "Switched off.",
            what=f"it was switched {'on' if wanted else 'off'}",
            operation="switch automation",
        )
        if outcome.done:
            state = wanted
    if not request.htmx:
        if outcome.done:
            messages.success(request, outcome.note)
        else:
            messages.error(request, outcome.problem.text)
        return redirect(next_url)
    problem = outcome.problem
    if problem is not None:
        verb = "on" if wanted else "off"
        problem = Problem(f"Not switched {verb}: {problem.title.lower()}", problem.message,
                          problem.hint, problem.status, reference=problem.reference)  # fmt: skip
    on_page = bool(request.POST.get("on_page"))
    t = {
        "id": automation_id,
        "enabled": state,
        "may_manage": page.may_manage,
        "next": next_url,
        "note": outcome.note if outcome.done else "",
        "problem": problem,
        "on_page": on_page,
    }
    if not (on_page and page.loaded):
        return render_in_zone(request, "automations/includes/toggle.html", {"t": t})
    # On the automation's page, Run now and the webhook say whether it can run: refresh them.
    page.automation.enabled = state
    context = {"t": t, "automation_id": automation_id, "loaded": True, "oob_box": True}
    context.update(run_context(page))
    context.update(webhook_context(request, page))
    return render_in_zone(request, "automations/includes/after_action.html#toggle", context)


# --- run now ----------------------------------------------------------------------------------


async def _new_execution(api, automation_id: str, since: datetime, trigger: str, match=None):
    """The newest execution since `since` that this action made, or None."""
    listing = await api.list_automation_executions(automation_id, page=1, limit=5)
    for e in listing.executions:
        payload = e.trigger_payload or {}
        fits = e.triggered_at >= since and payload.get("trigger") == trigger
        if fits and (match is None or match(payload)):
            return e
    return None


async def _after_action(request, page, now, box_context: dict, box: str):
    """The box that acted, and the executions list refreshed out of band."""
    try:
        listing = await page.api.list_automation_executions(
            page.automation_id, page=1, limit=EXECUTIONS_PAGE
        )
        problem = None
    except errors.ReplicaAPIError as exc:
        if isinstance(exc, errors.Unauthorized):
            raise
        listing, problem = None, report(request, exc, "list executions")
    context = {**page.header(now), **box_context}
    context.update(executions_context(page.automation_id, 1, listing, problem, now))
    context["oob"] = True
    return render_in_zone(request, f"automations/includes/after_action.html#{box}", context)


@requires_api_key
@require_POST
async def run_now(request, automation_id):
    automation_id = str(automation_id)
    page = await load_automation_page(request, automation_id)
    detail_url = reverse("automations:detail", args=[automation_id])
    if not page.loaded:
        problem = page.failed.get("automation")
        if not request.htmx:
            messages.error(request, problem.text if problem else "Not run.")
            return redirect(detail_url)
        return await _after_action(
            request, page, datetime.now(UTC), {"run_problem": problem}, "run-now"
        )
    kind = request.POST.get("run_kind", "cron")
    form = pr_form = None
    body = None
    if kind == "pr":
        base = run_context(page)
        pr_form = RunPullRequestForm(
            request.POST, repositories=base["pr_form"].fields["repository"].choices[1:]
        )
        if pr_form.is_valid():
            body = pr_form.request_body()
    else:
        form = RunNowForm(request.POST)
        if form.is_valid():
            body = form.request_body()
    result = problem = None
    if body is not None:
        api = page.api
        since = datetime.now(UTC) - timedelta(seconds=5)
        kept: dict[str, Any] = {}

        async def change():
            kept["value"] = await api.trigger_automation(automation_id, body)

        async def check() -> bool:
            found = await _new_execution(api, automation_id, since, "manual")
            kept["found"] = found
            return found is not None

        outcome = await settle(
            request,
            change,
            check,
            done="Started.",
            what="it was started",
            operation="run automation now",
        )
        if outcome.done:
            value = kept.get("value")
            found = kept.get("found")
            result = {
                "execution_id": str(value.execution_id) if value else str(found.id),
                "workspace_id": (
                    str(value.workspace_id)
                    if value and value.workspace_id
                    else (str(found.workspace_id) if found and found.workspace_id else None)
                ),
                "verified": outcome.verified,
            }
            form, pr_form = None, None  # a fresh form for the next run
        else:
            problem = outcome.problem
    if not request.htmx:
        if result:
            messages.success(request, f"Started: execution {result['execution_id']}.")
        elif problem:
            messages.error(request, problem.text)
        elif (form and form.errors) or (pr_form and pr_form.errors):
            messages.error(request, "Not run: check the values.")
        return redirect(detail_url)
    box = run_context(page, form=form, pr_form=pr_form, result=result, problem=problem)
    return await _after_action(request, page, datetime.now(UTC), box, "run-now")


# --- the custom webhook's test event ----------------------------------------------------------


@requires_api_key
@require_POST
async def test_fire(request, automation_id):
    automation_id = str(automation_id)
    page = await load_automation_page(request, automation_id)
    detail_url = reverse("automations:detail", args=[automation_id])
    form = TestFireForm(request.POST)
    result = problem = None
    token = page.automation.webhook_token if page.loaded else None
    if not page.loaded:
        problem = page.failed.get("automation")
    elif not token:
        problem = Problem(
            "No webhook",
            "This automation has no custom webhook trigger, so there is nothing to send to.",
            "Add a custom webhook trigger on its edit page.",
            400,
        )
    elif form.is_valid():
        api = page.api
        sent = form.cleaned_data["body"]
        since = datetime.now(UTC) - timedelta(seconds=5)

        def same(payload: dict) -> bool:
            return payload.get("payload") == (sent if sent is not None else {})

        async def check() -> bool:
            return await _new_execution(api, automation_id, since, "custom", same) is not None

        outcome = await settle(
            request,
            lambda: api.fire_custom_webhook_automation(token, sent),
            check,
            done="Accepted.",
            what="the test event was accepted",
            operation="send a test event",
        )
        if outcome.done:
            try:
                execution = await _new_execution(api, automation_id, since, "custom", same)
            except errors.ReplicaAPIError as exc:
                if isinstance(exc, errors.Unauthorized):
                    raise
                report(request, exc, "find the test event's execution")
                execution = None
            result = {
                "execution": execution,
                "status": value_of(execution.status) if execution else None,
            }
            form = TestFireForm()
        else:
            problem = outcome.problem
            if isinstance(problem, Problem) and problem.status == 404:
                problem = Problem(
                    "The webhook didn't accept it",
                    "The API answers “not found” for a switched-off automation, a webhook "
                    "token that changed, or an automation without a custom trigger.",
                    "Switch it on (or reload the page) and try again.",
                    404,
                    reference=problem.reference,
                )
    if not request.htmx:
        if result:
            messages.success(request, "Test event accepted.")
        elif problem:
            messages.error(request, problem.text)
        return redirect(detail_url)
    box = webhook_context(request, page, form=form, result=result, problem=problem)
    return await _after_action(request, page, datetime.now(UTC), box, "webhook")


# --- delete -----------------------------------------------------------------------------------


@requires_api_key
@require_http_methods(["GET", "POST"])
async def delete_automation(request, automation_id):
    automation_id = str(automation_id)
    page = await load_automation_page(request, automation_id)
    context = page.header(datetime.now(UTC))
    refusal = page.refusal()
    form = DeleteAutomationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and refusal is None and form.is_valid():
        api = page.api
        name = page.automation.name

        async def change():
            try:
                await api.delete_automation(automation_id)
            except errors.NotFound:
                return None  # already gone: what was asked for
            return None

        async def check() -> bool:
            try:
                await api.get_automation(automation_id)
            except errors.NotFound:
                return True
            return False

        outcome = await settle(
            request, change, check, done=f"Automation {name} deleted.",
            what=f"automation {name} was deleted", operation="delete automation",
        )  # fmt: skip
        if outcome.done:
            messages.success(request, outcome.note)
            return go(request, reverse("automations:list"))
        context["problem"] = outcome.problem
    elif request.method == "POST" and refusal is not None:
        context["problem"] = refusal
    context.update(form=form, refusal=refusal)
    return render_in_zone(request, "automations/delete.html", context, boxes=("delete-form",))
