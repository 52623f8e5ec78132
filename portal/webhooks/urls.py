"""Webhooks (/webhooks/…: the receiver, and the admin's page of deliveries) and notifications
(/notifications/…: the centre, the bell's menu, the live stream, follow, preferences)."""

from __future__ import annotations

from django.urls import include, path

from .views import admin, follow, notifications, receiver, stream

webhook_patterns = [
    path("", admin.deliveries, name="deliveries"),
    path("replicas/<str:token>", receiver.receive_webhook, name="receive"),
    path("events/<int:pk>/reprocess/", admin.reprocess, name="reprocess"),
    path("test-event/", admin.send_test_event, name="test_event"),
]

notification_patterns = [
    path("", notifications.centre, name="centre"),
    path("menu/", notifications.menu, name="menu"),
    path("stream/", stream.notification_stream, name="stream"),
    path("read-all/", notifications.mark_all_read, name="read_all"),
    path("preferences/", notifications.preferences, name="preferences"),
    path("<int:pk>/", notifications.open_notification, name="open"),
    path("<int:pk>/read/", notifications.mark_read, name="read"),
    path("follow/<uuid:replica_id>/", follow.follow_box, name="follow"),
]

urlpatterns = [
    path("webhooks/", include((webhook_patterns, "webhooks"))),
    path("notifications/", include((notification_patterns, "notifications"))),
]
