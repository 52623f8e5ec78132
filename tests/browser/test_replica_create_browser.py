"""In Chromium, over a real ASGI server: create a replica with the form and watch it become
active; the list's status badges follow changes without a reload."""

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

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def creating_ada(page, admin):
    store_key(admin, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[0])
    sign_in(page, "ada", PASSWORD)
    return page


@pytest.fixture
def create_browser_upstream(emulator, api_settings) -> ReplicaAPI:
    return ReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=api_settings)


def test_create_a_replica_and_watch_it_become_active(
    creating_ada, create_browser_upstream, agent_pace
):
    page = creating_ada
    agent_pace(0.3)  # the first message's turn is still running when the page turns active
    name = f"browser-{uuid.uuid4().hex[:8]}"

    page.goto("/replicas/")
    page.locator("#main").get_by_role("link", name="New replica").click()
    expect(page).to_have_url(re.compile(r"/replicas/new/$"))
    expect(page.get_by_role("heading", name="New replica")).to_be_visible()

    # The name is checked as you type.
    name_input = page.get_by_label("Name")
    name_input.fill("fix auth bug")
    expect(page.locator("#name-check")).to_contain_text("must not contain spaces")
    name_input.fill(name)
    expect(page.locator("#name-check")).to_contain_text(f"“{name}” is a valid name.")

    page.get_by_label("Environment").select_option(label="web · acme/web")
    page.get_by_label("First message to the agent").fill("Fix the login timeout")

    # Changing the agent updates the model and thinking-level choices (and goal mode).
    model = page.locator("select[name=model]")
    expect(model.locator("option[value=sonnet]")).to_have_count(1)
    expect(page.locator("input[name=goal_mode]")).to_be_disabled()
    page.get_by_label("Coding agent").select_option("codex")
    expect(model.locator("option[value='gpt-5.5']")).to_have_count(1)
    expect(model.locator("option[value=sonnet]")).to_have_count(0)
    thinking = page.locator("select[name=thinking_level]")
    expect(thinking.locator("option[value=ultra]")).to_have_count(1)
    expect(thinking.locator("option[value=ultracode]")).to_have_count(0)
    goal = page.locator("input[name=goal_mode]")
    expect(goal).to_be_enabled()
    model.select_option("gpt-5.5")
    thinking.select_option("high")
    goal.check()
    page.get_by_label(re.compile(r"Large: 4 vCPU")).check()

    page.get_by_role("button", name="Create replica").click()
    page.wait_for_url(re.compile(r"/replicas/[0-9a-f-]{36}/$"))
    rid = re.search(r"/replicas/([0-9a-f-]{36})/$", page.url).group(1)

    replica = create_browser_upstream.get_replica(rid).replica
    assert replica.name == name
    assert replica.coding_agent.value == "codex"
    assert replica.model_extra["model"] == "gpt-5.5" and replica.model_extra["size"] == "large"

    # The detail header polls itself while preparing; it turns active without a reload.
    badge = page.locator("#replica-header .badge")
    expect(badge).to_have_attribute("data-status", "active", timeout=15_000)

    # The first message's turn is followed live from its start: the panel streams while the
    # replica prepares, and the page reloaded (active now) mid-turn picks the turn up from the
    # portal's buffer. (History shows no turn state lines: this one came live.)
    expect(page.locator(".turn-state[data-state=completed]")).to_be_visible(timeout=20_000)
    transcript = page.locator("#transcript-scroller")
    expect(transcript.locator(".msg--user")).to_have_count(1)
    expect(transcript.locator(".msg--user")).to_contain_text("Fix the login timeout")
    expect(transcript.locator(".msg--assistant")).not_to_have_count(0)

    # And the list shows it, active.
    page.goto("/replicas/")
    row = page.locator(f"#replica-{rid}")
    expect(row.locator(".status-badge")).to_have_text("active")
    row.get_by_role("link", name=name).click()  # hx-get into #main, URL pushed
    expect(page).to_have_url(re.compile(rf"/replicas/{rid}/$"))
    expect(page.locator("#replica-header .badge")).to_have_attribute("data-status", "active")
    assert page.console_problems == []


