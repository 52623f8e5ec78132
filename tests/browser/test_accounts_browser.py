"""In Chromium: sign in, add a personal key, see it masked, switch to the org key and back."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.accounts.models import ApiKey, AuditEntry, KeyKind
from tests.accounts.personas import PASSWORD, store_key
from tests.browser.helpers import sign_in
from tests.conftest import ORG_KEY, PERSONAL_KEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_adds_a_key_sees_it_masked_and_switches_to_org_and_back(page, admin):
    store_key(admin, KeyKind.ORG, ORG_KEY)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    sign_in(page, "ada", PASSWORD)
    acting = page.locator("#acting-as")
    expect(acting).to_contain_text("acting as: you")

    page.get_by_role("navigation", name="Account").get_by_role("link", name="API keys").click()
    card = page.locator("#key-personal")
    expect(card).to_contain_text("No personal key is stored yet.")
    card.get_by_label("API key").fill(PERSONAL_KEY)
    card.get_by_role("button", name="Save key").click()

    expect(page.locator(".messages")).to_contain_text("Saved the personal key rk_…6789")
    expect(card.locator(".masked-key")).to_have_text("rk_…6789")
    assert PERSONAL_KEY not in page.content()
    assert ApiKey.objects.get(kind=KeyKind.PERSONAL, user=admin).secret() == PERSONAL_KEY

    acting.get_by_role("button", name="switch to org").click()
    expect(acting).to_contain_text("acting as: org")
    expect(page.locator(".messages")).to_contain_text("acting with the org key")
    page.reload()
    expect(acting).to_contain_text("acting as: org")  # kept in the session

    acting.get_by_role("button", name="switch to you").click()
    expect(acting).to_contain_text("acting as: you")

    switches = AuditEntry.objects.filter(operation="portal.switchActingAs").order_by("id")
    assert [e.key_kind for e in switches] == ["org", "personal"]
    assert page.console_problems == []


def test_a_rejected_key_shows_an_error_in_the_card_and_is_not_stored(page, member):
    sign_in(page, "grace", PASSWORD)
    page.goto("/account/keys/")
    card = page.locator("#key-personal")
    card.get_by_label("API key").fill("rk_personal_not_a_real_key_00000")
    card.get_by_role("button", name="Save key").click()
    expect(card.get_by_role("alert")).to_contain_text("rejected this key (401)")
    expect(card.get_by_label("API key")).to_have_value("")
    assert not ApiKey.objects.exists()
    assert page.console_problems == []
