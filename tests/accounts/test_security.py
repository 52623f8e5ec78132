"""The security baseline: deploy checks, cookies, CSRF, CSP."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.test import Client
from django.urls import reverse

from tests.accounts.personas import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REPLICAS_", "SECURE_", "DJANGO_")) and k not in {"DEBUG"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="portal.example.com",
        CSRF_TRUSTED_ORIGINS="https://portal.example.com",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DATABASE_URL="sqlite:////tmp/portal-deploy-check.sqlite3",
        STATIC_MANIFEST="false",
    )
    env.update(overrides)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_field_encryption_keys():
    result = _manage("check", "--deploy", env=_production_env(FIELD_ENCRYPTION_KEYS=""))
    assert result.returncode != 0
    assert "accounts.E001" in result.stderr
    assert "FIELD_ENCRYPTION_KEYS is not set" in result.stderr


def test_check_deploy_fails_on_an_invalid_field_encryption_key():
    result = _manage(
        "check", "--deploy", env=_production_env(FIELD_ENCRYPTION_KEYS="not-a-fernet-key")
    )
    assert result.returncode != 0
    assert "entry 1 of 1 is not a valid Fernet key" in result.stderr
    assert "not-a-fernet-key" not in result.stderr


def test_demo_accounts_refuses_outside_emulator_mode_with_a_non_zero_exit():
    env = _production_env(REPLICAS_API_URL="https://api.tryreplicas.com")
    result = _manage("demo_accounts", env=env)
    assert result.returncode != 0
    assert "only in emulator mode" in result.stderr


def test_production_cookies_are_secure_httponly_and_samesite(settings):
    # The test settings are DEBUG off, as in production.
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax" and settings.CSRF_COOKIE_SAMESITE == "Lax"


def test_session_cookie_sent_on_sign_in_has_the_flags(client, member):
    response = client.post(reverse("login"), {"username": "grace", "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"]
    assert cookie["samesite"] == "Lax"


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("login", {"username": "grace", "password": PASSWORD}),
        ("accounts:save_personal_key", {"personal-key": "rk_personal_whatever_12345678"}),
        ("accounts:switch_acting", {"as": "personal"}),
        ("logout", {}),
    ],
)
def test_posts_without_the_csrf_token_are_refused(member, url, data):
    client = Client(enforce_csrf_checks=True)
    if url != "login":
        client.force_login(member)
    assert client.post(reverse(url), data).status_code == 403


def test_htmx_posts_carry_the_token_in_a_header(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    page = client.get(reverse("accounts:api_keys"))
    token = page.context["csrf_token"]
    assert f'hx-headers=\'{{"x-csrftoken": "{token}"}}\'' in page.content.decode()
    response = client.post(
        reverse("accounts:switch_acting"),
        {"as": "personal"},
        headers={"HX-Request": "true", "X-CSRFToken": str(token)},
    )
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"


def test_pages_send_a_strict_content_security_policy(as_member):
    policy = as_member.get(reverse("accounts:api_keys"))["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def test_htmx_requests_to_protected_pages_redirect_the_whole_browser_to_sign_in(client, db):
    response = client.get(reverse("accounts:api_keys"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(reverse("login"))
