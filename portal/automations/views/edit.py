"""Create and edit an automation: every field of CreateAutomationRequest /
UpdateAutomationRequest, the trigger cards, the cron builder's preview, and the small views the
form talks to as you type (agent fields, prompt preview, cron preview).

- Trigger cards are a formset. "Add a trigger" and "Remove" are submit buttons of the same
  form (with or without JavaScript): the form comes back with one card more or less and
  everything typed kept, unvalidated.
- The cron card's preview (`cron_preview`) and the save run the same check (`cron.check`):
  the expression, the zone, the 60-minute rule; the preview adds the English, the next runs in
  both zones, daylight-saving notes and the cost estimate.
- A failed save keeps everything typed; the API's 400 goes next to the field it names where
  its words allow (the cron schedule, the environment, the model...), else above the form.
- After a save that made a custom webhook token, the automation's page shows it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.acting import async_api_for, requires_api_key
from portal.lib.api_errors import Problem, plain, report
from portal.lib.htmx import go
from portal.lib.outcomes import settle
from portal.replica_api import errors
from portal.replicas import choices
from portal.replicas.forms import environment_choices
from portal.replicas.rendering.markdown import render_markdown

from .. import cron, triggers
from ..forms import (
    DEFAULT_RUN_MINUTES,
    MAX_TRIGGERS,
    TRIGGERS_PREFIX,
    AutomationForm,
    PromptPreviewForm,
    TriggerForm,
    TriggerFormSet,
    automation_initial,
    new_trigger_initial,
    trigger_initial,
)
from .common import (
    forget_names,
    load_automation_page,
    render_in_zone,
    viewer,
    viewer_zone_name,
)
from .detail import reveal_once

TEMPLATE = "automations/form.html"
BOXES = ("automation-form", "environment-field")
_TRIGGER_KEY = re.compile(rf"^{TRIGGERS_PREFIX}-(\d+)-type$")


# --- choices the form needs -------------------------------------------------------------------


async def environments_for(request, api, chosen: str = "") -> tuple[list[dict], Problem | None]:
    """The environment picker's options (what each checks out; whether it is personal or
    bound to a repository), or the chosen one alone and why the list is missing."""
    envs, repos, sets = await asyncio.gather(
        api.list_environments(scope="all"),
        api.list_repositories(),
        api.list_repository_sets(),
        return_exceptions=True,
    )
    for result in (envs, repos, sets):
        if isinstance(result, errors.Unauthorized):
            raise result
    if isinstance(envs, BaseException):
        if not isinstance(envs, errors.ReplicaAPIError):
            raise envs
        problem = report(request, envs, "environments")
        kept = (
            [{"id": chosen, "label": "The environment you chose", "name": "it"}] if chosen else []
        )
        return kept, problem
    repo_list = [] if isinstance(repos, BaseException) else repos.repositories
    set_list = [] if isinstance(sets, BaseException) else sets.repository_sets
    labels = dict(environment_choices(envs.environments, repo_list, set_list))
    out = []
    for env in sorted(envs.environments, key=lambda e: (bool(e.user_id), e.name.casefold())):
        out.append(
            {
                "id": str(env.id),
                "label": labels.get(str(env.id), env.name),
                "name": env.name,
                "personal": bool(env.user_id),
                "bound": bool(
                    env.repository_id
                    or env.repository_set_id
                    or getattr(env, "source_environment_id", None)
                ),
            }
        )
    return out, None


async def repositories_for(api) -> list[tuple[str, str]]:
    try:
        listing = await api.list_repositories()
    except errors.Unauthorized:
        raise
    except errors.ReplicaAPIError:
        return []
    return sorted(
        ((str(r.id), r.name) for r in listing.repositories), key=lambda r: r[1].casefold()
    )


# --- the form's state -------------------------------------------------------------------------


def initial_from_post(data) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What was typed, as initial values (to show again without validating it)."""
    main = {
        name: field.widget.value_from_datadict(data, {}, name)
        for name, field in AutomationForm.base_fields.items()
    }
    cards = []
    indexes = sorted(int(m.group(1)) for key in data if (m := _TRIGGER_KEY.match(key)))
    for index in indexes[:MAX_TRIGGERS]:
        prefix = f"{TRIGGERS_PREFIX}-{index}-"
        cards.append(
            {
                name: field.widget.value_from_datadict(data, {}, prefix + name)
                for name, field in TriggerForm.base_fields.items()
            }
        )
    return main, cards


