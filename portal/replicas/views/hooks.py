"""The Hooks panel: warm and start hook logs (getReplicaHooks).

Each run shows its exit code, whether it timed out, when it ran, what it ran and its output,
collapsed unless it failed. A truncated output (the API keeps a ~100,000 character preview)
says how much of the full log is shown. Hook logs come from the workspace engine: a sleeping,
archived or failed workspace can't be asked, and the panel says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.views.decorators.http import require_GET

from portal.accounts.acting import requires_api_key
from portal.lib.htmx import render_box

from .common import load_replica_page


@dataclass(frozen=True)
class HookRun:
    name: str
    type: str
    executed_at: datetime
    exit_code: int
    timed_out: bool
    output: str
    truncated: bool
    total_chars: int
    script: str = ""
    commands: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.timed_out or self.exit_code != 0

    @property
    def shown_chars(self) -> int:
        return len(self.output)


def _run(entry) -> HookRun:
    return HookRun(
        name=entry.hookName,
        type=str(entry.hookType),
        executed_at=entry.executedAt,
        exit_code=entry.exitCode,
        timed_out=entry.timedOut,
        output=entry.output,
        truncated=entry.outputTruncated,
        total_chars=entry.outputTotalChars,
        script=getattr(entry, "hookScript", "") or "",
        commands=tuple(getattr(entry, "hookCommands", None) or ()),
    )


@require_GET
@requires_api_key
async def hooks_panel(request, replica_id):
    rid = str(replica_id)
    page = await load_replica_page(request, rid, hooks=lambda api: api.get_replica_hooks(rid))
    context = page.context("hooks")
    hooks = page.data.get("hooks")
    context.update(
        hooks_unavailable=page.unavailable.get("hooks"),
        warm_runs=[_run(e) for e in hooks.warm_hooks.logs] if hooks else [],
        start_runs=[_run(e) for e in hooks.start_hooks.logs] if hooks else [],
    )
    return render_box(request, "replicas/hooks.html", context)
