"""The API keys page: live check on save, masked display, replace, delete."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.accounts.models import ApiKey, AuditEntry, KeyKind
from tests.accounts.personas import store_key
from tests.conftest import MEMBER_KEY, ORG_KEY, PERSONAL_KEY

KEYS = reverse("accounts:api_keys")
SAVE_PERSONAL = reverse("accounts:save_personal_key")
SAVE_ORG = reverse("accounts:save_org_key")
DELETE_PERSONAL = reverse("accounts:delete_personal_key")
DELETE_ORG = reverse("accounts:delete_org_key")


def _save(client, url, key, kind="personal", **extra):
    data = {f"{kind}-key": key, **{f"{kind}-{k}": v for k, v in extra.items()}}
    return client.post(url, data)


@pytest.fixture
def unreachable_api(settings):
    settings.REPLICAS_API_URL = "http://127.0.0.1:9"  # discard port: nothing listens


def test_page_explains_where_keys_come_from(as_member):
    body = as_member.get(KEYS).content.decode()
    assert "Account &gt; API Keys" in body
    assert "https://docs.tryreplicas.com/features/api" in body
    assert 'type="password"' in body
    assert "Organisation key" not in body  # members don't manage the org key


def test_admin_sees_both_cards(as_admin):
    body = as_admin.get(KEYS).content.decode()
    assert 'id="key-personal"' in body and 'id="key-org"' in body


def test_saving_a_valid_key_checks_it_stores_it_encrypted_and_shows_it_masked(
    as_member, member, emulator
):
    response = _save(as_member, SAVE_PERSONAL, MEMBER_KEY)
    assert response.status_code == 302
    key = ApiKey.objects.get(kind=KeyKind.PERSONAL, user=member)
    assert key.verified_at is not None
    assert MEMBER_KEY not in key.ciphertext
    assert key.secret() == MEMBER_KEY
    body = as_member.get(KEYS).content.decode()
    assert f"rk_…{MEMBER_KEY[-4:]}" in body
    assert MEMBER_KEY not in body
    assert "Added" in body and "Last used" in body and "never" in body
    entry = AuditEntry.objects.get(operation="portal.addApiKey")
    assert entry.user == member and entry.key_kind == "personal"
    assert MEMBER_KEY not in entry.target_id


def test_a_key_the_api_rejects_is_a_form_error_and_not_stored(as_member, member, emulator):
    bogus = "rk_personal_not_a_real_key_00000"
    response = _save(as_member, SAVE_PERSONAL, bogus)
    assert response.status_code == 200
    body = response.content.decode()
    assert "rejected this key (401)" in body
    assert 'role="alert"' in body
    assert bogus not in body  # the password field is never re-filled
    assert not ApiKey.objects.exists()


def test_a_malformed_key_is_refused_without_echoing_it(as_member, emulator):
    response = _save(as_member, SAVE_PERSONAL, "short key")
    assert "doesn&#x27;t look like a Replica API key" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_unreachable_api_asks_for_confirmation_before_storing(as_member, member, unreachable_api):
    response = _save(as_member, SAVE_PERSONAL, MEMBER_KEY)
    assert response.status_code == 200
    body = response.content.decode()
    assert "could not be checked" in body
    assert "store the key anyway" in body
    assert 'type="checkbox"' in body
    assert MEMBER_KEY not in body
    assert not ApiKey.objects.exists()

    response = _save(as_member, SAVE_PERSONAL, MEMBER_KEY, store_unchecked="on")
    assert response.status_code == 302
    key = ApiKey.objects.get(user=member)
    assert key.verified_at is None
    assert "unchecked" in as_member.get(KEYS).content.decode()
    assert AuditEntry.objects.get(operation="portal.addApiKey").detail.startswith(
        "stored unchecked"
    )


def test_confirmation_does_not_bypass_a_401(as_member, emulator):
    response = _save(
        as_member, SAVE_PERSONAL, "rk_personal_not_a_real_key_00000", store_unchecked="on"
    )
    assert "rejected this key (401)" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_replacing_a_key_keeps_one_per_user_and_clears_rejection(as_member, member, emulator):
    store_key(
        member, KeyKind.PERSONAL, "rk_personal_old_key_123456789", rejected_at="2026-01-01T00:00Z"
    )
    assert "rejected" in as_member.get(KEYS).content.decode()
    _save(as_member, SAVE_PERSONAL, MEMBER_KEY)
    key = ApiKey.objects.get(user=member)
    assert ApiKey.objects.filter(user=member).count() == 1
    assert key.secret() == MEMBER_KEY and key.rejected_at is None
    assert AuditEntry.objects.filter(operation="portal.replaceApiKey").exists()


def test_replace_is_one_click_with_htmx(as_member, member):
    store_key(member, KeyKind.PERSONAL, MEMBER_KEY)
    response = as_member.get(KEYS + "?replace=personal", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="key-personal"')
    assert "<html" not in body
    assert "Replace key" in body


def test_htmx_save_error_swaps_only_the_card(as_member, emulator):
    response = as_member.post(
        SAVE_PERSONAL,
        {"personal-key": "rk_personal_not_a_real_key_00000"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="key-personal"')
    assert "rejected this key" in body


def test_htmx_save_success_redirects_the_client(as_member, emulator):
    response = as_member.post(
        SAVE_PERSONAL, {"personal-key": MEMBER_KEY}, headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"] == KEYS


def test_save_returns_to_the_page_that_needed_the_key(as_member, emulator):
    response = as_member.post(SAVE_PERSONAL, {"personal-key": MEMBER_KEY, "next": "/audit/"})
    assert response["Location"] == "/audit/"
    response = as_member.post(
        SAVE_PERSONAL, {"personal-key": MEMBER_KEY, "next": "https://evil.example/"}
    )
    assert response["Location"] == KEYS


def test_admin_stores_the_one_org_key(as_admin, admin, emulator):
    response = _save(as_admin, SAVE_ORG, ORG_KEY, kind="org")
    assert response.status_code == 302
    key = ApiKey.objects.get(kind=KeyKind.ORG)
    assert key.user is None and key.added_by == admin
    assert key.secret() == ORG_KEY
    _save(as_admin, SAVE_ORG, ORG_KEY, kind="org")
    assert ApiKey.objects.filter(kind=KeyKind.ORG).count() == 1
    assert "rk_org_…cdef" in as_admin.get(KEYS).content.decode()


def test_member_cannot_store_or_delete_the_org_key(as_member, admin):
    store_key(admin, KeyKind.ORG, ORG_KEY)
    assert _save(as_member, SAVE_ORG, ORG_KEY, kind="org").status_code == 403
    assert as_member.post(DELETE_ORG, {"confirm": "yes"}).status_code == 403
    assert as_member.get(KEYS + "?replace=org").status_code == 403
    assert ApiKey.objects.filter(kind=KeyKind.ORG).exists()


def test_delete_without_confirmation_asks_first(as_member, member):
    store_key(member, KeyKind.PERSONAL, MEMBER_KEY)
    response = as_member.post(DELETE_PERSONAL)
    assert response.status_code == 200
    assert "Delete the personal key?" in response.content.decode()
    assert ApiKey.objects.filter(user=member).exists()


def test_delete_with_confirmation(as_member, member):
    store_key(member, KeyKind.PERSONAL, MEMBER_KEY)
    response = as_member.post(DELETE_PERSONAL, {"confirm": "yes"})
    assert response.status_code == 302
    assert not ApiKey.objects.filter(user=member).exists()
    entry = AuditEntry.objects.get(operation="portal.deleteApiKey")
    assert entry.user == member and entry.target_id.endswith(MEMBER_KEY[-4:])


def test_delete_button_confirms_in_the_browser(as_member, member):
    store_key(member, KeyKind.PERSONAL, MEMBER_KEY)
    body = as_member.get(KEYS).content.decode()
    assert "hx-confirm=" in body and '"confirm": "yes"' in body


def test_deleting_nothing_is_404(as_member):
    assert as_member.post(DELETE_PERSONAL, {"confirm": "yes"}).status_code == 404


def test_users_only_ever_touch_their_own_personal_key(as_outsider, member, outsider, emulator):
    store_key(member, KeyKind.PERSONAL, MEMBER_KEY)
    as_outsider.post(DELETE_PERSONAL, {"confirm": "yes"})
    assert ApiKey.objects.filter(user=member).exists()
    _save(as_outsider, SAVE_PERSONAL, PERSONAL_KEY)
    assert ApiKey.objects.get(user=member).secret() == MEMBER_KEY
    assert ApiKey.objects.get(user=outsider).secret() == PERSONAL_KEY
    assert MEMBER_KEY[-4:] not in as_outsider.get(KEYS).content.decode()


def test_deleting_the_org_key_puts_admins_back_on_their_own_key(as_admin, admin):
    store_key(admin, KeyKind.ORG, ORG_KEY)
    as_admin.post(reverse("accounts:switch_acting"), {"as": "org"})
    as_admin.post(DELETE_ORG, {"confirm": "yes"})
    assert as_admin.session["acting_as"] == "personal"