def preview_context(request, expression: str, zone_name: str, size: str, minutes) -> dict:
    """What the cron card's preview box shows: the shared check, and the cost estimate."""
    schedule = cron.check(expression, zone_name, viewer_zone=viewer_zone_name(request))
    chosen = choices.SIZES.get(size) or choices.SIZES[choices.DEFAULT_SIZE]
    try:
        run_minutes = max(1, min(1440, int(minutes)))
    except (TypeError, ValueError):
        run_minutes = DEFAULT_RUN_MINUTES
    return {
        "schedule": schedule,
        "size": chosen,
        "run_minutes": run_minutes,
        "cost": schedule.cost_per_month(run_minutes, chosen.price_per_minute)
        if schedule.ok
        else None,
        "viewer_zone": viewer_zone_name(request),
    }


def attach_previews(request, formset, main_values: dict[str, Any]) -> None:
    """The first cron card gets the preview box and the builder's reading of its expression."""
    first = True
    for tform in formset.forms:
        if tform.kind != triggers.CRON:
            continue
        expression = tform["schedule"].value() or ""
        builder = cron.Builder.from_expression(expression)
        tform.custom = builder is None
        tform.builder = builder or cron.Builder()
        tform.builder_time = f"{tform.builder.hour:02d}:{tform.builder.minute:02d}"
        if first:
            tform.preview = preview_context(
                request,
                expression,
                tform["timezone"].value() or "",
                main_values.get("workspace_size") or choices.DEFAULT_SIZE,
                main_values.get("estimate_minutes"),
            )
            first = False


def _formset(repositories, *, data=None, initial=None):
    return TriggerFormSet(
        data,
        initial=initial,
        prefix=TRIGGERS_PREFIX,
        form_kwargs={"repositories": repositories},
    )


def _form_args(who, environments, mode) -> dict[str, Any]:
    notes = {}
    if not who.may_create_org:
        notes["org"] = "Only org admins create the organisation's automations."
    if not who.may_create_personal:
        notes["user"] = (
            "Personal automations need your own key: you act as the org now (the org key "
            "can't own or read personal automations). Switch to your key to make one."
        )
    return {
        "mode": mode,
        "environments": environments,
        "may_org": who.may_create_org,
        "may_personal": who.may_create_personal,
        "scope_notes": notes,
    }


# --- where an API refusal belongs -------------------------------------------------------------

_FIELD_WORDS = (
    ("environment", "environment"),
    ("thinking", "thinking_level"),
    ("`model`", "model"),
    ("model ", "model"),
    ("agent_provider", "agent_provider"),
    ("debounce", "debounce_seconds"),
    ("workspace_auto_stop_minutes", "workspace_auto_stop_minutes"),
    ("`prompt`", "prompt"),
    ("`name`", "name"),
    ("`description`", "description"),
)


def place_refusal(form, formset, error: errors.ReplicaAPIError) -> bool:
    """Put a 400's words on the field they are about; False when no field fits."""
    if not isinstance(error, errors.BadRequest):
        return False
    said = error.details if isinstance(error.details, str) and error.details else error.message
    words = plain(said) or plain(error.user_message)
    lowered = words.lower()
    index = re.search(r"triggers\[(\d+)\]", words)
    cards = formset.forms
    if index and int(index.group(1)) < len(cards):
        card = cards[int(index.group(1))]
        target = "event"
        if card.kind == triggers.CRON:
            target = "timezone" if "timezone" in lowered else "schedule"
        elif "repositor" in lowered:
            target = "repository_ids"
        card.add_error(target, words)
        return True
    if "cron" in lowered or "schedule" in lowered or "timezone" in lowered:
        for card in cards:
            if card.kind == triggers.CRON:
                card.add_error("timezone" if "timezone" in lowered else "schedule", words)
                return True
    if "duplicate" in lowered or "trigger" in lowered:
        form.add_error(None, words)
        return True
    for needle, field in _FIELD_WORDS:
        if needle in lowered and field in form.fields:
            form.add_error(field, words)
            return True
    return False


# --- create and edit --------------------------------------------------------------------------


def _render(request, context: dict, *, status: int = 200):
    return render_in_zone(request, TEMPLATE, context, boxes=BOXES, status=status)


