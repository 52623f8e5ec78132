"""Shared by the emulator tests: HTTP clients with the demo org's key and with Ada's and
Grace's personal keys, and the check of an error answer's shape."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import MEMBER_KEY, ORG_KEY, PERSONAL_KEY


def _client(emulator, key: str) -> httpx.Client:
    return httpx.Client(
        base_url=emulator.url, headers={"Authorization": f"Bearer {key}"}, timeout=15
    )


@pytest.fixture
def org(emulator):
    with _client(emulator, ORG_KEY) as c:
        yield c


@pytest.fixture
def ada(emulator):
    with _client(emulator, PERSONAL_KEY) as c:
        yield c


@pytest.fixture
def grace(emulator):
    with _client(emulator, MEMBER_KEY) as c:
        yield c


def assert_error(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert isinstance(body["error"], str) and "details" in body
    return body
