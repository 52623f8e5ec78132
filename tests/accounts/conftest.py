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
