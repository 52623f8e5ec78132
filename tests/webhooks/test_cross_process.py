"""Across processes: a webhook received by one portal process reaches a page connected to
another, through Redis (two uvicorn processes sharing the database and Redis). Skipped, with
the reason, when Redis doesn't answer on 127.0.0.1:6379."""

from __future__ import annotations

import uuid

import pytest

from portal.emulator.config import DEMO_PERSONAL_KEYS

from .processes import TwoPortals, create_replica, redis_answers
from .sse import SSEReader

pytestmark = pytest.mark.skipif(
    not redis_answers(),
    reason="Redis does not answer on 127.0.0.1:6379: the cross-process delivery test needs one "
    "(start redis-server; the in-process delivery is tested without it)",
)


@pytest.fixture(scope="module")
def two_portals(tmp_path_factory, emulator):
    portals = TwoPortals(
        tmp_path_factory.mktemp("two-portals"), emulator.url, DEMO_PERSONAL_KEYS[1]
    )
    yield portals
    portals.stop()


def test_a_webhook_received_by_one_process_reaches_a_page_on_the_other(
    two_portals, emulator, api_settings
):
    from portal.replica_api import ReplicaAPI

    graces = ReplicaAPI(DEMO_PERSONAL_KEYS[1], settings=api_settings)
    web = next(e for e in graces.list_environments(scope="all").environments if e.name == "web")

    on_b = SSEReader(two_portals.b_url + "/notifications/stream/", two_portals.cookies)
    on_b.start()
    try:
        on_b.wait_for(lambda e: e.event == "count", what="B's first count")
        # Created through B; the replica's webhook points at A.
        name = f"two-{uuid.uuid4().hex[:8]}"
        rid = create_replica(two_portals.b_url, two_portals.cookies, str(web.id), name)
        ready = on_b.wait_for(
            lambda e: e.event == "notification" and e.json["kind"] == "replica.ready",
            timeout=20, what="the ready notification on B",
        )  # fmt: skip
        assert ready.json["title"] == f"{name} is ready"
        on_b.wait_for(
            lambda e: e.event == "notification" and e.json["kind"] == "replica.turn_completed",
            timeout=20, what="the turn's notification on B",
        )  # fmt: skip
    finally:
        on_b.stop()
    deliveries = [d for d in emulator.control("webhooks")["deliveries"] if d["replica_id"] == rid]
    assert deliveries, "the emulator sent no webhooks"
    assert {d["url"].split("/webhooks/")[0] for d in deliveries} == {two_portals.a_url}
    assert all(d["status_code"] == 200 and d["signed"] for d in deliveries)
