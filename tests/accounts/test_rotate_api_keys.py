"""`manage.py rotate_api_keys` re-encrypts every stored key under the first key."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from portal.accounts.models import ApiKey, AuditEntry, KeyKind
from tests.accounts.personas import store_key

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def test_rotation_moves_every_key_to_the_first_encryption_key(settings, admin, member, capsys):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    store_key(admin, KeyKind.PERSONAL, "rk_personal_admin_aaaaaaaaaaaa")
    store_key(member, KeyKind.PERSONAL, "rk_personal_member_bbbbbbbbbbb")
    store_key(admin, KeyKind.ORG, "rk_org_cccccccccccccccccccc")
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    call_command("rotate_api_keys")
    assert "Re-encrypted 3 stored API keys" in capsys.readouterr().out
    settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key can go now
    secrets = sorted(key.secret() for key in ApiKey.objects.all())
    assert secrets == [
        "rk_org_cccccccccccccccccccc",
        "rk_personal_admin_aaaaaaaaaaaa",
        "rk_personal_member_bbbbbbbbbbb",
    ]
    assert AuditEntry.objects.filter(operation="portal.rotateApiKeys").exists()


def test_rotation_refuses_and_changes_nothing_when_a_key_cannot_be_decrypted(settings, member):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    key = store_key(member, KeyKind.PERSONAL, "rk_personal_member_bbbbbbbbbbb")
    before = key.ciphertext
    settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key was dropped too early
    with pytest.raises(CommandError) as caught:
        call_command("rotate_api_keys")
    assert f"personal key #{key.pk}" in str(caught.value)
    assert "bbbbbbbbbbb" not in str(caught.value)
    key.refresh_from_db()
    assert key.ciphertext == before


def test_rotation_without_keys_configured_is_a_clear_error(settings, db):
    from django.core.exceptions import ImproperlyConfigured

    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        call_command("rotate_api_keys")