def test_a_failed_create_keeps_the_form(creating_ada):
    page = creating_ada
    page.goto("/replicas/new/")
    name = f"browser-{uuid.uuid4().hex[:8]}"
    page.get_by_label("Name").fill(name)
    page.get_by_label("Environment").select_option(label="web · acme/web")
    # Only a mode command: empty once the API strips it, so the API refuses the create.
    page.get_by_label("First message to the agent").fill("/plan")
    page.get_by_label("Coding agent").select_option("cursor")
    page.locator("select[name=model]").select_option("composer-2.5")
    page.get_by_role("button", name="Create replica").click()

    expect(page.locator(".create-problem")).to_contain_text("message must not be empty")
    expect(page.locator(".create-problem")).to_be_in_viewport()  # scrolled up to the error
    expect(page).to_have_url(re.compile(r"/replicas/new/$"))
    expect(page.get_by_label("Name")).to_have_value(name)
    expect(page.get_by_label("First message to the agent")).to_have_value("/plan")
    expect(page.get_by_label("Coding agent")).to_have_value("cursor")
    expect(page.locator("select[name=model]")).to_have_value("composer-2.5")
    expect(page.get_by_role("button", name="Create replica")).to_be_enabled()
    assert page.console_problems == []


@pytest.fixture
def slow_api(emulator):
    """Every emulator answer takes a while, so a request stays in flight."""
    before = emulator.control("config")["latency_ms"]
    emulator.control("config", {"latency_ms": 600})
    yield
    emulator.control("config", {"latency_ms": before})


def test_double_click_creates_one_replica(creating_ada, create_browser_upstream, slow_api):
    page = creating_ada
    page.goto("/replicas/new/")
    name = f"browser-dbl-{uuid.uuid4().hex[:6]}"
    page.get_by_label("Name").fill(name)
    page.get_by_label("Environment").select_option(label="scratch · no repository")
    page.get_by_label("First message to the agent").fill("Once, please")
    button = page.locator("#create-form button[type=submit]")
    button.dblclick()
    expect(button).to_be_disabled()  # while the create is in flight
    expect(page.locator("#create-form .when-busy")).to_be_visible()
    page.wait_for_url(re.compile(r"/replicas/[0-9a-f-]{36}/$"), timeout=20_000)
    listed = create_browser_upstream.list_replicas(limit=100).replicas
    assert [r.name for r in listed].count(name) == 1
    assert page.console_problems == []


def test_list_badges_follow_status_changes_without_a_reload(
    creating_ada, create_browser_upstream, emulator
):
    page = creating_ada
    name = f"browser-list-{uuid.uuid4().hex[:6]}"
    rid = str(create_browser_upstream.create_replica({"name": name, "message": "hi"}).replica.id)
    emulator.control(f"replicas/{rid}/state", {"status": "preparing", "hold": True})

    page.goto("/replicas/?source=api")
    badge = page.locator(f"#replica-{rid} .status-badge")
    expect(badge).to_have_text("preparing")
    emulator.control(f"replicas/{rid}/state", {"status": "active"})
    expect(badge).to_have_text("active", timeout=10_000)  # polled every 3 s while preparing
    emulator.control(f"replicas/{rid}/state", {"status": "error"})
    # Nothing is preparing now: the next polls come every 15 s.
    expect(badge).to_have_text("error", timeout=20_000)
    expect(badge).to_have_class(re.compile(r"status-error"))

    # Filters are applied in place and land in the URL.
    page.get_by_label("Status").select_option("error")
    expect(page).to_have_url(re.compile(r"status=error"))
    expect(page.locator(f"#replica-{rid}")).to_be_visible()
    page.get_by_label("Status").select_option("sleeping")
    expect(page.locator(f"#replica-{rid}")).to_have_count(0)
    assert page.console_problems == []