def _context(request, form, formset, **extra) -> dict[str, Any]:
    main_values = {name: form[name].value() for name in ("workspace_size", "estimate_minutes")}
    attach_previews(request, formset, main_values)
    present = {card.kind for card in formset.forms}
    addable = [
        (kind, triggers.ADD_LABELS[kind])
        for kind in triggers.TYPES
        if kind not in (triggers.CRON, triggers.CUSTOM) or kind not in present
    ]
    return {
        "form": form,
        "formset": formset,
        "addable": addable if len(formset.forms) < MAX_TRIGGERS else [],
        "zone_names": cron.zone_names(),
        "modes": cron.MODES,
        "presets": cron.PRESETS,
        "weekdays": [(i, name) for i, name in enumerate(cron.WEEKDAYS)],
        "prompt_preview": render_markdown(form["prompt"].value() or ""),
        **extra,
    }


def _rework(request, data, repositories, form_args) -> tuple[Any, Any] | None:
    """Add or remove a card, or refresh the agent's choices: the form again, unvalidated."""
    add = data.get("add_trigger")
    remove = data.get("remove_trigger")
    if not (add or remove is not None or data.get("refresh_agent") or data.get("preview")):
        return None
    main, cards = initial_from_post(data)
    if add in triggers.TYPES and len(cards) < MAX_TRIGGERS:
        cards.append(new_trigger_initial(add, viewer_zone_name(request)))
    if remove is not None:
        with contextlib.suppress(ValueError, IndexError):
            del cards[int(remove)]
    agent = main.get("agent_provider") or ""
    if main.get("model") not in choices.MODELS.get(agent, ()):
        main["model"] = ""
    form = AutomationForm(initial=main, **form_args)
    return form, _formset(repositories, initial=cards)


async def _save(request, api, form, formset, *, mode, original=None):
    """Send the create or the update; (automation, problem)."""
    trigger_list = formset.triggers()
    environment_problem = form.check_triggers(trigger_list)
    if environment_problem:
        form.add_error("environment", environment_problem)
        return None, None
    try:
        body = form.request_body(trigger_list, original)
    except ValidationError as exc:
        return None, Problem("Not saved", " ".join(exc.messages), "", 400)
    kept: dict[str, Any] = {}
    since = datetime.now(UTC) - timedelta(minutes=2)

    if mode == "create":

        async def change():
            kept["value"] = (await api.create_automation(body)).automation

        async def check() -> bool:
            scope = "user" if body.get("scope") == "user" else "org"
            listing = await api.list_automations(search=body["name"], scope=scope, limit=20)
            found = [
                a for a in listing.automations if a.name == body["name"] and a.created_at >= since
            ]
            if found:
                kept["value"] = max(found, key=lambda a: a.created_at)
            return bool(found)

        done, what, operation = (
            "Automation created.",
            "the automation was created",
            "create automation",
        )
    else:
        automation_id = str(original.id)

        async def change():
            kept["value"] = (await api.update_automation(automation_id, body)).automation

        async def check() -> bool:
            current = (await api.get_automation(automation_id)).automation
            same = current.name == body["name"] and current.prompt == body["prompt"]
            if same:
                kept["value"] = current
            return same

        done, what, operation = "Saved.", "the changes were saved", "update automation"

    errors_seen: dict[str, Any] = {}

    async def guarded_change():
        try:
            await change()
        except errors.ReplicaAPIError as exc:
            errors_seen["error"] = exc
            raise

    outcome = await settle(
        request, guarded_change, check, done=done, what=what, operation=operation
    )
    if outcome.done:
        return kept.get("value"), None
    error = errors_seen.get("error")
    if error is not None and place_refusal(form, formset, error):
        return None, None
    return None, outcome.problem


@requires_api_key
@require_http_methods(["GET", "POST"])
async def create_automation(request):
    api = await async_api_for(request)
    who = await viewer(request)
    chosen = request.POST.get("environment", "") if request.method == "POST" else ""
    (environments, env_problem), repositories = await asyncio.gather(
        environments_for(request, api, chosen), repositories_for(api)
    )
    form_args = _form_args(who, environments, "create")
    problem = None
    if request.method == "GET":
        zone = viewer_zone_name(request)
        form = AutomationForm(**form_args)
        formset = _formset(repositories, initial=[new_trigger_initial(triggers.CRON, zone)])
        browser_default = True
    else:
        browser_default = False
        reworked = _rework(request, request.POST, repositories, form_args)
        if reworked is not None:
            form, formset = reworked
        else:
            form = AutomationForm(request.POST, **form_args)
            formset = _formset(repositories, data=request.POST)
            if form.is_valid() and formset.is_valid():
                created, problem = await _save(request, api, form, formset, mode="create")
                if created is not None:
                    await forget_names(api)
                    if created.webhook_token:
                        reveal_once(request, str(created.id))
                    messages.success(request, f"Automation {created.name} created.")
                    return go(request, reverse("automations:detail", args=[created.id]))
    context = _context(
        request,
        form,
        formset,
        mode="create",
        problem=problem,
        environments_problem=env_problem,
        browser_default=browser_default,
        who=who,
    )
    return _render(request, context)


