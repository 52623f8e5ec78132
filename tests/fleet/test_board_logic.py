"""The board's logic without the API: lanes, idle cost, prices, filters."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace as NS

from django.utils import timezone

from portal.fleet.board import BoardFilters, arrange, lane_of, make_card, price_per_minute
from portal.replicas.ownership import UNKNOWN


class Item(NS):
    pass


def _item(status="active", minutes_ago=90, env="env-1", now=None):
    now = now or timezone.now()
    return Item(
        id="11111111-1111-4111-8111-111111111111",
        name="fix-it",
        status=status,
        source="api",
        created_at=now - timedelta(hours=3),
        last_activity_at=now - timedelta(minutes=minutes_ago),
        pull_requests=[],
        model_extra={"environment_id": env},
    )


def _details(processing=False, size=None, agent="codex"):
    chat = NS(processing=processing, updated_at=timezone.now(), model_extra={})
    extras = {"lastChatMessage": {"text": "Fix the flaky test", "provider": agent, "at": None}}
    if size:
        extras["size"] = size
    return NS(chats=[chat], coding_agent=agent, model_extra=extras)


def test_active_splits_into_working_and_waiting_by_chats_processing():
    assert lane_of("active", _details(processing=True)) == "working"
    assert lane_of("active", _details(processing=False)) == "waiting"
    assert lane_of("active", None) == "waiting"
    for status in ("preparing", "sleeping", "error", "archived"):
        assert lane_of(status, None) == status


def test_prices_come_from_the_size_table_and_the_setting(settings):
    settings.FLEET_PRICE_DEFAULT = 0.01
    assert price_per_minute("small") == Decimal("0.008")
    assert price_per_minute("large") == Decimal("0.016")
    assert price_per_minute(None) == Decimal("0.01")


def test_a_waiting_card_past_the_threshold_is_idle_with_its_cost():
    now = timezone.now()
    card = make_card(
        _item(minutes_ago=90, now=now), _details(size="large"), UNKNOWN, now, 30, "/r/"
    )
    assert card.lane == "waiting" and card.idle and card.idle_minutes == 90
    assert card.idle_cost == Decimal("1.440") and card.idle_cost_label == "$1.44"
    assert card.idle_label == "1 h 30 min"
    assert card.preview == "Fix the flaky test" and card.agent == "codex"
    not_yet = make_card(_item(minutes_ago=20), _details(), UNKNOWN, now, 30, "/r/")
    assert not not_yet.idle and not_yet.idle_cost == 0
    working = make_card(_item(minutes_ago=90), _details(processing=True), UNKNOWN, now, 30, "/r/")
    assert working.lane == "working" and not working.idle


def test_a_card_changes_version_when_what_it_shows_changes():
    now = timezone.now()
    a = make_card(_item(), _details(), UNKNOWN, now, 30, "/r/")
    b = make_card(_item(), _details(processing=True), UNKNOWN, now, 30, "/r/")
    assert a.version == make_card(_item(), _details(), UNKNOWN, now, 30, "/r/").version
    assert a.version != b.version


def test_arrange_filters_by_agent_and_environment_and_hides_archived():
    now = timezone.now()
    cards = [
        make_card(_item(env="env-1"), _details(agent="codex"), UNKNOWN, now, 30, "/r/"),
        make_card(_item(status="archived", env="env-1"), None, UNKNOWN, now, 30, "/r/"),
    ]
    lanes = {lane.key: lane.cards for lane in arrange(cards, BoardFilters())}
    assert "archived" not in lanes and len(lanes["waiting"]) == 1
    lanes = {lane.key: lane.cards for lane in arrange(cards, BoardFilters(archived=True))}
    assert len(lanes["archived"]) == 1
    assert not any(arrange(cards, BoardFilters(agent="claude"))[2].cards)
    assert not any(arrange(cards, BoardFilters(environment="env-2"))[2].cards)
