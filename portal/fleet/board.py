"""Mission control: every replica the acting key can see, in lanes, with what idling costs.

    board = await load_board(request, api, BoardFilters(...))
    board.lanes        # [Lane(key, title, cards)], archived only when asked for
    board.idle_cards   # active, no activity for `idle_after` minutes or more

Where each thing comes from (the spec's listReplicas items carry only status and times):
- lanes: `status` from listReplicas; for active (and preparing) replicas one getReplica
  each, concurrently (an idle one's answer is reused for DETAIL_TTL seconds while its
  status and last activity are unchanged), whose chats' `processing` splits *working* (a
  chat is doing work) from *waiting for you* (none is: the turn is over). getReplica is never asked about sleeping or
  archived replicas: the spec says it wakes them.
- the card's preview: getReplica's `lastChatMessage` (the guide; an extra beyond the spec's
  ReplicaDetails), else the newest chat's `lastMessageText`;
- agent: `coding_agent`, else the last message's agent; environment: the list item's
  `environment_id` when the API sends it (an extra); size: getReplica's `size` (an extra),
  priced from the guide's table (`choices.SIZES`), else `FLEET_PRICE_DEFAULT`.
- how long in its lane, from the API's own times: preparing since created; working since
  the last message was sent; waiting, sleeping, error since the last activity.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.timesince import timesince

from portal.lib.api_errors import report
from portal.replica_api import errors
from portal.replicas import choices
from portal.replicas.ownership import UNKNOWN, Owner, Owners

LANES: tuple[tuple[str, str], ...] = (
    ("preparing", "Preparing"),
    ("working", "Working"),
    ("waiting", "Waiting for you"),
    ("sleeping", "Sleeping"),
    ("error", "Error"),
    ("archived", "Archived"),
)
LANE_TITLES = dict(LANES)
PAGE_LIMIT = 100  # the spec's maximum `limit`
MAX_PAGES = 10  # the board reads at most this many pages (1,000 replicas)
DETAIL_CONCURRENCY = 32  # getReplica calls in flight at once
DETAIL_TTL = 20  # seconds an idle replica's getReplica answer is reused (same activity)
PREVIEW_CHARS = 140
DETAILED = frozenset({"active", "preparing"})


def _value(v) -> str:
    return str(getattr(v, "value", v)) if v is not None else ""


def _extras(obj) -> dict:
    return getattr(obj, "model_extra", None) or {}


def _when(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return parse_datetime(str(value))


def price_per_minute(size: str | None) -> Decimal:
    """USD per minute for a workspace of this size (the guide's table; unsized: the setting)."""
    known = choices.SIZES.get(size or "")
    if known is not None:
        return known.price_per_minute
    return Decimal(str(settings.FLEET_PRICE_DEFAULT))


def lane_of(status: str, details) -> str:
    """The lane for a replica: its status, with active split by its chats' processing."""
    if status != "active":
        return status if status in LANE_TITLES else "error"
    if details is not None and any(c.processing for c in (details.chats or [])):
        return "working"
    return "waiting"


def money(amount: Decimal) -> str:
    return f"${amount:.2f}" if amount >= 1 else f"${amount:.3f}"


@dataclass
class Card:
    id: str
    name: str
    url: str
    lane: str
    status: str
    source: str
    agent: str
    environment_id: str
    preview: str
    prs: list[dict]
    since: datetime | None
    since_text: str
    owner: Owner
    size: str
    price: Decimal  # per minute
    idle_minutes: int = 0
    idle: bool = False
    idle_cost: Decimal = Decimal(0)
    detail_problem: str = ""  # getReplica failed: lane from the status alone

    @property
    def selectable(self) -> bool:
        """Sleep and archive apply to active workspaces."""
        return self.status == "active"

    @property
    def price_label(self) -> str:
        return f"${self.price}/min"

    @property
    def idle_label(self) -> str:
        hours, minutes = divmod(self.idle_minutes, 60)
        if not hours:
            return f"{minutes} min"
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"

    @property
    def idle_cost_label(self) -> str:
        return money(self.idle_cost)

    @property
    def version(self) -> str:
        """Changes when anything the card shows does (the page swaps only changed cards)."""
        text = "|".join(
            str(x)
            for x in (
                self.lane,
                self.name,
                self.preview,
                self.since_text,
                self.idle,
                self.idle_cost,
                len(self.prs),
                self.agent,
                self.owner.label,
                self.detail_problem,
            )
        )
        return hashlib.blake2s(text.encode(), digest_size=6).hexdigest()


def make_card(item, details, owner: Owner, now: datetime, idle_after: int, prefix: str) -> Card:
    status = _value(item.status)
    lane = lane_of(status, details)
    extras = _extras(details) if details is not None else {}
    last = extras.get("lastChatMessage") or {}
    chats = list(getattr(details, "chats", None) or [])
    preview = last.get("text") or ""
    if not preview and chats:
        newest = max(chats, key=lambda c: c.updated_at)
        preview = _extras(newest).get("lastMessageText") or ""
    if len(preview) > PREVIEW_CHARS:
        preview = preview[: PREVIEW_CHARS - 1].rstrip() + "…"
    agent = _value(getattr(details, "coding_agent", None)) or last.get("provider") or ""
    last_activity = item.last_activity_at
    if lane == "preparing":
        since = item.created_at
    elif lane == "working":
        since = _when(last.get("at")) or last_activity
    else:
        since = last_activity or item.created_at
    size = str(extras.get("size") or "")
    price = price_per_minute(size)
    card = Card(
        id=str(item.id),
        name=item.name,
        url=f"{prefix}{item.id}/",
        lane=lane,
        status=status,
        source=_value(item.source),
        agent=agent,
        environment_id=str(_extras(item).get("environment_id") or ""),
        preview=preview,
        prs=[
            {"url": str(pr.url), "label": f"{pr.repository}#{pr.number}"}
            for pr in item.pull_requests
        ],
        since=since,
        since_text=timesince(since, now) if since else "",
        owner=owner,
        size=size,
        price=price,
    )
    if lane == "waiting" and last_activity is not None:
        minutes = int((now - last_activity).total_seconds() // 60)
        card.idle_minutes = max(0, minutes)
        if minutes >= idle_after:
            card.idle = True
            card.idle_cost = (price * minutes).quantize(Decimal("0.001"))
    return card


@dataclass(frozen=True)
class BoardFilters:
    who: str = "all"  # all | mine | followed
    environment: str = ""
    agent: str = ""
    idle_after: int = 30
    archived: bool = False


@dataclass
class Lane:
    key: str
    title: str
    cards: list[Card] = field(default_factory=list)


@dataclass
class Board:
    lanes: list[Lane]
    total: int  # replicas the API listed (before the portal's filters)
    bounded: bool  # more than MAX_PAGES pages: the oldest weren't read
    read: int = 0  # replicas read (the newest, when bounded)
    problems: list[str] = field(default_factory=list)  # per-card detail failures, in words
    who_problem: str = ""

    @property
    def cards(self) -> list[Card]:
        return [c for lane in self.lanes for c in lane.cards]

    @property
    def idle_cards(self) -> list[Card]:
        return [c for c in self.cards if c.idle]

    @property
    def idle_cost_per_minute(self) -> str:
        return f"${sum((c.price for c in self.idle_cards), Decimal(0))}/min"

    @property
    def busy(self) -> bool:
        """Something is moving: the page refreshes sooner."""
        return any(c.lane in ("preparing", "working") for c in self.cards)


async def list_all(api, **filters) -> tuple[list, int, bool]:
    """Every replica (up to the bound): the first page, then the rest at once."""
    first = await api.list_replicas(page=1, limit=PAGE_LIMIT, **filters)
    pages = min(first.total_pages, MAX_PAGES)
    rest = await asyncio.gather(
        *(api.list_replicas(page=n, limit=PAGE_LIMIT, **filters) for n in range(2, pages + 1))
    )
    seen: set[str] = set()
    items = []
    for result in (first, *rest):
        for replica in result.replicas:
            if str(replica.id) not in seen:  # pages can shift while they are read
                seen.add(str(replica.id))
                items.append(replica)
    return items, first.total, first.total_pages > MAX_PAGES


def _detail_key(item) -> str:
    # A replica's chats change with its activity: while its status and last activity are
    # the same, what getReplica said about an idle one still holds (for DETAIL_TTL).
    return f"{item.id}:{_value(item.status)}:{item.last_activity_at}"


# One cache entry for all remembered answers (not one per replica: a local-memory cache
# holds 300 entries and a board has hundreds of replicas).
DETAILS_CACHE = "fleet:details"


async def details_for(request, api, items) -> tuple[dict, dict]:
    """getReplica for each active or preparing replica, bounded; failures kept per replica.
    Idle ones are remembered briefly (a board refreshes every few seconds, per viewer)."""
    limit = asyncio.Semaphore(DETAIL_CONCURRENCY)

    async def one(rid: str):
        async with limit:
            return (await api.get_replica(rid)).replica

    keys = {str(i.id): _detail_key(i) for i in items if _value(i.status) in DETAILED}
    clock = time.monotonic()
    remembered = {k: v for k, v in (await cache.aget(DETAILS_CACHE) or {}).items() if v[0] > clock}
    found, failed = {}, {}
    for rid, key in keys.items():
        if key in remembered:
            found[rid] = remembered[key][1]
    wanted = [rid for rid in keys if rid not in found]
    results = await asyncio.gather(*(one(rid) for rid in wanted), return_exceptions=True)
    for rid, result in zip(wanted, results, strict=True):
        if isinstance(result, errors.Unauthorized):
            raise result
        if isinstance(result, errors.NotFound):
            continue  # deleted since the list was read
        if isinstance(result, errors.ReplicaAPIError):
            failed[rid] = report(request, result, "board replica").text
        elif isinstance(result, BaseException):
            raise result
        else:
            found[rid] = result
            if not any(c.processing for c in (result.chats or [])):
                remembered[keys[rid]] = (clock + DETAIL_TTL, result)
    if wanted:
        await cache.aset(DETAILS_CACHE, remembered, DETAIL_TTL)
    return found, failed


def arrange(cards: list[Card], filters: BoardFilters) -> list[Lane]:
    lanes = [Lane(k, t) for k, t in LANES if k != "archived" or filters.archived]
    by_key = {lane.key: lane for lane in lanes}
    for card in cards:
        if filters.environment and card.environment_id != filters.environment:
            continue
        if filters.agent and card.agent != filters.agent:
            continue
        lane = by_key.get(card.lane)
        if lane is not None:
            lane.cards.append(card)
    for lane in lanes:
        # What waits longest first: the oldest `since` at the top.
        lane.cards.sort(key=lambda c: (c.since is None, c.since or timezone.now()))
    return lanes


async def load_board(request, api, filters: BoardFilters, *, user_id=None, followed=None):
    """The board. `user_id`: only replicas the API says that user created (mine);
    `followed`: only these replica ids."""
    items, total, bounded = await list_all(api, user_id=user_id)
    read = len(items)
    if filters.environment:  # known from the list: no getReplica for the others
        items = [i for i in items if _extras(i).get("environment_id") == filters.environment]
    if followed is not None:
        items = [i for i in items if str(i.id) in followed]
    if not filters.archived:
        items = [i for i in items if _value(i.status) != "archived"]
    (found, failed), owners = await asyncio.gather(
        details_for(request, api, items), Owners.load(request, api, items)
    )
    now = timezone.now()
    prefix = reverse("replicas:list")  # /replicas/<id>/ is the detail page
    cards = []
    for item in items:
        rid = str(item.id)
        card = make_card(
            item,
            found.get(rid),
            owners.of(item) if owners else UNKNOWN,
            now,
            filters.idle_after,
            prefix,
        )
        if rid in failed:
            card.detail_problem = "Its chats couldn't be read: " + failed[rid]
        cards.append(card)
    return Board(lanes=arrange(cards, filters), total=total, bounded=bounded, read=read)
