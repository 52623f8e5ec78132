from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.accounts.personas import *  # noqa: F403


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login throttling lives in the cache: no test inherits another's failures."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness costs seconds per sign-in; the tests don't need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
