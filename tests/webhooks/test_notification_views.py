"""The notification centre, the bell's menu, opening and marking read, preferences."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.webhooks.models import How, Notification, Preferences

from .conftest import RID, event_body

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _note(user, n: int, *, read: bool = False, kind: str = "replica.ready", **fields):
    return Notification.objects.create(
        user=user,
        event_id=f"wh_{user.pk}_{n}",
        kind=kind,
        replica_id=RID,
        replica_name="fix-auth-bug",
        title=f"fix-auth-bug is ready ({n})",
        body="Its workspace is up.",
        read_at=timezone.now() if read else None,
        **fields,
    )


def test_the_centre_lists_my_notifications_only(as_member, member, outsider):
    _note(member, 1)
    _note(member, 2, read=True)
    _note(outsider, 3)
    body = as_member.get(reverse("notifications:centre")).content.decode()
    assert "fix-auth-bug is ready (1)" in body and "fix-auth-bug is ready (2)" in body
    assert "(3)" not in body
    assert "Unread (1)" in body


def test_the_centre_can_show_unread_only(as_member, member):
    _note(member, 1)
    _note(member, 2, read=True)
    body = as_member.get(reverse("notifications:centre") + "?show=unread").content.decode()
    assert "(1)" in body and "is ready (2)" not in body


def test_the_centre_says_how_news_arrives(as_member, settings):
    settings.PORTAL_PUBLIC_URL = ""
    body = as_member.get(reverse("notifications:centre")).content.decode()
    assert "may lag" in body and "PORTAL_PUBLIC_URL" in body
    settings.PORTAL_PUBLIC_URL = "https://portal.example.com"
    body = as_member.get(reverse("notifications:centre")).content.decode()
    assert "as it happens" in body


def test_opening_a_notification_marks_it_read_and_goes_to_the_replica(as_member, member):
    note = _note(member, 1)
    response = as_member.get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("replicas:detail", args=[RID])
    note.refresh_from_db()
    assert note.read_at is not None


def test_opening_a_turn_notification_with_a_chat_goes_to_that_chat(as_member, member):
    note = _note(member, 1, kind="replica.turn_completed", chat_id="chat_1")
    response = as_member.get(reverse("notifications:open", args=[note.pk]))
    assert response["Location"] == reverse("replicas:detail", args=[RID]) + "?chat=chat_1"


def test_a_deleted_replicas_notification_goes_to_the_list(as_member, member):
    note = _note(member, 1, kind="replica.deleted")
    response = as_member.get(reverse("notifications:open", args=[note.pk]))
    assert response["Location"] == reverse("replicas:list")


def test_someone_elses_notification_is_a_404(as_member, outsider):
    note = _note(outsider, 1)
    assert as_member.get(reverse("notifications:open", args=[note.pk])).status_code == 404
    assert as_member.post(reverse("notifications:read", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_read_without_javascript_redirects_back(as_member, member):
    note = _note(member, 1)
    response = as_member.post(reverse("notifications:read", args=[note.pk]))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_read_with_htmx_rerenders_the_list_box(as_member, member):
    note = _note(member, 1)
    _note(member, 2)
    response = as_member.post(
        reverse("notifications:read", args=[note.pk]),
        headers={**HX, "HX-Target": "notification-list"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="notification-list"')
    assert "Unread (1)" in body


def test_mark_read_from_the_menu_rerenders_the_menu(as_member, member):
    note = _note(member, 1)
    response = as_member.post(
        reverse("notifications:read", args=[note.pk]),
        headers={**HX, "HX-Target": "notifications-menu"},
    )
    body = response.content.decode()
    assert "All notifications" in body and "<html" not in body


def test_mark_all_read(as_member, member, outsider):
    _note(member, 1)
    _note(member, 2)
    theirs = _note(outsider, 3)
    as_member.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(user=member, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_menu_shows_the_latest_few(as_member, member):
    for n in range(12):
        _note(member, n)
    body = as_member.get(reverse("notifications:menu"), headers=HX).content.decode()
    assert body.count('class="notification ') == 8
    assert "Mark all read" in body


def test_preferences_default_and_save(as_member, member):
    page = as_member.get(reverse("notifications:preferences")).content.decode()
    assert "A replica is ready" in page and "on the desktop" in page
    response = as_member.post(
        reverse("notifications:preferences"),
        {"ready": How.OFF, "turn_completed": How.DESKTOP, "error": How.PORTAL, "deleted": How.OFF},
        headers={**HX, "HX-Target": "preferences"},
    )
    assert "Saved." in response.content.decode()
    prefs = Preferences.objects.get(user=member)
    assert (prefs.ready, prefs.turn_completed, prefs.error, prefs.deleted) == (
        How.OFF, How.DESKTOP, How.PORTAL, How.OFF,
    )  # fmt: skip


def test_preferences_decide_who_is_notified_and_how(sender, member):
    Preferences.objects.create(user=member, ready=How.OFF, error=How.PORTAL)
    sender.post(event_body("ready"))
    assert not Notification.objects.filter(user=member).exists()
    sender.post(event_body("error"))
    sender.post(event_body("turn_completed"))
    by_kind = dict(Notification.objects.filter(user=member).values_list("kind", "desktop"))
    assert by_kind == {"replica.error": False, "replica.turn_completed": True}


def test_a_bad_preferences_post_shows_the_form_again(as_member):
    response = as_member.post(reverse("notifications:preferences"), {"ready": "loud"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
