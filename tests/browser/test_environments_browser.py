"""In Chromium: the Environments pages where the browser matters. Paste a .env block, see the
preview, apply; the MCP form's name checked as you type; the effective view strikes through
an overridden value; the file editor's live byte count refuses to send over 64 KB; a revealed
value is copied."""

from __future__ import annotations

import contextlib
import secrets

import pytest
from playwright.sync_api import expect

from portal.accounts.models import AuditEntry, KeyKind
from portal.emulator.config import DEMO_PERSONAL_KEYS
from portal.emulator.environments import environment_uuid
from portal.replica_api import ReplicaAPI, errors
from tests.accounts.personas import PASSWORD, store_key
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADA_WEB = environment_uuid("ada-web")


@pytest.fixture
def upstream(emulator, api_settings) -> ReplicaAPI:
    return ReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=api_settings)


@pytest.fixture
def ada_page(page, admin):
    store_key(admin, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[0])
    sign_in(page, "ada", PASSWORD)
    return page


@pytest.fixture
def team_env(upstream):
    env = upstream.create_environment(
        {"name": f"browser-{secrets.token_hex(3)}", "scope": "org"}
    ).environment
    yield env
    with contextlib.suppress(errors.NotFound):
        upstream.delete_environment(str(env.id))


def test_paste_a_dotenv_block_preview_then_apply(ada_page, team_env, upstream):
    page = ada_page
    env = str(team_env.id)
    upstream.create_environment_variable(env, {"key": "KEEP", "value": "old"})
    page.goto(f"/environments/{env}/variables/")
    page.locator("#id_dotenv").fill(
        '# from my laptop\nexport KEEP=new\nFRESH="multi\nline"\nbroken line\n'
    )
    page.get_by_role("button", name="Preview", exact=True).click()
    preview = page.locator(".dotenv-preview-table")
    expect(preview).to_contain_text("KEEP")
    expect(preview.locator("tr.preview-changed")).to_contain_text("replace its value")
    expect(preview.locator("tr.preview-new")).to_contain_text("3–4")
    expect(preview.locator("tr.preview-invalid")).to_contain_text("broken line")
    assert "new" not in preview.locator("tr.preview-changed").inner_text().split()  # masked
    assert AuditEntry.objects.count() == 0  # nothing saved by a preview

    page.get_by_role("button", name="Apply 2 changes").click()
    report = page.locator(".dotenv-report")
    expect(report).to_contain_text("updated")
    expect(report).to_contain_text("added")
    expect(page.locator("#dotenv-box")).to_contain_text("2 variables saved.")
    # What didn't apply stays in the box; the table shows the new key.
    expect(page.locator("#id_dotenv")).to_have_value("broken line")
    expect(page.locator(".var-table")).to_contain_text("FRESH")
    values = {
        v.key: v.value for v in upstream.list_environment_variables(env).environment_variables
    }
    assert values == {"KEEP": "new", "FRESH": "multi\nline"}
    assert page.console_problems == []


def test_editing_the_block_after_a_preview_asks_for_a_new_preview(ada_page, team_env):
    page = ada_page
    page.goto(f"/environments/{team_env.id}/variables/")
    box = page.locator("#id_dotenv")
    box.fill("A=1\n")
    page.get_by_role("button", name="Preview", exact=True).click()
    apply = page.get_by_role("button", name="Apply 1 change")
    expect(apply).to_be_enabled()
    box.fill("A=2\n")
    expect(page.get_by_role("button", name="Preview again to apply")).to_be_disabled()


def test_the_mcp_name_is_checked_as_you_type(ada_page, team_env):
    page = ada_page
    page.goto(f"/environments/{team_env.id}/mcps/")
    name = page.get_by_label("Name:")
    name.press_sequentially("my tools", delay=30)
    check = page.locator("#mcp-name-check")
    expect(check).to_contain_text("No spaces")
    name.fill("")
    name.press_sequentially("replicas-x", delay=30)
    expect(check).to_contain_text("reserved")
    name.fill("")
    name.press_sequentially("linear", delay=30)
    expect(check).to_contain_text("“linear” is a valid name.")
    # The form shows only the chosen transport's part.
    expect(page.get_by_label("Command:")).to_be_visible()
    expect(page.get_by_label("URL:")).to_be_hidden()
    page.get_by_label("Transport:").select_option("http")
    expect(page.get_by_label("URL:")).to_be_visible()
    expect(page.get_by_label("Command:")).to_be_hidden()
    assert page.console_problems == []


def test_the_effective_view_strikes_through_an_overridden_value(ada_page):
    page = ada_page
    page.goto(f"/environments/{ADA_WEB}/effective/")
    row = page.locator("tr.eff-row", has_text="FEATURE_FLAGS")
    expect(row).to_contain_text("ada-web (personal)")
    struck = row.locator("del.overridden")
    expect(struck).to_be_visible()
    decoration = struck.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "line-through" in decoration
    expect(row).to_contain_text("from web (team)")
    assert "checkout-v2" not in page.content()  # values stay masked


def test_the_file_editor_counts_bytes_live_and_refuses_over_64_kb(ada_page, team_env):
    page = ada_page
    page.goto(f"/environments/{team_env.id}/files/")
    expect(page.locator(".line-gutter")).to_have_text("1")
    content = page.get_by_label("Content:")
    content.fill("é" * 10 + "\nsecond line")
    expect(page.locator(".byte-count")).to_have_text("32 of 65,536 bytes")
    expect(page.locator(".line-gutter")).to_have_text("1\n2")
    page.get_by_label("Name:").fill("big")
    page.get_by_label("Path:").fill("~/big.txt")
    content.fill("x" * 65_537)
    expect(page.locator(".byte-count")).to_contain_text("over the 64 KB limit")
    page.get_by_role("button", name="Add file").click()
    page.wait_for_timeout(300)
    assert AuditEntry.objects.count() == 0  # nothing was sent
    expect(content).to_be_focused()


def test_reveal_and_copy_a_value(ada_page, team_env, upstream, browser):
    page = ada_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    upstream.create_environment_variable(str(team_env.id), {"key": "TOKEN", "value": "tok-123"})
    page.goto(f"/environments/{team_env.id}/variables/")
    row = page.locator("tr.var-row", has_text="TOKEN")
    expect(row).not_to_contain_text("tok-123")
    row.get_by_role("button", name="Reveal the value of TOKEN").click()
    expect(row).to_contain_text("tok-123")
    row.get_by_role("button", name="Copy").click()
    expect(row.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == "tok-123"
    assert AuditEntry.objects.filter(operation="portal.revealSecret").count() == 1
    row.get_by_role("link", name="Hide").click()
    expect(row).not_to_contain_text("tok-123")
