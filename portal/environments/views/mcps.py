"""The MCP servers tab: servers with their transport (stdio: command, args, env; http and
sse: URL, headers); env and header values are secrets, masked like variables (reveal one:
audited). Add and edit with a form per transport whose name is checked as you type by the
same validator as the save; delete; import an `mcpServers` JSON block (preview, then create
each, reporting per server, what didn't import kept in the box).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.acting import requires_api_key
from portal.lib.api_errors import Problem
from portal.lib.htmx import go, render_box
from portal.replica_api import errors

from .. import mcp_import
from ..common import EnvironmentPage, load_environment_page
from ..forms import McpForm, McpImportForm, McpNameCheckForm, mcp_initial, mcp_secrets
from ..secrets import REVEAL, record_read
from .common import attempt, flash, refuse, refused_words

TEMPLATE = "environments/mcps.html"
SECRET_FIELDS = ("env_value", "header_value", "servers_json")


def _fetches(env_id: str) -> dict:
    return {"mcps": lambda api: api.list_environment_mcps(env_id)}


async def _load(request, env_id) -> EnvironmentPage:
    page = await load_environment_page(request, env_id, **_fetches(str(env_id)))
    source = page.source()
    if source is not None:
        await page.fetch(source_mcps=lambda api: api.list_environment_mcps(source["id"]))
    return page


def _servers(page: EnvironmentPage, name: str = "mcps") -> list:
    listing = page.data.get(name)
    return list(listing.environment_mcps) if listing else []


def _find(page: EnvironmentPage, mcp_id: str):
    return next((m for m in _servers(page) if str(m.id) == mcp_id), None)


def _config(mcp) -> Any:
    return mcp.config.root if hasattr(mcp.config, "root") else mcp.config


def _transport(mcp) -> str:
    return str(getattr(mcp.transport, "value", mcp.transport))


def describe(mcp) -> dict[str, Any]:
    """A server for the page: what it runs or where it is, and its secrets' names."""
    config = _config(mcp)
    kind, secrets = mcp_secrets(mcp)
    return {
        "mcp": mcp,
        "transport": _transport(mcp),
        "command": getattr(config, "command", None),
        "args": list(getattr(config, "args", []) or []),
        "url": str(config.url) if hasattr(config, "url") else None,
        "secret_kind": "env" if kind == "env" else "headers",
        "secrets": [
            {"mcp_id": str(mcp.id), "index": i, "name": name}
            for i, name in enumerate(sorted(secrets))
        ],
    }


def _check_url() -> str:
    return reverse("environments:mcp_name_check")


def _new_form(data=None) -> McpForm:
    return McpForm(data, check_url=_check_url())


def _edit_form(mcp, data=None) -> McpForm:
    kind, secrets = mcp_secrets(mcp)
    return McpForm(
        data, initial=mcp_initial(mcp), kept=secrets, kept_kind=kind, check_url=_check_url()
    )


def _context(page: EnvironmentPage, **extra: Any) -> dict[str, Any]:
    context = page.context("mcps")
    own = sorted(_servers(page), key=lambda m: m.name.casefold())
    own_names = {m.name.casefold() for m in own}
    context.update(
        servers=[describe(m) for m in own],
        inherited=[
            {**describe(m), "overridden": m.name.casefold() in own_names}
            for m in sorted(_servers(page, "source_mcps"), key=lambda m: m.name.casefold())
        ],
        import_form=McpImportForm(),
    )
    if "form" not in extra and page.can_edit:
        extra["form"] = _new_form()
    context.update(extra)
    form = context.get("form")
    if form is not None:
        context["editor"] = form.editor()
    return context


def _panel(request, page: EnvironmentPage, **extra: Any):
    return render_box(request, TEMPLATE, _context(page, **extra), boxes=("panel", "mcp-import"))


async def _reload(page: EnvironmentPage) -> None:
    page.failed.pop("mcps", None)
    await page.fetch(**_fetches(page.env_id))


def _word_refusal(form: McpForm, result) -> Problem | None:
    if result.refused(errors.Conflict):
        form.add_error("name", "An MCP server with this name already exists here.")
        return None
    if result.refused(errors.BadRequest):
        words = refused_words(result.error)
        field = "name" if "name" in words.lower() else None
        if field:
            form.add_error(field, words)
            return None
    return result.problem


@requires_api_key
@require_GET
async def mcps_panel(request, env_id):
    return _panel(request, await _load(request, env_id))


@login_required
@require_GET
def check_name(request):
    """The name rule as you type (the same validator as the save)."""
    form = McpNameCheckForm(request.GET)
    value = request.GET.get("name", "")
    problems = [] if form.is_valid() else form.errors.get("name", [])
    return render(
        request,
        f"{TEMPLATE}#mcp-name-check",
        {"name_value": value, "name_problems": problems},
    )


