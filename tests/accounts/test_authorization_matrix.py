"""Every URL in the project, as anonymous, member and admin.

The URL list is walked from the resolver, so URLs other issues add are covered as soon as
they exist. Anonymous visitors are sent to sign in; members get 403 on admin pages (views
decorated with `admin_required`, which marks them); nobody signed in gets a 500. Public
URLs are listed below, explicitly: add one only with a reason.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

from portal.accounts.models import KeyKind
from tests.accounts.personas import store_key
from tests.accounts.urlwalk import walk
from tests.conftest import MEMBER_KEY, PERSONAL_KEY

PUBLIC = {
    "healthz": "load balancer health check",
    "login": "the sign-in page",
    "logout": "signing out needs no sign-in",
    "signed_out": "shown after signing out",
    "accounts:set_password": "one-time set-password link for someone not signed in yet",
    "accounts:set_password_done": "shown after setting a password from that link",
    "webhooks:receive": "the Replica API posts replica events here; each replica's HMAC "
    "signature authenticates them (401 without one, 404 for an unknown webhook)",
}
# Admin pages we know of: guards against admin_required losing its mark.
KNOWN_ADMIN_PAGES = {
    "accounts:team",
    "accounts:add_member",
    "accounts:change_role",
    "accounts:set_active",
    "accounts:set_password_link",
    "accounts:save_org_key",
    "accounts:delete_org_key",
    "webhooks:deliveries",
    "webhooks:reprocess",
    "webhooks:test_event",
    "fleet:usage",
    "fleet:usage_csv",
}

CASES = walk()
PROTECTED = [case for case in CASES if case.name not in PUBLIC]
ADMIN_ONLY = [case for case in PROTECTED if case.admin_only]
MEMBER_OK = [case for case in PROTECTED if not case.admin_only]


def _ids(cases):
    return [str(case) for case in cases]


def _is_login_redirect(response) -> bool:
    login = resolve_url(settings.LOGIN_URL)
    return response.status_code == 302 and response["Location"].startswith(login)


def test_the_walk_found_the_accounts_urls():
    names = {case.name for case in CASES}
    assert names >= KNOWN_ADMIN_PAGES
    assert set(PUBLIC) <= names, "a public URL in the exemption list no longer exists"
    assert {case.name for case in ADMIN_ONLY} >= KNOWN_ADMIN_PAGES


@pytest.mark.parametrize("case", PROTECTED, ids=_ids(PROTECTED))
def test_anonymous_is_sent_to_sign_in(client, db, case):
    """Pages redirect to sign in. Also accepted, as they reveal nothing and run no view
    code: 401/403 (an event stream can't follow a redirect) and 405 for a method the view
    doesn't take. At least one of GET/POST must be an actual refusal, and nothing may
    succeed."""
    statuses = {}
    for method in ("get", "post"):
        response = getattr(client, method)(case.url)
        refused = _is_login_redirect(response) or response.status_code in (401, 403)
        statuses[method] = "refused" if refused else response.status_code
        assert refused or response.status_code == 405, (
            f"{method.upper()} {case.url} as anonymous: {response.status_code} "
            f"{response.get('Location', '')} (expected a redirect to sign in)"
        )
    assert "refused" in statuses.values(), f"{case.url} as anonymous: {statuses}"


@pytest.mark.parametrize("case", [c for c in CASES if c.name in PUBLIC], ids=str)
def test_public_urls_answer_anonymous_without_error(client, db, case):
    response = client.get(case.url)
    assert response.status_code < 500


@pytest.mark.parametrize("case", ADMIN_ONLY, ids=_ids(ADMIN_ONLY))
def test_member_gets_403_on_admin_pages(as_member, case):
    for method in ("get", "post"):
        response = getattr(as_member, method)(case.url)
        assert response.status_code == 403, f"{method.upper()} {case.url} as member"
        assert "You can't open this page" in response.content.decode()


@pytest.fixture
def with_keys(admin, member, emulator):
    store_key(admin, KeyKind.PERSONAL, PERSONAL_KEY)
    store_key(member, KeyKind.PERSONAL, MEMBER_KEY)


def _assert_page_is_sound(response, who: str, url: str) -> None:
    assert response.status_code not in (401, 403), f"GET {url} as {who}: {response.status_code}"
    assert response.status_code < 500, f"GET {url} as {who}: {response.status_code}"
    assert not _is_login_redirect(response), f"GET {url} as {who} was sent to sign in"
    if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
        _assert_html_is_csp_and_csrf_clean(response.content.decode(), url)


def _assert_html_is_csp_and_csrf_clean(body: str, url: str) -> None:
    # CSP allows no inline code: no script without src, no style blocks or attributes, no
    # on* handlers.
    for script in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in script, f"inline <script> on {url}"
    assert "<style" not in body, f"<style> block on {url}"
    assert not re.search(r"\sstyle=", body), f"style attribute on {url}"
    assert not re.search(r"\son[a-z]+=", body), f"inline event handler on {url}"
    assert not re.search(r"\shx-on[:-]", body), f"hx-on (needs eval) on {url}"
    # CSRF: every POST form carries the token; HTMX requests carry it via <body hx-headers>.
    for form in re.findall(r"<form\b[^>]*>.*?</form>", body, flags=re.S | re.I):
        if re.search(r'method="post"', form, flags=re.I):
            assert "csrfmiddlewaretoken" in form, f"a POST form without csrf_token on {url}"
    if "<body" in body:
        assert re.search(r"<body[^>]*hx-headers='\{\"x-csrftoken\": \"[^\"]+\"\}'", body), (
            f"<body hx-headers> without the CSRF token on {url}"
        )


@pytest.mark.parametrize("case", MEMBER_OK, ids=_ids(MEMBER_OK))
def test_member_can_open_every_non_admin_page(as_member, with_keys, case):
    _assert_page_is_sound(as_member.get(case.url), "member", case.url)


@pytest.mark.parametrize("case", PROTECTED, ids=_ids(PROTECTED))
def test_admin_can_open_every_page(as_admin, with_keys, case):
    _assert_page_is_sound(as_admin.get(case.url), "admin", case.url)
