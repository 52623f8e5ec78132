"""In Chromium, over a real ASGI server: the live chat panel and the queue editor.

- send a message and watch the agent's reply stream in piece by piece;
- send while the agent is busy and see it queued;
- the upstream stream drops and the panel reconnects on its own, losing nothing;
- reorder the queue by drag-and-drop and see the order the emulator reports.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from portal.accounts.models import KeyKind
from portal.emulator.config import DEMO_PERSONAL_KEYS
from tests.accounts.personas import PASSWORD, store_key
from tests.browser.helpers import sign_in
from tests.replicas.conftest import active_replica

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def upstream(emulator, api_settings):
    from portal.replica_api import ReplicaAPI

    return ReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=api_settings)


@pytest.fixture
def signed_in_ada(page, admin):
    store_key(admin, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[0])
    sign_in(page, "ada", PASSWORD)
    return page


def open_chat(page, rid: str, chat_id: str | None = None):
    page.goto(f"/replicas/{rid}/" + (f"?chat={chat_id}" if chat_id else ""))
    expect(page.locator("#stream-status")).to_have_text("live")


def start_reply(page, upstream, agent_pace, name: str, message: str, pace: float):
    """A new replica's new Claude chat, open in `page`, whose agent (at `pace` seconds a
    step) is replying to `message` sent from the composer: (replica id, chat, transcript)."""
    rid = active_replica(upstream, name)
    chat = upstream.create_replica_chat(rid, {"provider": "claude", "title": name})
    open_chat(page, rid, chat.id)
    agent_pace(pace)
    page.get_by_label("Message").fill(message)
    page.get_by_role("button", name="Send").click()
    return rid, chat, page.locator(f"#chat-{chat.id}-transcript")


def test_reply_streams_in_piece_by_piece(signed_in_ada, upstream, agent_pace):
    page = signed_in_ada
    _, _, transcript = start_reply(
        page, upstream, agent_pace, "browser-stream", "Explain the retry policy", 0.3
    )
    expect(page.locator("#composer-outcome")).to_have_text("Sent.")
    expect(page.get_by_label("Message")).to_have_value("")

    expect(transcript).to_contain_text("Explain the retry policy")  # the prompt, from the stream
    prompt = transcript.locator(".msg--user", has_text="Explain the retry policy")
    expect(prompt).to_have_attribute("data-sender", "ada@example.com")  # named for everyone
    expect(prompt.locator(".msg-sender")).to_have_text("You")  # and "You" for its sender
    lengths = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        lengths.append(len(transcript.inner_text()))
        if page.locator(".turn-state[data-state=completed]").count():
            break
        time.sleep(0.15)
    growth = [b for a, b in zip(lengths, lengths[1:], strict=False) if b > a]
    assert len(growth) >= 3, f"the reply should arrive in pieces, saw lengths {lengths}"
    expect(page.locator(".turn-state[data-state=completed]").first).to_be_visible()
    assert page.console_problems == []


def test_message_sent_while_busy_is_queued(signed_in_ada, upstream, agent_pace):
    page = signed_in_ada
    rid = active_replica(upstream, "browser-queued")
    chat = upstream.create_replica_chat(rid, {"provider": "codex", "title": "Busy"})
    open_chat(page, rid, chat.id)
    agent_pace(1.0)
    page.get_by_label("Message").fill("First task")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#composer-outcome")).to_have_text("Sent.")
    page.get_by_label("Message").fill("Second task")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#composer-outcome")).to_have_text("Queued (position 1).")
    assert [m.message for m in upstream.get_replica_chat_queue(rid, chat.id).queue] == [
        "Second task"
    ]


def test_stream_drop_reconnects_without_losing_events(
    signed_in_ada, upstream, agent_pace, emulator
):
    page = signed_in_ada
    rid, chat, transcript = start_reply(
        page, upstream, agent_pace, "browser-reconnect", "Keep going through the drop", 0.3
    )
    expect(transcript).to_contain_text("Keep going through the drop")
    emulator.control(f"replicas/{rid}/drop-streams", {})
    expect(page.locator("#stream-status")).to_have_text("reconnecting…")
    expect(page.locator("#stream-status")).to_have_text("live", timeout=15_000)
    deadline = time.monotonic() + 30
    while upstream.get_replica_chat_queue(rid, chat.id).processing:
        assert time.monotonic() < deadline, "the turn never ended"
        time.sleep(0.2)
    time.sleep(1.5)  # the last fragments (or the refill from history) have arrived
    # What the page shows equals the history read afresh: nothing lost, nothing twice.
    live_text = " ".join(page.locator(f"#chat-{chat.id}-transcript").inner_text().split())
    page.reload()
    reloaded = " ".join(page.locator(f"#chat-{chat.id}-transcript").inner_text().split())
    assert live_text.count("Keep going through the drop") == 1
    history_words = reloaded.split()
    assert live_text.split()[-20:] == history_words[-20:], "the end of the reply is missing"
    assert len(live_text) >= len(reloaded) * 0.9
    assert page.console_problems == []


def _without_turn_lines(transcript) -> str:
    """The transcript's words without the live turn-state lines (history has none)."""
    text = transcript.evaluate(
        "el => { let t = el.innerText;"  # innerText: what shows (closed <details> don't)
        " el.querySelectorAll('.turn-state').forEach(n => { t = t.replace(n.innerText, ''); });"
        " return t; }"
    )
    return " ".join(text.split())


