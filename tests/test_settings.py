"""The settings module: bad environment values fail at start with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD = {
    "SECRET_KEY": "x" * 60,
    "DEBUG": "false",
    "DATABASE_URL": "sqlite:////tmp/portal-settings-test.sqlite3",
}


def load_settings(**overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in GOOD and not k.startswith("REPLICAS_")}
    env.update(GOOD)
    env.update(overrides)
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    code = "import django; django.setup(); from django.conf import settings; print(settings.REPLICAS_API_URL)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd="/tmp", env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_good_environment_loads_and_defaults_to_the_emulator():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:8765"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"REPLICAS_API_URL": "ftp://x"}, "REPLICAS_API_URL must be a URL"),
        ({"REPLICAS_API_READ_TIMEOUT": "soon"}, "REPLICAS_API_READ_TIMEOUT must be a number"),
        ({"REPLICAS_API_MAX_RETRIES": "-1"}, "REPLICAS_API_MAX_RETRIES must be at least 0"),
        ({"DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://cache"}, "REDIS_URL must be a URL"),
        ({"CSRF_TRUSTED_ORIGINS": "portal.example.com"}, "CSRF_TRUSTED_ORIGINS"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_bad_values_raise_improperly_configured(overrides, message):
    result = load_settings(**overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_real_api_url_is_not_emulator_mode():
    env = {"REPLICAS_API_URL": "https://api.tryreplicas.com"}
    result = load_settings(**env)
    assert result.returncode == 0, result.stderr
