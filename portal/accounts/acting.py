"""Acting as: which stored key a request's upstream calls use.

    api = api_for(request)                 # sync views
    aapi = await async_api_for(request)    # async views: call before streaming starts

Every user acts with their personal key by default; an org admin may switch to the org key
(kept in the session, shown in the header, audited). When the key for the current choice is
missing, rejected by the API, or can't be decrypted, these raise `NoUsableKey`; the accounts
middleware turns that into the friendly "add your API key" page, so a view never has to.
`@requires_api_key` checks before the view runs, for views that would rather not start.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

from asgiref.sync import iscoroutinefunction
from django.contrib.auth.decorators import login_required, user_passes_test
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.debug import sensitive_variables
from django_htmx.http import HttpResponseClientRedirect

from portal.lib import crypto

from .clients import AuditedAsyncReplicaAPI, AuditedReplicaAPI
from .models import ApiKey, KeyKind
from .roles import ais_org_admin, is_org_admin

log = logging.getLogger("portal.accounts")

SESSION_KEY = "acting_as"
_KEY_CACHE = "_portal_acting_key"

MISSING = "missing"
REJECTED = "rejected"
UNDECRYPTABLE = "undecryptable"


class NoUsableKey(Exception):
    """The signed-in user has no usable key for the kind they act as."""

    def __init__(self, kind: str, reason: str) -> None:
        self.kind = kind
        self.reason = reason
        super().__init__(f"No usable {kind} API key ({reason}).")


@dataclass(frozen=True)
class Acting:
    kind: str  # "personal" or "org"
    is_admin: bool

    @property
    def label(self) -> str:
        return "org" if self.kind == KeyKind.ORG else "you"


# --- which kind --------------------------------------------------------------------------


def acting_kind(request) -> str:
    """The key kind this request acts with: "org" only for an admin who switched to it."""
    if request.session.get(SESSION_KEY) == KeyKind.ORG and is_org_admin(request.user):
        return KeyKind.ORG
    return KeyKind.PERSONAL


async def aacting_kind(request) -> str:
    user = await request.auser()
    if await request.session.aget(SESSION_KEY) == KeyKind.ORG and await ais_org_admin(user):
        return KeyKind.ORG
    return KeyKind.PERSONAL


def acting(request) -> Acting:
    return Acting(kind=acting_kind(request), is_admin=is_org_admin(request.user))


def set_acting_kind(request, kind: str) -> None:
    """Store the choice in the session (the caller checks the user may make it)."""
    request.session[SESSION_KEY] = kind


# --- which key ---------------------------------------------------------------------------


def _key_query(user, kind: str):
    if kind == KeyKind.ORG:
        return ApiKey.objects.filter(kind=KeyKind.ORG)
    return ApiKey.objects.filter(kind=KeyKind.PERSONAL, user=user)


def stored_key(user, kind: str) -> ApiKey | None:
    return _key_query(user, kind).first()


def key_problem(key: ApiKey | None) -> str | None:
    """Why a stored key can't be used (MISSING, REJECTED), or None. Decryption is separate."""
    if key is None:
        return MISSING
    if key.is_rejected:
        return REJECTED
    return None


def usable_key(request) -> ApiKey:
    """The stored key this request acts with, or NoUsableKey. Cached on the request."""
    kind = acting_kind(request)
    cached = getattr(request, _KEY_CACHE, None)
    if cached is not None and cached.kind == kind:
        return cached
    key = stored_key(request.user, kind)
    problem = key_problem(key)
    if problem:
        raise NoUsableKey(kind, problem)
    setattr(request, _KEY_CACHE, key)
    return key


async def ausable_key(request) -> ApiKey:
    kind = await aacting_kind(request)
    cached = getattr(request, _KEY_CACHE, None)
    if cached is not None and cached.kind == kind:
        return cached
    user = await request.auser()
    key = await _key_query(user, kind).afirst()
    problem = key_problem(key)
    if problem:
        raise NoUsableKey(kind, problem)
    setattr(request, _KEY_CACHE, key)
    return key


def load_identity(request, *, with_key: bool = False) -> None:
    """Who is asking, loaded before the view (by the accounts middleware, in one thread hop
    under ASGI): the session, the user, the admin flag and, for views that need it, the
    acting key, each cached on the request. So `request.auser()`, `aacting_kind()` and
    `ausable_key()` then answer without the database (each would be a thread hop), and so
    does the header every page renders."""
    user = request.user
    authenticated = user.is_authenticated  # loads the session and the user
    # `request.user` and `await request.auser()` are cached apart: one object for both.
    request._acached_user = getattr(request, "_cached_user", user)
    if not authenticated:
        return
    is_org_admin(user)
    request.session.get(SESSION_KEY)
    if with_key:
        with contextlib.suppress(NoUsableKey):  # the view's `requires_api_key` says so
            usable_key(request)


@sensitive_variables("plaintext")
def _decrypt(key: ApiKey) -> str:
    try:
        plaintext = key.secret()
    except crypto.DecryptionError:
        log.error(
            "The stored %s API key %s cannot be decrypted with FIELD_ENCRYPTION_KEYS.",
            key.kind,
            key.pk,
        )
        raise NoUsableKey(key.kind, UNDECRYPTABLE) from None
    return plaintext


@sensitive_variables("plaintext")
def api_for(request) -> AuditedReplicaAPI:
    """A sync client acting as the request's user with their current key (audited)."""
    key = usable_key(request)
    plaintext = _decrypt(key)
    return AuditedReplicaAPI(plaintext, user=request.user, key=key)


@sensitive_variables("plaintext")
async def async_api_for(request) -> AuditedAsyncReplicaAPI:
    """An async client acting as the request's user. Await it before a stream starts, so
    the key is loaded (and the database released) before the first byte is sent."""
    key = await ausable_key(request)
    plaintext = _decrypt(key)
    return AuditedAsyncReplicaAPI(plaintext, user=await request.auser(), key=key)


# --- the friendly page -------------------------------------------------------------------


def key_needed_url(request) -> str:
    """The "add your API key" page, coming back to this page once the key is stored."""
    url = reverse("accounts:key_needed")
    if getattr(request, "htmx", False):
        # An HTMX fragment is no page to come back to; the page it was on is.
        next_url = request.htmx.current_url_abs_path or ""
    else:
        next_url = request.get_full_path() if request.method == "GET" else ""
    if next_url:
        url += "?" + urlencode({"next": next_url}, safe="/")
    return url


def redirect_to_key_needed(request):
    url = key_needed_url(request)
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


async def _signed_in(user) -> bool:
    return user.is_authenticated


def signed_in_required(view):
    """`login_required`, whose async form asks a sync `is_authenticated` test on a worker
    thread (a thread hop on every page): for async views the same test and redirect, asked on
    the event loop."""
    if iscoroutinefunction(view):
        return user_passes_test(_signed_in)(view)
    return login_required(view)


def requires_api_key(view):
    """Sign-in required, then a usable key for the current acting kind, else the friendly
    "add your API key" page. Works on sync and async views."""
    if iscoroutinefunction(view):

        @wraps(view)
        async def wrapper(request, *args, **kwargs):
            try:
                await ausable_key(request)
            except NoUsableKey:
                return redirect_to_key_needed(request)
            return await view(request, *args, **kwargs)

    else:

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                usable_key(request)
            except NoUsableKey:
                return redirect_to_key_needed(request)
            return view(request, *args, **kwargs)

    # The accounts middleware loads the key before such a view, with the user.
    wrapper.requires_api_key = True
    return signed_in_required(wrapper)