async def _save(request, page: EnvironmentPage, form: McpForm, mcp=None):
    body = form.request_body()
    api = page.api

    async def check() -> bool:
        listing = await api.list_environment_mcps(page.env_id)
        return any(
            m.name == body["name"] and _transport(m) == body["transport"]
            for m in listing.environment_mcps
        )

    if mcp is None:
        change = lambda: api.create_environment_mcp(page.env_id, body)  # noqa: E731
        done, operation = f"{body['name']} added.", "add MCP server"
    else:
        change = lambda: api.update_environment_mcp(page.env_id, str(mcp.id), body)  # noqa: E731
        done, operation = f"{body['name']} saved.", "edit MCP server"
    result = await attempt(
        request, change, check, done=done, what=f"{body['name']} was saved", operation=operation
    )
    if result.done:
        if not request.htmx:
            flash(request, result.outcome)
            return go(request, reverse("environments:mcps", args=[page.env_id]))
        await _reload(page)
        return _panel(request, page, action_note=result.outcome.note)
    problem = _word_refusal(form, result)
    editing = {"editing": str(mcp.id), "server": describe(mcp)} if mcp is not None else {}
    return _panel(request, page, form=form, form_problem=problem, **editing)


@sensitive_post_parameters(*SECRET_FIELDS)
@requires_api_key
@require_POST
async def add_mcp(request, env_id):
    page = await _load(request, env_id)
    refusal = refuse(request, page, "add MCP server")
    form = _new_form(request.POST)
    if refusal is not None:
        return _panel(request, page, action_problem=refusal, form=form)
    if not form.is_valid():
        return _panel(request, page, form=form)
    return await _save(request, page, form)


@sensitive_post_parameters(*SECRET_FIELDS)
@requires_api_key
@require_http_methods(["GET", "POST"])
async def mcp_detail(request, env_id, mcp_id):
    """GET: the server in the editor. POST: save it (empty secret values keep theirs)."""
    page = await _load(request, env_id)
    mcp = _find(page, str(mcp_id))
    if mcp is None:
        gone = page.failed.get("mcps") or Problem(
            "That MCP server isn't there any more", "", "The list is up to date.", 404
        )
        return _panel(request, page, action_problem=gone)
    if request.method == "GET":
        if not page.can_edit:
            return _panel(request, page, action_problem=page.refusal())
        return _panel(
            request, page, form=_edit_form(mcp), editing=str(mcp.id), server=describe(mcp)
        )
    refusal = refuse(request, page, "edit MCP server")
    if refusal is not None:
        return _panel(request, page, action_problem=refusal)
    form = _edit_form(mcp, request.POST)
    if not form.is_valid():
        return _panel(request, page, form=form, editing=str(mcp.id), server=describe(mcp))
    return await _save(request, page, form, mcp)


@requires_api_key
@require_POST
async def delete_mcp(request, env_id, mcp_id):
    page = await _load(request, env_id)
    refusal = refuse(request, page, "delete MCP server")
    mcp = _find(page, str(mcp_id))
    if refusal is not None or mcp is None:
        return _panel(request, page, action_problem=refusal or page.failed.get("mcps"))
    api = page.api

    async def change():
        try:
            return await api.delete_environment_mcp(page.env_id, str(mcp.id))
        except errors.NotFound:
            return None

    async def check() -> bool:
        listing = await api.list_environment_mcps(page.env_id)
        return all(str(m.id) != str(mcp.id) for m in listing.environment_mcps)

    result = await attempt(
        request,
        change,
        check,
        done=f"{mcp.name} deleted.",
        what=f"{mcp.name} was deleted",
        operation="delete MCP server",
    )
    if not request.htmx:
        flash(request, result.outcome)
        return go(request, reverse("environments:mcps", args=[page.env_id]))
    await _reload(page)
    if result.done:
        return _panel(request, page, action_note=result.outcome.note)
    return _panel(request, page, action_problem=result.problem)


@requires_api_key
@require_POST
async def reveal_secret(request, env_id, mcp_id, index):
    """One env or header value of a server (audited as a read of a secret)."""
    page = await _load(request, env_id)
    mcp = _find(page, str(mcp_id))
    refusal = refuse(request, page, "reveal MCP secret")
    kind, secrets = mcp_secrets(mcp) if mcp is not None else ("env", {})
    names = sorted(secrets)
    if refusal is not None or not 0 <= index < len(names):
        gone = Problem("That value isn't there any more", "", "The list is up to date.", 404)
        return _panel(request, page, action_problem=refusal or gone)
    name = names[index]
    await record_read(
        request,
        REVEAL,
        target_id=f"{page.env_id}/{mcp.id}",
        detail=f"MCP server {mcp.name}: {kind} {name} of environment {page.env.name}",
    )
    return _secret_cell(request, page, mcp, index, value=secrets[name])


