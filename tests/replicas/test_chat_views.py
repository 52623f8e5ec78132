"""The chat panel against the emulator: chats, history paging, composer, chat create/delete."""

from __future__ import annotations

import json
import time

import pytest

from portal.accounts.models import KeyKind
from tests.accounts.personas import store_key
from tests.conftest import ORG_KEY
from tests.replicas.conftest import SEEDED, active_replica, seeded, seeded_replica

HX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


def test_chat_panel_shows_chats_history_and_composer(ada, upstream):
    rid = active_replica(upstream, "chat-panel-test")
    chats = upstream.list_replica_chats(rid).chats
    response = ada.get(f"/replicas/{rid}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "chat-panel-test" in body
    for chat in chats:
        assert chat.id in body
    assert f'sse-connect="/replicas/{rid}/events/?chat=' in body
    assert 'id="composer"' in body
    assert "transcript" in body


def test_select_chat_via_url_and_htmx_navigation(ada, upstream):
    rid = active_replica(upstream, "chat-select-test")
    chat = upstream.create_replica_chat(rid, {"provider": "codex", "title": "Second opinion"})
    response = ada.get(f"/replicas/{rid}/?chat={chat.id}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-chat-id="{chat.id}"' in body
    assert "Goal mode" in body  # codex chats allow goal mode


def test_sleeping_replica_chat_panel_says_so_without_error(ada, upstream):
    replica = seeded(upstream, "sleeping")
    response = ada.get(f"/replicas/{replica.id}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "sleeping" in body
    assert "Wake" in body
    assert "sse-connect" not in body


def test_error_replica_shows_terminal_message_and_options(ada, upstream):
    replica = seeded(upstream, "error")
    response = ada.get(f"/replicas/{replica.id}/")
    assert response.status_code == 200
    assert "can't be woken or messaged" in response.content.decode()


def test_unknown_replica_is_404(ada):
    assert ada.get("/replicas/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_send_message_reports_sent_then_queued(ada, upstream):
    rid = active_replica(upstream, "chat-send-test")
    chat = upstream.create_replica_chat(rid, {"provider": "claude", "title": "Work"})
    hx = {"HX-Request": "true"}
    form = {"chat_id": chat.id, "provider": "claude", "message": "Please fix the bug"}
    first = ada.post(f"/replicas/{rid}/messages/", form, headers=hx)
    assert first.status_code == 200
    assert "Sent." in first.content.decode()
    assert "Please fix the bug" not in first.content.decode()  # the composer is emptied
    second = ada.post(
        f"/replicas/{rid}/messages/", {**form, "message": "And add a test"}, headers=hx
    )
    assert "Queued (position 1)." in second.content.decode()


def test_a_message_sent_with_the_org_key_is_attributed_to_the_portal_user(
    ada, admin, upstream, org_api
):
    """The org key has no user behind it: the portal says who sent the message, so the chat's
    `senders` (and every viewer's transcript) name the team member, not the org."""
    store_key(admin, KeyKind.ORG, ORG_KEY)
    ada.post("/account/acting/", {"as": "org"})
    rid = active_replica(upstream, "chat-org-sender")
    chat = upstream.create_replica_chat(rid, {"provider": "claude"})
    form = {"chat_id": chat.id, "provider": "claude", "message": "From the org key"}
    assert "Sent." in ada.post(f"/replicas/{rid}/messages/", form, headers=HX).content.decode()
    wait_idle(upstream, rid, chat.id)
    senders = org_api.read_replica_history(rid, chat_id=chat.id).senders
    assert [s.senderEmail for s in senders] == [admin.email]
    page = ada.get(f"/replicas/{rid}/?chat={chat.id}").content.decode()
    assert f'data-sender="{admin.email.lower()}"' in page
    assert f'data-viewer="{admin.email.lower()}"' in page


def test_failed_send_keeps_the_typed_message(ada, upstream, emulator):
    replica = seeded(upstream, "sleeping")
    form = {
        "chat_id": "whatever",
        "provider": "claude",
        "message": "Don't lose me",
        "plan_mode": "1",
    }
    response = ada.post(f"/replicas/{replica.id}/messages/", form, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Don&#x27;t lose me" in body
    assert 'name="plan_mode" value="1" checked' in body
    assert 'role="alert"' in body and "sleeping" in body


def test_failed_send_without_js_rerenders_the_page_with_the_text(ada, upstream):
    rid = active_replica(upstream, "chat-nojs-test")
    chat = upstream.list_replica_chats(rid).chats[0]
    form = {"chat_id": chat.id, "provider": chat.provider.value, "message": "  "}
    response = ada.post(f"/replicas/{rid}/messages/", form)
    assert response.status_code == 200
    assert "Write a message first." in response.content.decode()


def test_goal_mode_refused_for_non_codex_chat(ada, upstream):
    rid = active_replica(upstream, "chat-goal-test")
    chat = upstream.create_replica_chat(rid, {"provider": "claude"})
    form = {"chat_id": chat.id, "provider": "claude", "message": "x", "goal_mode": "1"}
    response = ada.post(f"/replicas/{rid}/messages/", form, headers={"HX-Request": "true"})
    assert "only available for Codex" in response.content.decode()


def test_image_type_is_checked(ada, upstream):
    from django.core.files.uploadedfile import SimpleUploadedFile

    rid = active_replica(upstream, "chat-image-test")
    chat = upstream.list_replica_chats(rid).chats[0]
    bad = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    form = {"chat_id": chat.id, "provider": chat.provider.value, "message": "see", "images": bad}
    response = ada.post(f"/replicas/{rid}/messages/", form, headers={"HX-Request": "true"})
    assert "is not a PNG, JPEG, GIF or WebP image" in response.content.decode()


def test_image_is_sent_as_base64(ada, upstream):
    from django.core.files.uploadedfile import SimpleUploadedFile

    rid = active_replica(upstream, "chat-image-ok")
    chat = upstream.list_replica_chats(rid).chats[0]
    png = SimpleUploadedFile("dot.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 16, content_type="image/png")
    form = {"chat_id": chat.id, "provider": chat.provider.value, "message": "look", "images": png}
    response = ada.post(f"/replicas/{rid}/messages/", form, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Sent." in body or "Queued" in body


def test_create_and_delete_chat(ada, upstream):
    rid = active_replica(upstream, "chat-crud-test")
    response = ada.post(
        f"/replicas/{rid}/chats/new/", {"provider": "opencode", "title": "Side quest"}
    )
    assert response.status_code == 302
    chats = upstream.list_replica_chats(rid).chats
    created = next(c for c in chats if c.title == "Side quest")
    assert response["Location"].endswith(f"?chat={created.id}")
    response = ada.post(
        f"/replicas/{rid}/chats/{created.id}/delete/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "HX-Location" in response
    assert all(c.id != created.id for c in upstream.list_replica_chats(rid).chats)


def test_history_pages_older_events(ada, upstream, monkeypatch):
    monkeypatch.setattr("portal.replicas.views.chat.HISTORY_PAGE", 4)
    replica = None
    for candidate in (seeded_replica(upstream, name) for name in SEEDED["active"]):
        for chat in upstream.list_replica_chats(str(candidate.id)).chats:
            history = upstream.read_replica_history(str(candidate.id), chat_id=chat.id, limit=4)
            if history.has_more:
                replica, found = candidate, chat
                break
        if replica:
            break
    assert replica, "the emulator seeds a chat with more than one page of history"
    url = f"/replicas/{replica.id}/chats/{found.id}/history/"
    latest = ada.get(url, headers={"HX-Request": "true"})
    assert f'id="chat-{found.id}-transcript"' in latest.content.decode()
    assert "Load older" in latest.content.decode()
    older = ada.get(url + "?offset=4", headers={"HX-Request": "true"})
    body = older.content.decode()
    assert 'class="older-page"' in body
    assert f'id="chat-{found.id}-transcript"' not in body
    # The chat panel itself, with more history than one page, offers "Load older" too.
    page = ada.get(f"/replicas/{replica.id}/?chat={found.id}")
    assert page.status_code == 200
    assert f"/replicas/{replica.id}/chats/{found.id}/history/?offset=4" in page.content.decode()


def test_member_without_key_is_sent_to_add_key_page(as_member, upstream):
    replica = seeded(upstream, "active")
    response = as_member.get(f"/replicas/{replica.id}/")
    assert response.status_code == 302
    assert "/account/keys/needed/" in response["Location"]


def test_header_poll_refreshes_the_panel_when_the_status_moves_on(ada, upstream, emulator):
    rid = active_replica(upstream, "header-poll")
    emulator.control(f"replicas/{rid}/state", {"status": "preparing", "hold": True})
    page = ada.get(f"/replicas/{rid}/")
    assert f'data-poll-url="/replicas/{rid}/header/?was=preparing"' in page.content.decode()
    hx = {"HX-Request": "true"}
    still = ada.get(f"/replicas/{rid}/header/?was=preparing", headers=hx)
    assert "HX-Refresh" not in still and "HX-Trigger" not in still
    assert 'id="replica-header"' in still.content.decode()
    emulator.control(f"replicas/{rid}/state", {"status": "active"})
    moved = ada.get(f"/replicas/{rid}/header/?was=preparing", headers=hx)
    # The header swaps itself; the panel, which depends on the status, re-gets itself
    # (no page reload: a typed message stays).
    assert "HX-Refresh" not in moved
    assert json.loads(moved["HX-Trigger"]) == {"replica-status-changed": {"status": "active"}}
    assert 'data-status="active"' in moved.content.decode()


def test_replica_actions_sleep_wake_archive_delete(ada, upstream):
    rid = active_replica(upstream, "actions-test")
    hx = {"HX-Request": "true"}
    response = ada.post(f"/replicas/{rid}/sleep/", headers=hx)
    assert response.status_code == 200 and 'id="replica-header"' in response.content.decode()
    assert upstream.get_replica(rid).replica.status.value == "sleeping"
    response = ada.post(f"/replicas/{rid}/wake/")
    assert response.status_code == 302
    response = ada.get(f"/replicas/{rid}/delete/")
    assert "Delete actions-test?" in response.content.decode()
    response = ada.post(f"/replicas/{rid}/delete/")
    assert response.status_code == 302 and response["Location"] == "/replicas/"
    again = ada.post(f"/replicas/{rid}/delete/")  # idempotent
    assert again.status_code in (302, 404)


def test_thinking_levels_offered_and_checked_per_agent(ada, upstream):
    rid = active_replica(upstream, "chat-thinking-test")
    chat = upstream.create_replica_chat(rid, {"provider": "claude"})
    page = ada.get(f"/replicas/{rid}/?chat={chat.id}").content.decode()
    assert 'value="ultracode"' in page and 'value="ultra"' not in page
    form = {"chat_id": chat.id, "provider": "claude", "message": "x", "thinking_level": "ultra"}
    response = ada.post(f"/replicas/{rid}/messages/", form, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Choose a thinking level this agent supports." in body
    assert ">x</textarea>" in body


def wait_idle(upstream, rid: str, chat_id: str) -> None:
    deadline = time.monotonic() + 15
    while True:
        chats = {c.id: c for c in upstream.list_replica_chats(rid).chats}
        if not chats[chat_id].processing:
            return
        assert time.monotonic() < deadline, "the chat never went idle"
        time.sleep(0.1)


def test_header_shows_model_and_size(ada, upstream):
    rid = active_replica(
        upstream, "header-facts", size="large", model="gpt-5.5", coding_agent="codex"
    )
    body = ada.get(f"/replicas/{rid}/").content.decode()
    assert "size: large" in body
    assert "model: gpt-5.5" in body


def test_the_composer_can_send_to_another_chat_than_the_open_tab(ada, upstream):
    from tests.replicas.conftest import idle_replica

    rid = idle_replica(upstream, "chat-picker")
    first = upstream.list_replica_chats(rid).chats[0]
    other = upstream.create_replica_chat(rid, {"provider": "codex", "title": "Reviewer"})
    page = ada.get(f"/replicas/{rid}/?chat={first.id}").content.decode()
    assert 'name="target_chat"' in page and f'<option value="{other.id}"' in page
    form = {
        "chat_id": first.id,
        "provider": first.provider.value,
        "target_chat": other.id,
        f"provider_{other.id}": "codex",
        f"provider_{first.id}": first.provider.value,
        "message": "Please review the diff",
    }
    body = ada.post(f"/replicas/{rid}/messages/", form, headers=HX).content.decode()
    assert "Sent." in body and "to another chat" in body
    wait_idle(upstream, rid, other.id)
    history = upstream.read_replica_history(rid, chat_id=other.id)
    assert "Please review the diff" in str(history.model_dump())


def test_an_error_replica_shows_its_message_and_its_readable_chats(ada, upstream):
    replica = seeded(upstream, "error")
    chats = upstream.get_replica(str(replica.id)).replica.chats or []
    body = ada.get(f"/replicas/{replica.id}/").content.decode()
    assert "This workspace is in its error state." in body
    for chat in chats:
        assert chat.id in body  # the chats the API still lists, as tabs
    if chats:
        assert 'name="message"' in body and "it can't take messages" in body


def test_the_header_names_the_environment_and_links_to_it(ada, upstream):
    from tests.replicas.conftest import idle_replica

    environments = upstream.list_environments(scope="all").environments
    env = next(e for e in environments if not e.is_global)
    rid = idle_replica(upstream, "env-named", environment_id=str(env.id))
    body = ada.get(f"/replicas/{rid}/").content.decode()
    assert f'<a href="/environments/{env.id}/" title="{env.id}">{env.name}</a>' in body


def test_replica_urls_are_the_url_patterns_own():
    from django.urls import reverse

    from portal.replicas.views.common import replica_urls

    rid, chat = "0f4b2576-82c4-4bcd-a437-862fbbb05024", "chat_1"
    urls = replica_urls(rid, chat)
    for key, name in {
        "detail": "detail", "header": "header", "wake": "wake", "sleep": "sleep",
        "archive": "archive", "delete": "delete", "events": "events",
        "messages": "send_message", "new_chat": "create_chat", "queue": "queue",
    }.items():  # fmt: skip
        assert urls[key] == reverse(f"replicas:{name}", args=[rid])
    for key, name in {
        "history": "history", "delete_chat": "delete_chat", "reorder": "queue_reorder",
        "clear": "queue_clear",
    }.items():  # fmt: skip
        assert urls[key] == reverse(f"replicas:{name}", args=[rid, chat])
    assert urls["queue_item"] + "m1/remove/" == reverse(
        "replicas:queue_remove", args=[rid, chat, "m1"]
    )