@requires_api_key
@require_http_methods(["GET", "POST"])
async def edit_automation(request, automation_id):
    automation_id = str(automation_id)
    page = await load_automation_page(request, automation_id)
    api = page.api
    who = await viewer(request)
    base = {"mode": "edit", "page": page, "automation_id": automation_id, "who": who}
    refusal = page.refusal()
    if refusal is not None:
        context = {**base, "refusal": refusal, "failed": page.failed}
        status = 403 if page.loaded and not request.htmx else 200
        return render_in_zone(request, TEMPLATE, context, boxes=BOXES, status=status)
    a = page.automation
    chosen = (
        request.POST.get("environment", "") if request.method == "POST" else str(a.environment_id)
    )
    (environments, env_problem), repositories = await asyncio.gather(
        environments_for(request, api, chosen), repositories_for(api)
    )
    form_args = {**_form_args(who, environments, "edit"), "personal": a.user_id is not None}
    problem = None
    if request.method == "GET":
        form = AutomationForm(initial=automation_initial(a), **form_args)
        formset = _formset(repositories, initial=[trigger_initial(t) for t in a.triggers])
    else:
        reworked = _rework(request, request.POST, repositories, form_args)
        if reworked is not None:
            form, formset = reworked
        else:
            form = AutomationForm(request.POST, **form_args)
            formset = _formset(repositories, data=request.POST)
            if form.is_valid() and formset.is_valid():
                saved, problem = await _save(request, api, form, formset, mode="edit", original=a)
                if saved is not None:
                    await forget_names(api)
                    if saved.webhook_token and saved.webhook_token != a.webhook_token:
                        reveal_once(request, automation_id)
                    messages.success(request, f"Automation {saved.name} saved.")
                    return go(request, reverse("automations:detail", args=[automation_id]))
    context = _context(
        request,
        form,
        formset,
        problem=problem,
        environments_problem=env_problem,
        browser_default=False,
        automation=a,
        **base,
    )
    return _render(request, context)


# --- as you type ------------------------------------------------------------------------------


def _cron_card(data) -> tuple[str, str] | None:
    """(schedule, zone) of the posted form's first cron card."""
    indexes = sorted(int(m.group(1)) for key in data if (m := _TRIGGER_KEY.match(key)))
    for index in indexes:
        prefix = f"{TRIGGERS_PREFIX}-{index}-"
        if data.get(prefix + "type") == triggers.CRON:
            return data.get(prefix + "schedule", ""), data.get(prefix + "timezone", "")
    if "schedule" in data:  # a bare preview request
        return data.get("schedule", ""), data.get("timezone", "")
    return None


@login_required
@require_POST
def cron_preview(request):
    """The cron card's preview as you type: the same check the save runs (no API call)."""
    card = _cron_card(request.POST)
    expression, zone_name = card if card else ("", "")
    context = preview_context(
        request,
        expression,
        zone_name,
        request.POST.get("workspace_size", ""),
        request.POST.get("estimate_minutes"),
    )
    return render_in_zone(request, "automations/includes/cron_preview.html", {"p": context})


@login_required
@require_GET
def agent_fields(request):
    """Model, thinking level and goal mode for the chosen agent. A new agent clears the model
    (as the API does); a thinking level the new agent has is kept."""
    agent = request.GET.get("agent_provider", "")
    agent = agent if agent in choices.AGENTS else ""
    thinking = request.GET.get("thinking_level", "")
    valid_thinking = [
        value
        for value, _ in AutomationForm(initial={"agent_provider": agent})
        .fields["thinking_level"]
        .choices
    ]
    initial = {
        "agent_provider": agent,
        "model": "",
        "thinking_level": thinking if thinking in valid_thinking else "",
        "goal_mode": request.GET.get("goal_mode", "") if choices.supports_goal_mode(agent) else "",
    }
    form = AutomationForm(initial=initial)
    return render(request, f"{TEMPLATE}#agent-fields", {"form": form})


@login_required
@require_POST
def prompt_preview(request):
    """The prompt as Markdown, as you type (no API call)."""
    form = PromptPreviewForm(request.POST)
    text = form.cleaned_data["prompt"] if form.is_valid() else ""
    return render(request, f"{TEMPLATE}#prompt-preview", {"prompt_preview": render_markdown(text)})
