"""In Chromium, over a real ASGI server: notifications reach any open portal page (a toast,
the bell's unread count, the tab title), the bell's menu and marking read, following a replica
from its page, preferences, desktop notifications (asked on a click; once across tabs; only
while no portal tab is visible), and, end to end, a replica created in the browser whose
emulator webhooks tell its creator on another page."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from portal.accounts.models import KeyKind
from portal.emulator.config import DEMO_PERSONAL_KEYS
from portal.replica_api import ReplicaAPI
from portal.replicas.models import ReplicaRecord
from portal.webhooks import signing
from tests.accounts.personas import PASSWORD, store_key
from tests.browser.helpers import sign_in
from tests.replicas.conftest import idle_replica
from tests.webhooks.conftest import RID, SECRET, event_body, make_hook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ada_page(page, admin):
    store_key(admin, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[0])
    sign_in(page, "ada", PASSWORD)
    return page


@pytest.fixture
def notifications_upstream(emulator, api_settings) -> ReplicaAPI:
    return ReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=api_settings)


@pytest.fixture
def slow_prepare(emulator):
    """Workspaces take 3 s to prepare (as `make run`'s), so the page is left before."""
    before = emulator.control("config")["prepare_s"]
    emulator.control("config", {"prepare_s": 3.0})
    yield
    emulator.control("config", {"prepare_s": before})


@pytest.fixture
def adas_replica(admin):
    """A replica Ada created through the portal, with its webhook."""
    ReplicaRecord.objects.create(replica_id=RID, name="fix-auth-bug", created_by=admin)
    return make_hook(admin)


def deliver(portal, hook, kind: str, replica_id: str = RID, **changes) -> dict:
    """POST a signed event to the live portal, as the Replica API would."""
    body = event_body(kind, **changes)
    body["replica"] = {**body["replica"], "id": replica_id}
    raw = json.dumps(body).encode()
    response = httpx.post(
        f"{portal.url}/webhooks/replicas/{hook.token}",
        content=raw,
        headers={
            "Content-Type": "application/json",
            "X-Replicas-Event": body["type"],
            "X-Replicas-Event-Id": body["id"],
            "X-Replicas-Delivery": "whd_" + uuid.uuid4().hex,
            "X-Replicas-Replica-Id": replica_id,
            "X-Replicas-Signature": signing.sign(SECRET, raw),
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return body


def _stream_open(page) -> None:
    """The page's notification stream said its first word (the count)."""
    page.wait_for_function("() => document.title.length > 0 && !!window.EventSource")
    page.wait_for_timeout(400)


def test_a_toast_the_unread_count_and_the_tab_title_then_mark_read(ada_page, portal, adas_replica):
    page = ada_page
    page.goto("/replicas/")
    _stream_open(page)
    base_title = page.title()
    deliver(portal, adas_replica, "turn_completed")

    toast = page.locator(".toast")
    expect(toast).to_contain_text("fix-auth-bug: the agent finished a turn")
    expect(toast.get_by_role("link", name="o/r#482")).to_have_attribute(
        "href", "https://github.com/o/r/pull/482"
    )
    bell = page.locator("#notifications-bell")
    expect(bell.locator(".notif-count")).to_have_text("1")
    expect(page).to_have_title(f"(1) {base_title}")

    # The bell's menu (htmx), then mark it read there.
    bell.click()
    menu = page.locator("#notifications-menu")
    expect(menu).to_be_visible()
    expect(menu).to_contain_text("fix-auth-bug: the agent finished a turn")
    menu.get_by_role("button", name=re.compile("^Mark read")).click()
    expect(bell.locator(".notif-count")).to_be_hidden()
    expect(page).to_have_title(base_title)
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(bell).to_be_focused()

    # Dismissing a toast.
    deliver(portal, adas_replica, "ready")
    ready = page.locator(".toast", has_text="fix-auth-bug is ready")
    expect(ready).to_be_visible()
    ready.get_by_role("button", name=re.compile("^Dismiss")).click()
    expect(ready).to_have_count(0)
    assert not page.console_problems, page.console_problems


def test_opening_a_toast_goes_to_the_replica_and_marks_it_read(
    ada_page, admin, portal, notifications_upstream
):
    page = ada_page
    # Its own replica, idle: the newest active one may be another test's, mid-turn.
    replica = notifications_upstream.get_replica(
        idle_replica(notifications_upstream, f"notif-{uuid.uuid4().hex[:6]}")
    ).replica
    rid = str(replica.id)
    hook = make_hook(None, replica_id=rid)
    ReplicaRecord.objects.create(replica_id=rid, name=replica.name, created_by=admin)
    page.goto("/notifications/")
    _stream_open(page)
    deliver(portal, hook, "ready", replica_id=rid)
    page.locator(".toast .toast-title").click()
    expect(page).to_have_url(re.compile(rf"/replicas/{rid}/$"))
    page.goto("/notifications/")
    expect(page.locator(".notification.is-unread")).to_have_count(0)


def test_follow_a_replica_from_its_page_and_hear_about_it(ada_page, portal, notifications_upstream):
    page = ada_page
    # Its own replica, idle: the newest active one may be another test's, mid-turn.
    replica = notifications_upstream.get_replica(
        idle_replica(notifications_upstream, f"notif-{uuid.uuid4().hex[:6]}")
    ).replica
    rid = str(replica.id)
    hook = make_hook(None, replica_id=rid)  # made elsewhere: Ada is not its creator
    page.goto(f"/replicas/{rid}/")
    box = page.locator("#replica-header #follow-box")
    expect(box).to_contain_text("Follow it to be told")
    box.get_by_role("button", name="Follow").click()
    expect(box).to_contain_text("You follow it.")
    # The header re-renders (polls): the box stays as it is.
    page.evaluate(
        "() => htmx.ajax('GET', document.getElementById('replica-header').dataset.pollUrl,"
        " {target: '#replica-header', swap: 'outerHTML'})"
    )
    page.wait_for_timeout(500)
    expect(page.locator("#replica-header #follow-box")).to_contain_text("You follow it.")

    deliver(portal, hook, "error", replica_id=rid)
    expect(page.locator(".toast")).to_contain_text("failed")
    page.locator("#replica-header #follow-box").get_by_role("button", name="Unfollow").click()
    expect(page.locator("#replica-header #follow-box")).to_contain_text("Follow it to be told")
    assert not page.console_problems, page.console_problems


def test_preferences_turn_a_kind_of_event_off(ada_page, portal, adas_replica):
    page = ada_page
    page.goto("/notifications/preferences/")
    page.get_by_role("group", name="A replica is ready").get_by_label("Don't notify").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#preferences")).to_contain_text("Saved.")
    deliver(portal, adas_replica, "ready")
    deliver(portal, adas_replica, "error")
    expect(page.locator(".toast")).to_have_count(1)
    expect(page.locator(".toast")).to_contain_text("fix-auth-bug failed")


def test_tabs_share_one_stream_and_another_takes_over_when_it_closes(
    ada_page, portal, adas_replica
):
    context = ada_page.context
    streams = []
    context.on(
        "request", lambda r: streams.append(r.url) if "/notifications/stream/" in r.url else None
    )
    first, second = ada_page, context.new_page()
    first.goto("/replicas/")
    _stream_open(first)
    streams.clear()
    second.goto("/replicas/")
    _stream_open(second)
    assert streams == []  # the second tab uses the first one's stream
    deliver(portal, adas_replica, "ready")
    for tab in (first, second):
        expect(tab.locator(".toast")).to_have_count(1)
        expect(tab.locator("#notifications-bell .notif-count")).to_have_text("1")
    first.close()  # the tab holding the stream goes: the other connects
    second.wait_for_timeout(1000)
    assert len(streams) == 1 and "after=" in streams[0]
    deliver(portal, adas_replica, "error")
    expect(second.locator(".toast", has_text="fix-auth-bug failed")).to_be_visible()
    expect(second.locator(".toast")).to_have_count(2)  # nothing replayed twice


# --- desktop notifications -----------------------------------------------------------------

# Chromium headless can't show system notifications: a stand-in records them, and the tab is
# made to look hidden (the portal only uses the desktop while no portal tab is visible).
FAKE_NOTIFICATIONS = """
(() => {
  window.__shown = [];
  window.__asked = 0;
  function Fake(title, options) { window.__shown.push({title: title, tag: options.tag}); }
  Fake.permission = "%s";
  Fake.requestPermission = function (cb) {
    window.__asked += 1; Fake.permission = "granted";
    if (cb) cb("granted"); return Promise.resolve("granted");
  };
  window.Notification = Fake;
  %s
})();
"""
HIDDEN = """
  Object.defineProperty(document, "visibilityState", {get: () => "hidden"});
  Object.defineProperty(document, "hidden", {get: () => true});
"""


def test_desktop_permission_is_asked_only_on_a_click(ada_page):
    page = ada_page
    page.add_init_script(FAKE_NOTIFICATIONS % ("default", ""))
    page.goto("/notifications/preferences/")
    state = page.locator("[data-permission-state]")
    expect(state).to_have_text("Not allowed yet in this browser.")
    assert page.evaluate("window.__asked") == 0
    page.get_by_role("button", name="Allow desktop notifications").click()
    expect(state).to_have_text("Allowed in this browser.")
    assert page.evaluate("window.__asked") == 1
    expect(page.get_by_role("button", name="Allow desktop notifications")).to_be_hidden()


def test_one_desktop_notification_per_event_however_many_hidden_tabs(
    ada_page, portal, adas_replica
):
    context = ada_page.context
    context.add_init_script(FAKE_NOTIFICATIONS % ("granted", HIDDEN))
    tabs = [ada_page, context.new_page()]
    for tab in tabs:
        tab.goto("/replicas/")
        _stream_open(tab)
    body = deliver(portal, adas_replica, "ready")
    for tab in tabs:
        expect(tab.locator(".toast")).to_have_count(1)
    tabs[0].wait_for_timeout(500)
    shown = [n for tab in tabs for n in tab.evaluate("window.__shown")]
    assert shown == [{"title": "fix-auth-bug is ready", "tag": f"replica:{RID}:{body['id']}"}]


def test_no_desktop_notification_while_a_portal_tab_is_visible(ada_page, portal, adas_replica):
    page = ada_page
    page.add_init_script(FAKE_NOTIFICATIONS % ("granted", ""))  # this tab is visible
    page.goto("/replicas/")
    _stream_open(page)
    deliver(portal, adas_replica, "ready")
    expect(page.locator(".toast")).to_have_count(1)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__shown") == []


# --- end to end: created in the browser, told on another page -----------------------------------


def test_create_a_replica_leave_the_page_and_be_told(
    ada_page, portal, emulator, settings, slow_prepare
):
    settings.PORTAL_PUBLIC_URL = portal.url
    page = ada_page
    name = f"notify-{uuid.uuid4().hex[:8]}"
    page.goto("/replicas/new/")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Environment").select_option(label="web · acme/web")
    page.get_by_label("First message to the agent").fill("Fix the login timeout")
    page.get_by_role("button", name="Create replica").click()
    expect(page).to_have_url(re.compile(r"/replicas/[0-9a-f-]{36}/$"))
    page.goto("/environments/")  # left the replica's page
    expect(page.locator(".toast", has_text=f"{name} is ready")).to_be_visible(timeout=20_000)
    expect(page.locator(".toast", has_text=f"{name}: the agent finished a turn")).to_be_visible(
        timeout=20_000
    )
    expect(page.locator("#notifications-bell .notif-count")).to_have_text("2")
    assert page.title().startswith("(2) ")


# --- two portal processes sharing Redis ----------------------------------------------------------


@pytest.fixture(scope="module")
def two_portals(tmp_path_factory, emulator):
    from tests.webhooks.processes import TwoPortals, redis_answers

    if not redis_answers():
        pytest.skip("Redis does not answer on 127.0.0.1:6379: the cross-process test needs one")
    portals = TwoPortals(
        tmp_path_factory.mktemp("two-portals"), emulator.url, DEMO_PERSONAL_KEYS[1]
    )
    yield portals
    portals.stop()


def test_the_browser_on_one_process_hears_a_webhook_received_by_the_other(
    browser, two_portals, emulator, slow_prepare
):
    from tests.webhooks.processes import PASSWORD as GRACES

    context = browser.new_context(base_url=two_portals.b_url)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        sign_in(page, "grace", GRACES)
        name = f"two-{uuid.uuid4().hex[:8]}"
        page.goto("/replicas/new/")  # on B; the replica's webhook points at A
        page.get_by_label("Name").fill(name)
        page.get_by_label("Environment").select_option(label="web · acme/web")
        page.get_by_label("First message to the agent").fill("Fix the login timeout")
        page.get_by_role("button", name="Create replica").click()
        expect(page).to_have_url(re.compile(r"/replicas/[0-9a-f-]{36}/$"))
        page.goto("/replicas/")
        expect(page.locator(".toast", has_text=f"{name} is ready")).to_be_visible()
        expect(
            page.locator(".toast", has_text=f"{name}: the agent finished a turn")
        ).to_be_visible()
    finally:
        context.close()
    deliveries = [d for d in emulator.control("webhooks")["deliveries"] if name in json.dumps(d)]
    assert deliveries and {d["url"].split("/webhooks/")[0] for d in deliveries} == {
        two_portals.a_url
    }
