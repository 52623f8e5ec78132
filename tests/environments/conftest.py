"""Shared by the Environments page tests: Ada (admin) and Grace (member) signed in with their
demo keys, direct clients to set up and check state in the emulator, and helpers that make a
fresh environment per test (the emulator is shared by the whole session)."""

from __future__ import annotations

import contextlib
import re
import secrets
from html import unescape

import pytest

from portal.accounts.models import AuditEntry, KeyKind
from portal.emulator.config import DEMO_PERSONAL_KEYS
from portal.emulator.environments import environment_uuid
from portal.replica_api import ReplicaAPI, errors
from tests.accounts.personas import *  # noqa: F403
from tests.accounts.personas import store_key
from tests.conftest import ORG_KEY

HX = {"HX-Request": "true", "HX-Target": "panel"}
WEB = environment_uuid("web")
PLATFORM = environment_uuid("platform")
SCRATCH = environment_uuid("scratch")
ADA_WEB = environment_uuid("ada-web")
GRACE_SCRATCH = environment_uuid("grace-scratch")
GLOBAL = environment_uuid("global")


@pytest.fixture
def ada(as_admin, admin, emulator):
    """The admin, signed in, with Ada's personal demo key (and the org key) stored."""
    store_key(admin, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[0])
    store_key(admin, KeyKind.ORG, ORG_KEY)
    return as_admin


@pytest.fixture
def grace(as_member, member, emulator):
    """The member, signed in, with Grace's personal demo key stored."""
    store_key(member, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[1])
    return as_member


@pytest.fixture
def upstream(emulator, api_settings) -> ReplicaAPI:
    """Ada's key, straight to the emulator."""
    return ReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=api_settings)


@pytest.fixture
def grace_upstream(emulator, api_settings) -> ReplicaAPI:
    return ReplicaAPI(DEMO_PERSONAL_KEYS[1], settings=api_settings)


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


@pytest.fixture
def team_env(upstream):
    """A fresh team environment (deleted afterwards)."""
    env = upstream.create_environment({"name": unique("team"), "scope": "org"}).environment
    yield env
    with contextlib.suppress(errors.NotFound):  # deleted by the test itself
        upstream.delete_environment(str(env.id))


@pytest.fixture
def grace_env(grace_upstream):
    """A fresh personal environment of Grace's (deleted afterwards)."""
    env = grace_upstream.create_environment({"name": unique("mine"), "scope": "user"}).environment
    yield env
    with contextlib.suppress(errors.NotFound):
        grace_upstream.delete_environment(str(env.id))


def text(response_or_html) -> str:
    """The visible text of a response (or HTML), tags as spaces, entities decoded."""
    html = getattr(response_or_html, "content", response_or_html)
    if isinstance(html, bytes):
        html = html.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def audit_ops(**filters) -> list[str]:
    return list(AuditEntry.objects.filter(**filters).values_list("operation", flat=True))
