"""The queue editor against the emulator: list, reorder, remove, clear, refusals roll back."""

from __future__ import annotations

import pytest

from tests.replicas.conftest import active_replica

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def busy_chat(upstream):
    """A chat working on one message with three more queued."""
    rid = active_replica(upstream, "queue-test")
    chat = upstream.create_replica_chat(rid, {"provider": "claude", "title": "Queue"})
    # Slow the agent down so the queue stays put while the test edits it.
    for text in ("first", "second", "third", "fourth"):
        upstream.send_replica_message(rid, {"message": text, "chat_id": chat.id})
    return rid, chat.id


@pytest.fixture(autouse=True)
def _slow_agent(emulator):
    before = emulator.control("config")["agent_step_s"]
    emulator.control("config", {"agent_step_s": 2.0})
    yield
    emulator.control("config", {"agent_step_s": before})


def queued(upstream, rid, chat_id) -> list[str]:
    return [m.message for m in upstream.get_replica_chat_queue(rid, chat_id).queue]


def test_queue_panel_lists_queued_messages_in_order(ada, upstream, busy_chat):
    rid, chat_id = busy_chat
    response = ada.get(f"/replicas/{rid}/queue/?chat={chat_id}")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("second") < body.index("third") < body.index("fourth")
    assert "The agent is working on a message." in body
    assert 'hx-trigger="sse:queue"' in body


def test_live_refresh_fragment(ada, busy_chat):
    rid, chat_id = busy_chat
    response = ada.get(
        f"/replicas/{rid}/queue/?chat={chat_id}", headers={**HX, "HX-Target": "queue-list"}
    )
    body = response.content.decode()
    assert body.startswith('\n      <div id="queue-list"') or body.lstrip().startswith(
        '<div id="queue-list"'
    )
    assert "<html" not in body


def test_reorder_moves_and_answers_with_the_new_order(ada, upstream, busy_chat):
    rid, chat_id = busy_chat
    queue = upstream.get_replica_chat_queue(rid, chat_id).queue
    last = queue[-1]
    response = ada.post(
        f"/replicas/{rid}/chats/{chat_id}/queue/reorder/",
        {"message_id": last.id, "position": 0},
        headers=HX,
    )
    assert response.status_code == 200
    assert "Moved." in response.content.decode()
    assert queued(upstream, rid, chat_id) == ["fourth", "second", "third"]


def test_reorder_of_a_vanished_message_rolls_back_with_a_message(ada, upstream, busy_chat):
    rid, chat_id = busy_chat
    response = ada.post(
        f"/replicas/{rid}/chats/{chat_id}/queue/reorder/",
        {"message_id": "no-such-message", "position": 0},
        headers=HX,
    )
    body = response.content.decode()
    assert 'role="alert"' in body
    assert body.index("second") < body.index("third")  # the real order, unchanged


def test_bad_reorder_input_is_refused_clearly(ada, busy_chat):
    rid, chat_id = busy_chat
    response = ada.post(
        f"/replicas/{rid}/chats/{chat_id}/queue/reorder/",
        {"message_id": "x", "position": "-3"},
        headers=HX,
    )
    assert "Choose a message and a position." in response.content.decode()


def test_remove_one(ada, upstream, busy_chat):
    rid, chat_id = busy_chat
    second = upstream.get_replica_chat_queue(rid, chat_id).queue[0]
    response = ada.post(f"/replicas/{rid}/chats/{chat_id}/queue/{second.id}/remove/", headers=HX)
    assert "Removed from the queue." in response.content.decode()
    assert queued(upstream, rid, chat_id) == ["third", "fourth"]


def test_clear_all_without_js_redirects_back(ada, upstream, busy_chat):
    rid, chat_id = busy_chat
    response = ada.post(f"/replicas/{rid}/chats/{chat_id}/queue/clear/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/replicas/{rid}/queue/?chat={chat_id}")
    assert queued(upstream, rid, chat_id) == []


def test_move_buttons_work_without_js(ada, upstream, busy_chat):
    rid, chat_id = busy_chat
    third = upstream.get_replica_chat_queue(rid, chat_id).queue[1]
    response = ada.post(
        f"/replicas/{rid}/chats/{chat_id}/queue/reorder/", {"message_id": third.id, "position": 0}
    )
    assert response.status_code == 302
    assert queued(upstream, rid, chat_id) == ["third", "second", "fourth"]


def test_queue_mutations_are_audited(ada, admin, busy_chat):
    from portal.accounts.models import AuditEntry

    rid, chat_id = busy_chat
    ada.post(f"/replicas/{rid}/chats/{chat_id}/queue/clear/", headers=HX)
    entry = AuditEntry.objects.filter(operation="clearReplicaChatQueue").latest("at")
    assert entry.user == admin
