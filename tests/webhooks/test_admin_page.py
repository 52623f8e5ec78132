"""The admins' page of webhook deliveries: every POST with its verdict, grouped by delivery,
filters, reprocessing a stored event, and a signed test event sent to the endpoint."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.webhooks import processing
from portal.webhooks.models import Delivery, Event, HookKind, Notification, ReplicaHook, Verdict

from .conftest import RID, event_body

pytestmark = pytest.mark.django_db
PAGE = "/webhooks/"


def test_members_are_refused(as_member):
    assert as_member.get(PAGE).status_code == 403


def test_every_post_is_listed_with_its_verdict_grouped_by_delivery(as_admin, sender):
    body = event_body("turn_completed")
    sender.post(body, delivery="whd_first")
    sender.post(body, delivery="whd_first")  # the API's retry
    sender.post(event_body("ready"), delivery="whd_forged", secret="whsec_forged")
    sender.post(event_body("ready"), delivery="whd_unsigned", signed=False)
    page = as_admin.get(PAGE).content.decode()
    assert page.count('class="card delivery"') == 3
    first = next(card for card in page.split('class="card delivery"') if "whd_first" in card)
    assert "2 attempts" in first and "valid" in first and "duplicate" in first
    assert "Reprocess" in first and "turn completed; 1 notified" in first
    assert "bad signature" in page and "unsigned" in page
    assert "valid: 1" in page  # the last day's counts


def test_filters(as_admin, sender):
    sender.post(event_body("ready"), delivery="whd_good")
    sender.post(event_body("error"), delivery="whd_bad", signed=False)
    only_bad = as_admin.get(PAGE, {"verdict": Verdict.UNSIGNED}).content.decode()
    assert "whd_bad" in only_bad and "whd_good" not in only_bad
    by_event = as_admin.get(PAGE, {"event": "replica.ready"}).content.decode()
    assert "whd_good" in by_event and "whd_bad" not in by_event
    by_delivery = as_admin.get(
        PAGE, {"delivery": "good"}, headers={"HX-Request": "true", "HX-Target": "deliveries"}
    ).content.decode()
    assert by_delivery.lstrip().startswith('<section id="deliveries"')
    assert "whd_good" in by_delivery and "whd_bad" not in by_delivery
    assert "No deliveries match" in as_admin.get(PAGE, {"replica": "nope"}).content.decode()


def test_reprocess_a_stored_event_whose_processing_failed(as_admin, sender, member, monkeypatch):
    monkeypatch.setattr(processing, "_notify", lambda event: 1 / 0)
    body = event_body("ready")
    sender.post(body)
    event = Event.objects.get(event_id=body["id"])
    assert event.processed_at is None
    assert "processing failed" in as_admin.get(PAGE).content.decode()
    monkeypatch.undo()
    response = as_admin.post(reverse("webhooks:reprocess", args=[event.pk]), follow=True)
    assert "Reprocessed event" in response.content.decode()
    event.refresh_from_db()
    assert event.processed_at is not None
    assert Notification.objects.filter(user=member).count() == 1
    # Reprocessing again changes nothing more: one notification per user and event.
    as_admin.post(reverse("webhooks:reprocess", args=[event.pk]))
    assert Notification.objects.filter(user=member).count() == 1


def test_prune_forgets_only_what_no_longer_guards_anything(sender, member, settings):
    old = event_body("ready", created_at=timezone.now() - timedelta(hours=1))
    sender.post(old)
    Event.objects.update(created_at=timezone.now() - timedelta(days=3))
    Delivery.objects.update(received_at=timezone.now() - timedelta(days=40))
    fresh = event_body("turn_completed")
    sender.post(fresh)
    orphan = ReplicaHook.objects.create(token="orphan", kind=HookKind.PORTAL)
    ReplicaHook.objects.filter(pk=orphan.pk).update(created_at=timezone.now() - timedelta(days=2))
    processing.prune()
    assert list(Event.objects.values_list("event_id", flat=True)) == [fresh["id"]]
    assert Delivery.objects.count() == 1
    assert not ReplicaHook.objects.filter(pk=orphan.pk).exists()
    assert ReplicaHook.objects.filter(replica_id=RID).exists()


# --- the test event, over HTTP to the live portal --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_send_a_signed_test_event_to_the_endpoint(portal, admin, settings):
    settings.PORTAL_PUBLIC_URL = portal.url
    client = Client()
    client.force_login(admin)
    response = client.post(reverse("webhooks:test_event"), follow=True)
    page = response.content.decode()
    assert re.search(r"Test event sent to http://127\.0\.0\.1:\d+/webhooks/…: answered 200, "
                     r"recorded as valid", page), page  # fmt: skip
    delivery = Delivery.objects.get()
    assert delivery.verdict == Verdict.VALID and delivery.event_type == "portal.test"
    event = delivery.stored_event
    assert event.source == "test" and event.processed_at is not None
    assert "nothing to do" in event.outcome
    assert not Notification.objects.exists()
    assert ReplicaHook.objects.get(kind=HookKind.TEST).secret().startswith("whsec_")


@pytest.mark.django_db(transaction=True)
def test_a_test_event_that_cannot_reach_the_endpoint_says_so(admin, settings):
    settings.PORTAL_PUBLIC_URL = "http://127.0.0.1:9"
    client = Client()
    client.force_login(admin)
    page = client.post(reverse("webhooks:test_event"), follow=True).content.decode()
    assert "could not reach http://127.0.0.1:9/webhooks/" in page
    assert "PORTAL_PUBLIC_URL" in page