def _secret_cell(request, page: EnvironmentPage, mcp, index: int, *, value: str | None):
    """One secret's cell (#mcp-<id>-secret-<n>) for HTMX, revealed when `value` is given;
    the whole tab (with it revealed) otherwise."""
    context = _context(page)
    cell = None
    for row in context["servers"]:
        for secret in row["secrets"]:
            if secret["mcp_id"] == str(mcp.id) and secret["index"] == index:
                cell = secret
                if value is not None:
                    secret.update(revealed=True, value=value)
    if cell is not None and request.htmx and request.htmx.target == f"mcp-{mcp.id}-secret-{index}":
        return render(request, f"{TEMPLATE}#mcp-secret", {**context, "cell": cell})
    return render_box(request, TEMPLATE, context)


@requires_api_key
@require_GET
async def hide_secret(request, env_id, mcp_id, index):
    """The secret's cell masked again."""
    page = await _load(request, env_id)
    mcp = _find(page, str(mcp_id))
    if mcp is None:
        return _panel(request, page)
    return _secret_cell(request, page, mcp, index, value=None)


# --- import ------------------------------------------------------------------------------------


def _import_plan(page: EnvironmentPage, text: str) -> tuple[mcp_import.Parsed, dict[str, str]]:
    """The parsed block, and per server name what will happen ("ready" or why not)."""
    parsed = mcp_import.parse(text)
    taken = {m.name.casefold() for m in _servers(page)}
    fate: dict[str, str] = {}
    seen: set[str] = set()
    for server in parsed.servers:
        folded = server.name.casefold()
        if not server.ok:
            fate[server.name] = "invalid"
        elif folded in taken:
            fate[server.name] = "exists"
        elif folded in seen:
            fate[server.name] = "duplicate"
        else:
            fate[server.name] = "ready"
        seen.add(folded)
    return parsed, fate


@sensitive_post_parameters(*SECRET_FIELDS)
@requires_api_key
@require_POST
async def import_preview(request, env_id):
    page = await _load(request, env_id)
    refusal = refuse(request, page, "import MCP servers")
    form = McpImportForm(request.POST)
    if refusal is not None:
        return _panel(request, page, action_problem=refusal, import_form=form)
    if not form.is_valid():
        return _panel(request, page, import_form=form)
    parsed, fate = _import_plan(page, form.cleaned_data["servers_json"])
    return _panel(
        request,
        page,
        import_form=form,
        import_error=parsed.error,
        import_preview=[{"server": s, "fate": fate[s.name]} for s in parsed.servers],
        ready_count=sum(1 for f in fate.values() if f == "ready"),
        import_problem=page.failed.get("mcps"),
    )


@sensitive_post_parameters(*SECRET_FIELDS)
@requires_api_key
@require_POST
async def import_apply(request, env_id):
    """Create each ready server; the report says what happened to each, and the servers that
    weren't created stay in the box as a block of their own."""
    page = await _load(request, env_id)
    refusal = refuse(request, page, "import MCP servers")
    form = McpImportForm(request.POST)
    if refusal is not None:
        return _panel(request, page, action_problem=refusal, import_form=form)
    if not form.is_valid() or "mcps" in page.failed:
        return _panel(request, page, import_form=form, import_problem=page.failed.get("mcps"))
    parsed, fate = _import_plan(page, form.cleaned_data["servers_json"])
    if parsed.error:
        return _panel(request, page, import_form=form, import_error=parsed.error)
    api = page.api
    rows, keep = [], []
    for server in parsed.servers:
        if fate[server.name] != "ready":
            words = {
                "invalid": " ".join(server.problems),
                "exists": "A server with this name already exists here.",
                "duplicate": "The name is used twice in the block.",
            }[fate[server.name]]
            rows.append({"server": server, "result": "skipped", "words": words})
            keep.append(server)
            continue
        body = server.body()

        async def check(name=server.name) -> bool:
            listing = await api.list_environment_mcps(page.env_id)
            return any(m.name == name for m in listing.environment_mcps)

        result = await attempt(
            request,
            lambda body=body: api.create_environment_mcp(page.env_id, body),
            check,
            done=f"{server.name} created.",
            what=f"{server.name} was created",
            operation="import MCP server",
        )
        if result.done:
            rows.append({"server": server, "result": "created", "words": ""})
        else:
            words = (
                refused_words(result.error)
                if result.refused(errors.BadRequest, errors.Conflict)
                else (result.problem.text if result.problem else "It failed.")
            )
            rows.append({"server": server, "result": "failed", "words": words})
            keep.append(server)
    await _reload(page)
    created = sum(1 for r in rows if r["result"] == "created")
    return _panel(
        request,
        page,
        import_form=McpImportForm(initial={"servers_json": mcp_import.leftover(keep)}),
        import_report=rows,
        created_count=created,
        failed_count=sum(1 for r in rows if r["result"] == "failed"),
        kept_count=len(keep),
    )
