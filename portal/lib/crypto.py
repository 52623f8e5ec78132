"""Encryption at rest for stored secrets (API keys), with MultiFernet.

FIELD_ENCRYPTION_KEYS is a list of Fernet keys: the first encrypts, every one of them
decrypts, so a key can be rotated in without losing what the old one encrypted (put the new
key first, run `manage.py rotate_api_keys`, then drop the old key). Nothing is derived from
SECRET_KEY: the two rotate independently.

A token that no configured key opens raises `DecryptionError`; nothing here ever hands back
ciphertext in place of plaintext.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

GENERATE_HINT = (
    'Generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any key in FIELD_ENCRYPTION_KEYS."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "A stored secret could not be decrypted with any key in FIELD_ENCRYPTION_KEYS. "
            "Was the key that encrypted it removed? Put it back (after the current first key) "
            "or delete and re-enter the secret."
        )


@lru_cache(maxsize=4)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is not set: the portal needs it to store API keys. "
            + GENERATE_HINT
        )
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode() if isinstance(key, str) else key))
        except (ValueError, TypeError):
            # Never echo the value: it is (or was meant to be) a secret.
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS entry {position} of {len(keys)} is not a valid Fernet "
                f"key (32 url-safe base64-encoded bytes). {GENERATE_HINT}"
            ) from None
    return MultiFernet(fernets)


def multifernet() -> MultiFernet:
    """The configured MultiFernet; ImproperlyConfigured when the keys are missing or bad."""
    keys = tuple(k.strip() for k in settings.FIELD_ENCRYPTION_KEYS if k and k.strip())
    return _multifernet(keys)


def check_configuration() -> None:
    """Raise ImproperlyConfigured now rather than at the first save."""
    multifernet()


def encrypt(plaintext: str) -> str:
    """Encrypt under the first key. Returns a Fernet token (ASCII text)."""
    return multifernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt with whichever configured key opens the token, or raise DecryptionError."""
    try:
        return multifernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError, TypeError):
        raise DecryptionError() from None


def rotate(token: str) -> str:
    """Re-encrypt a token under the first key (DecryptionError if no key opens it)."""
    try:
        return multifernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError, ValueError, TypeError):
        raise DecryptionError() from None
