"""The Replica API's webhook signature: `X-Replicas-Signature: sha256=<hex HMAC-SHA256(secret,
raw body)>` (the guide's "Webhook Callbacks"). The body alone is signed, with no timestamp:
the stored event ids are the replay guard (`receive.py`)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "sha256="


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def new_token() -> str:
    """The random part of a replica's webhook URL (not a secret: the signature is)."""
    return secrets.token_urlsafe(24)


def sign(secret: str, raw: bytes) -> str:
    return PREFIX + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def verify(secret: str, raw: bytes, header: str | None) -> bool:
    """True when `header` is the signature of `raw` under `secret` (constant time)."""
    if not header:
        return False
    expected = sign(secret, raw).encode()
    return hmac.compare_digest(expected, header.strip().encode("utf-8", "replace"))
