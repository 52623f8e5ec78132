"""The board against the emulator: lanes for every status (working and waiting from the
chats' processing state), filters in the URL, idle replicas and what they cost, the bulk
action's per-replica results, the lanes partial, and who may see it."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.cache import cache

from portal.accounts.models import AuditEntry
from portal.webhooks.models import Follow
from tests.replicas.conftest import active_replica, idle_replica

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
WEB_ENV = "5e2815e8-08cf-5b6e-a9f8-ceb9132308ce"  # the seeded "web" environment


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _lane(body: str, lane: str) -> str:
    match = re.search(rf'<ol class="lane-cards" id="lane-{lane}".*?</ol>', body, re.S)
    assert match, f"no lane {lane}"
    return match.group(0)


def _card(body: str, rid: str) -> str:
    match = re.search(rf'<li id="card-{rid}".*?</li>\s*(?=<li|</ol>)', body, re.S)
    assert match, f"no card {rid}"
    return match.group(0)


def _lane_of(body: str, rid: str) -> str | None:
    for lane in ("preparing", "working", "waiting", "sleeping", "error", "archived"):
        if re.search(rf'<ol class="lane-cards" id="lane-{lane}"', body) and (
            f'id="card-{rid}"' in _lane(body, lane)
        ):
            return lane
    return None


def test_every_status_has_its_lane_and_active_splits_by_processing(
    ada, upstream, emulator, agent_pace
):
    waiting = idle_replica(upstream, _name("board-waiting"))
    others = {}
    for status in ("preparing", "sleeping", "error", "archived"):
        rid = str(
            upstream.create_replica({"name": _name(f"board-{status}"), "message": "hi"}).replica.id
        )
        if status == "preparing":
            emulator.control(f"replicas/{rid}/state", {"status": "preparing", "hold": True})
        else:
            emulator.control(f"replicas/{rid}/state", {"status": status})
        others[status] = rid
    agent_pace(5)  # a turn that lasts while the board is read
    working = active_replica(upstream, _name("board-working"), message="Take your time")
    body = ada.get("/board/").content.decode()
    assert _lane_of(body, working) == "working"
    assert _lane_of(body, waiting) == "waiting"
    for status in ("preparing", "sleeping", "error"):
        assert _lane_of(body, others[status]) == status
    assert _lane_of(body, others["archived"]) is None  # hidden by default
    assert 'id="lane-archived"' not in body
    with_archived = ada.get("/board/?archived=on").content.decode()
    assert _lane_of(with_archived, others["archived"]) == "archived"
    # A card: the last message, the agent, how long in its lane, the creator.
    card = _card(body, working)
    assert "Take your time" in card and "claude" in card and "in this lane" in card
    assert f'href="/replicas/{working}/"' in card
    # Only active replicas can be selected for sleep or archive.
    assert 'class="card-select"' in card
    assert 'class="card-select"' not in _card(body, others["sleeping"])


def test_filters_are_in_the_url_and_applied(ada, admin, upstream):
    codex = idle_replica(
        upstream, _name("board-codex"), coding_agent="codex", environment_id=WEB_ENV
    )
    claude = idle_replica(upstream, _name("board-claude"))
    body = ada.get("/board/?agent=codex").content.decode()
    assert f'id="card-{codex}"' in body and f'id="card-{claude}"' not in body
    assert '<option value="codex" selected>' in body
    body = ada.get(f"/board/?environment={WEB_ENV}").content.decode()
    assert f'id="card-{codex}"' in body and f'id="card-{claude}"' not in body
    Follow.objects.create(user=admin, replica_id=claude)
    body = ada.get("/board/?who=followed").content.decode()
    assert f'id="card-{claude}"' in body and f'id="card-{codex}"' not in body
    mine = ada.get("/board/?who=mine").content.decode()
    assert f'id="card-{claude}"' in mine  # created with Ada's own key
    # The lanes on their own (what the page refreshes) keep the filters.
    partial = ada.get("/board/lanes/?agent=codex", headers=HX).content.decode()
    assert "<html" not in partial and 'id="board-lanes"' in partial
    assert f'id="card-{codex}"' in partial and f'id="card-{claude}"' not in partial
    assert 'data-refresh-url="/board/lanes/?agent=codex"' in partial


def test_idle_replicas_are_marked_with_their_price_and_cost(ada, upstream, emulator, settings):
    settings.FLEET_PRICE_DEFAULT = 0.01
    large = idle_replica(upstream, _name("board-idle-large"), size="large")
    unsized = idle_replica(upstream, _name("board-idle-unsized"))
    fresh = idle_replica(upstream, _name("board-fresh"))
    for rid in (large, unsized):
        emulator.control(f"replicas/{rid}/state", {"idle_s": 3600 + 5})
    body = ada.get("/board/?idle=30").content.decode()
    card = _card(body, large)
    assert "card-idle" in card and "Idle 1 h</strong>" in card
    assert "$0.016/min (large)" in card and "$0.960 while idle" in card
    card = _card(body, unsized)
    assert "$0.01/min" in card and "$0.600 while idle" in card
    assert "card-idle" not in _card(body, fresh)
    assert 'class="idle-total"' in body
    # The threshold is adjustable (and kept in the form).
    body = ada.get("/board/?idle=120").content.decode()
    assert "card-idle" not in _card(body, large)
    assert 'value="120"' in body


def test_bulk_sleep_confirms_then_reports_each_replica_one_refused(ada, upstream, faults):
    first = idle_replica(upstream, _name("bulk-a"))
    second = idle_replica(upstream, _name("bulk-b"))
    confirm = ada.post("/board/bulk/", {"action": "sleep", "ids": [first, second]}, headers=HX)
    body = confirm.content.decode()
    assert confirm.status_code == 200 and "<html" not in body
    assert "Sleep 2 replicas?" in body and "<strong>$0.016/min</strong> together" in body
    assert upstream.get_replica(first).replica.status.value == "active"  # nothing done yet
    faults("POST", rf"/v1/workspaces/{second}/sleep$", 409)
    done = ada.post(
        "/board/bulk/", {"action": "sleep", "ids": [first, second], "confirm": "1"}, headers=HX
    )
    body = done.content.decode()
    assert "Sleep: 1 of 2 done" in body
    assert re.search(rf'bulk-done" data-replica="{first}"', body)
    assert re.search(rf'bulk-failed" data-replica="{second}"', body)
    assert "Traceback" not in body and "/v1/" not in body
    assert "board:refresh" in done["HX-Trigger"]
    assert upstream.get_replica(first).replica.status.value == "sleeping"
    assert upstream.get_replica(second).replica.status.value == "active"
    entry = AuditEntry.objects.get(operation="portal.bulkSleep")
    assert "1 done" in entry.detail and "1 failed" in entry.detail
    audit = ada.get("/audit/").content.decode()
    assert "Put to sleep, in one action from the board," in audit


def test_bulk_archive_refuses_someone_elses_replica_for_a_member(
    as_member, member, upstream, org_api
):
    from portal.accounts.models import KeyKind
    from portal.emulator.config import DEMO_PERSONAL_KEYS
    from tests.accounts.personas import store_key

    store_key(member, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[1])
    adas = idle_replica(upstream, _name("bulk-adas"))
    body = as_member.post(
        "/board/bulk/", {"action": "archive", "ids": [adas], "confirm": "1"}, headers=HX
    ).content.decode()
    assert re.search(rf'bulk-refused" data-replica="{adas}"', body)
    assert "Only org admins may archive" in body
    assert upstream.get_replica(adas).replica.status.value == "active"


def test_bulk_without_a_selection_says_so(ada):
    body = ada.post("/board/bulk/", {"action": "sleep"}, headers=HX).content.decode()
    assert "Select one or more replicas first" in body
    plain = ada.post("/board/bulk/", {"action": "sleep"})
    assert plain.status_code == 200 and "<html" in plain.content.decode()


def test_a_failed_list_fails_only_the_lanes_box(ada, faults):
    faults("GET", r"/v1/replica$", 500)
    response = ada.get("/board/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in body and 'id="board-lanes"' in body
    assert 'id="id_agent"' in body  # the filters are still there
    assert "/v1/replica" not in body and "ServerError" not in body


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get("/board/").status_code == 302


def test_a_replica_whose_chats_cant_be_read_keeps_its_card(ada, upstream, faults):
    rid = idle_replica(upstream, _name("board-unreadable"))
    faults("GET", rf"/v1/replica/{rid}$", 500)
    body = ada.get("/board/").content.decode()
    card = _card(body, rid)
    assert _lane_of(body, rid) == "waiting"
    assert 'class="card-problem"' in card and "Its chats couldn&#x27;t be read" in card
    assert "/v1/replica" not in card


def test_a_failed_refresh_says_so_in_the_lanes(ada, faults):
    faults("GET", r"/v1/replica$", 503)
    response = ada.get("/board/lanes/", headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'id="board-problem"' in body and 'role="alert"' in body
    assert 'data-refresh-every="2"' in body  # and it tries again soon


def test_mine_with_the_org_key_says_why_and_shows_all(admin, as_admin, emulator):
    from portal.accounts.models import KeyKind
    from portal.emulator.config import DEMO_ORG_KEY
    from tests.accounts.personas import store_key

    store_key(admin, KeyKind.ORG, DEMO_ORG_KEY)
    session = as_admin.session
    session["acting_as"] = "org"
    session.save()
    body = as_admin.get("/board/?who=mine").content.decode()
    assert "“Mine” can" in body and "Showing all." in body
    assert 'id="lane-waiting"' in body
