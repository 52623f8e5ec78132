"""The admins' page of webhook deliveries: every POST the receiver got, with its verdict,
grouped by `X-Replicas-Delivery` (a delivery and its retries), with filters; reprocessing a
stored event; sending a signed test event to the endpoint."""

from __future__ import annotations

from datetime import timedelta

from asgiref.sync import sync_to_async
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.roles import admin_required
from portal.lib.htmx import go, render_box

from .. import sender
from ..hooks import receives_webhooks
from ..models import EVENT_TYPES, TEST, Delivery, Event, Verdict
from ..poller import POLL_SECONDS
from ..processing import MAX_ATTEMPTS, process_event

TEMPLATE = "webhooks/deliveries.html"
PAGE_SIZE = 50


class DeliveryFilterForm(forms.Form):
    verdict = forms.ChoiceField(
        required=False, choices=[("", "Any verdict"), *Verdict.choices], label="Verdict"
    )
    event = forms.ChoiceField(
        required=False,
        choices=[("", "Any event"), *((t, t) for t in (*EVENT_TYPES, TEST))],
        label="Event",
    )
    replica = forms.CharField(required=False, max_length=64, label="Replica id")
    delivery = forms.CharField(required=False, max_length=128, label="Delivery id")


def _filtered(data: dict):
    rows = Delivery.objects.select_related("stored_event")
    if data.get("verdict"):
        rows = rows.filter(verdict=data["verdict"])
    if data.get("event"):
        rows = rows.filter(event_type=data["event"])
    if data.get("replica"):
        rows = rows.filter(replica_id__icontains=data["replica"].strip())
    if data.get("delivery"):
        rows = rows.filter(delivery_id__icontains=data["delivery"].strip())
    return rows


def _groups(rows) -> list[dict]:
    """The page's rows grouped by delivery id (a delivery's retries together, newest first);
    a POST without a delivery id is a group of its own."""
    groups: dict[str, dict] = {}
    for row in rows:
        key = row.delivery_id or f"#{row.pk}"
        group = groups.get(key)
        if group is None:
            group = groups[key] = {
                "delivery_id": row.delivery_id,
                "attempts": [],
                "event": None,
                "event_type": row.event_type,
                "replica_id": row.replica_id,
            }
        group["attempts"].append(row)
        if row.stored_event is not None and group["event"] is None:
            group["event"] = row.stored_event
    return list(groups.values())


@admin_required
@require_GET
def deliveries(request):
    form = DeliveryFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    page = Paginator(_filtered(data), PAGE_SIZE).get_page(request.GET.get("page"))
    since = timezone.now() - timedelta(hours=24)
    verdicts = dict(
        Delivery.objects.filter(received_at__gte=since)
        .values_list("verdict")
        .annotate(n=Count("pk"))
        .values_list("verdict", "n")
    )
    context = {
        "form": form,
        "page": page,
        "groups": _groups(page.object_list),
        "last_day": [(label, verdicts.get(value, 0)) for value, label in Verdict.choices],
        "pending": Event.objects.filter(processed_at__isnull=True)
        .filter(attempts__lt=MAX_ATTEMPTS)
        .count(),
        "given_up": Event.objects.filter(
            Q(processed_at__isnull=True) & Q(attempts__gte=MAX_ATTEMPTS)
        ).count(),
        "public_url": settings.PORTAL_PUBLIC_URL,
        "webhooks_on": receives_webhooks(),
        "poll_every": POLL_SECONDS,
        "max_age_hours": settings.WEBHOOK_MAX_AGE / 3600,
        "max_kb": settings.WEBHOOK_MAX_BYTES // 1024,
    }
    return render_box(request, TEMPLATE, context, boxes=("deliveries",))


@admin_required
@require_POST
def reprocess(request, pk: int):
    event = get_object_or_404(Event, pk=pk)
    outcome = process_event(event.pk, again=True)
    if outcome.startswith("failed"):
        messages.error(request, f"Reprocessing event {event.event_id} failed: {outcome}.")
    else:
        messages.success(request, f"Reprocessed event {event.event_id}: {outcome}.")
    return go(request, _back(request))


def _back(request) -> str:
    url = reverse("webhooks:deliveries")
    query = request.POST.get("query", "")
    return f"{url}?{query}" if query and "\n" not in query else url


def _endpoint_path(token: str) -> str:
    return reverse("webhooks:receive", args=[token])


@admin_required
@require_POST
async def send_test_event(request):
    base = settings.PORTAL_PUBLIC_URL or request.build_absolute_uri("/").rstrip("/")
    sent = await sender.send_test_event(base, _endpoint_path)
    where = f"{base}/webhooks/…"
    if sent.status is None:
        messages.error(
            request,
            f"The test event could not reach {where} ({sent.error}). Is PORTAL_PUBLIC_URL "
            "the address the portal is reachable at?",
        )
    else:
        row = await sync_to_async(
            lambda: Delivery.objects.filter(delivery_id=sent.delivery_id).first()
        )()
        if row is None:
            messages.error(
                request,
                f"The test event sent to {where} was answered {sent.status}, but this portal "
                "recorded no such delivery: that address leads somewhere else.",
            )
        elif sent.status == 200:
            messages.success(
                request,
                f"Test event sent to {where}: answered {sent.status}, recorded as "
                f"{row.get_verdict_display()} (delivery {sent.delivery_id}).",
            )
        else:
            messages.error(
                request,
                f"Test event sent to {where}: answered {sent.status}, recorded as "
                f"{row.get_verdict_display()} (delivery {sent.delivery_id}).",
            )
    return go(request, reverse("webhooks:deliveries"))
