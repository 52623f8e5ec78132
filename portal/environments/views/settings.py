"""The environments list, create, the Settings tab (edit) and delete.

The list reads every environment the key sees (Global pinned first, then team, then the
viewer's own), with what each checks out, its counts, and whether it has a warm pool and hooks
(one warm-hooks and one start-hooks read per environment, concurrently, each failure only
costing its cell). The Global environment's metadata is read-only (the API refuses to edit it);
delete asks for the name typed and, when the API answers 409, names the automations that
still use the environment.
"""

from __future__ import annotations

import asyncio
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.acting import aacting_kind, async_api_for, requires_api_key
from portal.accounts.models import KeyKind
from portal.accounts.roles import ais_org_admin
from portal.lib.api_errors import Problem, report
from portal.lib.htmx import go, render_box
from portal.replica_api import errors
from portal.replicas.rendering.markdown import render_markdown

from ..common import (
    GLOBAL,
    PERSONAL,
    TEAM,
    binding_words,
    forget_names,
    kind_of,
    load_environment_page,
)
from ..forms import (
    PLAN_UPGRADE,
    DeleteEnvironmentForm,
    EnvironmentForm,
    PromptPreviewForm,
    environment_initial,
)
from .common import attempt, flash, refuse, refused_words

FORM_TEMPLATE = "environments/includes/environment_form.html"
# The list asks each environment for its hooks and pool: this many at once at most.
LIST_CONCURRENCY = 8
AUTOMATION_PAGES = 5  # listAutomations pages read to find the ones using an environment


# --- the list ----------------------------------------------------------------------------------


def _order(env) -> tuple:
    kind = kind_of(env)
    return ({GLOBAL: 0, TEAM: 1, PERSONAL: 2}[kind], env.name.casefold())


async def _extras(api, env_id: str, gate: asyncio.Semaphore) -> dict[str, Any]:
    """Warm pool on/off and which hooks an environment has (None where unknown)."""
    async with gate:
        warm, start = await asyncio.gather(
            api.get_environment_warm_hooks(env_id),
            api.get_environment_start_hooks(env_id),
            return_exceptions=True,
        )
    for result in (warm, start):
        if isinstance(result, errors.Unauthorized):
            raise result
        if isinstance(result, BaseException) and not isinstance(result, errors.ReplicaAPIError):
            raise result
    out: dict[str, Any] = {"pool": None, "warm_hook": None, "start_hook": None}
    if not isinstance(warm, BaseException):
        out["pool"] = (
            "none" if warm.warm_pool is None else ("on" if warm.warm_pool.enabled else "off")
        )
        out["warm_hook"] = warm.warm_hook is not None
    if not isinstance(start, BaseException):
        out["start_hook"] = start.start_hook is not None
    return out


async def _rows(request, query: str) -> tuple[list[dict], Problem | None, int]:
    api = await async_api_for(request)
    envs, repos, sets = await asyncio.gather(
        api.list_environments(scope="all"),
        api.list_repositories(),
        api.list_repository_sets(),
        return_exceptions=True,
    )
    for result in (envs, repos, sets):
        if isinstance(result, errors.Unauthorized):
            raise result
    if isinstance(envs, errors.ReplicaAPIError):
        return [], report(request, envs, "list environments"), 0
    if isinstance(envs, BaseException):
        raise envs
    names = {
        "repositories": {}
        if isinstance(repos, BaseException)
        else {str(r.id): r.name for r in repos.repositories},
        "sets": {}
        if isinstance(sets, BaseException)
        else {str(s.id): s.name for s in sets.repository_sets},
    }
    env_names = {str(e.id): e.name for e in envs.environments}
    everything = sorted(envs.environments, key=_order)
    shown = [e for e in everything if query.casefold() in e.name.casefold()]
    gate = asyncio.Semaphore(LIST_CONCURRENCY)
    extras = await asyncio.gather(*(_extras(api, str(e.id), gate) for e in shown))
    rows = []
    for env, extra in zip(shown, extras, strict=True):
        source_id = str(env.source_environment_id) if env.source_environment_id else None
        rows.append(
            {
                "env": env,
                "kind": kind_of(env),
                "binding": binding_words(env, names),
                "source": {"id": source_id, "name": env_names.get(source_id, "its source")}
                if source_id
                else None,
                **extra,
            }
        )
    return rows, None, len(everything)


@requires_api_key
@require_GET
async def environment_list(request):
    query = request.GET.get("q", "").strip()[:100]
    rows, problem, total = await _rows(request, query)
    context = {
        "rows": rows,
        "list_problem": problem,
        "query": query,
        "total": total,
        "is_admin": await ais_org_admin(await request.auser()),
    }
    return render_box(request, "environments/list.html", context, boxes=("env-results",))


# --- create ------------------------------------------------------------------------------------


