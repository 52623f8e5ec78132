"""Shared by every replica page: load the replica and whatever a panel needs, concurrently,
and keep each failure in the box it belongs to.

    page = await load_replica_page(request, rid, hooks=lambda api: api.get_replica_hooks(rid))
    page.data["hooks"]       # what a fetch returned
    page.unavailable["hooks"]  # it failed with a conflict (sleeping / in error): the panel words it
    page.failed["hooks"]     # it failed otherwise: a Problem, shown in the panel's box

Each fetch has a name, and the name is the box that shows it. `getReplica` is the header's
fetch ("replica"): only its 404 fails the whole page (the "deleted" page) and a rejected key
goes to the key page; any other failure leaves the header's box saying so (it polls itself
back) while the panel stays usable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.core.cache import cache
from django.urls import reverse

from portal.accounts.acting import async_api_for
from portal.accounts.audit import remember_replica_name
from portal.accounts.models import PortalSettings
from portal.accounts.roles import ais_org_admin
from portal.lib.boxes import Boxes, Fetch
from portal.lib.pages import NotFoundPage
from portal.lib.times import relative_time
from portal.replica_api import errors, models
from portal.replicas.ownership import REFUSAL, Owner, Owners, may_remove
from portal.replicas.ownership import UNKNOWN as UNKNOWN_OWNER

# Panels (tabs) of the detail page, in order: (slug, label, path under the detail page's).
PANELS = (
    ("chat", "Chat", ""),
    ("queue", "Queue", "queue/"),
    ("canvas", "Canvas", "canvas/"),
    ("diffs", "Diffs", "diffs/"),
    ("hooks", "Hooks", "hooks/"),
)
HEADER = "replica"  # the header's fetch, and the key of its failure
UNKNOWN = "unknown"  # the status shown while the header's fetch fails
# How often the header polls itself (seconds), by status: quickly while something is about
# to change by itself, quietly otherwise. `error` is terminal: no poll. (The spec says a
# getReplica wakes a sleeping workspace, the guide says it only reads: so sleeping and
# archived replicas are asked rarely.)
POLL_EVERY = {"preparing": 2, "active": 15, "sleeping": 60, "archived": 60, UNKNOWN: 5}
POLL_WAKING = 2
LIVE_STATUSES = frozenset({"active", "preparing"})
LAST_CHAT_TTL = 30 * 24 * 60 * 60
# Environment names for the header (id -> name), per key: the API sends only the id.
ENV_NAMES_TTL = 5 * 60


def status_of(replica: Any) -> str:
    return str(getattr(replica.status, "value", replica.status))


def deleted_page() -> NotFoundPage:
    return NotFoundPage(
        "This replica was deleted",
        "There is no replica at this address any more: it was deleted, or the link is wrong.",
        back_url=reverse("replicas:list"),
        back_label="Back to the replicas list",
    )


@dataclass(kw_only=True)
class ReplicaPage(Boxes):
    # A sleeping or failed workspace's 409s are not failures: each panel words them.
    CONFLICTS_APART = True

    replica_id: str
    replica: models.ReplicaDetails | None = None
    environment_names: dict[str, str] = field(default_factory=dict)
    owner: Owner = UNKNOWN_OWNER
    # May the viewer archive or delete it (admins; members their own, or as the setting says)?
    may_remove: bool = True

    @property
    def status(self) -> str:
        return status_of(self.replica) if self.replica is not None else UNKNOWN

    def header(self) -> dict[str, Any]:
        """The header box's context (with its failure, if getReplica failed)."""
        if self.replica is not None:
            context = header_context(self.replica)
            env_id = context["extras"].get("environment_id")
            context["environment_name"] = self.environment_names.get(env_id or "")
            context.update(
                owner=self.owner,
                may_remove=self.may_remove,
                # Someone else's (or not known to be the viewer's): type its name to remove.
                confirm_by_name=self.owner.mine is not True,
                removal_refusal=REFUSAL.format(who=self.owner.label),
            )
        else:
            context = unknown_header_context(self.replica_id)
        context["failed"] = self.failed
        return context

    def context(self, panel: str) -> dict[str, Any]:
        context = self.header()
        url = self.request.get_full_path()
        return {**context, "panel": panel, "tabs": tabs(self.replica_id, panel), "panel_url": url,
                "unavailable": self.unavailable, **self.data}  # fmt: skip


