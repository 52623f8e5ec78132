"""In Chromium: every page fits a phone (390 px), a small laptop (800 px) and a desktop
(1280 px) without scrolling sideways, the menu folds on narrow screens, and the keyboard
reaches what matters first."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.accounts.models import KeyKind
from portal.emulator.config import DEMO_PERSONAL_KEYS
from portal.emulator.seed_automations import automation_uuid
from tests.accounts.personas import PASSWORD, store_key
from tests.browser.helpers import sign_in
from tests.replicas.conftest import SEEDED, idle_replica, seeded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 800, 1280)


@pytest.fixture
def upstream(emulator, api_settings):
    from portal.replica_api import ReplicaAPI

    return ReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=api_settings)


@pytest.fixture
def ada_page(page, admin):
    store_key(admin, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[0])
    sign_in(page, "ada", PASSWORD)
    return page


def _pages(upstream) -> list[str]:
    rid = idle_replica(upstream, "layout-check")
    by_status = {status: str(seeded(upstream, status).id) for status in SEEDED}
    canvas = upstream.list_replica_canvas_items(by_status["active"])
    item = canvas.items[0].filename if canvas.items else None
    pages = [
        "/",
        "/replicas/",
        "/replicas/new/",
        f"/replicas/{rid}/",
        f"/replicas/{by_status['active']}/",
        f"/replicas/{rid}/queue/",
        f"/replicas/{by_status['active']}/canvas/",
        f"/replicas/{by_status['active']}/diffs/",
        f"/replicas/{by_status['active']}/diffs/?view=split",
        f"/replicas/{by_status['active']}/hooks/",
        f"/replicas/{by_status['error']}/",
        f"/replicas/{by_status['sleeping']}/",
        f"/replicas/{rid}/delete/",
        "/account/keys/",
        "/account/password/",
        "/team/",
        "/team/add/",
        "/audit/",
        "/no/such/page/",
    ]
    if item:
        pages.append(f"/replicas/{by_status['active']}/canvas/{item}/")
    web = "5e2815e8-08cf-5b6e-a9f8-ceb9132308ce"  # the seeded "web" environment
    pages += [f"/environments/{web}/warm-hook/", f"/environments/{web}/start-hook/",
              f"/environments/{web}/warm-pool/"]  # fmt: skip
    ada_web = "b4b720de-82f5-567b-866f-910afb696898"  # Ada's personal env, inheriting web
    web_file = upstream.list_environment_files(web).environment_files[0].id
    web_mcp = upstream.list_environment_mcps(web).environment_mcps[0].id
    pages += ["/environments/", "/environments/new/", f"/environments/{web}/",
              "/environments/38ccdc28-6d54-5023-8f15-38337fafabed/",  # Global
              f"/environments/{web}/variables/", f"/environments/{ada_web}/variables/",
              f"/environments/{web}/files/", f"/environments/{web}/files/{web_file}/",
              f"/environments/{web}/skills/", f"/environments/{web}/mcps/",
              f"/environments/{web}/mcps/{web_mcp}/", f"/environments/{ada_web}/effective/",
              f"/environments/{web}/delete/"]  # fmt: skip
    auto = {name: automation_uuid(name) for name in (
        "nightly-dependency-audit", "pr-review", "pr-command", "slack-triage", "sentry-autofix",
        "deploy-notes", "ada-daily-standup", "flaky-e2e-suite")}  # fmt: skip
    pages += ["/automations/", "/automations/new/", "/automations/?scope=mine",
              *[f"/automations/{a}/" for a in auto.values()],
              *[f"/automations/{a}/edit/" for a in auto.values()],
              f"/automations/{auto['nightly-dependency-audit']}/delete/"]  # fmt: skip
    pages += ["/notifications/", "/notifications/preferences/", "/webhooks/",
              f"/notifications/follow/{rid}/"]  # fmt: skip
    pages += ["/board/", "/board/?archived=on&idle=1",
              "/usage/", "/usage/?bucket=month&start=2025-12-01&end=2026-11-30"]  # fmt: skip
    return pages


def test_no_page_scrolls_sideways_at_390_800_or_1280_px(ada_page, upstream):
    page = ada_page
    overflowing = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in _pages(upstream):
            page.goto(path)
            page.wait_for_load_state("domcontentloaded")
            scroll, inner = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]"
            )
            if scroll > inner:
                overflowing.append(f"{path} at {width} px: {scroll} > {inner}")
    assert overflowing == []
    # (The 404 page itself answers 404, which the console reports.)
    assert [p for p in page.console_problems if "404 (Not Found)" not in p] == []


def test_the_menu_folds_on_a_phone_and_opens_with_the_keyboard(ada_page):
    page = ada_page
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/replicas/")
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    audit = page.get_by_role("link", name="Audit log")
    expect(audit).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(audit).to_be_visible()
    page.keyboard.press("Escape")
    expect(audit).to_be_hidden()
    # On a wide screen there is no menu button: everything is in the header.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(toggle).to_be_hidden()
    expect(audit).to_be_visible()


def test_a_skip_link_and_the_composer_are_a_few_tab_presses_away(ada_page, upstream):
    page = ada_page
    rid = idle_replica(upstream, "layout-keyboard")
    page.goto(f"/replicas/{rid}/")
    expect(page.locator("#stream-status")).to_have_text("live")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused
    page.keyboard.press("Tab")
    to_composer = page.get_by_role("link", name="Skip to the message box")
    expect(to_composer).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Message")).to_be_focused()


def test_queue_rows_are_compact(ada_page, upstream, agent_pace):
    page = ada_page
    rid = idle_replica(upstream, "layout-queue")
    chat = upstream.list_replica_chats(rid).chats[0]
    agent_pace(1.0)
    for text in ("busy", "one line", "another line"):
        upstream.send_replica_message(rid, {"chat_id": chat.id, "message": text})
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/replicas/{rid}/queue/?chat={chat.id}")
    row = page.locator("#queue-list .queue-item").first
    expect(row).to_be_visible()
    assert row.bounding_box()["height"] < 70  # was ~130 px for one line