async def _choices(request, api) -> tuple[dict[str, list], dict[str, Problem]]:
    """Sources (team environments), repositories and repository sets for the pickers; each
    failure stays with its picker (the form still works without it)."""
    results = await asyncio.gather(
        api.list_environments(scope="org"),
        api.list_repositories(),
        api.list_repository_sets(),
        return_exceptions=True,
    )
    choices: dict[str, list] = {"sources": [], "repositories": [], "repository_sets": []}
    problems: dict[str, Problem] = {}
    for name, result in zip(choices, results, strict=True):
        if isinstance(result, errors.Unauthorized):
            raise result
        if isinstance(result, errors.ReplicaAPIError):
            problems[name] = report(request, result, f"list {name}")
        elif isinstance(result, BaseException):
            raise result
        elif name == "sources":
            choices[name] = [(str(e.id), e.name) for e in result.environments if kind_of(e) == TEAM]
        elif name == "repositories":
            choices[name] = [(str(r.id), r.name) for r in result.repositories]
        else:
            choices[name] = [
                (str(s.id), f"{s.name} ({', '.join(r.name for r in s.repositories)})")
                for s in result.repository_sets
            ]
    return choices, problems


def _word_refusal(form: EnvironmentForm, result) -> Problem | None:
    """Put the API's refusal on the field it is about; else return it for the form's box."""
    error = result.error
    words = refused_words(error)
    if isinstance(error, errors.Conflict) and "exist" in words.lower():
        form.add_error("name", "An environment with this name already exists here: choose another.")
        return None
    if isinstance(error, errors.BadRequest) and "PLAN_UPGRADE_REQUIRED" in (
        f"{error.message} {error.details or ''}"
    ):
        form.add_error("mobile_testing_enabled", PLAN_UPGRADE)
        return None
    if isinstance(error, errors.Conflict):
        # updateEnvironment: an automation needs the environment as it is.
        return Problem(
            "Not saved: an automation depends on it",
            words or "An automation that uses this environment blocks the change.",
            "Change or move that automation first, or keep the setting.",
            409,
            reference=result.problem.reference if result.problem else "",
        )
    return result.problem


@requires_api_key
@require_http_methods(["GET", "POST"])
async def create_environment(request):
    api = await async_api_for(request)
    is_admin = await ais_org_admin(await request.auser())
    acting_org = await aacting_kind(request) == KeyKind.ORG
    choices, choice_problems = await _choices(request, api)
    form_args = {
        "mode": "create",
        "may_create_team": is_admin,
        "may_create_personal": not acting_org,
        "sources": choices["sources"],
        "repositories": choices["repositories"],
        "repository_sets": choices["repository_sets"],
    }
    problem = None
    if request.method == "POST":
        form = EnvironmentForm(request.POST, **form_args)
        if form.is_valid():
            body = form.request_body()

            async def check() -> bool:
                listing = await api.list_environments(scope="all")
                want_user = body["scope"] == "user"
                return any(
                    e.name == body["name"] and bool(e.user_id) == want_user
                    for e in listing.environments
                )

            result = await attempt(
                request,
                lambda: api.create_environment(body),
                check,
                done=f"Environment {body['name']} created.",
                what=f"environment {body['name']} was created",
                operation="create environment",
            )
            if result.done:
                await forget_names(api)
                messages.success(request, result.outcome.note)
                created = result.value.environment.id if result.value else None
                url = (
                    reverse("environments:detail", args=[created])
                    if created
                    else reverse("environments:list") + f"?q={body['name']}"
                )
                return go(request, url)
            problem = _word_refusal(form, result)
    else:
        form = EnvironmentForm(**form_args)
    context = {
        "form": form,
        "problem": problem,
        "choice_problems": choice_problems,
        "is_admin": is_admin,
        "mode": "create",
        "preview": preview_of(form),
    }
    return render_box(request, "environments/create.html", context, boxes=("environment-form",))


# --- the Settings tab ----------------------------------------------------------------------------


def preview_of(form: EnvironmentForm | None, fallback: str | None = None):
    """The system prompt's Markdown preview, as the page first shows it."""
    if form is not None and "system_prompt" in form.fields:
        return render_markdown(form["system_prompt"].value() or "")
    return render_markdown(fallback or "")


def _settings_context(page, form, **extra) -> dict[str, Any]:
    context = page.context("settings")
    context.update(form=form, mode="edit", **extra)
    context["preview"] = preview_of(form, getattr(page.env, "system_prompt", None))
    return context


def _edit_form(page, data=None) -> EnvironmentForm | None:
    if not page.loaded or page.kind == GLOBAL or not page.can_edit:
        return None
    repos = page.data.get("repositories")
    sets = page.data.get("sets")
    return EnvironmentForm(
        data,
        mode="edit",
        kind=page.kind,
        source_backed=page.source_backed,
        initial=environment_initial(page.env),
        repositories=[(str(r.id), r.name) for r in repos.repositories] if repos else [],
        repository_sets=[(str(s.id), s.name) for s in sets.repository_sets] if sets else [],
    )


def _fetch_choices() -> dict:
    return {
        "repositories": lambda api: api.list_repositories(),
        "sets": lambda api: api.list_repository_sets(),
    }


