"""Personas for tests of anything behind sign-in: an org admin, a member, an outsider.

    from tests.accounts.personas import *  # noqa: F403  (in a conftest.py)

- `admin`: an org admin (in the "Org admins" group, not a superuser);
- `member`: a member;
- `outsider`: another member, whose data `member` must never see.
`admin_client`-style signed-in clients: `as_admin`, `as_member`, `as_outsider`.
`store_key(user, kind, plaintext)` stores a key directly (no live check).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from portal.accounts.models import ApiKey, KeyKind
from portal.accounts.roles import ADMIN, set_role

PASSWORD = "correct-horse-battery-staple-41"

__all__ = [
    "PASSWORD",
    "admin",
    "as_admin",
    "as_member",
    "as_outsider",
    "member",
    "outsider",
    "signed_in",
    "store_key",
]


def _user(username: str, first: str, last: str, *, role: str | None = None):
    user = get_user_model().objects.create_user(
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        first_name=first,
        last_name=last,
    )
    if role:
        set_role(user, role)
    return user


@pytest.fixture
def admin(db):
    return _user("ada", "Ada", "Lovelace", role=ADMIN)


@pytest.fixture
def member(db):
    return _user("grace", "Grace", "Hopper")


@pytest.fixture
def outsider(db):
    return _user("alan", "Alan", "Turing")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_admin(admin) -> Client:
    return signed_in(admin)


@pytest.fixture
def as_member(member) -> Client:
    return signed_in(member)


@pytest.fixture
def as_outsider(outsider) -> Client:
    return signed_in(outsider)


def store_key(user, kind: str, plaintext: str, **fields) -> ApiKey:
    """Store a key for `user` (or the org key) without asking the API."""
    key = ApiKey(kind=kind, user=user if kind == KeyKind.PERSONAL else None, added_by=user)
    key.set_secret(plaintext)
    for name, value in fields.items():
        setattr(key, name, value)
    key.save()
    return key
