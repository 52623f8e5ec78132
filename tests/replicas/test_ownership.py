"""Whose replica it is: the list's "created by" column and name search, the detail header,
the guard on archive and delete (typed name, the admin setting), and audit entries in words."""

from __future__ import annotations

import re
import uuid

import pytest

from portal.accounts.models import AuditEntry, KeyKind, PortalSettings
from portal.emulator.config import DEMO_PERSONAL_KEYS
from portal.replica_api import ReplicaAPI, Settings
from portal.replicas.models import ReplicaRecord
from tests.accounts.personas import signed_in, store_key
from tests.conftest import ORG_KEY
from tests.replicas.conftest import idle_replica, wait_active
from tests.replicas.test_create import _form_data

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def grace(member, emulator):
    """The member, signed in, with Grace's personal demo key."""
    store_key(member, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[1])
    return signed_in(member)


@pytest.fixture
def grace_api(emulator) -> ReplicaAPI:
    return ReplicaAPI(DEMO_PERSONAL_KEYS[1], settings=Settings(base_url=emulator.url))


def _created_through_the_portal(client, upstream, name: str) -> str:
    response = client.post("/replicas/new/", _form_data(client, upstream, name=name))
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"].split("/")[2]


def _row(body: str, rid: str) -> str:
    start = body.index(f'id="replica-{rid}"')
    return body[start : body.index("</tr>", start)]


def test_the_portal_records_who_created_a_replica(ada, admin, upstream):
    rid = _created_through_the_portal(ada, upstream, f"mine-{uuid.uuid4().hex[:6]}")
    record = ReplicaRecord.objects.get(replica_id=rid)
    assert record.created_by == admin and record.key_kind == KeyKind.PERSONAL
    body = ada.get("/replicas/?limit=100").content.decode()
    assert "<strong>you</strong>" in _row(body, rid)
    header = ada.get(f"/replicas/{rid}/").content.decode()
    assert "created by <strong>you</strong>" in header


def test_others_see_the_creator_by_name(ada, grace, upstream):
    rid = _created_through_the_portal(ada, upstream, f"adas-{uuid.uuid4().hex[:6]}")
    body = grace.get("/replicas/?limit=100").content.decode()
    assert "Ada Lovelace" in _row(body, rid)
    header = grace.get(f"/replicas/{rid}/").content.decode()
    assert "created by <strong>Ada Lovelace</strong>" in header
    assert "This replica is <strong>Ada Lovelace</strong>’s" in header


def test_what_the_api_tells_names_the_org_bot_automations_and_api_users(
    ada, grace, upstream, grace_api, emulator
):
    org = ReplicaAPI(ORG_KEY, settings=Settings(base_url=emulator.url))
    bot = str(org.create_replica({"name": "by-the-org-key", "message": "Hi"}).replica.id)
    by_grace = str(grace_api.create_replica({"name": "by-grace-api", "message": "Hi"}).replica.id)
    grace.get("/replicas/")  # Grace's key's API user becomes known to the portal
    body = ada.get("/replicas/?limit=100").content.decode()
    assert "the Replicas bot" in _row(body, bot)
    assert "Grace Hopper" in _row(body, by_grace)
    automation = upstream.list_replicas(source="automation", limit=1).replicas[0]
    by_source = ada.get("/replicas/?source=automation").content.decode()
    assert "an automation" in _row(by_source, str(automation.id))


def test_name_search_reads_the_pages_concurrently_and_says_when_it_stopped(
    ada, upstream, monkeypatch
):
    from portal.replicas.views import list as list_view

    rid = idle_replica(upstream, "needle-in-the-list")
    body = ada.get("/replicas/?q=NEEDLE").content.decode()
    assert f'id="replica-{rid}"' in body
    assert "1 replica matches the filters" in body
    assert len(re.findall(r'id="replica-[0-9a-f-]{36}"', body)) == 1
    # With a bound smaller than the list, the page says older replicas weren't searched.
    monkeypatch.setattr(list_view, "SEARCH_MAX_PAGES", 1)
    monkeypatch.setattr(list_view, "MAX_PAGE_SIZE", 2)
    bounded = ada.get("/replicas/?q=zzz-no-such-name").content.decode()
    assert "older ones weren't searched" in bounded
    assert "among the newest 2" in bounded


def _others(upstream, name: str) -> str:
    """A replica created (through the API, with Ada's key) that is not Grace's."""
    return idle_replica(upstream, name)


