"""In Chromium: the replica pages as a user meets them when things change or fail.

- the header follows the replica's state from the event stream (seen: "active" with Sleep
  40 s after the replica went to error), and the panel follows it without losing typed text;
- the chat tabs' "working" dots follow the turns;
- with the API failing, a tab switch shows the failure inside the panel, header and tabs stay;
- after a queue move with the keyboard, focus stays on the moved message's button.
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from portal.accounts.models import KeyKind
from portal.emulator.config import DEMO_PERSONAL_KEYS
from tests.accounts.personas import PASSWORD, store_key
from tests.browser.helpers import sign_in
from tests.replicas.conftest import idle_replica

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def upstream(emulator, api_settings):
    from portal.replica_api import ReplicaAPI

    return ReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=api_settings)


@pytest.fixture
def ada_page(page, admin):
    store_key(admin, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[0])
    sign_in(page, "ada", PASSWORD)
    return page


def test_the_header_and_panel_follow_the_replica_into_error_keeping_typed_text(
    ada_page, upstream, emulator
):
    page = ada_page
    rid = idle_replica(upstream, "browser-stale-header")
    page.goto(f"/replicas/{rid}/")
    expect(page.locator("#stream-status")).to_have_text("live")
    expect(page.locator("#replica-header .badge")).to_have_text("active")
    page.get_by_label("Message").fill("A draft I am still writing")
    emulator.control(f"replicas/{rid}/state", {"status": "error", "message": "Out of disk."})
    # The stream tells the header at once (no waiting for a 15 s poll), and the header tells
    # the panel, which re-gets itself: no Sleep/Archive on a replica in error.
    expect(page.locator("#replica-header .badge")).to_have_text("error", timeout=5000)
    expect(page.locator("#replica-header")).to_contain_text("Out of disk.")
    expect(page.get_by_role("button", name="Sleep")).to_have_count(0)
    expect(page.get_by_role("button", name="Send")).to_be_disabled()
    expect(page.get_by_label("Message")).to_have_value("A draft I am still writing")
    assert page.console_problems == []


def test_the_header_notices_a_sleep_made_elsewhere(ada_page, upstream):
    page = ada_page
    rid = idle_replica(upstream, "browser-slept-elsewhere")
    page.goto(f"/replicas/{rid}/")
    expect(page.locator("#stream-status")).to_have_text("live")
    upstream.sleep_workspace(rid)
    expect(page.locator("#replica-header .badge")).to_have_text("sleeping", timeout=5000)
    expect(page.get_by_role("button", name="Wake")).to_be_visible()


def test_the_working_dot_follows_the_turn(ada_page, upstream, agent_pace):
    page = ada_page
    rid = idle_replica(upstream, "browser-working-dot")
    chat = upstream.list_replica_chats(rid).chats[0]
    page.goto(f"/replicas/{rid}/?chat={chat.id}")
    expect(page.locator("#stream-status")).to_have_text("live")
    dot = page.locator(f"#chat-dot-{chat.id} .dot-busy")
    expect(dot).to_have_count(0)
    agent_pace(0.15)
    page.get_by_label("Message").fill("Work for a moment")
    page.get_by_role("button", name="Send").click()
    expect(dot).to_have_count(1)
    expect(dot).to_have_count(0, timeout=15000)


def test_a_tab_switch_with_the_api_failing_shows_it_in_the_panel(ada_page, upstream, faults):
    page = ada_page
    rid = idle_replica(upstream, "browser-tab-fault")
    page.goto(f"/replicas/{rid}/")
    expect(page.locator("#stream-status")).to_have_text("live")
    faults("GET", r"/v1/replica/[^/]+/hooks$", 503)
    page.get_by_role("link", name="Hooks").click()
    expect(page).to_have_url(re.compile(r"/hooks/$"))
    panel = page.locator("#panel")
    expect(panel.get_by_role("alert")).to_contain_text("The Replica API had a problem")
    expect(page.locator("#replica-header .badge")).to_have_text("active")
    expect(page.get_by_role("link", name="Hooks")).to_have_attribute("aria-current", "page")
    # Try again, once the API answers: only the panel is fetched again.
    httpx.delete(f"{upstream.settings.base_url}/_emulator/faults")
    panel.get_by_role("link", name="Try again").click()
    expect(panel.get_by_role("alert")).to_have_count(0)
    expect(panel).to_contain_text("Warm hooks")


def test_with_the_api_down_the_page_keeps_its_header_and_says_so_in_plain_words(
    ada_page, upstream, faults
):
    page = ada_page
    rid = idle_replica(upstream, "browser-api-down")
    page.goto(f"/replicas/{rid}/canvas/")
    faults("*", r"^/v1/", "drop")
    page.get_by_role("link", name="Diffs").click()
    expect(page).to_have_url(re.compile(r"/diffs/$"))
    expect(page.locator("#replica-header").get_by_role("alert")).to_contain_text("unreachable")
    expect(page.locator("#panel").get_by_role("alert")).to_contain_text("unreachable")
    body = page.locator("body").inner_text()
    for internal in ("RemoteProtocolError", "ConnectError", "/v1/", "Injected"):
        assert internal not in body


def test_focus_stays_on_the_moved_message_after_a_keyboard_move(ada_page, upstream, agent_pace):
    page = ada_page
    rid = idle_replica(upstream, "browser-queue-focus")
    chat = upstream.list_replica_chats(rid).chats[0]
    agent_pace(1.0)  # the first message keeps the agent busy; the rest queue
    for text in ("busy", "alpha", "bravo", "charlie"):
        upstream.send_replica_message(rid, {"chat_id": chat.id, "message": text})
    page.goto(f"/replicas/{rid}/queue/?chat={chat.id}")
    rows = page.locator("#queue-list .queue-item")
    expect(rows).to_have_count(3)
    last = rows.nth(2)
    moved_id = last.get_attribute("data-message-id")
    last.get_by_role("button", name="Move up").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#queue-list .queue-item").nth(1)).to_have_attribute(
        "data-message-id", moved_id
    )
    moved = page.locator(f'#queue-list .queue-item[data-message-id="{moved_id}"]')
    expect(moved.get_by_role("button", name="Move up")).to_be_focused()
    # And again: the next keyboard move works from where focus is.
    page.keyboard.press("Enter")
    expect(page.locator("#queue-list .queue-item").first).to_have_attribute(
        "data-message-id", moved_id
    )
    expect(moved.locator("button").first).to_be_focused()