CHAT_SCOPED = frozenset({"chat", "queue"})


def replica_urls(replica_id: str, chat_id: str | None = None) -> dict[str, str]:
    """The addresses a replica page links and posts to, from one reversal (reversing each in
    the templates, a dozen per page and a few per queued message, was a measurable part of
    the portal's own time). With `chat_id`, that chat's too."""
    base = reverse("replicas:detail", args=[replica_id])
    urls = {
        "detail": base,
        "header": base + "header/",
        "wake": base + "wake/",
        "sleep": base + "sleep/",
        "archive": base + "archive/",
        "delete": base + "delete/",
        "events": base + "events/",
        "messages": base + "messages/",
        "new_chat": base + "chats/new/",
        "queue": base + "queue/",
    }
    if chat_id:
        chat = f"{base}chats/{quote(str(chat_id), safe='')}/"
        urls.update(
            history=chat + "history/",
            delete_chat=chat + "delete/",
            reorder=chat + "queue/reorder/",
            clear=chat + "queue/clear/",
            queue_item=chat + "queue/",  # + <message id>/remove/
        )
    return urls


def tabs(replica_id: str, panel: str, chat_id: str | None = None) -> list[dict[str, Any]]:
    """The panel tabs; the chat and queue tabs carry the open chat."""
    out = []
    base = reverse("replicas:detail", args=[replica_id])  # one reversal, not five
    for slug, label, suffix in PANELS:
        url = base + suffix
        if chat_id and slug in CHAT_SCOPED:
            url += f"?chat={chat_id}"
        out.append({"slug": slug, "label": label, "url": url, "active": slug == panel})
    return out


def unknown_header_context(replica_id: str) -> dict[str, Any]:
    """The header while getReplica fails: what is known without it."""
    return {
        "replica": {"id": replica_id, "name": "This replica"},
        "urls": replica_urls(replica_id),
        "status": UNKNOWN,
        "live": False,
        "repositories": [],
        "extras": {},
        "poll_every": POLL_EVERY[UNKNOWN],
        "error_message": None,
    }


def header_context(replica: models.ReplicaDetails) -> dict[str, Any]:
    """What the header shows: repositories joined with their branch, diff size and PRs."""
    statuses = {s.repository: s for s in (replica.repository_statuses or [])}
    prs_by_repo: dict[str, list] = {}
    for pr in replica.pull_requests:
        prs_by_repo.setdefault(pr.repository, []).append(
            {"url": str(pr.url), "label": f"#{pr.number}"}
        )
    repositories = []
    for repo in replica.repositories:
        st = statuses.get(repo.name)
        prs = prs_by_repo.get(repo.name, [])
        if st is not None:
            known = {p["url"] for p in prs}
            prs += [{"url": str(u), "label": "PR"} for u in st.pr_urls if str(u) not in known]
        repositories.append(
            {
                "name": repo.name,
                "url": str(repo.url),
                "branch": st.branch if st else None,
                "added": st.git_diff.added if st and st.git_diff else None,
                "removed": st.git_diff.removed if st and st.git_diff else None,
                "prs": prs,
            }
        )
    status = status_of(replica)
    return {
        "replica": replica,
        "urls": replica_urls(str(replica.id)),
        "status": status,
        # Panels follow the event stream while preparing too, so the first message's turn
        # is seen from its start.
        "live": status in LIVE_STATUSES,
        "repositories": repositories,
        # As the list's rows: <time> elements made here, not with per-page date filters.
        "created_time": relative_time(replica.created_at),
        "last_activity_time": relative_time(replica.last_activity_at),
        # Beyond ReplicaDetails in the spec, but sent by the API when known: show them then.
        "extras": {
            k: v
            for k, v in (getattr(replica, "model_extra", None) or {}).items()
            if k in ("model", "size", "environment_id") and isinstance(v, str) and v
        },
        "poll_every": POLL_WAKING if replica.waking else POLL_EVERY.get(status, 0),
        "error_message": getattr(replica, "error", None) or getattr(replica, "error_message", None),
    }