def test_a_member_may_not_archive_or_delete_someone_elses_replica_by_default(grace, upstream):
    rid = _others(upstream, "not-graces")
    header = grace.get(f"/replicas/{rid}/").content.decode()
    assert "Only org admins may archive or delete" in header
    assert f'href="/replicas/{rid}/delete/"' not in header
    for action in ("archive", "delete"):
        refused = grace.post(f"/replicas/{rid}/{action}/", {"confirm_name": "not-graces"})
        assert refused.status_code == 403
        assert "Only org admins may archive or delete" in refused.content.decode()
    assert upstream.get_replica(rid).replica.status.value == "active"  # nothing was done
    # From the header's button (HTMX), the header says why.
    hx = grace.post(f"/replicas/{rid}/archive/", {"was": "active"}, headers=HX)
    assert hx.status_code == 200 and "Only org admins may archive or delete" in hx.content.decode()


def test_the_admin_setting_lets_members_remove_others_replicas_with_the_name_typed(
    grace, as_admin, upstream
):
    rid = _others(upstream, "graces-turn")
    response = as_admin.post(
        "/team/settings/", {"members_may_remove_others_replicas": "on"}, headers=HX
    )
    assert "Saved." in response.content.decode()
    assert PortalSettings.load().members_may_remove_others_replicas
    header = grace.get(f"/replicas/{rid}/").content.decode()
    assert f'href="/replicas/{rid}/archive/"' in header  # a confirmation page, not a click
    page = grace.get(f"/replicas/{rid}/archive/").content.decode()
    assert "Type its name" in page and 'name="confirm_name"' in page
    wrong = grace.post(f"/replicas/{rid}/archive/", {"confirm_name": "graces-tur"})
    assert "Type the replica&#x27;s name exactly" in wrong.content.decode()
    assert upstream.get_replica(rid).replica.status.value == "active"
    done = grace.post(f"/replicas/{rid}/archive/", {"confirm_name": "graces-turn"})
    assert done.status_code == 302
    assert upstream.get_replica(rid).replica.status.value == "archived"
    entry = AuditEntry.objects.filter(operation="archiveWorkspace").latest("at")
    assert entry.words == "Archived replica graces-turn" and entry.target_name == "graces-turn"
    assert AuditEntry.objects.filter(operation="portal.changeSetting").exists()


def test_an_admin_deleting_someone_elses_replica_types_its_name(ada, grace_api, grace, upstream):
    rid = str(grace_api.create_replica({"name": "graces-own", "message": "Hi"}).replica.id)
    grace.get("/replicas/")  # the portal learns Grace's API user
    page = ada.get(f"/replicas/{rid}/delete/").content.decode()
    assert "Created by <strong>Grace Hopper</strong>" in page
    assert 'name="confirm_name"' in page
    assert ada.post(f"/replicas/{rid}/delete/", {}).status_code == 200  # no name: not done
    assert upstream.get_replica(rid).replica.name == "graces-own"
    response = ada.post(f"/replicas/{rid}/delete/", {"confirm_name": "graces-own"})
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(operation="deleteReplica").latest("at")
    assert entry.words == "Deleted replica graces-own"


def test_own_replicas_archive_with_one_click(ada, upstream):
    rid = _created_through_the_portal(ada, upstream, f"one-click-{uuid.uuid4().hex[:6]}")
    wait_active(upstream, rid)
    header = ada.get(f"/replicas/{rid}/").content.decode()
    assert re.search(rf'hx-post="/replicas/{rid}/archive/"', header)
    assert 'name="confirm_name"' not in header


def test_the_audit_page_reads_as_words(ada, upstream):
    name = f"audited-{uuid.uuid4().hex[:6]}"
    rid = _created_through_the_portal(ada, upstream, name)
    ada.get(f"/replicas/{rid}/")
    ada.post(f"/replicas/{rid}/sleep/", {"was": "active"}, headers=HX)
    body = ada.get("/audit/").content.decode()
    assert f"Created replica {name}" in body
    assert f"Put to sleep replica {name}" in body
    assert "<code>sleepWorkspace</code>" in body  # the API's operation kept as a detail


def test_saving_a_personal_key_tells_the_portal_whose_replicas_are_whose(
    ada, member, grace_api, upstream
):
    """Grace stores her key once; from then on her replicas carry her name for everyone,
    without her opening the list first. A replaced key forgets the old key's user."""
    from portal.accounts.models import ApiKey

    client = signed_in(member)
    response = client.post("/account/keys/personal/", {"personal-key": DEMO_PERSONAL_KEYS[1]})
    assert response.status_code == 302
    key = ApiKey.objects.get(user=member, kind=KeyKind.PERSONAL)
    assert key.api_user_id
    rid = str(grace_api.create_replica({"name": "graces-fresh", "message": "Hi"}).replica.id)
    body = ada.get("/replicas/?q=graces-fresh").content.decode()
    assert "Grace Hopper" in _row(body, rid)
    graces_user = key.api_user_id
    client.post("/account/keys/personal/", {"personal-key": DEMO_PERSONAL_KEYS[0]})
    key.refresh_from_db()
    assert key.api_user_id == str(upstream.get_user_profile().profile.userId) != graces_user
