"""The Variables tab: values masked; reveal one (audited as a read of a secret), copy it;
add, edit, delete; the personal-override toggle; paste a .env block (preview, then apply key
by key, what failed kept in the box); export as .env (admins, audited).

Who sees what: values are revealed only to who may change the environment (admins for team
and Global environments, owners for their personal ones); members see team values masked.
A source-backed personal environment also lists what it inherits from its source, locked,
with the keys the source lets it override.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.acting import requires_api_key
from portal.accounts.roles import admin_required
from portal.lib.api_errors import Problem
from portal.lib.htmx import go, render_box
from portal.replica_api import errors

from .. import dotenv_paste
from ..common import PERSONAL, EnvironmentPage, load_environment_page
from ..forms import DotenvForm, OverrideForm, VariableForm
from ..secrets import EXPORT, REVEAL, record_read
from .common import attempt, flash, refuse, refused_words

TEMPLATE = "environments/variables.html"


def _fetches(env_id: str) -> dict:
    return {"variables": lambda api: api.list_environment_variables(env_id)}


async def _load(request, env_id) -> EnvironmentPage:
    page = await load_environment_page(request, env_id, **_fetches(str(env_id)))
    source = page.source()
    if source is not None:
        await page.fetch(source_variables=lambda api: api.list_environment_variables(source["id"]))
    return page


async def _reload(page: EnvironmentPage) -> None:
    page.failed.pop("variables", None)
    await page.fetch(**_fetches(page.env_id))


def _variables(page: EnvironmentPage) -> list:
    listing = page.data.get("variables")
    return list(listing.environment_variables) if listing else []


def _inherited(page: EnvironmentPage) -> list:
    listing = page.data.get("source_variables")
    return list(listing.environment_variables) if listing else []


def _locked(page: EnvironmentPage) -> dict[str, str]:
    source = page.source()
    return (
        {v.key: source["name"] for v in _inherited(page) if not v.personal_override_allowed}
        if source
        else {}
    )


def _override_field(page: EnvironmentPage) -> bool:
    return page.kind != PERSONAL


def _context(page: EnvironmentPage, **extra: Any) -> dict[str, Any]:
    context = page.context("variables")
    own = _variables(page)
    inherited = {v.key: v for v in _inherited(page)}
    rows = []
    for var in sorted(own, key=lambda v: v.key):
        rows.append({"var": var, "overrides": var.key in inherited})
    context.update(
        rows=rows,
        inherited=[
            {"var": v, "overridden": v.key in {o.key for o in own}}
            for v in sorted(inherited.values(), key=lambda v: v.key)
        ],
        can_reveal=page.can_edit,
        override_field=_override_field(page),
        add_form=VariableForm(
            override_field=_override_field(page),
            initial={"key": page.request.GET.get("override", "")},
        ),
        dotenv_form=DotenvForm(),
    )
    context.update(extra)
    return context


def _panel(request, page: EnvironmentPage, **extra: Any):
    return render_box(request, TEMPLATE, _context(page, **extra), boxes=("panel", "dotenv-box"))


def _find(page: EnvironmentPage, var_id: str):
    return next((v for v in _variables(page) if str(v.id) == var_id), None)


def _gone(page: EnvironmentPage) -> Problem:
    return Problem(
        "That variable isn't there any more",
        "It was deleted or renamed in the meantime.",
        "The list below is up to date.",
        404,
    )


async def _finish(request, page: EnvironmentPage, result, problem=None, **extra: Any):
    """After a change: the fresh panel with what happened, and a failed form kept as typed.
    A plain POST goes back to the tab (post-redirect-get) unless a form must be kept."""
    problem = None if result.done else (problem or result.problem)
    keeps_form = any(name.endswith("form") for name in extra)
    if not request.htmx and (result.done or not keeps_form):
        flash(request, result.outcome)
        return go(request, reverse("environments:variables", args=[page.env_id]))
    await _reload(page)
    if result.done:
        return _panel(request, page, action_note=result.outcome.note)
    return _panel(request, page, action_problem=problem, **extra)


OVERRIDE_REFUSED = Problem(
    "Not allowed",
    "Only org admins may change whether personal environments can override a key.",
    "Ask an org admin.",
    403,
)


def _var_refusal(form, result) -> Problem | None:
    """A refusal about the key goes on the key's field."""
    if result.refused(errors.Conflict):
        form.add_error("key", refused_words(result.error))
        return None
    if result.refused(errors.Forbidden):
        return OVERRIDE_REFUSED
    return result.problem


