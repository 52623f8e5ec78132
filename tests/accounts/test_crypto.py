"""portal/lib/crypto.py: MultiFernet at rest, first key encrypts, all decrypt, loud failures."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from portal.lib import crypto

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def test_round_trip_and_ciphertext_is_not_plaintext(settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    token = crypto.encrypt("rk_personal_secret_value_1234")
    assert "rk_personal_secret_value_1234" not in token
    assert crypto.decrypt(token) == "rk_personal_secret_value_1234"


def test_first_key_encrypts_and_every_key_decrypts(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    old_token = crypto.encrypt("secret")
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    assert crypto.decrypt(old_token) == "secret"
    new_token = crypto.encrypt("secret")
    assert Fernet(NEW.encode()).decrypt(new_token.encode()) == b"secret"


def test_rotate_re_encrypts_under_the_first_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    token = crypto.encrypt("secret")
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    rotated = crypto.rotate(token)
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    assert crypto.decrypt(rotated) == "secret"


def test_decryption_failure_raises_and_never_returns_ciphertext(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    token = crypto.encrypt("secret")
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(crypto.DecryptionError) as caught:
        crypto.decrypt(token)
    assert token not in str(caught.value)
    assert "FIELD_ENCRYPTION_KEYS" in str(caught.value)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("not a token at all")
    with pytest.raises(crypto.DecryptionError):
        crypto.rotate(token)


def test_missing_keys_are_improperly_configured(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS is not set"):
        crypto.encrypt("secret")
    with pytest.raises(ImproperlyConfigured, match="Fernet.generate_key"):
        crypto.check_configuration()


def test_invalid_key_names_its_position_but_not_its_value(settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW, "hunter2-not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured) as caught:
        crypto.encrypt("secret")
    assert "entry 2 of 2" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_nothing_is_derived_from_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    token = crypto.encrypt("secret")
    settings.SECRET_KEY = "a-completely-different-secret-key-" + "x" * 30
    assert crypto.decrypt(token) == "secret"