def test_a_page_opened_mid_turn_follows_the_rest_of_it_live(signed_in_ada, upstream, agent_pace):
    """Reload while the agent is replying: the new page gets the turn so far from the
    portal's buffer (replacing what history gave it) and then streams the rest."""
    page = signed_in_ada
    _, chat, transcript = start_reply(
        page, upstream, agent_pace, "browser-mid-turn", "Walk me through the cache", 0.4
    )
    expect(transcript.locator(".msg--assistant")).not_to_have_count(0)
    page.reload()
    expect(page.locator("#stream-status")).to_have_text("live")
    expect(page.locator(f"#chat-{chat.id}-running")).to_have_count(0)  # the live turn took over
    lengths = []
    while not page.locator(".turn-state[data-state=completed]").count():
        lengths.append(len(transcript.inner_text()))
        assert len(lengths) < 200, "the turn never completed on the page"
        time.sleep(0.15)
    growth = [b for a, b in zip(lengths, lengths[1:], strict=False) if b > a]
    assert len(growth) >= 2, f"the rest of the reply should stream in, saw lengths {lengths}"
    live_text = _without_turn_lines(transcript)
    assert live_text.count("Walk me through the cache") == 1
    page.reload()
    reloaded = _without_turn_lines(transcript)
    assert live_text.split()[-20:] == reloaded.split()[-20:]
    assert page.console_problems == []


def test_queue_reordered_by_drag_and_drop(signed_in_ada, upstream, agent_pace):
    page = signed_in_ada
    rid = active_replica(upstream, "browser-queue-dnd")
    chat = upstream.create_replica_chat(rid, {"provider": "claude", "title": "Queue"})
    agent_pace(5.0)  # the first message keeps the agent busy while we reorder
    for text in ("working on this", "alpha", "bravo", "charlie"):
        upstream.send_replica_message(rid, {"message": text, "chat_id": chat.id})
    # Arrive the way a person does: from another panel, through the tabs (htmx swaps #main;
    # the drag-and-drop script must already be there).
    page.goto(f"/replicas/{rid}/canvas/")
    page.locator("nav.tabs").get_by_role("link", name="Queue").click()
    page.get_by_role("tab", name="Queue").click()
    expect(page).to_have_url(re.compile(rf"/replicas/{rid}/queue/\?chat={chat.id}$"))
    rows = page.locator(".queue-item")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("alpha")

    rows.nth(2).drag_to(rows.nth(0), target_position={"x": 10, "y": 2})
    try:
        expect(page.locator("#queue-list")).to_contain_text("Moved.", timeout=3000)
    except AssertionError:
        # Playwright's emulated drag gesture is sometimes lost on a loaded machine: the
        # order is untouched then, so one more gesture tests the same thing.
        expect(rows.nth(0)).to_contain_text("alpha")
        rows.nth(2).drag_to(rows.nth(0), target_position={"x": 10, "y": 2})
        expect(page.locator("#queue-list")).to_contain_text("Moved.")
    expect(rows.nth(0)).to_contain_text("charlie")
    order = [m.message for m in upstream.get_replica_chat_queue(rid, chat.id).queue]
    assert order == ["charlie", "alpha", "bravo"]

    # Keyboard users: the move-down button.
    rows.nth(0).get_by_role("button", name="Move down").click()
    expect(rows.nth(1)).to_contain_text("charlie")
    assert [m.message for m in upstream.get_replica_chat_queue(rid, chat.id).queue] == [
        "alpha",
        "charlie",
        "bravo",
    ]
    assert page.console_problems == []


