"""In Chromium: the board moves live (a card from preparing to working to waiting while the
page stays open), two idle replicas are put to sleep in one action, the keyboard gets
around the cards, and the usage page draws its charts beside their tables, the bucket kept
in the URL."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from portal.accounts.models import KeyKind
from portal.emulator.config import DEMO_PERSONAL_KEYS
from portal.replica_api import ReplicaAPI
from tests.accounts.personas import PASSWORD, store_key
from tests.browser.helpers import sign_in
from tests.replicas.conftest import idle_replica

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LIVE = 20_000  # ms: a few refreshes


@pytest.fixture
def ada_page(page, admin):
    store_key(admin, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[0])
    sign_in(page, "ada", PASSWORD)
    return page


@pytest.fixture
def upstream(emulator, api_settings) -> ReplicaAPI:
    return ReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=api_settings)


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_a_card_moves_from_preparing_to_working_to_waiting_live(
    ada_page, upstream, emulator, agent_pace
):
    page = ada_page
    rid = str(upstream.create_replica({"name": _name("live-card"), "message": "hi"}).replica.id)
    emulator.control(f"replicas/{rid}/state", {"status": "preparing", "hold": True})
    page.goto("/board/")
    page.evaluate("() => { window.__sameBoard = true; }")
    card = f"#card-{rid}"
    expect(page.locator(f"#lane-preparing {card}")).to_be_visible()
    agent_pace(1.2)  # a turn of several seconds: seen working even on a busy machine
    emulator.control(f"replicas/{rid}/state", {"status": "active"})
    upstream.send_replica_message(rid, {"message": "Work on it for a while"})
    expect(page.locator(f"#lane-working {card}")).to_be_visible(timeout=LIVE)
    expect(page.locator(f"#lane-working {card} .card-preview")).to_contain_text(
        "Work on it for a while"
    )
    expect(page.locator(f"#lane-waiting {card}")).to_be_visible(timeout=2 * LIVE)
    assert page.evaluate("() => window.__sameBoard") is True  # no reload
    assert page.console_problems == []


def test_select_two_idle_replicas_and_sleep_them(ada_page, upstream, emulator):
    page = ada_page
    ids = [idle_replica(upstream, _name("sleep-me")) for _ in range(2)]
    for rid in ids:
        emulator.control(f"replicas/{rid}/state", {"idle_s": 2 * 3600})
    page.goto("/board/?idle=60")
    for rid in ids:
        expect(page.locator(f"#card-{rid}")).to_have_class(re.compile("card-idle"))
        page.locator(f"#select-{rid}").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("2 selected:")
    page.get_by_role("button", name="Sleep selected…").click()
    expect(page.get_by_role("heading", name="Sleep 2 replicas?")).to_be_visible()
    page.get_by_role("button", name="Sleep 2 replicas").click()
    expect(page.get_by_role("heading", name="Sleep: 2 of 2 done")).to_be_visible()
    for rid in ids:
        expect(page.locator(f"#lane-sleeping #card-{rid}")).to_be_visible(timeout=LIVE)
        assert upstream.get_replica(rid).replica.status.value == "sleeping"
    assert page.console_problems == []


def test_the_keyboard_moves_between_cards_and_opens_one(ada_page, upstream):
    page = ada_page
    idle_replica(upstream, _name("keys"))
    page.goto("/board/")
    cards = page.locator("#board-lanes [data-card] .card-name")
    expect(cards.first).to_be_visible()
    page.locator("body").press("j")
    expect(cards.nth(0)).to_be_focused()
    page.keyboard.press("j")
    expect(cards.nth(1)).to_be_focused()
    page.keyboard.press("k")
    expect(cards.nth(0)).to_be_focused()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(cards.nth(0)).to_be_focused()
    href = cards.nth(0).get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}")
    assert page.console_problems == []


def test_usage_charts_with_their_tables_and_the_bucket_in_the_url(ada_page):
    page = ada_page
    page.goto("/usage/?start=2026-10-01&end=2026-10-30&bucket=day")
    for chart in ("workspaces", "pull-requests", "compute"):
        canvas = page.locator(f'canvas[data-chart="{chart}"]')
        expect(canvas).to_have_attribute("data-chart-labels", "30")
        expect(page.locator(f'table[data-chart-table="{chart}"] tbody tr')).to_have_count(30)
    page.get_by_label("Per:").select_option("week")
    page.wait_for_url(re.compile(r"bucket=week"))
    expect(page.locator('canvas[data-chart="compute"]')).to_have_attribute("data-chart-labels", "5")
    expect(page.locator('table[data-chart-table="compute"] tbody tr')).to_have_count(5)
    drawn = page.evaluate(
        "() => Chart.getChart(document.querySelector('canvas[data-chart=\"compute\"]'))"
        ".data.labels.length"
    )
    assert drawn == 5
    assert page.console_problems == []
