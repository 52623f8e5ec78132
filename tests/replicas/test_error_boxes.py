"""The seams of the one error path: one upstream operation failing at a time (100% of its
calls, through the emulator's targeted faults), on every page and panel, for a full page and an
HTMX swap alike. The failure stays in its box, in plain words, with a way to try again; the
header, the tabs and the rest of the page stay."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.replicas.conftest import idle_replica

pytestmark = pytest.mark.django_db

HX_PAGE = {"HX-Request": "true", "HX-Target": "main"}  # a tab switch (hx-select="#main")
HX_PANEL = {"HX-Request": "true", "HX-Target": "panel"}  # a panel's Try again
INTERNAL = re.compile(
    r"ConnectError|RemoteProtocolError|ReadError|Injected fault|Internal server error|/v1/|"
    r"Traceback|HTTP 50\d"
)
ID = "[0-9a-f-]{36}"


@pytest.fixture(scope="module")
def replica(emulator):
    from portal.emulator.config import DEMO_PERSONAL_KEYS
    from portal.replica_api import ReplicaAPI, Settings

    upstream = ReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=Settings(base_url=emulator.url))
    return idle_replica(upstream, "error-boxes")


def _plain(body: str) -> None:
    found = INTERNAL.search(body)
    assert found is None, f"an internal name reached the page: {found.group(0)!r}"


def _alert_inside(body: str, box_start: str) -> str:
    """The alert that follows the box's opening tag (the box holds its own failure)."""
    start = body.index(box_start)
    alert = body.index('role="alert"', start)
    return body[start : alert + 200]


# (panel, its URL after /replicas/<id>/, the operation that fails, the box that shows it)
PANELS = [
    ("chat", "", "GET", rf"/v1/replica/{ID}/history$", 'id="transcript-stale"'),
    ("queue", "queue/", "GET", rf"/v1/replica/{ID}/chats/[^/]+/queue$", 'id="queue-list"'),
    ("canvas", "canvas/", "GET", rf"/v1/replica/{ID}/canvas$", 'id="canvas"'),
    ("hooks", "hooks/", "GET", rf"/v1/replica/{ID}/hooks$", 'id="hooks"'),
]


@pytest.mark.parametrize("fault", [500, "drop"])
@pytest.mark.parametrize("headers", [{}, HX_PAGE], ids=["full-page", "tab-switch"])
@pytest.mark.parametrize(("panel", "suffix", "method", "path", "box"), PANELS)
def test_a_failed_panel_call_stays_in_its_panel(
    ada, replica, faults, panel, suffix, method, path, box, headers, fault
):
    faults(method, path, fault)
    response = ada.get(f"/replicas/{replica}/{suffix}", headers=headers)
    assert response.status_code == 200  # htmx swaps it; the page is there
    body = response.content.decode()
    assert 'id="replica-header"' in body and 'class="tabs"' in body
    assert 'id="panel"' in body
    assert "Sleep" in body  # the header's actions are still offered
    alert = _alert_inside(body, box)
    assert "Try again" in body[body.index(box) :]
    assert "Replica API" in alert
    _plain(body)


@pytest.mark.parametrize(("panel", "suffix", "method", "path", "box"), PANELS)
def test_a_panels_try_again_gets_only_the_panel(
    ada, replica, faults, panel, suffix, method, path, box
):
    faults(method, path, 503)
    failed = ada.get(f"/replicas/{replica}/{suffix}", headers=HX_PANEL).content.decode()
    assert "<html" not in failed and 'id="replica-header"' not in failed
    assert 'role="alert"' in failed
    _plain(failed)


def test_when_the_header_fails_the_panel_stays_usable(ada, replica, faults):
    faults("GET", rf"/v1/replica/{ID}$", 502)
    body = ada.get(f"/replicas/{replica}/hooks/").content.decode()
    header = body[body.index('id="replica-header"') : body.index('class="tabs"')]
    assert 'role="alert"' in header and "Try again" in header
    assert f'data-poll-url="/replicas/{replica}/header/?was=unknown"' in header
    assert "Warm hooks" in body  # the panel rendered its data
    _plain(body)
    chat = ada.get(f"/replicas/{replica}/").content.decode()
    assert 'id="composer"' in chat and 'class="chat-tab' in chat  # chats come on their own
    _plain(chat)


def test_the_header_recovers_and_tells_the_panel(ada, replica, faults, emulator):
    faults("GET", rf"/v1/replica/{ID}$", 500, times=10)
    hx = {"HX-Request": "true", "HX-Target": "replica-header"}
    failing = ada.get(f"/replicas/{replica}/header/?was=active", headers=hx)
    assert 'role="alert"' in failing.content.decode()
    assert "HX-Trigger" not in failing  # a failure is no status change
    httpx.delete(f"{emulator.url}/_emulator/faults")
    back = ada.get(f"/replicas/{replica}/header/?was=unknown", headers=hx)
    assert 'data-status="active"' in back.content.decode()
    assert "replica-status-changed" in back["HX-Trigger"]


