"""The change-password form sits behind the login throttle: a signed-in session can't guess
the current password any faster than the sign-in form allows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.accounts import throttle
from tests.accounts.personas import PASSWORD

CHANGE = reverse("accounts:change_password")
NEW = "a-much-better-passphrase-42"


def _change(client, old, **extra):
    return client.post(
        CHANGE, {"old_password": old, "new_password1": NEW, "new_password2": NEW}, **extra
    )


def _login(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


@pytest.fixture
def fast_throttle(settings):
    settings.LOGIN_THROTTLE = {
        "USERNAME_SLOW_AFTER": 3,
        "USERNAME_BLOCK_AFTER": 6,
        "IP_SLOW_AFTER": 100,
        "IP_BLOCK_AFTER": 200,
        "BLOCK_SECONDS": 600,
    }


@pytest.fixture
def clock(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(throttle.time, "time", lambda: now[0])
    return now


def test_guessing_the_old_password_is_throttled(as_member, member, clock):
    """The audit's case: 30 wrong old passwords used to be 30 × 200."""
    statuses = [_change(as_member, f"guess-{n}").status_code for n in range(30)]
    assert 429 in statuses
    assert statuses.count(200) <= throttle.config()["USERNAME_SLOW_AFTER"]


def test_throttled_form_is_refused_before_the_old_password_is_checked(
    as_member, member, fast_throttle, monkeypatch
):
    for n in range(3):
        assert _change(as_member, f"guess-{n}").status_code == 200
    checked = []
    real_check = type(member).check_password
    monkeypatch.setattr(
        type(member),
        "check_password",
        lambda self, raw: checked.append(raw) or real_check(self, raw),
    )
    # Even the right old password is refused now, unchecked.
    response = _change(as_member, PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    body = response.content.decode()
    assert "Wait 1 second before trying again" in body
    assert 'role="alert"' in body
    assert checked == []
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_blocked_after_many_wrong_old_passwords(as_member, member, fast_throttle, clock):
    for n in range(6):
        _change(as_member, f"guess-{n}")
        clock[0] += 120  # outwait every slow-down
    response = _change(as_member, PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == "480"  # 600 s from the sixth miss, 120 s ago
    assert "Sign-in is blocked after too many failed attempts" in response.content.decode()
    clock[0] += 600
    assert _change(as_member, PASSWORD).status_code == 302


def test_wrong_old_passwords_count_against_signing_in_as_that_user(
    as_member, member, client, fast_throttle
):
    for n in range(3):
        _change(as_member, f"guess-{n}")
    assert _login(client, "grace", PASSWORD).status_code == 429


def test_wrong_old_passwords_count_against_the_client_ip(
    as_member, member, outsider, client, settings
):
    settings.LOGIN_THROTTLE = {"USERNAME_SLOW_AFTER": 100, "IP_SLOW_AFTER": 4}
    for n in range(4):
        _change(as_member, f"guess-{n}", REMOTE_ADDR="203.0.113.9")
    # Another account signing in from the same address is slowed down; from elsewhere it isn't.
    assert _login(client, "alan", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert _login(client, "alan", PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 302


def test_a_correct_change_clears_the_username_count(as_member, member, fast_throttle, clock):
    _change(as_member, "guess-1")
    _change(as_member, "guess-2")
    assert _change(as_member, PASSWORD).status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW)
    # Two more misses: had the count survived, this would be the fourth failure.
    _change(as_member, "guess-3")
    _change(as_member, "guess-4")
    response = as_member.post(
        CHANGE,
        {"old_password": NEW, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.status_code == 302


def test_mismatched_new_passwords_are_not_a_failed_guess(as_member, member, fast_throttle):
    for _ in range(4):
        response = as_member.post(
            CHANGE,
            {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"},
        )
        assert response.status_code == 200
    assert _change(as_member, PASSWORD).status_code == 302
