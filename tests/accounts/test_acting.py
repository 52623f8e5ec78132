"""Acting as: the personal key by default, the org key for admins who switch, the friendly
page when there is no usable key, and what a 401 does."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse

from portal.accounts.acting import NoUsableKey, api_for
from portal.accounts.models import ApiKey, AuditEntry, KeyKind
from tests.accounts.personas import store_key
from tests.conftest import MEMBER_KEY, ORG_KEY, PERSONAL_KEY

pytestmark = pytest.mark.urls("tests.accounts.views_for_tests")
SWITCH = reverse("accounts:switch_acting")
NEEDED = reverse("accounts:key_needed")


@pytest.fixture
def keys(admin, member):
    return {
        "admin": store_key(admin, KeyKind.PERSONAL, PERSONAL_KEY),
        "member": store_key(member, KeyKind.PERSONAL, MEMBER_KEY),
        "org": store_key(admin, KeyKind.ORG, ORG_KEY),
    }


def test_calls_use_the_users_personal_key_by_default(as_member, keys, emulator):
    response = as_member.get("/t/profile/")
    assert response.json() == {"name": "Grace Hopper", "kind": "personal"}
    keys["member"].refresh_from_db()
    assert keys["member"].last_used_at is not None


def test_async_views_get_an_async_client_with_the_same_key(as_member, keys, emulator):
    response = as_member.get("/t/async-profile/")
    assert response.json() == {"name": "Grace Hopper", "kind": "personal"}


def test_header_shows_who_the_user_acts_as(as_member, as_admin, keys):
    member_page = as_member.get(reverse("accounts:api_keys")).content.decode()
    assert "acting as: <strong>you</strong>" in member_page
    assert "switch to org" not in member_page
    admin_page = as_admin.get(reverse("accounts:api_keys")).content.decode()
    assert "acting as: <strong>you</strong>" in admin_page
    assert "switch to org" in admin_page


def test_admin_switches_to_the_org_key_and_back(as_admin, admin, keys, emulator):
    response = as_admin.post(SWITCH, {"as": "org", "next": "/audit/"})
    assert response["Location"] == "/audit/"
    assert as_admin.session["acting_as"] == "org"
    page = as_admin.get(reverse("accounts:audit_log")).content.decode()
    assert "acting as: <strong>org</strong>" in page
    assert "switch to you" in page
    assert as_admin.get("/t/environments/").json()["kind"] == "org"

    as_admin.post(SWITCH, {"as": "personal"})
    assert as_admin.get("/t/environments/").json()["kind"] == "personal"
    switches = AuditEntry.objects.filter(operation="portal.switchActingAs").order_by("at")
    assert [(e.user, e.key_kind) for e in switches] == [(admin, "org"), (admin, "personal")]


def test_htmx_switch_refreshes_the_page(as_admin, keys):
    response = as_admin.post(SWITCH, {"as": "org"}, headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"


def test_member_cannot_switch_to_the_org_key(as_member, keys):
    assert as_member.post(SWITCH, {"as": "org"}).status_code == 403
    assert as_member.session.get("acting_as") is None


def test_a_stale_org_choice_is_ignored_once_the_user_is_no_longer_admin(
    as_admin, admin, keys, emulator
):
    as_admin.post(SWITCH, {"as": "org"})
    admin.groups.clear()
    assert as_admin.get("/t/environments/").json()["kind"] == "personal"


def test_unknown_kind_is_a_bad_request(as_admin):
    assert as_admin.post(SWITCH, {"as": "root"}).status_code == 400


def test_no_personal_key_leads_to_the_friendly_page_not_an_error(as_member):
    response = as_member.get("/t/profile/")
    assert response.status_code == 302
    assert response["Location"] == f"{NEEDED}?next=/t/profile/"
    page = as_member.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "Add your API key" in body
    assert "Account &gt; API Keys" in body
    assert "https://docs.tryreplicas.com/features/api" in body
    assert "next=/t/profile/" in body.replace("%2F", "/")


def test_views_without_the_decorator_get_the_friendly_page_too(as_member):
    # api_for raises NoUsableKey; the accounts middleware turns it into the redirect.
    response = as_member.get("/t/create-environment/?name=x")
    assert response.status_code == 302
    assert response["Location"].startswith(NEEDED)


def test_htmx_request_without_a_key_redirects_the_whole_page(as_member):
    response = as_member.get(
        "/t/profile/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/x/"}
    )
    assert response["HX-Redirect"] == f"{NEEDED}?next=/x/"


def test_acting_as_org_without_an_org_key_explains_and_offers_to_switch_back(as_admin, admin):
    store_key(admin, KeyKind.PERSONAL, PERSONAL_KEY)
    as_admin.post(SWITCH, {"as": "org"})
    response = as_admin.get("/t/environments/", follow=True)
    body = response.content.decode()
    assert "No org key is stored" in body
    assert "Act with your personal key instead" in body


def test_a_401_marks_the_key_rejected_and_says_what_to_do(as_member, member, emulator):
    key = store_key(member, KeyKind.PERSONAL, "rk_personal_revoked_key_0000000")
    response = as_member.get("/t/profile/", follow=True)
    key.refresh_from_db()
    assert key.rejected_at is not None
    body = response.content.decode()
    assert "rejected your key (401)" in body
    assert "Your personal key was rejected" in body
    assert "Replace the key" in body
    # From now on the rejected key is not used: straight to the friendly page.
    again = as_member.get("/t/profile/")
    assert again["Location"].startswith(NEEDED)
    with pytest.raises(NoUsableKey):
        request = again.wsgi_request
        request.user = member
        api_for(request)


def test_undecryptable_key_is_a_visible_error_not_ciphertext(as_member, member, settings, caplog):
    store_key(member, KeyKind.PERSONAL, MEMBER_KEY)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    response = as_member.get("/t/profile/", follow=True)
    body = response.content.decode()
    assert "can't be decrypted" in body
    assert ApiKey.objects.get(user=member).ciphertext not in body
    assert "cannot be decrypted with FIELD_ENCRYPTION_KEYS" in caplog.text


def test_key_needed_page_says_all_is_well_when_it_is(as_member, keys):
    body = as_member.get(NEEDED + "?next=/audit/").content.decode()
    assert "You're all set" in body
    assert 'href="/audit/"' in body


@pytest.mark.django_db(transaction=True)
async def test_async_views_render_the_header_without_sync_database_access(
    monkeypatch, async_client
):
    from asgiref.sync import sync_to_async

    from portal.accounts.roles import ADMIN, set_role

    @sync_to_async
    def setup():
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_user("asyncadmin", password="x")
        set_role(user, ADMIN)
        store_key(user, KeyKind.PERSONAL, PERSONAL_KEY)
        store_key(user, KeyKind.ORG, ORG_KEY)
        return user

    user = await setup()
    await async_client.aforce_login(user)
    # As in production: any database access from async code raises.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    response = await async_client.get("/t/async-page/")
    body = response.content.decode()
    assert response.status_code == 200, body[:2000]
    assert "acting as: <strong>you</strong>" in body
    assert "switch to org" in body and 'href="/team/"' in body