def test_diffs_says_so_in_its_panel_when_get_replica_fails(ada, replica, faults):
    faults("GET", rf"/v1/replica/{ID}$", 500)
    body = ada.get(f"/replicas/{replica}/diffs/", headers=HX_PAGE).content.decode()
    assert 'class="tabs"' in body
    _alert_inside(body, 'id="diffs"')
    _plain(body)


def test_the_list_page_says_unreachable_in_its_results_box_and_recovers(ada, faults, emulator):
    faults("GET", r"/v1/replica$", "drop")
    page = ada.get("/replicas/")
    body = page.content.decode()
    assert page.status_code == 200
    results = body[body.index('id="replica-results"') :]
    assert "data-poll-url" in body[body.index('id="replica-results"') - 200 :]
    assert 'role="alert"' in results and "unreachable" in results
    _plain(body)
    # A failed poll keeps what is shown and says why, out of band.
    poll = ada.get("/replicas/results/", headers={"HX-Request": "true"})
    assert poll["HX-Reswap"] == "none"
    assert 'id="list-problem" hx-swap-oob="true"' in poll.content.decode()
    httpx.delete(f"{emulator.url}/_emulator/faults")
    recovered = ada.get("/replicas/results/", headers={"HX-Request": "true"}).content.decode()
    assert 'id="replica-results"' in recovered and 'role="alert"' not in recovered


def test_the_create_form_stays_usable_when_environments_cannot_be_listed(ada, faults):
    faults("GET", r"/v1/environments$", 500)
    body = ada.get("/replicas/new/").content.decode()
    assert 'id="create-form"' in body and 'name="message"' in body
    box = body[body.index('id="environment-field"') :]
    assert box.index('role="alert"') < box.index('name="environment"')
    assert "Nothing you typed was lost" not in body  # nothing was typed yet
    _plain(body)


@pytest.mark.parametrize("fault", [500, "drop"])
def test_a_failed_create_keeps_the_form_and_says_so_once(ada, upstream, faults, fault):
    from tests.replicas.test_create import _form_data

    data = _form_data(ada, upstream, name=f"once-only-{fault}")
    faults("POST", r"/v1/replica$", fault)
    body = ada.post("/replicas/new/", data, headers={"HX-Request": "true"}).content.decode()
    assert 'value="once-only-' in body and "Fix the login timeout" in body
    assert body.count("Nothing you typed was lost") == 1
    assert body.lower().count("nothing was lost") == 0
    _plain(body)


# --- a change whose answer is lost is reported as what actually happened ----------------------


HX = {"HX-Request": "true"}


@pytest.mark.parametrize(
    ("action", "path", "status", "note"),
    [
        ("sleep", r"/v1/workspaces/[^/]+/sleep$", "sleeping", "The workspace is asleep."),
        ("archive", r"/v1/workspaces/[^/]+/archive$", "archived", "The workspace is archived."),
    ],
)
def test_an_action_whose_answer_was_lost_is_reported_as_done(
    ada, upstream, faults, action, path, status, note
):
    rid = idle_replica(upstream, f"lost-{action}")
    faults("POST", path, "drop-after", times=1)
    response = ada.post(f"/replicas/{rid}/{action}/", {"was": "active"}, headers=HX)
    body = response.content.decode()
    assert upstream.get_replica(rid).replica.status.value == status  # the API acted
    assert note in body and 'role="alert"' not in body  # and the page says so
    assert f'data-status="{status}"' in body
    assert "replica-status-changed" in response["HX-Trigger"]
    _plain(body)


def test_wake_whose_answer_was_lost_is_reported_as_done(ada, upstream, faults):
    rid = idle_replica(upstream, "lost-wake")
    upstream.sleep_workspace(rid)
    faults("POST", r"/v1/replica/[^/]+/wake$", "drop-after", times=1)
    body = ada.post(f"/replicas/{rid}/wake/", {"was": "sleeping"}, headers=HX).content.decode()
    assert "Waking the workspace." in body and 'role="alert"' not in body
    _plain(body)


def test_an_action_that_failed_before_the_api_acted_says_so(ada, upstream, faults):
    rid = idle_replica(upstream, "failed-sleep")
    faults("POST", r"/v1/workspaces/[^/]+/sleep$", "drop")
    body = ada.post(f"/replicas/{rid}/sleep/", {"was": "active"}, headers=HX).content.decode()
    assert upstream.get_replica(rid).replica.status.value == "active"
    header = _alert_inside(body, 'id="replica-header"')
    assert "unreachable" in header
    assert 'data-status="active"' in body  # the header still shows the real state
    _plain(body)


