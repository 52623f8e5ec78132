"""The webhook settings (read and checked at start) and `make run`'s PORTAL_PUBLIC_URL."""

from __future__ import annotations

import pytest

from portal import devserver
from tests.test_settings import load_settings


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"PORTAL_PUBLIC_URL": "portal.example.com"}, "PORTAL_PUBLIC_URL must be a URL"),
        ({"PORTAL_PUBLIC_URL": "ftp://portal"}, "PORTAL_PUBLIC_URL must be a URL"),
        ({"WEBHOOK_MAX_AGE": "a day"}, "WEBHOOK_MAX_AGE must be an integer"),
        ({"WEBHOOK_MAX_AGE": "10"}, "WEBHOOK_MAX_AGE must be at least 60"),
        ({"WEBHOOK_MAX_BYTES": "12"}, "WEBHOOK_MAX_BYTES must be at least 1024"),
    ],
)
def test_bad_webhook_settings_stop_the_portal_at_start(overrides, message):
    result = load_settings(**overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_defaults():
    from portal import settings as portal_settings  # as read from this environment

    assert portal_settings.WEBHOOK_MAX_AGE == 86400
    assert portal_settings.WEBHOOK_MAX_BYTES == 256 * 1024


def test_make_run_points_the_emulators_webhooks_at_the_local_portal(monkeypatch):
    monkeypatch.setattr(devserver, "PORTAL_HOST", "127.0.0.1")
    monkeypatch.setattr(devserver, "PORTAL_PORT", "8000")
    assert devserver.default_public_url(devserver.EMULATOR_URL, "") == "http://127.0.0.1:8000"
    monkeypatch.setattr(devserver, "PORTAL_HOST", "0.0.0.0")
    assert devserver.default_public_url(devserver.EMULATOR_URL, "") == "http://127.0.0.1:8000"
    # Set by hand, or the real API (which can't reach a local portal): left alone.
    assert devserver.default_public_url(devserver.EMULATOR_URL, "https://x.example") is None
    assert devserver.default_public_url("https://api.tryreplicas.com", "") is None