def pick_chat(chats: list[models.ReplicaChat], wanted: str | None) -> models.ReplicaChat | None:
    """The chat `wanted` names, else the one most recently active."""
    for chat in chats:
        if chat.id == wanted:
            return chat
    return max(chats, key=lambda c: c.updated_at) if chats else None


def _last_chat_key(user_pk, replica_id: str) -> str:
    return f"replicas:last-chat:{user_pk}:{replica_id}"


async def load_chat_page(
    request, replica_id: str, wanted_chat: str | None, panel: str, *, chat_fetch=None
) -> tuple[ReplicaPage, dict[str, Any], models.ReplicaChat | None]:
    """A chat-scoped panel (chat, queue): the replica with its chats, the chat to show and
    `chat_fetch(api, chat_id)` (its history, its queue), in one round trip when the chat is
    known: named in the URL, or the one this user last had open here (remembered in the
    cache, and checked against the replica's chats as they arrive). Its result lands in
    `page.data["chat_data"]` (or `page.failed`/`page.unavailable` under that name)."""
    user = await request.auser()
    last_key = _last_chat_key(user.pk, replica_id)
    guess = wanted_chat or await cache.aget(last_key)
    fetches = {}
    if guess and chat_fetch is not None:
        fetches["chat_data"] = lambda api: chat_fetch(api, guess)
    page = await load_replica_page(request, replica_id, **fetches)
    chats = page.replica.chats if page.replica is not None else None
    if chats is None:
        # The header failed (or the API left the chats out): ask for them on their own.
        await page.fetch(chats=lambda api: api.list_replica_chats(replica_id))
        listing = page.data.pop("chats", None)
        chats = listing.chats if listing is not None else []
    chat = pick_chat(chats, wanted_chat or guess)
    if chat is not None and chat.id != guess and chat_fetch is not None:
        # A wrong guess (or none): what was fetched is another chat's; fetch this one's.
        page.forget("chat_data")
        await page.fetch(chat_data=lambda api: chat_fetch(api, chat.id))
    if chat is not None and chat.id != guess:
        await cache.aset(last_key, chat.id, LAST_CHAT_TTL)
    context = page.context(panel)
    chat_id = chat.id if chat else None
    context.update(
        chats=chats,
        chat=chat,
        tabs=tabs(replica_id, panel, chat_id),
        urls=replica_urls(replica_id, chat_id),
    )
    return page, context, chat


async def load_replica_page(
    request, replica_id: str, *, include: str | None = None, **fetches: Fetch
) -> ReplicaPage:
    """getReplica plus each named fetch, concurrently. A deleted replica raises the
    "deleted" page; every other failure is kept under its fetch's name."""
    api = await async_api_for(request)
    page = ReplicaPage(api=api, request=request, replica_id=replica_id)
    names_key = f"replicas:env-names:{api.key_id}"
    env_names = await cache.aget(names_key)
    calls = [api.get_replica(replica_id, include=include)]
    if env_names is None:  # asked alongside, never a round trip of its own
        calls.append(api.list_environments(scope="all"))
    head, *extra = await page.gather(*calls, **fetches)
    if isinstance(head, errors.NotFound):
        raise deleted_page()
    if isinstance(head, errors.ReplicaAPIError):
        page.keep(HEADER, head)
    elif isinstance(head, BaseException):
        raise head
    else:
        page.replica = head.replica
    if extra and not isinstance(extra[0], BaseException):  # a failure only costs the name
        env_names = {str(env.id): env.name for env in extra[0].environments}
        await cache.aset(names_key, env_names, ENV_NAMES_TTL)
    page.environment_names = env_names or {}
    if page.replica is not None:
        await _whose(request, page)
        await remember_replica_name(replica_id, page.replica.name)
    return page


async def _whose(request, page: ReplicaPage) -> None:
    """Who created the replica, and whether the viewer may archive or delete it."""
    page.owner = (await Owners.load(request, page.api, [page.replica])).of(page.replica)
    is_admin = await ais_org_admin(await request.auser())
    settings = await PortalSettings.aload()
    page.may_remove = may_remove(is_admin, page.owner, settings.members_may_remove_others_replicas)