@requires_api_key
@require_http_methods(["GET", "POST"])
async def environment_detail(request, env_id):
    """The Settings tab: the environment's metadata (a form for who may edit it)."""
    page = await load_environment_page(request, env_id, **_fetch_choices())
    if request.method == "GET":
        form = _edit_form(page)
        return render_box(request, "environments/settings.html", _settings_context(page, form))
    refusal = refuse(request, page, "edit settings")
    if refusal is None and page.kind == GLOBAL:
        refusal = Problem(
            "Not changed",
            "The Global environment's name, description, repository and system prompt can't "
            "be edited: the API doesn't allow it.",
            "Its variables, files, skills, MCP servers and hooks can be changed in their tabs.",
            400,
        )
    if refusal is not None:
        context = _settings_context(page, None, action_problem=refusal)
        return render_box(request, "environments/settings.html", context)
    form = _edit_form(page, request.POST)
    problem = None
    if form.is_valid():
        body = form.request_body()
        api = page.api

        async def check() -> bool:
            env = (await api.get_environment(page.env_id)).environment
            return all(
                str(getattr(env, k) or "") == str(v or "")
                for k, v in body.items()
                if k not in ("repository_id", "repository_set_id")
            )

        result = await attempt(
            request,
            lambda: api.update_environment(page.env_id, body),
            check,
            done="Settings saved.",
            what="the settings were saved",
            operation="update environment",
        )
        if result.done:
            # The whole page again (the header shows the name): post-redirect-get.
            await forget_names(api)
            flash(request, result.outcome)
            return go(request, reverse("environments:detail", args=[page.env_id]))
        problem = _word_refusal(form, result)
    context = _settings_context(page, form, problem=problem)
    return render_box(request, "environments/settings.html", context)


@requires_api_key
@require_GET
async def header(request, env_id):
    """The header box on its own (its Try again)."""
    page = await load_environment_page(request, env_id)
    return render(request, "environments/detail_base.html#env-header", page.header())


@login_required
@require_POST
def prompt_preview(request):
    """The system prompt as Markdown, as you type (no API call)."""
    form = PromptPreviewForm(request.POST)
    text = form.cleaned_data["system_prompt"] if form.is_valid() else ""
    return render(request, f"{FORM_TEMPLATE}#prompt-preview", {"preview": render_markdown(text)})


# --- delete --------------------------------------------------------------------------------------


async def _automations_using(request, api, env_id: str) -> tuple[list[dict], Problem | None]:
    """The automations (org and the viewer's own) bound to this environment."""
    found: list[dict] = []
    page_number, pages = 1, 1
    try:
        while page_number <= min(pages, AUTOMATION_PAGES):
            listing = await api.list_automations(page=page_number, limit=100, scope="all")
            pages = listing.totalPages
            for automation in listing.automations:
                if str(automation.environment_id) == env_id:
                    found.append(
                        {
                            "id": str(automation.id),
                            "name": automation.name,
                            "personal": automation.user_id is not None,
                            "enabled": automation.enabled,
                        }
                    )
            page_number += 1
    except errors.ReplicaAPIError as exc:
        return found, report(request, exc, "list automations")
    return found, None


@requires_api_key
@require_http_methods(["GET", "POST"])
async def delete_environment(request, env_id):
    """GET: confirm by typing the name. POST: delete, then the list; a 409 is explained."""
    page = await load_environment_page(request, env_id)
    context = page.context("settings")
    refusal = page.refusal()
    if page.loaded and page.kind == GLOBAL:
        refusal = Problem(
            "The Global environment can't be deleted",
            "Every organisation has exactly one; it applies to every workspace.",
            "Empty its variables, files, skills or MCP servers in their tabs instead.",
            409,
        )
    if request.method == "POST" and refusal is None:
        form = DeleteEnvironmentForm(request.POST, expected=page.env.name)
        if form.is_valid():
            api = page.api

            async def check() -> bool:
                try:
                    await api.get_environment(page.env_id)
                except errors.NotFound:
                    return True
                return False

            async def change():
                try:
                    return await api.delete_environment(page.env_id)
                except errors.NotFound:
                    return None  # already gone: what was asked for

            result = await attempt(
                request,
                change,
                check,
                done=f"Environment {page.env.name} deleted.",
                what=f"environment {page.env.name} was deleted",
                operation="delete environment",
            )
            if result.done:
                await forget_names(api)
                messages.success(request, result.outcome.note)
                return go(request, reverse("environments:list"))
            context["problem"] = result.problem
            if result.refused(errors.Conflict):
                users, lookup_problem = await _automations_using(request, api, page.env_id)
                context.update(in_use=True, automations=users, automations_problem=lookup_problem)
    elif request.method == "POST":
        refuse(request, page, "delete environment")
        form = DeleteEnvironmentForm(expected=page.env.name)
    else:
        form = DeleteEnvironmentForm(expected=page.env.name)
    context.update(form=form, refusal=refusal)
    return render_box(request, "environments/delete.html", context, boxes=("delete-box",))
