"""Shared by every environment page: load the environment and whatever a tab needs,
concurrently, and keep each failure in the box it belongs to.

    page = await load_environment_page(
        request, env_id, warm=lambda api: api.get_environment_warm_hooks(env_id)
    )
    page.data["warm"]          # what a fetch returned
    page.failed["warm"]        # it failed: a Problem, shown in that fetch's box
    page.env                   # the API's Environment (a stand-in when getEnvironment failed)
    page.can_edit              # may the viewer change this environment and what it holds?
    context = page.context("warm_hook")   # for templates/environments/detail_base.html
    return render_box(request, "environments/warm_hook.html", context)

Each fetch has a name, and the name is the box that shows it (`failed.<name>`). getEnvironment
is the header's fetch ("environment"): only its 404 fails the whole page (the "This environment
was deleted" page, with a link to the list) and a rejected key goes to the key page (the
accounts middleware); any other failure leaves the header box saying so, with Try again, while
the tab still renders: `env` is then a stand-in with the id and `failed.environment` is set,
and `can_edit` is False (the portal can't tell who may change it).

Who may change an environment (`can_edit`): org admins change the Global environment's nested
resources and team environments; anyone changes their own personal environments (the API shows
a personal environment only to its owner, so a personal one the viewer sees is theirs).
Views that change something check `page.can_edit` (or call `page.refusal()`) before calling
the API; the API is the final judge and a refusal it sends is shown in words too.

The context `page.context(panel)` gives detail_base.html: `env`, `env_id`, `can_edit`,
`is_admin`, `kind` ("global" | "team" | "personal"), `source` (the team environment a
source-backed personal one inherits from: {"id", "name"} or None), `binding` (what it checks
out, in words), `tabs`, `panel`, `panel_url` (this request's address), `tab_url` (the active
tab's address, for a Try again after a POST), `failed`, and every fetch's data by its name.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.core.cache import cache
from django.urls import NoReverseMatch, reverse

from portal.accounts.acting import async_api_for
from portal.accounts.roles import ais_org_admin
from portal.lib.api_errors import Problem
from portal.lib.boxes import Boxes, Fetch
from portal.lib.pages import NotFoundPage
from portal.replica_api import AsyncReplicaAPI, errors

HEADER = "environment"  # the header's fetch, and the key of its failure
GLOBAL, TEAM, PERSONAL = "global", "team", "personal"

# Tabs of an environment page, in order: (slug, label, url name). The hook consoles and the
# warm pool are another part's (hook_urls.py): a tab is shown only once its URL exists.
TABS = (
    ("settings", "Settings", "environments:detail"),
    ("variables", "Variables", "environments:variables"),
    ("files", "Files", "environments:files"),
    ("skills", "Skills", "environments:skills"),
    ("mcps", "MCP servers", "environments:mcps"),
    ("warm_hook", "Warm hook", "environments:warm_hook"),
    ("start_hook", "Start hook", "environments:start_hook"),
    ("warm_pool", "Warm pool", "environments:warm_pool"),
    ("effective", "Effective", "environments:effective"),
)

# Names the header needs besides getEnvironment (environment and repository names by id),
# per key, asked alongside the page's fetches only when not cached.
NAMES = "names"
NAMES_TTL = 5 * 60

REFUSED_TEAM = (
    "Only org admins can change team environments and the Global environment. You can "
    "manage your own personal environments."
)


def kind_of(env: Any) -> str:
    if getattr(env, "is_global", False):
        return GLOBAL
    return PERSONAL if getattr(env, "user_id", None) else TEAM


def may_edit(env: Any, is_admin: bool) -> bool:
    """Admins change team and Global environments; owners their personal ones."""
    if env is None:
        return False
    return True if kind_of(env) == PERSONAL else is_admin


def deleted_page() -> NotFoundPage:
    return NotFoundPage(
        "This environment was deleted",
        "There is no environment at this address any more: it was deleted, or the link "
        "is wrong (or it is someone else's personal environment).",
        back_url=reverse("environments:list"),
        back_label="Back to the environments list",
    )


def names_cache_key(api: AsyncReplicaAPI) -> str:
    return f"environments:names:{api.key_id}"


async def forget_names(api: AsyncReplicaAPI) -> None:
    """After a create, rename or delete: the header's names are read again."""
    await cache.adelete(names_cache_key(api))


async def fetch_names(api: AsyncReplicaAPI) -> dict[str, dict[str, str]]:
    """Environment, repository and repository set names by id (each part may be missing)."""
    envs, repos, sets = await asyncio.gather(
        api.list_environments(scope="all"),
        api.list_repositories(),
        api.list_repository_sets(),
        return_exceptions=True,
    )
    out: dict[str, dict[str, str]] = {"environments": {}, "repositories": {}, "sets": {}}
    if not isinstance(envs, BaseException):
        out["environments"] = {str(e.id): e.name for e in envs.environments}
    if not isinstance(repos, BaseException):
        out["repositories"] = {str(r.id): r.name for r in repos.repositories}
    if not isinstance(sets, BaseException):
        out["sets"] = {str(s.id): s.name for s in sets.repository_sets}
    return out


