"""In Chromium: the cron builder and the Automations pages where the browser matters. Build
"weekdays at 09:00, America/New_York" with the visual builder and see the expression and five
next runs; type an expression and see the builder follow (or say "custom", keeping the text);
see the 60-minute rule refuse `*/5 * * * *`; save; run it now and see the run appear; switch an
automation off from the list (and back, and a refusal rolled back)."""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import expect

from portal.accounts.models import AuditEntry, KeyKind
from portal.emulator.config import DEMO_PERSONAL_KEYS
from portal.emulator.environments import environment_uuid
from portal.emulator.seed_automations import automation_uuid
from portal.replica_api import ReplicaAPI, errors
from tests.accounts.personas import PASSWORD, store_key
from tests.browser.helpers import sign_in
from tests.conftest import ORG_KEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEB = environment_uuid("web")
NIGHTLY = automation_uuid("nightly-dependency-audit")


@pytest.fixture
def org_upstream(emulator, api_settings) -> ReplicaAPI:
    return ReplicaAPI(ORG_KEY, settings=api_settings)


@pytest.fixture
def ada_page(page, admin):
    store_key(admin, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[0])
    store_key(admin, KeyKind.ORG, ORG_KEY)
    sign_in(page, "ada", PASSWORD)
    return page


@pytest.fixture
def grace_page(page, member):
    store_key(member, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[1])
    sign_in(page, "grace", PASSWORD)
    return page


@pytest.fixture
def cleanup(org_upstream):
    names: list[str] = []
    yield names
    listing = org_upstream.list_automations(limit=100, scope="all").automations
    for automation in listing:
        if automation.name in names:
            with contextlib.suppress(errors.NotFound):
                org_upstream.delete_automation(str(automation.id))


def _no_console_problems(page) -> None:
    assert [p for p in page.console_problems if "404 (Not Found)" not in p] == []


def test_build_a_schedule_visually_type_one_and_save_then_run_it(ada_page, cleanup):
    page = ada_page
    name = "browser-weekdays"
    cleanup.append(name)
    page.goto("/automations/new/")
    card = page.locator("[data-cron-card]")
    builder = card.locator("[data-cron-builder]")
    expect(builder).to_be_visible()  # the visual builder is there with JavaScript
    raw = page.get_by_label("Cron expression:")
    preview = page.locator("#cron-preview")

    # Weekdays at 09:00, America/New_York, without typing cron syntax.
    builder.get_by_label("Runs").select_option("weekly")
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri"):
        builder.get_by_label(day, exact=True).check()
    for day in ("Sat", "Sun"):
        builder.get_by_label(day, exact=True).uncheck()
    builder.locator('input[data-b="time"]').fill("09:00")
    page.get_by_label("Time zone:").fill("America/New_York")
    expect(raw).to_have_value("0 9 * * 1-5")
    expect(preview).to_contain_text("At 09:00 on weekdays, America/New_York")
    expect(preview.locator("table.cron-runs tbody tr")).to_have_count(5)
    expect(preview).to_contain_text("EST")
    expect(preview).to_contain_text("runs a month")

    # The raw expression moves the builder.
    raw.fill("0 */2 * * *")
    expect(builder.get_by_label("Runs")).to_have_value("hours")
    expect(builder.locator('input[data-b="every"]')).to_have_value("2")
    expect(preview).to_contain_text("At minute 0 past every second hour")

    # An expression the builder can't show stays as typed, marked custom.
    raw.fill("15 9-17 * * 1-5")
    expect(builder.get_by_label("Runs")).to_have_value("custom")
    expect(card.locator("[data-cron-custom]")).to_be_visible()
    expect(raw).to_have_value("15 9-17 * * 1-5")

    # The 60-minute rule, as you type.
    raw.fill("*/5 * * * *")
    expect(preview.locator(".cron-rule")).to_contain_text("at most once every 60 minutes")
    expect(builder.get_by_label("Runs")).to_have_value("minutes")

    # Back to weekdays with a quick pick, then save.
    builder.get_by_role("button", name="Weekdays at 09:00").click()
    expect(raw).to_have_value("0 9 * * 1-5")
    expect(preview.locator(".cron-rule")).to_have_count(0)
    page.get_by_label("Name:").fill(name)
    page.get_by_label("Environment:").select_option(WEB)
    page.get_by_label("Prompt:").fill("Review the open pull requests")
    page.get_by_role("button", name="Create the automation").click()
    expect(page.locator("#automation-header h1")).to_have_text(name)
    expect(page.locator("#automation-header")).to_contain_text(
        "At 09:00 on weekdays, America/New_York"
    )

    # Run it now: the new run appears without a reload.
    expect(page.locator("#executions")).to_contain_text("It hasn't run yet.")
    page.get_by_role("button", name="Run now").click()
    expect(page.locator("#run-now")).to_contain_text("Started")
    expect(page.locator("#executions .execution-row")).to_have_count(1)
    expect(page.locator("#executions")).to_contain_text("manual")
    link = page.locator("#run-now a", has_text="its replica")
    expect(link).to_have_attribute("href", re.compile(r"^/replicas/[0-9a-f-]{36}/$"))
    assert AuditEntry.objects.filter(operation="triggerAutomation", result="ok").count() == 1
    _no_console_problems(page)


