"""Shared by the Automations pages: who may change what, the viewer's time zone, names by id,
the failure streak, and the automation page's loader that keeps each failure in its box.

    page = await load_automation_page(request, automation_id, executions=lambda api: ...)
    page.automation        # the AutomationRecord (getAutomation answered)
    page.data["executions"]  # what a fetch returned
    page.failed["executions"]  # it failed: a Problem, shown in that fetch's box
                               # (the mechanism: portal/lib/boxes.py)
    page.may_manage        # may the viewer change it (admins: org automations; owners: theirs)

Only getAutomation's 404 fails the whole page ("no automation here": deleted, a wrong link,
or someone else's personal automation) and a rejected key goes to the key page; every other
failure of getAutomation fails the page's header box with Try again.

Who may do what (the guide's key table): an org automation is the organisation's: admins
change it, members see it (and may run it now when the API lets their key). A personal
automation (`user_id` set) is only ever shown to its owner acting with their personal key,
so one the viewer sees is theirs to change. The org key can't read personal automations.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from portal.accounts.acting import aacting_kind, async_api_for
from portal.accounts.models import KeyKind
from portal.accounts.roles import ais_org_admin
from portal.lib.api_errors import Problem
from portal.lib.boxes import Boxes, Fetch
from portal.lib.htmx import render_box
from portal.lib.pages import NotFoundPage
from portal.replica_api import AsyncReplicaAPI, errors
from portal.replicas import choices

from .. import cron, triggers

TZ_COOKIE = "portal_tz"  # the browser's IANA zone, set by static/js/automations.js
HEADER = "automation"  # the header's fetch, and the key of its failure
NAMES = "names"
NAMES_TTL = 5 * 60
STREAK_LIMIT = 5  # the docs: switched off after this many failed runs in a row
STREAK_READ = STREAK_LIMIT  # executions read per automation to find the streak

REFUSED_ORG = (
    "Only org admins can change the organisation's automations. You can run them now, and "
    "create and manage your own personal automations."
)
HIDDEN_PERSONAL = (
    "Personal automations are hidden while you act as the org: the org key can't read, edit, "
    "run or delete anyone's personal automations. Switch to your own key to see yours."
)


# --- the viewer's zone ------------------------------------------------------------------------


def viewer_zone_name(request) -> str:
    """The browser's zone (a cookie the automations script sets), else the portal's."""
    name = unquote(request.COOKIES.get(TZ_COOKIE, ""))[:64]
    try:
        cron.zone(name)
    except cron.CronError:
        return settings.TIME_ZONE
    return name


def viewer_zone(request) -> ZoneInfo:
    return ZoneInfo(viewer_zone_name(request))


def render_in_zone(request, template: str, context: dict, *, boxes=(), status: int = 200):
    """Render with dates shown in the viewer's zone (`|date` converts to the active zone)."""
    context.setdefault("viewer_zone", viewer_zone_name(request))
    with timezone.override(viewer_zone(request)):
        if boxes:
            return render_box(request, template, context, boxes=boxes, status=status)
        return render(request, template, context, status=status)


# --- who may ----------------------------------------------------------------------------------


def is_personal(automation: Any) -> bool:
    return getattr(automation, "user_id", None) is not None


def may_manage(automation: Any, is_admin: bool) -> bool:
    """Admins change org automations; a personal one the viewer sees is theirs."""
    if automation is None:
        return False
    return True if is_personal(automation) else is_admin


@dataclass(frozen=True)
class Viewer:
    is_admin: bool
    acting_org: bool

    @property
    def may_create_org(self) -> bool:
        return self.is_admin

    @property
    def may_create_personal(self) -> bool:
        return not self.acting_org


async def viewer(request) -> Viewer:
    return Viewer(
        is_admin=await ais_org_admin(await request.auser()),
        acting_org=await aacting_kind(request) == KeyKind.ORG,
    )


def refused_problem(automation: Any) -> Problem:
    return Problem("Not allowed", REFUSED_ORG, "Ask an org admin.", 403)


# --- names by id ------------------------------------------------------------------------------


def names_cache_key(api: AsyncReplicaAPI) -> str:
    return f"automations:names:{api.key_id}"


async def fetch_names(api: AsyncReplicaAPI) -> dict[str, dict[str, Any]]:
    """Environments (name, personal, bound to a repository?) and repositories by id; a part
    that fails is left empty (the pages then say "an environment")."""
    envs, repos = await asyncio.gather(
        api.list_environments(scope="all"), api.list_repositories(), return_exceptions=True
    )
    for result in (envs, repos):
        if isinstance(result, errors.Unauthorized):
            raise result
    out: dict[str, dict[str, Any]] = {"environments": {}, "repositories": {}}
    if not isinstance(envs, BaseException):
        out["environments"] = {
            str(e.id): {
                "name": e.name,
                "personal": bool(e.user_id),
                "global": bool(getattr(e, "is_global", False)),
                "bound": bool(
                    e.repository_id
                    or e.repository_set_id
                    or getattr(e, "source_environment_id", None)
                ),
            }
            for e in envs.environments
        }
    if not isinstance(repos, BaseException):
        out["repositories"] = {str(r.id): r.name for r in repos.repositories}
    return out


async def names(api: AsyncReplicaAPI) -> dict[str, dict[str, Any]]:
    key = names_cache_key(api)
    cached = await cache.aget(key)
    if cached is None:
        cached = await fetch_names(api)
        if cached["environments"]:
            await cache.aset(key, cached, NAMES_TTL)
    return cached


