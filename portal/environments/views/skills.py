"""The Skills tab: the skills enabled on the environment, the skills.sh catalog searched as
you type (debounced, a newer search replaces an older one: `hx-sync`), enable with one click
and disable; skill registries (GitHub repositories) added and removed; the skills committed
to the bound repository shown read-only with where they come from.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.acting import requires_api_key
from portal.lib.api_errors import Problem
from portal.lib.htmx import go, render_box, target
from portal.replica_api import errors

from ..common import EnvironmentPage, load_environment_page
from ..forms import EnableSkillForm, RegistryForm
from .common import attempt, flash, refuse, refused_words

TEMPLATE = "environments/skills.html"
MAX_QUERY = 100
ALREADY_ENABLED = Problem(
    "Already enabled",
    "That skill (the same slug or source) is already enabled on this environment, so nothing "
    "changed.",
    "It is in the list of enabled skills.",
    409,
)


def _fetches(env_id: str, query: str | None) -> dict:
    fetches = {
        "skills": lambda api: api.list_environment_skills(env_id),
        "registries": lambda api: api.list_environment_skills_registries(env_id),
        "repo_skills": lambda api: api.list_repo_skills(env_id),
    }
    if query is not None:
        fetches["catalog"] = lambda api: api.search_environment_skills(q=query or None)
    return fetches


def _query(request) -> str:
    source = request.POST if request.method == "POST" else request.GET
    return (source.get("q") or "").strip()[:MAX_QUERY]


async def _load(request, env_id, query: str | None) -> EnvironmentPage:
    page = await load_environment_page(request, env_id, **_fetches(str(env_id), query))
    source = page.source()
    if source is not None:
        await page.fetch(source_skills=lambda api: api.list_environment_skills(source["id"]))
    return page


def _enabled(page: EnvironmentPage, name: str = "skills") -> list:
    listing = page.data.get(name)
    return list(listing.environment_skills) if listing else []


def _context(page: EnvironmentPage, query: str, **extra: Any) -> dict[str, Any]:
    context = page.context("skills")
    enabled = _enabled(page)
    slugs = {s.slug for s in enabled}
    sources = {s.source for s in enabled}
    catalog = page.data.get("catalog")
    registries = page.data.get("registries")
    repo = page.data.get("repo_skills")
    context.update(
        query=query,
        enabled=sorted(enabled, key=lambda s: s.name.casefold()),
        results=[
            {"skill": s, "enabled": s.slug in slugs or s.source in sources}
            for s in (catalog.skills if catalog else [])
        ],
        registry_list=list(registries.registries) if registries else [],
        repo_skill_list=list(repo.repo_skills) if repo else [],
        repo_skills_error=repo.error if repo else None,
        inherited=sorted(_enabled(page, "source_skills"), key=lambda s: s.name.casefold()),
        registry_form=extra.pop("registry_form", None) or RegistryForm(),
    )
    context.update(extra)
    return context


def _panel(request, page: EnvironmentPage, query: str, **extra: Any):
    return render_box(
        request, TEMPLATE, _context(page, query, **extra), boxes=("panel", "skill-results")
    )


async def _refresh(page: EnvironmentPage, query: str) -> None:
    for name in ("skills", "registries", "catalog"):
        page.failed.pop(name, None)
    fetches = _fetches(page.env_id, query)
    await page.fetch(**{k: v for k, v in fetches.items() if k != "repo_skills"})


async def _after(
    request, page: EnvironmentPage, query: str, result, problem=None, quiet=False, **extra
):
    """The fresh panel with what happened (`quiet`: the failure is on a field already)."""
    if not request.htmx and (result.done or not extra):
        flash(request, result.outcome)
        url = reverse("environments:skills", args=[page.env_id])
        return go(request, f"{url}?{urlencode({'q': query})}" if query else url)
    await _refresh(page, query)
    if result.done:
        return _panel(request, page, query, action_note=result.outcome.note, **extra)
    if quiet:
        return _panel(request, page, query, **extra)
    return _panel(request, page, query, action_problem=problem or result.problem, **extra)


@requires_api_key
@require_GET
async def skills_panel(request, env_id):
    query = _query(request)
    page = await _load(request, env_id, query)
    return _panel(request, page, query)


@requires_api_key
@require_GET
async def search(request, env_id):
    """The catalog results for what is typed (#skill-results); without JS, the tab."""
    query = _query(request)
    if target(request) != "skill-results":
        url = reverse("environments:skills", args=[env_id])
        return redirect(f"{url}?{urlencode({'q': query})}" if query else url)
    page = await load_environment_page(
        request,
        env_id,
        skills=lambda api: api.list_environment_skills(str(env_id)),
        catalog=lambda api: api.search_environment_skills(q=query or None),
    )
    return _panel(request, page, query)


@requires_api_key
@require_POST
async def enable_skill(request, env_id):
    query = _query(request)
    page = await _load(request, env_id, query)
    refusal = refuse(request, page, "enable skill")
    if refusal is not None:
        return _panel(request, page, query, action_problem=refusal)
    form = EnableSkillForm(request.POST)
    if not form.is_valid():
        problem = Problem("Not enabled", "The skill's details were missing.", "Try again.", 400)
        return _panel(request, page, query, action_problem=problem)
    body = form.request_body()
    api = page.api

    async def check() -> bool:
        listing = await api.list_environment_skills(page.env_id)
        return any(s.slug == body["slug"] for s in listing.environment_skills)

    result = await attempt(
        request,
        lambda: api.create_environment_skill(page.env_id, body),
        check,
        done=f"{body['name']} enabled.",
        what=f"{body['name']} was enabled",
        operation="enable skill",
    )
    problem = ALREADY_ENABLED if result.refused(errors.Conflict) else None
    return await _after(request, page, query, result, problem)


@requires_api_key
@require_POST
async def disable_skill(request, env_id, skill_id):
    query = _query(request)
    page = await _load(request, env_id, query)
    refusal = refuse(request, page, "disable skill")
    skill = next((s for s in _enabled(page) if str(s.id) == str(skill_id)), None)
    if refusal is not None or skill is None:
        gone = Problem("That skill isn't enabled any more", "", "The list is up to date.", 404)
        return _panel(request, page, query, action_problem=refusal or gone)
    api = page.api

    async def change():
        try:
            return await api.delete_environment_skill(page.env_id, str(skill.id))
        except errors.NotFound:
            return None

    async def check() -> bool:
        listing = await api.list_environment_skills(page.env_id)
        return all(str(s.id) != str(skill.id) for s in listing.environment_skills)

    result = await attempt(
        request,
        change,
        check,
        done=f"{skill.name} disabled.",
        what=f"{skill.name} was disabled",
        operation="disable skill",
    )
    return await _after(request, page, query, result)


@requires_api_key
@require_POST
async def add_registry(request, env_id):
    page = await _load(request, env_id, None)
    refusal = refuse(request, page, "add skill registry")
    form = RegistryForm(request.POST)
    if refusal is not None:
        return _panel(request, page, "", action_problem=refusal, registry_form=form)
    if not form.is_valid():
        return _panel(request, page, "", registry_form=form)
    body = form.request_body()
    api = page.api
    wanted = body["url"].rstrip("/").removesuffix(".git").casefold()

    async def check() -> bool:
        listing = await api.list_environment_skills_registries(page.env_id)
        return any(str(r.url).rstrip("/").casefold() == wanted for r in listing.registries)

    result = await attempt(
        request,
        lambda: api.create_environment_skills_registry(page.env_id, body),
        check,
        done="Registry added.",
        what="the registry was added",
        operation="add skill registry",
    )
    if result.done:
        note = result.outcome.note
        created = result.value
        if created is not None:
            count = len(created.repo_skills)
            note = (
                f"{created.registry.repository_full_name} added: {count} "
                f"skill{'s' if count != 1 else ''} found."
            )
            if created.error:
                note += f" Discovery said: {created.error}"
        result.outcome = type(result.outcome)(True, note=note)
        return await _after(request, page, "", result)
    if result.refused(errors.Conflict):
        form.add_error("url", "That repository is already a registry of this environment.")
        return await _after(request, page, "", result, quiet=True, registry_form=form)
    if result.refused(errors.BadRequest):
        form.add_error("url", refused_words(result.error))
        return await _after(request, page, "", result, quiet=True, registry_form=form)
    return await _after(request, page, "", result, registry_form=form)


@requires_api_key
@require_POST
async def remove_registry(request, env_id, registry_id):
    page = await _load(request, env_id, None)
    refusal = refuse(request, page, "remove skill registry")
    listing = page.data.get("registries")
    registry = next(
        (r for r in (listing.registries if listing else []) if str(r.id) == str(registry_id)),
        None,
    )
    if refusal is not None or registry is None:
        gone = Problem("That registry isn't there any more", "", "The list is up to date.", 404)
        return _panel(request, page, "", action_problem=refusal or gone)
    api = page.api

    async def change():
        try:
            return await api.delete_environment_skills_registry(page.env_id, str(registry.id))
        except errors.NotFound:
            return None

    async def check() -> bool:
        now = await api.list_environment_skills_registries(page.env_id)
        return all(str(r.id) != str(registry.id) for r in now.registries)

    result = await attempt(
        request,
        change,
        check,
        done=f"{registry.repository_full_name} removed.",
        what=f"{registry.repository_full_name} was removed",
        operation="remove skill registry",
    )
    return await _after(request, page, "", result)