def binding_words(env: Any, names: dict[str, dict[str, str]]) -> str:
    """What a workspace from this environment checks out, in words."""
    repo_id = getattr(env, "repository_id", None)
    set_id = getattr(env, "repository_set_id", None)
    if repo_id:
        name = names.get("repositories", {}).get(str(repo_id))
        return f"repository {name}" if name else "a repository the portal can't name"
    if set_id:
        name = names.get("sets", {}).get(str(set_id))
        return f"repository set {name}" if name else "a repository set the portal can't name"
    if getattr(env, "is_global", False):
        return "no repository (the Global environment applies to every workspace)"
    return "no repository (repo-less workspaces)"


def stand_in(env_id: str) -> SimpleNamespace:
    """What the header knows while getEnvironment fails: the id."""
    return SimpleNamespace(
        id=env_id,
        name="This environment",
        description=None,
        is_global=False,
        user_id=None,
        repository_id=None,
        repository_set_id=None,
        system_prompt=None,
        personal_preferences=None,
        source_environment_id=None,
        mobile_testing_enabled=False,
        variable_count=None,
        file_count=None,
        skill_count=None,
        mcp_count=None,
    )


def tabs(env_id: str, panel: str) -> list[dict[str, Any]]:
    out = []
    for slug, label, url_name in TABS:
        try:
            url = reverse(url_name, args=[env_id])
        except NoReverseMatch:  # another part's tab, not there yet
            continue
        out.append({"slug": slug, "label": label, "url": url, "active": slug == panel})
    return out


@dataclass(kw_only=True)
class EnvironmentPage(Boxes):
    env_id: str
    env: Any = None  # models.Environment, or a stand-in when the header's fetch failed
    loaded: bool = False  # getEnvironment answered
    is_admin: bool = False
    names: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return kind_of(self.env)

    @property
    def can_edit(self) -> bool:
        return self.loaded and may_edit(self.env, self.is_admin)

    @property
    def source_backed(self) -> bool:
        return self.loaded and bool(getattr(self.env, "source_environment_id", None))

    def refusal(self) -> Problem | None:
        """Why the viewer may not change this environment, or None when they may."""
        if self.can_edit:
            return None
        if not self.loaded:
            return self.failed.get(HEADER) or Problem(
                "Not done", "The portal couldn't read this environment.", "Try again.", 503
            )
        return Problem("Not allowed", REFUSED_TEAM, "Ask an org admin.", 403)

    def source(self) -> dict[str, str] | None:
        source_id = getattr(self.env, "source_environment_id", None) if self.loaded else None
        if not source_id:
            return None
        name = self.names.get("environments", {}).get(str(source_id), "its source environment")
        return {"id": str(source_id), "name": name}

    def header(self) -> dict[str, Any]:
        """The header box's context (with its failure, if getEnvironment failed)."""
        return {
            "env": self.env,
            "env_id": self.env_id,
            "env_loaded": self.loaded,
            "kind": self.kind,
            "can_edit": self.can_edit,
            "is_admin": self.is_admin,
            "source": self.source(),
            "binding": binding_words(self.env, self.names) if self.loaded else "",
            "failed": self.failed,
        }

    def context(self, panel: str) -> dict[str, Any]:
        tab_list = tabs(self.env_id, panel)
        here = self.request.get_full_path()
        return {
            **self.header(),
            "panel": panel,
            "tabs": tab_list,
            "panel_url": here,
            # The tab's own address (a POST's `panel_url` is the action's, not a page).
            "tab_url": next((t["url"] for t in tab_list if t["active"]), here),
            **self.data,
        }


async def load_environment_page(request, env_id, **fetches: Fetch) -> EnvironmentPage:
    """getEnvironment plus each named fetch, concurrently. A deleted (or invisible)
    environment raises the "This environment was deleted" page; every other failure is kept
    under its fetch's name (`page.failed`), the header's under "environment"."""
    env_id = str(env_id)
    api = await async_api_for(request)
    page = EnvironmentPage(api=api, request=request, env_id=env_id)
    page.is_admin = await ais_org_admin(await request.auser())
    names_key = names_cache_key(api)
    names = await cache.aget(names_key)
    calls = [api.get_environment(env_id)]
    if names is None:  # asked alongside, never a round trip of its own
        calls.append(fetch_names(api))
    head, *extra = await page.gather(*calls, **fetches)
    if isinstance(head, errors.NotFound):
        raise deleted_page()
    if isinstance(head, errors.ReplicaAPIError):
        page.keep(HEADER, head)
        page.env = stand_in(env_id)
    elif isinstance(head, BaseException):
        raise head
    else:
        page.env = head.environment
        page.loaded = True
    if extra and not isinstance(extra[0], BaseException):
        names = extra[0]
        await cache.aset(names_key, names, NAMES_TTL)
    page.names = names or {}
    return page