async def forget_names(api: AsyncReplicaAPI) -> None:
    await cache.adelete(names_cache_key(api))


# --- what a row or a header shows -------------------------------------------------------------


def value_of(v: Any) -> Any:
    return getattr(v, "value", v)


def streak(executions: list[Any]) -> int:
    """Failed runs in a row, newest first (runs still in progress don't break the run)."""
    count = 0
    for e in executions:
        status = value_of(e.status)
        if status in ("pending", "creating", "running"):
            continue
        if status != "failed":
            break
        count += 1
    return count


def streak_words(count: int, enabled: bool) -> dict[str, str] | None:
    """The warning (or the explanation) a failure streak deserves, or None."""
    if count <= 0:
        return None
    if not enabled and count >= STREAK_LIMIT:
        return {
            "level": "error",
            "text": f"Switched off after {STREAK_LIMIT} failed runs in a row: the API turns an "
            "automation off when that happens. Read its runs' errors, fix the cause, then "
            "switch it back on.",
        }
    if not enabled:
        return None
    left = STREAK_LIMIT - count
    first = "The last run failed." if count == 1 else f"The last {count} runs failed in a row."
    return {
        "level": "warn",
        "text": f"{first} After {STREAK_LIMIT} failed runs in a row the API switches the "
        f"automation off{f' ({left} more would)' if left > 0 else ''}.",
    }


def agent_words(a: Any) -> str:
    agent = value_of(a.agent_provider)
    if not agent:
        return "The org's default agent"
    label = choices.AGENT_LABELS.get(agent, agent)
    parts = [label]
    if a.model:
        parts.append(a.model)
    thinking = value_of(a.thinking_level)
    if thinking:
        parts.append(f"thinking {thinking}")
    return " · ".join(parts)


def summary(a: Any, name_map: dict[str, dict[str, Any]], now: datetime) -> dict[str, Any]:
    """What the list row and the header show of an automation."""
    envs = name_map.get("environments", {})
    repos = name_map.get("repositories", {})
    env = envs.get(str(a.environment_id))
    next_fire = a.cron_next_fire_at
    size = value_of(a.workspace_size) or choices.DEFAULT_SIZE
    return {
        "a": a,
        "id": str(a.id),
        "personal": is_personal(a),
        "triggers": [triggers.words(t, repos) for t in a.triggers],
        "environment": env["name"] if env else None,
        "agent": agent_words(a),
        "size": choices.SIZES.get(size),
        "lifecycle": choices.LIFECYCLE_POLICIES.get(
            value_of(a.workspace_lifecycle_policy), value_of(a.workspace_lifecycle_policy)
        ),
        "next_fire": next_fire,
        "next_fire_relative": cron.relative(next_fire, now) if next_fire else "",
        "has_cron": triggers.has_cron(a.triggers),
    }


def deleted_page() -> NotFoundPage:
    return NotFoundPage(
        "There is no automation here",
        "It was deleted, the link is wrong, or it is someone else's personal automation "
        "(only its owner can see it, with their own key).",
        back_url=reverse("automations:list"),
        back_label="Back to the automations",
    )


# --- the automation page's loader -------------------------------------------------------------


@dataclass(kw_only=True)
class AutomationPage(Boxes):
    automation_id: str
    automation: Any = None
    is_admin: bool = False
    acting_org: bool = False
    names: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def loaded(self) -> bool:
        return self.automation is not None

    @property
    def may_manage(self) -> bool:
        return may_manage(self.automation, self.is_admin)

    def refusal(self) -> Problem | None:
        if self.may_manage:
            return None
        if not self.loaded:
            return self.failed.get(HEADER) or Problem(
                "Not done", "The portal couldn't read this automation.", "Try again.", 503
            )
        return refused_problem(self.automation)

    def header(self, now: datetime) -> dict[str, Any]:
        context: dict[str, Any] = {
            "automation_id": self.automation_id,
            "loaded": self.loaded,
            "may_manage": self.may_manage,
            "is_admin": self.is_admin,
            "failed": self.failed,
        }
        if self.loaded:
            context["row"] = summary(self.automation, self.names, now)
        return context


async def load_automation_page(request, automation_id, **fetches: Fetch) -> AutomationPage:
    """getAutomation plus each named fetch, concurrently (and the names, when not cached)."""
    automation_id = str(automation_id)
    api = await async_api_for(request)
    who = await viewer(request)
    page = AutomationPage(
        api=api,
        request=request,
        automation_id=automation_id,
        is_admin=who.is_admin,
        acting_org=who.acting_org,
    )
    key = names_cache_key(api)
    name_map = await cache.aget(key)
    calls = [api.get_automation(automation_id)]
    if name_map is None:  # asked alongside, never a round trip of its own
        calls.append(fetch_names(api))
    head, *rest = await page.gather(*calls, **fetches)
    if isinstance(head, errors.NotFound):
        raise deleted_page()
    if isinstance(head, errors.ReplicaAPIError):
        page.keep(HEADER, head)
    elif isinstance(head, BaseException):
        raise head
    else:
        page.automation = head.automation
    if rest and not isinstance(rest[0], BaseException):
        name_map = rest[0]
        if name_map["environments"]:
            await cache.aset(key, name_map, NAMES_TTL)
    elif rest and isinstance(rest[0], errors.Unauthorized):
        raise rest[0]
    page.names = name_map or {}
    return page
