"""Live delivery over a real ASGI server (uvicorn in a thread; Django's test client buffers
streams): the per-user stream, and end to end with the emulator: a replica created through
the portal, the emulator's signed deliveries, the creator's stream. And the poller, for a
portal without a public URL."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portal.accounts.models import KeyKind
from portal.emulator.config import DEMO_PERSONAL_KEYS
from portal.webhooks import signing
from portal.webhooks.models import Delivery, Notification, Verdict
from portal.webhooks.poller import poll_once
from tests.accounts.personas import store_key
from tests.replicas.conftest import ReplicaAPI, Settings
from tests.replicas.test_create import _form_data

from .conftest import RID, SECRET, event_body, make_hook
from .sse import SSEReader

pytestmark = pytest.mark.django_db(transaction=True)


def _cookies(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


@pytest.fixture
def listen(portal):
    readers: list[SSEReader] = []

    def start(user, query: str = "") -> SSEReader:
        reader = SSEReader(portal.url + reverse("notifications:stream") + query, _cookies(user))
        reader.start()
        assert reader.connected.wait(10)
        readers.append(reader)
        return reader

    yield start
    for reader in readers:
        reader.stop()


def _post_signed(portal_url: str, token: str, body: dict) -> httpx.Response:
    raw = json.dumps(body).encode()
    return httpx.post(
        f"{portal_url}/webhooks/replicas/{token}",
        content=raw,
        headers={
            "Content-Type": "application/json",
            "X-Replicas-Event": body["type"],
            "X-Replicas-Event-Id": body["id"],
            "X-Replicas-Delivery": "whd_live",
            "X-Replicas-Replica-Id": RID,
            "X-Replicas-Signature": signing.sign(SECRET, raw),
        },
        timeout=10,
    )


def _creator(member):
    from portal.replicas.models import ReplicaRecord

    ReplicaRecord.objects.create(replica_id=RID, name="fix-auth-bug", created_by=member)
    return make_hook(member)


def test_the_stream_starts_with_the_count_then_pushes_notifications(portal, listen, member):
    hook = _creator(member)
    reader = listen(member)
    first = reader.wait_for(lambda e: e.event == "count", what="the first count")
    assert first.data == "0" and first.id == "0"
    assert _post_signed(portal.url, hook.token, event_body("ready")).status_code == 200
    pushed = reader.wait_for(lambda e: e.event == "notification", what="the notification")
    data = pushed.json
    assert data["title"] == "fix-auth-bug is ready" and data["desktop"] is True
    assert 'class="toast toast-ready"' in data["toast"]
    assert data["url"] == reverse("notifications:open", args=[int(pushed.id)])
    assert data["tag"] == f"replica:{RID}:{Notification.objects.get().event_id}"
    reader.wait_for(lambda e: e.event == "count" and e.data == "1", what="count 1")


def test_reading_in_one_tab_updates_the_count_in_the_others(portal, listen, member):
    hook = _creator(member)
    _post_signed(portal.url, hook.token, event_body("ready"))
    reader = listen(member)
    reader.wait_for(lambda e: e.event == "count" and e.data == "1", what="count 1")
    tab = Client()
    tab.force_login(member)
    tab.post(reverse("notifications:read_all"))
    reader.wait_for(lambda e: e.event == "count" and e.data == "0", what="count 0")


def test_a_reconnecting_page_gets_what_it_missed_once(portal, listen, member):
    hook = _creator(member)
    _post_signed(portal.url, hook.token, event_body("ready"))
    seen = Notification.objects.get().pk
    _post_signed(portal.url, hook.token, event_body("turn_completed"))
    reader = listen(member, f"?after={seen}")
    missed = reader.wait_for(lambda e: e.event == "notification", what="the missed one")
    assert missed.json["kind"] == "replica.turn_completed"
    time.sleep(0.5)
    assert len(reader.of("notification")) == 1


def test_another_users_stream_hears_nothing(portal, listen, member, outsider):
    hook = _creator(member)
    theirs = listen(outsider)
    theirs.wait_for(lambda e: e.event == "count", what="the first count")
    _post_signed(portal.url, hook.token, event_body("ready"))
    time.sleep(1)
    assert not theirs.of("notification")


def test_anonymous_streams_are_refused(portal):
    response = httpx.get(portal.url + reverse("notifications:stream"), timeout=5)
    assert response.status_code == 403


# --- end to end with the emulator ------------------------------------------------------------


@pytest.fixture
def ada_client(admin, emulator):
    store_key(admin, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[0])
    client = Client()
    client.force_login(admin)
    cache.clear()
    return client


@pytest.fixture
def ada_api(emulator):
    return ReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=Settings(base_url=emulator.url))


def test_end_to_end_the_emulators_signed_deliveries_reach_the_creators_page(
    portal,
    listen,
    admin,
    ada_client,
    ada_api,
    emulator,
    settings,
):
    settings.PORTAL_PUBLIC_URL = portal.url
    reader = listen(admin)
    reader.wait_for(lambda e: e.event == "count", what="the first count")
    response = ada_client.post("/replicas/new/", _form_data(ada_client, ada_api))
    assert response.status_code == 302
    rid = response["Location"].split("/")[2]

    ready = reader.wait_for(
        lambda e: e.event == "notification" and e.json["kind"] == "replica.ready",
        what="the ready notification",
    )
    assert ready.json["title"].endswith("is ready")
    turn = reader.wait_for(
        lambda e: e.event == "notification" and e.json["kind"] == "replica.turn_completed",
        what="the turn's notification",
    )
    assert "finished a turn" in turn.json["title"]
    reader.wait_for(lambda e: e.event == "count" and e.data == "2", what="count 2")

    deliveries = [d for d in emulator.control("webhooks")["deliveries"] if d["replica_id"] == rid]
    assert deliveries and all(d["signed"] and d["status_code"] == 200 for d in deliveries)
    assert set(Delivery.objects.values_list("verdict", flat=True)) == {Verdict.VALID}

    # Deleting it through the API: the creator is told that too.
    ada_api.delete_replica(rid)
    reader.wait_for(
        lambda e: e.event == "notification" and e.json["kind"] == "replica.deleted",
        what="the deleted notification",
    )


# --- without a public URL: the poller ----------------------------------------------------------


def _poll_until(kinds: set[str], timeout: float = 15) -> set[str]:
    deadline = time.monotonic() + timeout
    seen: set[str] = set()
    while time.monotonic() < deadline:
        asyncio.run(poll_once())
        seen = set(Notification.objects.values_list("kind", flat=True))
        if kinds <= seen:
            return seen
        time.sleep(0.3)
    raise AssertionError(f"polling found {seen}, not {kinds}")


def test_without_a_public_url_polling_notifies_the_creator(
    admin, ada_client, ada_api, emulator, settings
):
    settings.PORTAL_PUBLIC_URL = ""
    response = ada_client.post("/replicas/new/", _form_data(ada_client, ada_api))
    rid = response["Location"].split("/")[2]
    assert not emulator.control(f"replicas/{rid}")["webhook"]
    _poll_until({"replica.ready", "replica.turn_completed"})
    # Polling again changes nothing: nothing new happened.
    asyncio.run(poll_once())
    assert Notification.objects.count() == 2
    emulator.control(f"replicas/{rid}/state", {"status": "error", "message": "Out of disk."})
    _poll_until({"replica.error"})
    error = Notification.objects.get(kind="replica.error")
    assert error.body == "Out of disk." and error.user == admin


def test_polling_notices_a_deletion(admin, ada_client, ada_api, emulator, settings):
    settings.PORTAL_PUBLIC_URL = ""
    response = ada_client.post("/replicas/new/", _form_data(ada_client, ada_api))
    rid = response["Location"].split("/")[2]
    _poll_until({"replica.ready"})
    ada_api.delete_replica(rid)
    _poll_until({"replica.deleted"})
    asyncio.run(poll_once())
    assert Notification.objects.filter(kind="replica.deleted").count() == 1


def test_a_webhook_that_never_delivers_is_covered_by_polling(
    admin, ada_client, ada_api, emulator, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from portal.webhooks.models import ReplicaHook

    settings.PORTAL_PUBLIC_URL = "http://127.0.0.1:9"  # nothing listens: deliveries fail
    response = ada_client.post("/replicas/new/", _form_data(ada_client, ada_api))
    rid = response["Location"].split("/")[2]
    assert emulator.control(f"replicas/{rid}")["webhook"]["url"].startswith("http://127.0.0.1:9/")
    asyncio.run(poll_once())
    assert not Notification.objects.exists()  # too early to call it silent
    ReplicaHook.objects.filter(replica_id=rid).update(
        created_at=timezone.now() - timedelta(minutes=3)
    )
    _poll_until({"replica.ready", "replica.turn_completed"})


def test_notifications_published_out_of_order_all_reach_the_page(portal, listen, member):
    from portal.webhooks import notify

    _creator(member)
    reader = listen(member)
    reader.wait_for(lambda e: e.event == "count", what="the first count")
    made = [
        Notification.objects.create(
            user=member, event_id=f"wh_{n}", kind="replica.ready", replica_id=RID, title=f"note {n}"
        )  # fmt: skip
        for n in range(2)
    ]
    notify.publish_new([made[1]])  # two webhooks processed at once: the later one first
    notify.publish_new([made[0]])
    reader.wait_for(lambda e: e.event == "notification" and e.json["title"] == "note 0",
                    what="the earlier one, arriving second")  # fmt: skip
    ids = [e.id for e in reader.of("notification")]
    assert ids == [str(made[1].pk), str(made[1].pk)]  # Last-Event-ID stays at the newest
    notify.publish_new([made[1]])  # the same one again: not shown twice
    time.sleep(0.5)
    assert len(reader.of("notification")) == 2