# --- the tab ---------------------------------------------------------------------------------


@requires_api_key
@require_GET
async def variables_panel(request, env_id):
    page = await _load(request, env_id)
    return _panel(request, page)


@sensitive_post_parameters("value")
@requires_api_key
@require_http_methods(["GET", "POST"])
async def edit_variable_page(request, env_id, var_id):
    """GET: the tab with this row as a form. POST: save it."""
    if request.method == "POST":
        return await edit_variable(request, env_id, var_id)
    return await edit_form(request, env_id, var_id)


async def edit_form(request, env_id, var_id):
    """The tab with one row as an edit form."""
    page = await _load(request, env_id)
    var = _find(page, str(var_id))
    if var is None or not page.can_edit:
        return _panel(request, page, action_problem=page.refusal() or _gone(page))
    form = VariableForm(
        editing=True,
        override_field=_override_field(page),
        initial={"key": var.key, "personal_override_allowed": var.personal_override_allowed},
    )
    return _panel(request, page, editing=str(var.id), edit_form=form)


@sensitive_post_parameters("value")
@requires_api_key
@require_POST
async def add_variable(request, env_id):
    page = await _load(request, env_id)
    refusal = refuse(request, page, "add variable")
    if refusal is not None:
        return _panel(request, page, action_problem=refusal)
    form = VariableForm(request.POST, override_field=_override_field(page))
    if not form.is_valid():
        return _panel(request, page, add_form=form)
    body = form.request_body()
    api = page.api

    async def check() -> bool:
        listing = await api.list_environment_variables(page.env_id)
        return any(
            v.key == body["key"] and v.value == body["value"] for v in listing.environment_variables
        )

    result = await attempt(
        request,
        lambda: api.create_environment_variable(page.env_id, body),
        check,
        done=f"{body['key']} added.",
        what=f"{body['key']} was added",
        operation="add variable",
    )
    if result.done:
        return await _finish(request, page, result)
    return await _finish(request, page, result, problem=_var_refusal(form, result), add_form=form)


async def edit_variable(request, env_id, var_id):
    page = await _load(request, env_id)
    refusal = refuse(request, page, "edit variable")
    var = _find(page, str(var_id))
    if refusal is not None or var is None:
        return _panel(request, page, action_problem=refusal or _gone(page))
    form = VariableForm(request.POST, editing=True, override_field=_override_field(page))
    if not form.is_valid():
        return _panel(request, page, editing=str(var.id), edit_form=form)
    body = form.request_body()
    api = page.api

    async def check() -> bool:
        listing = await api.list_environment_variables(page.env_id)
        now = next((v for v in listing.environment_variables if str(v.id) == str(var.id)), None)
        return now is not None and all(getattr(now, k) == v for k, v in body.items())

    result = await attempt(
        request,
        lambda: api.update_environment_variable(page.env_id, str(var.id), body),
        check,
        done=f"{body['key']} saved.",
        what=f"{body['key']} was saved",
        operation="edit variable",
    )
    if result.done:
        return await _finish(request, page, result)
    return await _finish(
        request,
        page,
        result,
        problem=_var_refusal(form, result),
        editing=str(var.id),
        edit_form=form,
    )


