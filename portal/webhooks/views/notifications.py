"""The notification centre: the list, the bell's menu, opening and marking read, preferences.

A notification belongs to one user: every lookup is by the signed-in user's own rows (someone
else's id is a 404). Reading one in a tab tells the user's other tabs (the unread count).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.roles import is_org_admin
from portal.lib.htmx import render_box

from .. import notify
from ..forms import PreferencesForm
from ..hooks import receives_webhooks
from ..models import Notification, Preferences
from ..poller import POLL_SECONDS

CENTRE = "notifications/centre.html"
PAGE_SIZE = 30
MENU_SIZE = 8


def _mode() -> dict:
    return {"webhooks_on": receives_webhooks(), "poll_every": POLL_SECONDS}


def _mine(request):
    return Notification.objects.filter(user=request.user)


def _centre(request, show: str | None, page_number: str | None):
    notifications = _mine(request)
    if show == "unread":
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, PAGE_SIZE).get_page(page_number)
    context = {
        "page": page,
        "show": show,
        "unread": _mine(request).filter(read_at__isnull=True).count(),
        "is_admin": is_org_admin(request.user),
        **_mode(),
    }
    return render_box(request, CENTRE, context, boxes=("notification-list",))


def _menu(request):
    context = {
        "notifications": list(_mine(request)[:MENU_SIZE]),
        "unread": _mine(request).filter(read_at__isnull=True).count(),
        **_mode(),
    }
    return render(request, "notifications/menu.html", context)


@login_required
@require_GET
def centre(request):
    return _centre(request, request.GET.get("show"), request.GET.get("page"))


@login_required
@require_GET
def menu(request):
    """The bell's dropdown (htmx); without JavaScript the bell links to the centre."""
    return _menu(request)


@login_required
@require_GET
def open_notification(request, pk: int):
    """Mark it read, then go to its replica (NetBox's "read and redirect")."""
    notification = get_object_or_404(_mine(request), pk=pk)
    if notification.read_at is None:
        _mine(request).filter(pk=pk, read_at__isnull=True).update(read_at=timezone.now())
        transaction.on_commit(lambda: notify.publish_count(request.user.pk))
    return redirect(notify.replica_url(notification))


def _back(request, default: str) -> str:
    url = request.POST.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}):
        return url
    return default


def _after_marking(request):
    transaction.on_commit(lambda: notify.publish_count(request.user.pk))
    if request.htmx and request.htmx.target == "notifications-menu":
        return _menu(request)
    if request.htmx:
        return _centre(request, request.POST.get("show"), request.POST.get("page"))
    return redirect(_back(request, reverse("notifications:centre")))


@login_required
@require_POST
def mark_read(request, pk: int):
    notification = get_object_or_404(_mine(request), pk=pk)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return _after_marking(request)


@login_required
@require_POST
def mark_all_read(request):
    _mine(request).filter(read_at__isnull=True).update(read_at=timezone.now())
    return _after_marking(request)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    prefs = Preferences.objects.filter(user=request.user).first() or Preferences(user=request.user)
    saved = False
    if request.method == "POST":
        form = PreferencesForm(request.POST, instance=prefs)
        if form.is_valid():
            form.save()
            saved = True
            form = PreferencesForm(instance=prefs)
    else:
        form = PreferencesForm(instance=prefs)
    context = {"form": form, "saved": saved, **_mode()}
    return render_box(request, "notifications/preferences.html", context, boxes=("preferences",))
