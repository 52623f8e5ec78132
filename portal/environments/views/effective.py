"""The Effective tab: what a workspace created from this environment receives, Global → team
→ personal merged (`effective.py`), for variables (masked), files, skills, MCP servers, warm
and start hooks and the system prompt. Each entry says where it comes from and what it
overrides; overridden entries are shown struck through with their source.

Reads, for each layer, its variables, files, skills, MCPs, warm hooks and start hooks: Global's
(addressed as `global`) alongside the environment's own, then the source's for a source-backed
personal environment. A layer whose reads fail is named in the box, and the merge says it may
be incomplete.
"""

from __future__ import annotations

from typing import Any

from django.template.defaultfilters import filesizeformat
from django.views.decorators.http import require_GET

from portal.accounts.acting import requires_api_key
from portal.lib.htmx import render_box

from .. import effective
from ..common import GLOBAL, load_environment_page

PARTS = ("variables", "files", "skills", "mcps", "warm", "start")


def _reads(env_id: str, prefix: str) -> dict:
    return {
        f"{prefix}variables": lambda api: api.list_environment_variables(env_id),
        f"{prefix}files": lambda api: api.list_environment_files(env_id),
        f"{prefix}skills": lambda api: api.list_environment_skills(env_id),
        f"{prefix}mcps": lambda api: api.list_environment_mcps(env_id),
        f"{prefix}warm": lambda api: api.get_environment_warm_hooks(env_id),
        f"{prefix}start": lambda api: api.get_environment_start_hooks(env_id),
    }


def _entries(layer: effective.Layer, data: dict[str, Any], prefix: str) -> dict[str, list]:
    out: dict[str, list] = {}
    variables = data.get(f"{prefix}variables")
    out["variables"] = [
        effective.Entry(v.key, layer, v.key, secret=True)
        for v in (variables.environment_variables if variables else [])
    ]
    files = data.get(f"{prefix}files")
    out["files"] = [
        effective.Entry(
            f.path, layer, f.path, f"{f.name}, {filesizeformat(len(f.content.encode()))}"
        )
        for f in (files.environment_files if files else [])
    ]
    skills = data.get(f"{prefix}skills")
    out["skills"] = [
        effective.Entry(s.slug, layer, s.name, s.source)
        for s in (skills.environment_skills if skills else [])
    ]
    mcps = data.get(f"{prefix}mcps")
    out["mcps"] = [
        effective.Entry(m.name, layer, m.name, _mcp_detail(m))
        for m in (mcps.environment_mcps if mcps else [])
    ]
    return out


def _mcp_detail(mcp) -> str:
    transport = str(getattr(mcp.transport, "value", mcp.transport))
    config = mcp.config.root if hasattr(mcp.config, "root") else mcp.config
    if hasattr(config, "command"):
        return f"{transport}: {' '.join([config.command, *config.args])}"
    return f"{transport}: {config.url}"


@requires_api_key
@require_GET
async def effective_panel(request, env_id):
    env_id = str(env_id)
    page = await load_environment_page(request, env_id, **_reads(env_id, "own_"))
    context = page.context("effective")
    if not page.loaded:
        return render_box(request, "environments/effective.html", context)
    stack: list[tuple[effective.Layer, str, Any]] = []  # (layer, data prefix, environment)
    source = page.source()
    if page.kind != GLOBAL:
        reads = _reads("global", "global_")
        if source is not None:
            reads.update(_reads(source["id"], "source_"))
            reads["source_env"] = lambda api: api.get_environment(source["id"])
        reads["global_env"] = lambda api: api.get_environment("global")
        await page.fetch(**reads)
        global_env = page.data.get("global_env")
        global_layer = effective.Layer(
            str(global_env.environment.id) if global_env else "global", "Global", GLOBAL
        )
        stack.append((global_layer, "global_", global_env.environment if global_env else None))
        if source is not None:
            source_env = page.data.get("source_env")
            stack.append(
                (
                    effective.Layer(source["id"], source["name"], "team"),
                    "source_",
                    source_env.environment if source_env else None,
                )
            )
    own_layer = effective.Layer(env_id, page.env.name, page.kind)
    stack.append((own_layer, "own_", page.env))

    merged: dict[str, list] = {}
    for part in ("variables", "files", "skills", "mcps"):
        layers = [(layer, _entries(layer, page.data, prefix)[part]) for layer, prefix, _ in stack]
        merged[part] = effective.merge(layers, fold_case=part == "mcps")
    warm = effective.hooks(
        [
            (layer, getattr(page.data.get(f"{prefix}warm"), "warm_hook", None))
            for layer, prefix, _ in stack
        ]
    )
    start = effective.hooks(
        [
            (layer, getattr(page.data.get(f"{prefix}start"), "start_hook", None))
            for layer, prefix, _ in stack
        ]
    )
    inherited_from = stack[-2][0] if source is not None else None
    system_prompt = effective.prompt(
        [(layer, env) for layer, _, env in stack if env is not None],
        inherited_from=inherited_from,
    )
    incomplete = sorted(
        {
            layer.label
            for layer, prefix, _ in stack
            if any(f"{prefix}{part}" in page.failed for part in PARTS)
            or (prefix != "own_" and f"{prefix[:-1]}_env" in page.failed)
        }
    )
    context.update(
        layers=[layer for layer, _, _ in stack],
        merged=merged,
        warm=warm,
        start=start,
        system_prompt=system_prompt,
        incomplete=incomplete,
    )
    return render_box(request, "environments/effective.html", context)
