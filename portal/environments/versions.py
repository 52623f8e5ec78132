"""The portal's own history of hook scripts (`HookVersion`): recording a run, claiming it for
its one stream, finishing it, listing, comparing and restoring.

Every Test, Save and Save & test from a console is recorded before it starts (state
`pending`), so the script is kept whatever happens next. A run is streamed once: the stream
view claims it (`pending` → `running`); a browser that reconnects to a claimed run gets its
stored result instead of running the script again.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString

from portal.replicas.rendering.diffs import render_diff

from .models import HookVersion, RunState

LIST_LIMIT = 50
MAX_OUTPUT_CHARS = 200_000  # kept per run; the rest is cut with a note
MAX_EVENTS = 5_000


def for_console(env_id: str, kind: str) -> QuerySet[HookVersion]:
    return HookVersion.objects.filter(environment_id=str(env_id), kind=kind)


async def alist(env_id: str, kind: str, limit: int = LIST_LIMIT) -> list[HookVersion]:
    qs = for_console(env_id, kind).select_related("user")[:limit]
    return [v async for v in qs]


async def aget(env_id: str, kind: str, version_id: Any) -> HookVersion | None:
    try:
        number = int(version_id)
    except (TypeError, ValueError):
        return None
    return await for_console(env_id, kind).filter(pk=number).afirst()


async def arecord(
    *,
    env_id: str,
    env_name: str,
    kind: str,
    action: str,
    content: str,
    user,
    key_kind: str,
    state: str = RunState.PENDING,
) -> HookVersion:
    return await HookVersion.objects.acreate(
        environment_id=str(env_id),
        environment_name=env_name[:255],
        kind=kind,
        action=action,
        content=content,
        user=user if getattr(user, "is_authenticated", False) else None,
        username=getattr(user, "username", "") or "",
        key_kind=key_kind,
        state=state,
    )


async def aclaim(version: HookVersion) -> bool:
    """Take a pending run for its one stream; False when it was already claimed."""
    now = timezone.now()
    claimed = await HookVersion.objects.filter(pk=version.pk, state=RunState.PENDING).aupdate(
        state=RunState.RUNNING, started_at=now
    )
    if claimed:
        version.state, version.started_at = RunState.RUNNING, now
    return bool(claimed)


def cap_output(output: str) -> str:
    if len(output) <= MAX_OUTPUT_CHARS:
        return output
    cut = len(output) - MAX_OUTPUT_CHARS
    return output[:MAX_OUTPUT_CHARS] + f"\n[… {cut:,} more characters not kept by the portal]\n"


@dataclass
class Outcome:
    """How a run ended, as it is stored."""

    state: str
    exit_code: int | None = None
    timed_out: bool | None = None
    saved: bool | None = False
    api_version: int | None = None
    via: str = ""
    note: str = ""

    def fields(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "exit_code": self.exit_code,
            "timed_out": self.timed_out,
            "saved": self.saved,
            "api_version": self.api_version,
            "via": self.via,
            "note": self.note,
        }


def finish(version: HookVersion, outcome: Outcome, output: str, events: list[dict]) -> None:
    """Store the end of a run (sync: also called from a shielded task when cancelled)."""
    version.finished_at = timezone.now()
    if version.started_at is None:
        version.started_at = version.finished_at
    for name, value in outcome.fields().items():
        setattr(version, name, value)
    version.output = cap_output(output)
    version.events = events[:MAX_EVENTS]
    version.save(
        update_fields=[
            "finished_at",
            "started_at",
            "output",
            "events",
            *outcome.fields(),
        ]
    )


def diff(older: HookVersion, newer: HookVersion) -> str:
    """A unified diff of two versions' scripts (file names say which is which)."""
    name = f"{older.kind}-hook.sh"
    lines = difflib.unified_diff(
        older.content.splitlines(keepends=True),
        newer.content.splitlines(keepends=True),
        fromfile=f"a/{name}",
        tofile=f"b/{name}",
        n=3,
    )
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)  # fmt: skip
    if text:
        # unidiff needs the "diff --git" style header to name the file.
        text = f"diff --git a/{name} b/{name}\n" + text
    return text


def diff_html(older: HookVersion, newer: HookVersion, view: str = "unified") -> SafeString:
    """The diff rendered as the replica pages render theirs (highlighted as shell)."""
    return render_diff(
        diff(older, newer),
        view="split" if view == "split" else "unified",
        repository=f"#{older.pk} → #{newer.pk}",
    )
