"""Sign in, sign out, change password, and the login throttle."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from portal.accounts import throttle
from portal.accounts.models import AuditEntry
from tests.accounts.personas import PASSWORD


def _login(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_member_signs_in_and_lands_on_home(client, member):
    response = _login(client, "grace", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    page = client.get(reverse("home"))
    assert "acting as:" in page.content.decode()


def test_wrong_password_shows_a_form_error_and_no_session(client, member):
    response = _login(client, "grace", "nope")
    assert response.status_code == 200
    assert "don&#x27;t match an active account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_page_renders_with_csrf_token_and_no_inline_script(client, db):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in body
    assert "<script>" not in body  # CSP: scripts only from our own static files
    assert 'role="alert"' not in body


def test_deactivated_user_cannot_sign_in(client, member):
    member.is_active = False
    member.save()
    response = _login(client, "grace", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_deactivated_user_is_signed_out_of_existing_sessions(as_member, member):
    assert as_member.get(reverse("accounts:api_keys")).status_code == 200
    member.is_active = False
    member.save()
    response = as_member.get(reverse("accounts:api_keys"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_out_is_a_post_and_lands_on_the_signed_out_page(as_member):
    assert as_member.get(reverse("logout")).status_code == 405
    response = as_member.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("signed_out")
    body = response.content.decode()
    assert "You are signed out" in body
    assert "Sign out" not in body  # nobody is signed in on this page any more
    assert "acting as" not in body


def test_signed_in_user_visiting_login_is_sent_home(as_member):
    response = as_member.get(reverse("login"))
    assert response.status_code == 302


def test_change_password(as_member, member, client):
    response = as_member.post(
        reverse("accounts:change_password"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-better-passphrase-42",
            "new_password2": "a-much-better-passphrase-42",
        },
        follow=True,
    )
    assert "Your password is changed." in response.content.decode()
    # Still signed in on this device.
    assert as_member.get(reverse("accounts:api_keys")).status_code == 200
    member.refresh_from_db()
    assert member.check_password("a-much-better-passphrase-42")
    assert AuditEntry.objects.filter(operation="portal.changePassword", user=member).exists()


def test_change_password_requires_the_old_one(as_member, member):
    response = as_member.post(
        reverse("accounts:change_password"),
        {
            "old_password": "wrong",
            "new_password1": "a-much-better-passphrase-42",
            "new_password2": "a-much-better-passphrase-42",
        },
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


# --- throttling ----------------------------------------------------------------------------


@pytest.fixture
def fast_throttle(settings):
    settings.LOGIN_THROTTLE = {
        "USERNAME_SLOW_AFTER": 3,
        "USERNAME_BLOCK_AFTER": 6,
        "IP_SLOW_AFTER": 100,
        "IP_BLOCK_AFTER": 200,
        "BLOCK_SECONDS": 600,
    }


def test_repeated_failures_slow_down_sign_in_for_that_username(client, member, fast_throttle):
    for _ in range(3):
        assert _login(client, "grace", "wrong").status_code == 200
    # The third failure imposes a wait: even the right password is refused, unchecked.
    response = _login(client, "grace", PASSWORD)
    assert response.status_code == 429
    assert "Wait 1 second before trying again" in response.content.decode()
    assert response["Retry-After"] == "1"
    assert "_auth_user_id" not in client.session


def test_throttle_is_per_username_and_case_insensitive(client, member, fast_throttle):
    for name in ("grace", "GRACE", "Grace"):
        _login(client, name, "wrong")
    assert _login(client, "gRaCe", PASSWORD).status_code == 429
    # Another username from the same address is not slowed down by grace's failures.
    get_user_model().objects.create_user("linus", password=PASSWORD)
    assert _login(client, "linus", PASSWORD).status_code == 302


def test_many_failures_block_sign_in_for_a_while(client, member, fast_throttle, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(throttle.time, "time", lambda: clock[0])
    for _ in range(6):
        _login(client, "grace", "wrong")
        clock[0] += 120  # outwait every slow-down
    response = _login(client, "grace", PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Sign-in is blocked after too many failed attempts" in body
    assert "Try again in 8 minutes" in body
    clock[0] += 600
    assert _login(client, "grace", PASSWORD).status_code == 302


def test_unknown_usernames_are_throttled_like_real_ones(client, db, fast_throttle):
    for _ in range(3):
        _login(client, "nobody", "wrong")
    assert _login(client, "nobody", "wrong").status_code == 429


def test_failures_from_one_ip_throttle_every_username_from_it(client, member, settings):
    settings.LOGIN_THROTTLE = {"USERNAME_SLOW_AFTER": 100, "IP_SLOW_AFTER": 4}
    for index in range(4):
        _login(client, f"guess{index}", "wrong", REMOTE_ADDR="203.0.113.9")
    assert _login(client, "grace", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert _login(client, "grace", PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 302


def test_successful_sign_in_resets_the_username_count(client, member, fast_throttle, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(throttle.time, "time", lambda: clock[0])
    _login(client, "grace", "wrong")
    _login(client, "grace", "wrong")
    assert _login(client, "grace", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    _login(client, "grace", "wrong")
    _login(client, "grace", "wrong")
    assert _login(client, "grace", PASSWORD).status_code == 302


def test_client_ip_behind_trusted_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.NUM_PROXIES = 0
    assert throttle.client_ip(request) == "10.0.0.1"
    settings.NUM_PROXIES = 1
    assert throttle.client_ip(request) == "203.0.113.7"  # the forged left entry is ignored
