"""The board moves from the same events as notifications: a replica's webhook (or, without
webhooks, the poller's reading) processed by `portal.webhooks.processing` tells every user
with a board open that something changed; their notification stream carries a `board`
event and the page refreshes its lanes at once (static/js/board.js). The message names no
replica: each board re-reads what its own key may see.

    note_viewer(user_id)     # a board page or refresh: this user watches (for VIEWER_TTL)
    board_changed()          # after a replica's state changed (on commit)
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

log = logging.getLogger("portal.fleet")

VIEWERS_KEY = "fleet:viewers"
VIEWER_TTL = 60  # seconds: a board refreshes at least every 40 s, even in a hidden tab
MESSAGE = {"kind": "board"}


async def note_viewer(user_id: int) -> None:
    now = time.time()
    viewers = await cache.aget(VIEWERS_KEY) or {}
    if viewers.get(user_id, 0) - now > VIEWER_TTL / 2:
        return  # noted recently: spare the cache a write per refresh
    viewers = {uid: until for uid, until in viewers.items() if until > now}
    viewers[user_id] = now + VIEWER_TTL
    await cache.aset(VIEWERS_KEY, viewers, VIEWER_TTL)


def viewers() -> list[int]:
    now = time.time()
    return [uid for uid, until in (cache.get(VIEWERS_KEY) or {}).items() if until > now]


def board_changed() -> None:
    """Tell every board that is open (any process, through the notification hub)."""
    from portal.webhooks.hub import hub

    for user_id in viewers():
        try:
            hub().publish(user_id, MESSAGE)
        except Exception:  # noqa: BLE001  (a lost nudge: the board's own polling catches up)
            log.exception("telling user %s's board failed", user_id)