def test_queue_follows_live_changes(signed_in_ada, upstream, agent_pace):
    page = signed_in_ada
    rid = active_replica(upstream, "browser-queue-live")
    chat = upstream.create_replica_chat(rid, {"provider": "claude", "title": "Live queue"})
    agent_pace(5.0)
    upstream.send_replica_message(rid, {"message": "busy work", "chat_id": chat.id})
    page.goto(f"/replicas/{rid}/queue/?chat={chat.id}")
    expect(page.locator(".queue-item")).to_have_count(0)
    time.sleep(0.5)  # the page's event stream is connected
    upstream.send_replica_message(rid, {"message": "added by someone else", "chat_id": chat.id})
    expect(page.locator(".queue-item")).to_have_count(1)
    expect(page.locator(".queue-item").first).to_contain_text("added by someone else")


def test_a_refused_drag_rolls_back(signed_in_ada, upstream, agent_pace):
    page = signed_in_ada
    rid = active_replica(upstream, "browser-queue-rollback")
    chat = upstream.create_replica_chat(rid, {"provider": "claude", "title": "Rollback"})
    agent_pace(5.0)
    for text in ("working on this", "alpha", "bravo", "charlie"):
        upstream.send_replica_message(rid, {"message": text, "chat_id": chat.id})
    page.goto(f"/replicas/{rid}/queue/?chat={chat.id}")
    rows = page.locator(".queue-item")
    expect(rows).to_have_count(3)
    page.route("**/queue/reorder/", lambda route: route.fulfill(status=500, body="boom"))
    # The gesture itself is covered above; here the drop is dispatched directly, so only
    # the rollback is under test.
    page.evaluate(
        """() => {
          const rows = document.querySelectorAll('.queue-item');
          const from = rows[2], to = rows[0];
          const dt = new DataTransfer();
          const box = to.getBoundingClientRect();
          const at = {bubbles: true, cancelable: true, dataTransfer: dt,
                      clientX: box.left + 5, clientY: box.top + 1};
          from.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: dt}));
          to.dispatchEvent(new DragEvent('dragover', at));
          to.dispatchEvent(new DragEvent('drop', at));
          from.dispatchEvent(new DragEvent('dragend', {bubbles: true, dataTransfer: dt}));
        }"""
    )
    expect(page.locator(".queue-move-failed")).to_contain_text("back as it was")
    expect(rows.nth(0)).to_contain_text("alpha")
    expect(rows.nth(2)).to_contain_text("charlie")
    assert [m.message for m in upstream.get_replica_chat_queue(rid, chat.id).queue] == [
        "alpha",
        "bravo",
        "charlie",
    ]


def test_a_turn_that_starts_while_the_page_opens_shows_without_errors(
    signed_in_ada, upstream, agent_pace
):
    """The page reads history while the chat is idle; the agent starts a turn before the
    page's live stream joins. The reply streams in from where the stream joined (the live
    transcript opens the bubble the page never got), without htmx "no target" errors, and
    when the turn ends the transcript is re-read from history, whole."""
    page = signed_in_ada
    rid = active_replica(upstream, "browser-join-race")
    chat = upstream.create_replica_chat(rid, {"provider": "claude", "title": "race"})
    held = []

    def hold_first_stream(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route(re.compile(r"/events/?\?"), hold_first_stream)
    page.goto(f"/replicas/{rid}/?chat={chat.id}")
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert held, "the page should have opened its live stream"
    agent_pace(0.3)
    upstream.send_replica_message(rid, {"message": "Started in between", "chat_id": chat.id})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the turn is running and streaming
        if any(c.id == chat.id and c.processing for c in upstream.list_replica_chats(rid).chats):
            break
        time.sleep(0.1)
    time.sleep(0.7)
    held[0].continue_()
    expect(page.locator("#stream-status")).to_have_text("live")
    transcript = page.locator(f"#chat-{chat.id}-transcript")
    expect(transcript).to_contain_text("Started in between", timeout=20_000)
    expect(transcript).to_contain_text("Turn completed", timeout=30_000)  # the whole turn
    assert page.console_problems == []
