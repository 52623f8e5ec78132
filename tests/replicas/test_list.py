"""The replica list against the emulator: rows, badges, filters and pages in the URL, the
HTMX partial and the poll fragment, the empty states, who may see it, and its query count."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
import respx
from django.core.cache import cache

from portal.accounts.models import KeyKind
from portal.emulator.config import DEMO_ORG_KEY, DEMO_PERSONAL_KEYS
from portal.replica_api import ReplicaAPI
from tests.accounts.personas import store_key
from tests.replicas.conftest import seeded_replica

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
STATUSES = ("preparing", "active", "sleeping", "archived", "error")


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _create(upstream: ReplicaAPI, name: str, **fields) -> str:
    return str(upstream.create_replica({"name": name, "message": "hello", **fields}).replica.id)


def _force(emulator, replica_id: str, status: str) -> None:
    body = {"status": status, "hold": True} if status == "preparing" else {"status": status}
    emulator.control(f"replicas/{replica_id}/state", body)


@pytest.fixture
def one_of_each(emulator, upstream):
    """Five fresh replicas (so the newest page shows them), one in each status."""
    ids = {}
    for status in STATUSES:
        rid = _create(upstream, _unique(f"list-{status}"))
        _force(emulator, rid, "active" if status != "preparing" else "preparing")
        if status not in ("active", "preparing"):
            _force(emulator, rid, status)
        ids[status] = rid
    return ids


def _row(body: str, replica_id: str) -> str:
    match = re.search(rf'<tr id="replica-{replica_id}".*?</tr>', body, re.S)
    assert match, f"no row for {replica_id}"
    return match.group(0)


def test_list_shows_every_status_with_its_badge_and_details(ada, one_of_each, upstream):
    response = ada.get("/replicas/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body and 'id="replica-results"' in body
    for status, rid in one_of_each.items():
        row = _row(body, rid)
        assert f'class="badge status-badge status-{status}"' in row
        assert f'href="/replicas/{rid}/"' in row and f'hx-get="/replicas/{rid}/"' in row
        assert '<td class="replica-source" data-label="Source">api</td>' in row
        # Created: relative, with the exact time on hover.
        assert re.search(
            r'<time datetime="\d{4}-\d\d-\d\dT[^"]+" title="[^"]+">[^<]* ago</time>', row
        )
    # Repositories and pull requests of a seeded replica are links.
    seeded = seeded_replica(upstream, "fix-session-timeout")  # it has pull requests
    assert seeded.pull_requests
    page = 1
    while True:
        body = ada.get(f"/replicas/?limit=100&page={page}").content.decode()
        if f'id="replica-{seeded.id}"' in body:
            break
        page += 1
        assert page < 20
    row = _row(body, seeded.id)
    pr = seeded.pull_requests[0]
    assert f'href="{pr.url}"' in row and f"{pr.repository}#{pr.number}" in row
    assert f'href="{seeded.repositories[0].url}"' in row


@pytest.mark.parametrize("status", STATUSES)
def test_status_filter_is_in_the_url_and_applied(ada, one_of_each, status):
    response = ada.get(f"/replicas/?status={status}&limit=100")
    body = response.content.decode()
    statuses = set(re.findall(r'<tr id="replica-[^"]+" data-status="(\w+)"', body))
    assert statuses == {status}
    assert f'id="replica-{one_of_each[status]}"' in body
    # The form shows the filter that is on.
    assert f'<option value="{status}" selected>' in body


def test_source_filter(ada, upstream):
    body = ada.get("/replicas/?source=dashboard&limit=100").content.decode()
    sources = re.findall(r'<td class="replica-source" data-label="Source">(\w+)</td>', body)
    assert sources and set(sources) == {"dashboard"}


def test_invalid_filter_values_are_reported_not_sent(ada, emulator):
    response = ada.get("/replicas/?status=bogus&source=nowhere&page=-3&limit=5000")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Select a valid choice. bogus is not one of the available choices." in body
    assert "replica-table" in body  # listed without the bad filters


def test_mine_filters_by_the_acting_users_api_identity(ada, admin, member, emulator, api_settings):
    grace_api = ReplicaAPI(DEMO_PERSONAL_KEYS[1], settings=api_settings)
    graces = _create(grace_api, _unique("list-grace"))
    adas = _create(ReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=api_settings), _unique("list-ada"))
    body = ada.get("/replicas/?mine=on&limit=100").content.decode()
    assert f'id="replica-{adas}"' in body
    assert f'id="replica-{graces}"' not in body
    everyone = ada.get("/replicas/?limit=100").content.decode()
    assert f'id="replica-{graces}"' in everyone


def test_mine_is_disabled_with_the_reason_when_acting_as_the_org(admin, as_admin, emulator):
    store_key(admin, KeyKind.ORG, DEMO_ORG_KEY)
    session = as_admin.session
    session["acting_as"] = "org"
    session.save()
    body = as_admin.get("/replicas/?mine=on").content.decode()
    assert re.search(r'<input type="checkbox" name="mine"[^>]*disabled', body)
    assert "org key acts as the Replicas bot" in body
    assert "replica-table" in body  # listed, "mine" ignored


def test_pagination_follows_the_api_and_keeps_the_filters(ada, one_of_each):
    body = ada.get("/replicas/?source=api&limit=2").content.decode()
    assert "Page 1 of" in body
    assert len(re.findall(r'<tr id="replica-', body)) == 2
    assert 'href="?source=api&amp;limit=2&amp;page=2"' in body
    assert 'hx-get="?source=api&amp;limit=2&amp;page=2"' in body
    second = ada.get("/replicas/?source=api&limit=2&page=2").content.decode()
    assert "Page 2 of" in second
    assert 'href="?source=api&amp;limit=2&amp;page=1"' in second  # first / previous
    first_ids = set(re.findall(r'<tr id="replica-([^"]+)"', body))
    second_ids = set(re.findall(r'<tr id="replica-([^"]+)"', second))
    assert first_ids and second_ids and not first_ids & second_ids


def test_a_page_past_the_end_offers_the_first(ada, emulator):
    body = ada.get("/replicas/?page=9999").content.decode()
    assert "There is no page 9999" in body
    assert 'href="?page=1"' in body


def test_htmx_filter_request_gets_only_the_results_partial(ada, one_of_each):
    response = ada.get("/replicas/?status=error", headers={**HX, "HX-Target": "replica-results"})
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="replica-results"')
    assert "<html" not in body
    assert "Vary" in response and "HX-Request" in response["Vary"]
    # Any other HTMX request (e.g. a link aimed at #main) gets the whole page.
    full = ada.get("/replicas/", headers={**HX, "HX-Target": "main"}).content.decode()
    assert "<html" in full


def test_poll_fragment_reports_fresh_statuses_and_keeps_polling(ada, one_of_each, emulator):
    rid = one_of_each["preparing"]
    first = ada.get("/replicas/results/?status=preparing", headers=HX).content.decode()
    assert first.lstrip().startswith('<section id="replica-results"')
    assert 'data-poll-url="/replicas/results/?status=preparing"' in first
    assert 'data-poll-every="3"' in first  # quick while something is preparing
    assert "status-preparing" in _row(first, rid)

    _force(emulator, rid, "active")
    again = ada.get("/replicas/results/", headers=HX).content.decode()
    assert "status-active" in _row(again, rid)
    assert "data-poll-url=" in again  # the fragment keeps polling


def test_the_page_loads_the_poller_with_the_csp_nonce(ada, emulator):
    body = ada.get("/replicas/").content.decode()
    scripts = re.findall(r'<script src="/static/js/poll\.js" defer nonce="[^"]+"></script>', body)
    assert len(scripts) == 1  # once (base.html loads every script), or it would poll twice
    assert body.count('href="/static/css/replicas-list.css"') == 1
    assert "style=" not in body.split("<main", 1)[1]


def test_empty_filter_result_says_so_with_links(ada, emulator):
    body = ada.get("/replicas/?source=gitlab&status=preparing").content.decode()
    assert "No replicas match these filters." in body
    assert 'href="/replicas/new/"' in body and "Clear the filters" in body


def test_no_replicas_at_all_offers_to_create_the_first(ada, emulator, settings):
    empty = {"replicas": [], "total": 0, "page": 1, "limit": 20, "total_pages": 0}
    with respx.mock(base_url=settings.REPLICAS_API_URL, assert_all_called=True) as mock:
        mock.get("/v1/replica").mock(return_value=httpx.Response(200, json=empty))
        body = ada.get("/replicas/").content.decode()
    assert "There are no replicas yet." in body
    assert "Create the first replica" in body


def test_list_page_makes_a_constant_number_of_queries(ada, one_of_each):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ada.get("/replicas/?limit=100")  # warm anything lazy (cached records, key's API user)
    counts = []
    for url in ("/replicas/?limit=100", "/replicas/?limit=5&status=active", "/replicas/?q=e"):
        with CaptureQueriesContext(connection) as queries:
            assert ada.get(url).status_code == 200
        counts.append(len(queries))
    # However many rows (and their creators): the same few queries (session, user, key...).
    assert len(set(counts)) == 1 and counts[0] <= 5, counts


def test_member_without_a_key_is_sent_to_the_add_key_page(as_member, emulator):
    response = as_member.get("/replicas/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/keys/needed/?next=")
    response = as_member.get("/replicas/results/", headers=HX)
    assert response["HX-Redirect"].startswith("/account/keys/needed/")


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get("/replicas/?status=active")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/replicas/")
