"""Notifications on the wire: what a user's open tabs are sent (`hub.py` carries it).

Messages (dicts, JSON on Redis):
- `{"kind": "notification", "id": n, "count": unread, "payload": {...}}`: a new notification;
  `payload` has its words, where opening it goes, whether it wants the desktop, and the
  toast's HTML (rendered once, here, for every tab);
- `{"kind": "count", "count": unread}`: the unread count changed (read in another tab).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse

from .hub import hub
from .models import DELETED, Notification


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def replica_url(notification: Notification) -> str:
    if notification.replica_id is None or notification.kind == DELETED:
        return reverse("replicas:list")
    url = reverse("replicas:detail", args=[notification.replica_id])
    return f"{url}?chat={notification.chat_id}" if notification.chat_id else url


def payload(notification: Notification) -> dict:
    open_url = reverse("notifications:open", args=[notification.pk])
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": open_url,
        # One desktop notification per replica and event, however many tabs get this.
        "tag": f"replica:{notification.replica_id}:{notification.event_id}",
        "desktop": notification.desktop,
        "toast": render_to_string(
            "notifications/toast.html", {"n": notification, "open_url": open_url}
        ),
    }


def message(notification: Notification, count: int) -> dict:
    return {
        "kind": "notification",
        "id": notification.pk,
        "count": count,
        "payload": payload(notification),
    }


def publish_new(notifications: list[Notification]) -> None:
    """After the transaction that created them committed."""
    for notification in notifications:
        count = unread_count(notification.user_id)
        hub().publish(notification.user_id, message(notification, count))


def publish_count(user_id: int) -> None:
    hub().publish(user_id, {"kind": "count", "count": unread_count(user_id)})