def test_a_new_automation_starts_in_the_browsers_zone(ada_page, browser, portal, admin):
    context = browser.new_context(base_url=portal.url, timezone_id="Asia/Tokyo")
    page = context.new_page()
    sign_in(page, "ada", PASSWORD)
    page.goto("/automations/new/")
    expect(page.get_by_label("Time zone:")).to_have_value("Asia/Tokyo")
    expect(page.locator("#cron-preview")).to_contain_text("Asia/Tokyo")
    context.close()


def test_switch_an_automation_off_from_the_list_and_back(ada_page, org_upstream, cleanup):
    page = ada_page
    name = "browser-toggle"
    cleanup.append(name)
    created = org_upstream.create_automation(
        {"name": name, "prompt": "p", "environment_id": WEB,
         "triggers": [{"type": "cron", "config": {"schedule": "0 4 29 2 *"}}]}
    ).automation  # fmt: skip
    page.goto(f"/automations/?q={name}")
    switch = page.locator(f"#toggle-{created.id}")
    box = switch.get_by_role("switch")
    expect(box).to_be_checked()
    box.uncheck()
    expect(switch).to_contain_text("Switched off.")
    expect(switch.get_by_role("switch")).not_to_be_checked()
    assert org_upstream.get_automation(str(created.id)).automation.enabled is False
    switch.get_by_role("switch").check()
    expect(switch).to_contain_text("Switched on.")
    assert org_upstream.get_automation(str(created.id)).automation.enabled is True
    _no_console_problems(page)


def test_a_refused_switch_flips_back_with_the_reason(ada_page, org_upstream, cleanup, faults):
    page = ada_page
    name = "browser-refused"
    cleanup.append(name)
    created = org_upstream.create_automation(
        {"name": name, "prompt": "p", "environment_id": WEB,
         "triggers": [{"type": "cron", "config": {"schedule": "0 4 29 2 *"}}]}
    ).automation  # fmt: skip
    faults("PATCH", rf"^/v1/automations/{created.id}$", 400)
    page.goto(f"/automations/?q={name}")
    switch = page.locator(f"#toggle-{created.id}")
    switch.get_by_role("switch").uncheck()
    expect(switch.locator(".toggle-note")).to_contain_text("Not switched off")
    expect(switch.get_by_role("switch")).to_be_checked()  # rolled back
    assert org_upstream.get_automation(str(created.id)).automation.enabled is True


def test_a_member_cannot_flip_an_org_automation(grace_page):
    page = grace_page
    page.goto("/automations/?scope=org")
    expect(page.locator(f"#toggle-{NIGHTLY}").get_by_role("switch")).to_be_disabled()


def test_an_opened_payload_stays_open_when_the_runs_refresh(ada_page):
    page = ada_page
    page.goto(f"/automations/{NIGHTLY}/")
    first = page.locator("#executions details.execution-payload").first
    first.locator("summary").click()
    expect(first).to_have_attribute("open", "")
    payload_id = first.get_attribute("id")
    page.evaluate("""() => { document.getElementById("executions").dataset.old = "1"; }""")
    # What poll.js does every few seconds.
    page.evaluate(
        """url => htmx.ajax("GET", url, {target: "#executions", swap: "outerHTML"})""",
        f"/automations/{NIGHTLY}/executions/?page=1",
    )
    expect(page.locator("#executions[data-old]")).to_have_count(0)  # it was replaced
    expect(page.locator(f"#{payload_id}")).to_have_attribute("open", "")
    expect(page.locator(f"#{payload_id} pre")).to_contain_text('"trigger": "cron"')
    _no_console_problems(page)