@requires_api_key
@require_POST
async def delete_variable(request, env_id, var_id):
    page = await _load(request, env_id)
    refusal = refuse(request, page, "delete variable")
    var = _find(page, str(var_id))
    if refusal is not None or var is None:
        return _panel(request, page, action_problem=refusal or _gone(page))
    api = page.api

    async def change():
        try:
            return await api.delete_environment_variable(page.env_id, str(var.id))
        except errors.NotFound:
            return None

    async def check() -> bool:
        listing = await api.list_environment_variables(page.env_id)
        return all(str(v.id) != str(var.id) for v in listing.environment_variables)

    result = await attempt(
        request,
        change,
        check,
        done=f"{var.key} deleted.",
        what=f"{var.key} was deleted",
        operation="delete variable",
    )
    return await _finish(request, page, result)


@requires_api_key
@require_POST
async def set_override(request, env_id, var_id):
    """personal_override_allowed on a team or Global variable."""
    page = await _load(request, env_id)
    refusal = refuse(request, page, "change override policy")
    var = _find(page, str(var_id))
    if refusal is not None or var is None:
        return _panel(request, page, action_problem=refusal or _gone(page))
    form = OverrideForm(request.POST)
    form.is_valid()
    body = form.request_body()
    api = page.api
    allowed = body["personal_override_allowed"]

    async def check() -> bool:
        listing = await api.list_environment_variables(page.env_id)
        now = next((v for v in listing.environment_variables if str(v.id) == str(var.id)), None)
        return now is not None and now.personal_override_allowed == allowed

    result = await attempt(
        request,
        lambda: api.update_environment_variable(page.env_id, str(var.id), body),
        check,
        done=f"Personal environments {'may now' if allowed else 'may no longer'} override "
        f"{var.key}.",
        what=f"the override policy of {var.key} changed",
        operation="change override policy",
    )
    problem = OVERRIDE_REFUSED if result.refused(errors.Forbidden) else None
    return await _finish(request, page, result, problem=problem)


@requires_api_key
@require_POST
async def reveal_variable(request, env_id, var_id):
    """Show one value (audited as a read of a secret: who, when, which key)."""
    page = await _load(request, env_id)
    var = _find(page, str(var_id))
    refusal = refuse(request, page, "reveal variable")
    if refusal is not None or var is None:
        return _panel(request, page, action_problem=refusal or _gone(page))
    await record_read(
        request,
        REVEAL,
        target_id=f"{page.env_id}/{var.id}",
        detail=f"variable {var.key} of environment {page.env.name}",
    )
    return _value_cell(request, page, var, revealed=True)


# --- paste a .env block ----------------------------------------------------------------------


def _existing(page: EnvironmentPage) -> dict[str, tuple[str, str]]:
    return {v.key: (str(v.id), v.value) for v in _variables(page)}


@sensitive_post_parameters("dotenv")
@requires_api_key
@require_POST
async def paste_preview(request, env_id):
    page = await _load(request, env_id)
    refusal = refuse(request, page, "paste variables")
    form = DotenvForm(request.POST)
    if refusal is not None:
        return _panel(request, page, action_problem=refusal, dotenv_form=form)
    if not form.is_valid():
        return _panel(request, page, dotenv_form=form)
    if "variables" in page.failed:
        return _panel(request, page, dotenv_form=form, dotenv_problem=page.failed["variables"])
    lines = dotenv_paste.parse(form.cleaned_data["dotenv"])
    items = dotenv_paste.plan(lines, _existing(page), _locked(page))
    return _panel(
        request,
        page,
        dotenv_form=form,
        preview=items,
        preview_counts=dotenv_paste.counts(items),
        nothing_found=not lines,
    )


