"""Shared by the Automations page tests: Ada (admin: her personal key and the org key stored)
and Grace (member: her personal key) signed in, direct clients to set up and check state in
the emulator, and a fresh automation per test (the emulator is shared by the session)."""

from __future__ import annotations

import contextlib
import re
import secrets
from html import unescape

import pytest

from portal.accounts.acting import SESSION_KEY
from portal.accounts.models import AuditEntry, KeyKind
from portal.emulator.config import DEMO_PERSONAL_KEYS
from portal.emulator.environments import environment_uuid, repository_uuid
from portal.emulator.seed_automations import automation_uuid
from portal.replica_api import ReplicaAPI, errors
from tests.accounts.personas import *  # noqa: F403
from tests.accounts.personas import store_key
from tests.conftest import ORG_KEY

WEB = environment_uuid("web")
PLATFORM = environment_uuid("platform")
SCRATCH = environment_uuid("scratch")
ADA_WEB = environment_uuid("ada-web")
GRACE_SCRATCH = environment_uuid("grace-scratch")
WEB_REPO = repository_uuid("acme/web")
# A schedule the emulator's scheduler won't reach during a test run (Feb 29, 04:00).
RARE = {"type": "cron", "config": {"schedule": "0 4 29 2 *", "timezone": "UTC"}}
NIGHTLY = automation_uuid("nightly-dependency-audit")
PR_COMMAND = automation_uuid("pr-command")
DEPLOY_NOTES = automation_uuid("deploy-notes")
ADA_STANDUP = automation_uuid("ada-daily-standup")
GRACE_CLEANUP = automation_uuid("grace-weekly-cleanup")
FLAKY = automation_uuid("flaky-e2e-suite")
DOCS_SYNC = automation_uuid("docs-sync")
SENTRY = automation_uuid("sentry-autofix")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Names by id are cached per stored key, and key ids repeat across tests."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def ada(as_admin, admin, emulator):
    store_key(admin, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[0])
    store_key(admin, KeyKind.ORG, ORG_KEY)
    return as_admin


@pytest.fixture
def ada_as_org(ada):
    session = ada.session
    session[SESSION_KEY] = KeyKind.ORG
    session.save()
    return ada


@pytest.fixture
def grace(as_member, member, emulator):
    store_key(member, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[1])
    return as_member


@pytest.fixture
def upstream(emulator, api_settings) -> ReplicaAPI:
    """Ada's personal key, straight to the emulator."""
    return ReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=api_settings)


@pytest.fixture
def grace_upstream(emulator, api_settings) -> ReplicaAPI:
    return ReplicaAPI(DEMO_PERSONAL_KEYS[1], settings=api_settings)


@pytest.fixture
def org_upstream(emulator, api_settings) -> ReplicaAPI:
    return ReplicaAPI(ORG_KEY, settings=api_settings)


def unique(prefix: str = "auto") -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


def _made(client: ReplicaAPI, **fields):
    body = {"name": unique(), "prompt": "Do the thing", "environment_id": WEB, "triggers": [RARE],
            **fields}  # fmt: skip
    return client.create_automation(body).automation


@pytest.fixture
def make(upstream, org_upstream, grace_upstream):
    """make(**fields) -> a fresh org automation (or `as_="grace"` / `"ada"` for personal
    ones), deleted after the test."""
    made = []

    def factory(as_: str = "org", **fields):
        client = {"org": org_upstream, "ada": upstream, "grace": grace_upstream}[as_]
        if as_ != "org":
            fields.setdefault("scope", "user")
            fields.setdefault("environment_id", ADA_WEB if as_ == "ada" else SCRATCH)
        automation = _made(client, **fields)
        made.append((client, str(automation.id)))
        return automation

    yield factory
    for client, automation_id in made:
        with contextlib.suppress(errors.NotFound):
            client.delete_automation(automation_id)


def text(response_or_html) -> str:
    """The visible text of a response (or HTML), tags as spaces, entities decoded."""
    html = getattr(response_or_html, "content", response_or_html)
    if isinstance(html, bytes):
        html = html.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def audit_ops(**filters) -> list[str]:
    return list(AuditEntry.objects.filter(**filters).values_list("operation", flat=True))
