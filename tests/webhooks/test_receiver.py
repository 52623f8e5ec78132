"""The receiver: signatures, replays, stale and out-of-order events, size and shape, and that
storing comes before processing (a processing failure is retried, never a 5xx)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from portal.webhooks import processing, signing
from portal.webhooks.models import (
    Delivery,
    Event,
    HookKind,
    KnownReplica,
    Notification,
    ReplicaHook,
    Verdict,
)

from .conftest import RID, SECRET, Sender, event_body, hours_ago, make_hook

pytestmark = pytest.mark.django_db

KINDS = ["ready", "turn_completed", "error", "deleted"]


# --- the signature itself ------------------------------------------------------------------


def test_signature_of_the_raw_body_verifies():
    raw = b'{"id":"wh_1"}'
    assert signing.verify(SECRET, raw, signing.sign(SECRET, raw))


@pytest.mark.parametrize(
    "header",
    [None, "", "sha256=", "sha256=" + "0" * 64, "md5=abc", "garbage", "sha256=ZZ\u00e9"],
    ids=["missing", "empty", "no-digest", "zeros", "other-scheme", "garbage", "non-ascii"],
)
def test_bad_or_missing_signatures_fail(header):
    assert not signing.verify(SECRET, b'{"id":"wh_1"}', header)


def test_a_signature_under_another_secret_fails():
    raw = b'{"id":"wh_1"}'
    assert not signing.verify(SECRET, raw, signing.sign("whsec_someone_else", raw))


def test_a_body_altered_by_one_byte_fails():
    raw = b'{"id":"wh_1","type":"replica.ready"}'
    signature = signing.sign(SECRET, raw)
    assert not signing.verify(SECRET, raw[:-2] + b"X}", signature)
    assert not signing.verify(SECRET, raw + b" ", signature)


# --- valid events, one fixture per type -------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_each_event_type_is_stored_processed_and_notifies_the_creator(sender, member, kind):
    body = event_body(kind)
    response = sender.post(body)
    assert response.status_code == 200
    event = Event.objects.get(event_id=body["id"])
    assert event.type == f"replica.{kind}" and str(event.replica_id) == RID
    assert event.processed_at is not None and event.source == "webhook"
    delivery = Delivery.objects.get()
    assert delivery.verdict == Verdict.VALID and delivery.stored_event == event
    notification = Notification.objects.get(user=member)
    assert notification.event_id == body["id"]
    assert "fix-auth-bug" in notification.title


def test_turn_completed_carries_the_new_pull_request_links(sender, member):
    sender.post(event_body("turn_completed"))
    notification = Notification.objects.get(user=member)
    assert notification.links == ["https://github.com/o/r/pull/482"]
    assert notification.pr_links == [("https://github.com/o/r/pull/482", "o/r#482")]
    assert KnownReplica.objects.get(replica_id=RID).pr_urls == notification.links


def test_error_carries_the_failure_message(sender, member):
    sender.post(event_body("error"))
    notification = Notification.objects.get(user=member)
    assert "GitHub app has no access" in notification.body
    assert KnownReplica.objects.get(replica_id=RID).status == "error"


def test_the_receiver_needs_no_csrf_token_and_no_sign_in(hook):
    sender = Sender(Client(enforce_csrf_checks=True), hook)
    assert sender.post(event_body("ready")).status_code == 200


def test_only_post_is_accepted(client, hook):
    assert client.get(Sender(client, hook).url).status_code == 405


# --- refused: nothing stored ---------------------------------------------------------------------


def _nothing_stored():
    assert Event.objects.count() == 0
    assert Notification.objects.count() == 0


def test_missing_signature_is_401_and_nothing_is_stored(sender):
    response = sender.post(event_body("ready"), signed=False)
    assert response.status_code == 401
    assert Delivery.objects.get().verdict == Verdict.UNSIGNED
    _nothing_stored()


@pytest.mark.parametrize(
    "how",
    ["wrong-secret", "garbage", "altered-body"],
)
def test_bad_signature_is_401_and_nothing_is_stored(sender, how):
    body = event_body("ready")
    raw = json.dumps(body).encode()
    if how == "wrong-secret":
        response = sender.post(raw, secret="whsec_not_this_replicas")
    elif how == "garbage":
        response = sender.post(raw, signature="sha256=deadbeef")
    else:
        signature = signing.sign(SECRET, raw)
        response = sender.post(raw.replace(b"fix-auth-bug", b"fix-auth-bog"), signature=signature)
    assert response.status_code == 401
    assert Delivery.objects.get().verdict == Verdict.BAD_SIGNATURE
    _nothing_stored()


def test_unknown_webhook_url_is_404(client, hook):
    response = Sender(client, hook).post(event_body("ready"), url="/webhooks/replicas/nosuchtoken")
    assert response.status_code == 404
    assert Delivery.objects.get().verdict == Verdict.UNKNOWN_REPLICA
    _nothing_stored()


def test_a_replicas_own_webhook_is_no_portal_endpoint(client, member):
    own = make_hook(member, kind=HookKind.OWN)
    assert Sender(client, own).post(event_body("ready")).status_code == 404
    _nothing_stored()


def test_an_event_signed_for_another_replica_is_404(sender):
    body = event_body("ready")
    body["replica"] = {**body["replica"], "id": "22222222-2222-4222-8222-222222222222"}
    response = sender.post(body)
    assert response.status_code == 404
    assert Delivery.objects.get().verdict == Verdict.UNKNOWN_REPLICA
    _nothing_stored()


def test_oversize_body_is_413(sender, settings):
    settings.WEBHOOK_MAX_BYTES = 2048
    body = event_body("error")
    body["data"]["message"] = "x" * 4000
    response = sender.post(body)
    assert response.status_code == 413
    assert Delivery.objects.get().verdict == Verdict.TOO_LARGE
    _nothing_stored()


@pytest.mark.parametrize(
    "raw",
    [b"not json at all", b"[1, 2, 3]", b'{"id": "wh_1"}', b'{"id":"wh_1","type":"replica.ready",'
     b'"created_at":"yesterday","replica":{"id":"11111111-1111-4111-8111-111111111111"}}'],
    ids=["text", "a-list", "no-type", "bad-date"],
)  # fmt: skip
def test_a_signed_body_that_is_not_a_json_event_is_400(sender, raw):
    response = sender.post(raw)
    assert response.status_code == 400
    assert Delivery.objects.get().verdict == Verdict.MALFORMED
    _nothing_stored()


def test_an_unsigned_non_json_body_is_still_a_401(sender):
    assert sender.post(b"not json", signed=False).status_code == 401


# --- replays and retries ------------------------------------------------------------------------


def test_a_replayed_event_is_2xx_and_has_no_second_effect(sender, member):
    body = event_body("turn_completed")
    first = sender.post(body, delivery="whd_1")
    again = sender.post(body, delivery="whd_1")  # the API's retry: same delivery id
    replay = sender.post(body, delivery="whd_other")  # a replay under another delivery id
    assert (first.status_code, again.status_code, replay.status_code) == (200, 200, 200)
    assert Event.objects.count() == 1
    assert Notification.objects.filter(user=member).count() == 1
    verdicts = list(Delivery.objects.order_by("pk").values_list("verdict", flat=True))
    assert verdicts == [Verdict.VALID, Verdict.DUPLICATE, Verdict.DUPLICATE]


def test_a_stale_event_is_refused_as_permanent(sender):
    response = sender.post(event_body("ready", created_at=hours_ago(25)))
    assert response.status_code == 400  # a 4xx other than 429: the API does not retry it
    assert Delivery.objects.get().verdict == Verdict.STALE
    _nothing_stored()


def test_the_stale_window_is_configurable(sender, settings):
    settings.WEBHOOK_MAX_AGE = 600
    assert sender.post(event_body("ready", created_at=hours_ago(0.5))).status_code == 400
    assert sender.post(event_body("ready", created_at=hours_ago(0.1))).status_code == 200


def test_a_replay_of_a_stored_event_is_a_duplicate_even_when_old(sender, settings):
    body = event_body("ready", created_at=hours_ago(0.5))
    assert sender.post(body).status_code == 200
    settings.WEBHOOK_MAX_AGE = 600
    assert sender.post(body).status_code == 200
    assert Delivery.objects.order_by("-pk").first().verdict == Verdict.DUPLICATE


# --- order -------------------------------------------------------------------------------------


def test_out_of_order_events_never_move_the_state_backwards(sender, member):
    ready = event_body("ready", created_at=hours_ago(0.3))
    deleted = event_body("deleted", created_at=hours_ago(0.1))
    late_turn = event_body("turn_completed", created_at=hours_ago(0.2))
    assert sender.post(deleted).status_code == 200
    assert sender.post(ready).status_code == 200  # arrives after the deletion, but is older
    assert sender.post(late_turn).status_code == 200
    known = KnownReplica.objects.get(replica_id=RID)
    assert known.status == "deleted"
    kinds = set(Notification.objects.filter(user=member).values_list("kind", flat=True))
    # The old "ready" is not news any more; a finished turn still is (and its PR links).
    assert kinds == {"replica.deleted", "replica.turn_completed"}
    assert "state kept" in Event.objects.get(event_id=ready["id"]).outcome


def test_a_newer_event_moves_the_state_forward(sender):
    sender.post(event_body("ready", created_at=hours_ago(0.3)))
    sender.post(event_body("error", created_at=hours_ago(0.1)))
    assert KnownReplica.objects.get(replica_id=RID).status == "error"


# --- store first, then process ------------------------------------------------------------------


def test_a_processing_failure_is_stored_answered_200_and_retried(sender, member, monkeypatch):
    def broken(event):
        raise RuntimeError("the database went away: " + event.payload["data"]["message"])

    monkeypatch.setattr(processing, "_notify", broken)
    body = event_body("error")
    assert sender.post(body).status_code == 200
    event = Event.objects.get(event_id=body["id"])
    assert event.processed_at is None and event.attempts == 1
    assert event.last_error.startswith("RuntimeError at ")
    assert "GitHub" not in event.last_error  # the body's words stay out of the error
    assert Notification.objects.count() == 0

    monkeypatch.undo()
    Event.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now() - timedelta(1))
    assert processing.sweep() == 1
    event.refresh_from_db()
    assert event.processed_at is not None
    assert Notification.objects.filter(user=member).count() == 1
    # A retry of the delivery now changes nothing.
    assert sender.post(body).status_code == 200
    assert Notification.objects.count() == 1


def test_an_event_left_unprocessed_is_picked_up_by_the_sweep(hook, member):
    event = Event.objects.create(
        event_id="wh_left_behind",
        type="replica.ready",
        replica_id=RID,
        replica_name="fix-auth-bug",
        created_at=timezone.now(),
        received_at=timezone.now() - timedelta(minutes=5),
        source="webhook",
        payload=event_body("ready"),
    )
    assert processing.sweep() == 1
    event.refresh_from_db()
    assert event.processed_at is not None
    assert Notification.objects.filter(user=member).exists()


def test_a_delivery_before_the_create_answered_binds_the_replica(client, member):
    hook = make_hook(member, replica_id=None, kind=HookKind.PORTAL)
    assert Sender(client, hook).post(event_body("ready")).status_code == 200
    assert str(ReplicaHook.objects.get(pk=hook.pk).replica_id) == RID


def test_logs_carry_ids_and_verdicts_but_never_the_secret_or_the_body(sender, caplog):
    caplog.set_level(logging.DEBUG)
    body = event_body("error")
    sender.post(body)
    sender.post(body, secret="whsec_wrong")
    sender.post(body, signed=False)
    text = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert body["id"] in text
    assert SECRET not in text and "whsec_wrong" not in text
    assert "GitHub app" not in text and "sha256=" not in text


def test_an_unbound_webhook_cannot_take_a_replica_that_has_one(client, hook, member):
    other = make_hook(member, replica_id=None, secret="whsec_other", kind=HookKind.PORTAL)
    response = Sender(client, other, secret="whsec_other").post(event_body("ready"))
    assert response.status_code == 404
    assert ReplicaHook.objects.get(pk=other.pk).replica_id is None
    _nothing_stored()