async def _apply_one(request, page: EnvironmentPage, item) -> tuple[str, str]:
    """(result, words) for one item of the plan: added / updated / failed."""
    api = page.api
    key, value = item.key, item.line.value
    if item.status == dotenv_paste.NEW:
        body = {"key": key, "value": value}
        change = lambda: api.create_environment_variable(page.env_id, body)  # noqa: E731
        done, verb = f"{key} added.", "added"
    else:
        body = {"value": value}
        change = lambda: api.update_environment_variable(  # noqa: E731
            page.env_id, item.variable_id, body
        )
        done, verb = f"{key} updated.", "updated"

    async def check() -> bool:
        listing = await api.list_environment_variables(page.env_id)
        return any(v.key == key and v.value == value for v in listing.environment_variables)

    result = await attempt(
        request, change, check, done=done, what=f"{key} was {verb}", operation=f"paste {verb}"
    )
    if result.done:
        return verb, ""
    if result.refused(errors.Conflict, errors.BadRequest, errors.Forbidden):
        return "failed", refused_words(result.error)
    return "failed", result.problem.text if result.problem else "It failed."


@sensitive_post_parameters("dotenv")
@requires_api_key
@require_POST
async def paste_apply(request, env_id):
    """Apply the block: each key on its own; the report says what happened to each, and the
    lines that didn't apply stay in the box."""
    page = await _load(request, env_id)
    refusal = refuse(request, page, "paste variables")
    form = DotenvForm(request.POST)
    if refusal is not None:
        return _panel(request, page, action_problem=refusal, dotenv_form=form)
    if not form.is_valid():
        return _panel(request, page, dotenv_form=form)
    if "variables" in page.failed:
        return _panel(request, page, dotenv_form=form, dotenv_problem=page.failed["variables"])
    items = dotenv_paste.plan(
        dotenv_paste.parse(form.cleaned_data["dotenv"]), _existing(page), _locked(page)
    )
    report_rows, keep = [], []
    for item in items:
        if item.applies:
            outcome, words = await _apply_one(request, page, item)
        else:
            outcome, words = item.status, item.note
        report_rows.append({"item": item, "result": outcome, "words": words})
        if outcome in ("failed", dotenv_paste.INVALID, dotenv_paste.LOCKED):
            keep.append(item)
    applied = sum(1 for r in report_rows if r["result"] in ("added", "updated"))
    failures = sum(1 for r in report_rows if r["result"] == "failed")
    left = dotenv_paste.leftover(keep)
    await _reload(page)
    return _panel(
        request,
        page,
        dotenv_form=DotenvForm(initial={"dotenv": left}),
        applied_report=report_rows,
        applied_count=applied,
        failed_count=failures,
        kept_count=len(keep),
    )


# --- export ------------------------------------------------------------------------------------


@admin_required
@requires_api_key
@require_POST
async def export_variables(request, env_id):
    """The environment's variables as a .env file (admins; audited as a read of secrets)."""
    page = await _load(request, env_id)
    problem = page.failed.get("variables") or page.failed.get("environment")
    if problem is not None:
        return _panel(request, page, action_problem=problem)
    variables = sorted(_variables(page), key=lambda v: v.key)
    await record_read(
        request,
        EXPORT,
        target_id=page.env_id,
        detail=f"{len(variables)} variables of environment {page.env.name} as .env",
    )
    text = dotenv_paste.dotenv_text(
        [(v.key, v.value) for v in variables],
        header=f"Variables of the environment {page.env.name} (exported from the Replicas "
        "Portal). Secrets: keep this file safe.",
    )
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    filename = f"{slugify(page.env.name) or 'environment'}.env"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _value_cell(request, page: EnvironmentPage, var, *, revealed: bool):
    """The value cell of one row (#var-<id>-value) for HTMX; the whole tab otherwise."""
    context = _context(page, revealed=str(var.id) if revealed else "")
    if request.htmx and request.htmx.target == f"var-{var.id}-value":
        context.update(var=var)
        return render(request, f"{TEMPLATE}#variable-value", context)
    return render_box(request, TEMPLATE, context)


@requires_api_key
@require_GET
async def hide_variable(request, env_id, var_id):
    """The value cell masked again (the Hide button of a revealed value)."""
    page = await _load(request, env_id)
    var = _find(page, str(var_id))
    if var is None:
        return _panel(request, page, action_problem=_gone(page))
    return _value_cell(request, page, var, revealed=False)