def test_when_the_state_cannot_be_read_again_the_portal_says_it_cannot_tell(ada, upstream, faults):
    rid = idle_replica(upstream, "cannot-tell")
    faults("POST", r"/v1/workspaces/[^/]+/sleep$", "drop-after", times=1)
    faults("GET", rf"/v1/replica/{ID}$", 503)
    body = ada.post(f"/replicas/{rid}/sleep/", {"was": "active"}, headers=HX).content.decode()
    assert "can&#x27;t tell whether the workspace went to sleep" in body
    _plain(body)


def test_a_delete_whose_answer_was_lost_goes_to_the_list(ada, upstream, faults):
    rid = idle_replica(upstream, "lost-delete")
    faults("DELETE", rf"/v1/replica/{ID}$", "drop-after", times=1)
    response = ada.post(f"/replicas/{rid}/delete/")
    assert response.status_code == 302 and response["Location"] == "/replicas/"
    page = ada.get("/replicas/").content.decode()
    assert "The replica was deleted." in page


def test_a_message_whose_answer_was_lost_is_reported_as_sent(ada, upstream, faults):
    rid = idle_replica(upstream, "lost-send")
    chat = upstream.list_replica_chats(rid).chats[0]
    faults("POST", rf"/v1/replica/{ID}/messages$", "drop-after", times=1)
    form = {"chat_id": chat.id, "provider": chat.provider.value, "message": "Did it arrive?"}
    body = ada.post(f"/replicas/{rid}/messages/", form, headers=HX).content.decode()
    assert "Sent." in body or "Queued" in body
    assert 'role="alert"' not in body and "Did it arrive?" not in body
    _plain(body)


def test_a_message_that_did_not_arrive_keeps_the_text(ada, upstream, faults):
    rid = idle_replica(upstream, "failed-send")
    chat = upstream.list_replica_chats(rid).chats[0]
    faults("POST", rf"/v1/replica/{ID}/messages$", 502)
    form = {"chat_id": chat.id, "provider": chat.provider.value, "message": "Keep me"}
    body = ada.post(f"/replicas/{rid}/messages/", form, headers=HX).content.decode()
    assert 'role="alert"' in body and "Keep me" in body and "not sent" in body
    _plain(body)


def test_a_queue_move_whose_answer_was_lost_is_reported_as_moved(ada, upstream, faults, agent_pace):
    rid = idle_replica(upstream, "lost-move")
    chat = upstream.list_replica_chats(rid).chats[0]
    agent_pace(0.5)  # slow enough that the messages stay queued
    for text in ("first", "second", "third"):
        upstream.send_replica_message(rid, {"chat_id": chat.id, "message": text})
    queue = upstream.get_replica_chat_queue(rid, chat.id).queue
    assert len(queue) >= 2
    last = queue[-1]
    faults("PATCH", r"/queue/reorder$", "drop-after", times=1)
    body = ada.post(
        f"/replicas/{rid}/chats/{chat.id}/queue/reorder/",
        {"message_id": last.id, "position": 0},
        headers=HX,
    ).content.decode()
    assert upstream.get_replica_chat_queue(rid, chat.id).queue[0].id == last.id
    assert "Moved." in body and 'role="alert"' not in body
    _plain(body)


# --- the portal's own 404 and 500 pages, also with DEBUG on -----------------------------------


@pytest.mark.parametrize("debug", [True, False])
def test_a_deleted_replica_says_so_with_a_link_to_the_list(ada, upstream, settings, debug):
    settings.DEBUG = debug
    rid = idle_replica(upstream, f"deleted-{debug}")
    upstream.delete_replica(rid)
    for suffix in ("", "queue/", "canvas/", "diffs/", "hooks/"):
        response = ada.get(f"/replicas/{rid}/{suffix}")
        body = response.content.decode()
        assert response.status_code == 404
        assert "This replica was deleted" in body and 'href="/replicas/"' in body
        assert "URLconf" not in body and "Using the URLconf" not in body
    # A fragment of a deleted replica (a header poll) reloads the page, which says so.
    poll = ada.get(f"/replicas/{rid}/header/?was=active", headers=HX)
    assert poll["HX-Refresh"] == "true"


def test_an_unknown_address_gets_the_portals_404_with_debug_on(ada, settings):
    settings.DEBUG = True
    response = ada.get("/no/such/page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in body and "Replicas Portal" in body
    assert "URLconf" not in body and "replicas/&lt;uuid" not in body
    # APPEND_SLASH still redirects first.
    assert ada.get("/replicas").status_code == 301


@pytest.mark.django_db(transaction=True)
async def test_an_unknown_address_under_asgi_gets_the_portals_404(
    async_client, admin, settings, monkeypatch
):
    """Served as ASGI (as in production), the 404 page's header reads the session and user
    from async code: that must not fail into Django's technical page."""
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.DEBUG = True
    await async_client.aforce_login(admin)
    response = await async_client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
