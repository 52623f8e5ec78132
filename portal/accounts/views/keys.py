"""The API keys page: your personal key, and (admins) the org key.

A key is typed into a password field, checked live against the API, encrypted, and from
then on shown only as prefix…last4. Nothing here ever renders, logs or redirects with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from portal.lib import crypto

from ..acting import UNDECRYPTABLE, acting_kind, key_problem, stored_key
from ..forms import ApiKeyForm
from ..keys import KEYS_HELP_URL, Verdict, check_key, delete_key, save_key
from ..models import ApiKey, KeyKind
from ..roles import admin_required, is_org_admin
from .common import go, safe_next

TEMPLATE = "accounts/api_keys.html"


@dataclass
class KeyCard:
    kind: str
    key: ApiKey | None
    form: ApiKeyForm
    editing: bool
    next: str = ""

    @property
    def title(self) -> str:
        return "Your personal key" if self.kind == KeyKind.PERSONAL else "Organisation key"

    @property
    def dom_id(self) -> str:
        return f"key-{self.kind}"

    @property
    def save_url(self) -> str:
        return reverse(f"accounts:save_{self.kind}_key")

    @property
    def delete_url(self) -> str:
        return reverse(f"accounts:delete_{self.kind}_key")


def _get_key_for_user(user, kind: str) -> ApiKey:
    """The stored key `user` may manage: their own personal key, or (admins) the org key."""
    if kind == KeyKind.ORG and not is_org_admin(user):
        raise PermissionDenied("Only org admins manage the org key.")
    key = stored_key(user, kind)
    if key is None:
        raise Http404("No key is stored.")
    return key


def _card(request, kind: str, *, form: ApiKeyForm | None = None, editing: bool = False):
    key = stored_key(request.user, kind)
    return KeyCard(
        kind=kind,
        key=key,
        form=form or ApiKeyForm(prefix=kind),
        editing=editing or key is None,
        next=safe_next(request, ""),
    )


def _cards(request, replaced: KeyCard | None = None, editing: str = "") -> list[KeyCard]:
    kinds = [KeyKind.PERSONAL] + ([KeyKind.ORG] if is_org_admin(request.user) else [])
    cards = []
    for kind in kinds:
        if replaced is not None and replaced.kind == kind:
            cards.append(replaced)
        else:
            cards.append(_card(request, kind, editing=editing == kind))
    return cards


def _page(request, cards: list[KeyCard], status: int = 200):
    return render(
        request,
        TEMPLATE,
        {"cards": cards, "help_url": KEYS_HELP_URL, "acting_kind": acting_kind(request)},
        status=status,
    )


@login_required
@require_GET
@vary_on_headers("HX-Request")
def api_keys(request):
    editing = request.GET.get("replace", "")
    if editing == KeyKind.ORG and not is_org_admin(request.user):
        raise PermissionDenied("Only org admins manage the org key.")
    if request.htmx and editing in KeyKind.values:
        card = _card(request, editing, editing=True)
        return render(request, f"{TEMPLATE}#key-card", {"card": card, "help_url": KEYS_HELP_URL})
    return _page(request, _cards(request, editing=editing))


@sensitive_variables("plaintext")
def _save(request, kind: str):
    owner = request.user if kind == KeyKind.PERSONAL else None
    form = ApiKeyForm(request.POST, prefix=kind)
    if form.is_valid():
        plaintext = form.cleaned_data["key"]
        check = check_key(plaintext)
        if check.verdict is Verdict.REJECTED:
            form.add_error("key", check.message)
        elif check.verdict is Verdict.UNVERIFIED and not form.cleaned_data["store_unchecked"]:
            form = ApiKeyForm(request.POST, prefix=kind, offer_unchecked=True)
            form.is_valid()
            form.add_error(
                "key",
                f"{check.message} Paste the key again and tick the box below to store it "
                "anyway; it will be checked the first time it is used.",
            )
        else:
            verified = check.verdict is Verdict.ACCEPTED
            key = save_key(
                kind=kind,
                plaintext=plaintext,
                owner=owner,
                actor=request.user,
                verified=verified,
                api_user_id=check.api_user_id,
            )
            note = "" if verified else " It could not be checked: the API was unreachable."
            messages.success(request, f"Saved the {kind} key {key.masked}.{note}")
            return go(request, safe_next(request, reverse("accounts:api_keys")))
    card = _card(request, kind, form=form, editing=True)
    if request.htmx:
        return render(request, f"{TEMPLATE}#key-card", {"card": card, "help_url": KEYS_HELP_URL})
    return _page(request, _cards(request, replaced=card))


@sensitive_post_parameters("personal-key")
@login_required
@require_POST
def save_personal_key(request):
    return _save(request, KeyKind.PERSONAL)


@sensitive_post_parameters("org-key")
@admin_required
@require_POST
def save_org_key(request):
    return _save(request, KeyKind.ORG)


def _delete(request, kind: str):
    key = _get_key_for_user(request.user, kind)
    if request.POST.get("confirm") != "yes":
        # Without JavaScript (no hx-confirm dialog) the button lands here: ask first.
        return render(request, "accounts/api_key_delete.html", {"key": key})
    masked = key.masked
    delete_key(key, actor=request.user, request=request)
    messages.success(request, f"Deleted the {kind} key {masked}.")
    return go(request, reverse("accounts:api_keys"))


@login_required
@require_POST
def delete_personal_key(request):
    return _delete(request, KeyKind.PERSONAL)


@admin_required
@require_POST
def delete_org_key(request):
    return _delete(request, KeyKind.ORG)


@sensitive_variables("plaintext")
def _decryptable(key: ApiKey) -> bool:
    try:
        plaintext = key.secret()
    except crypto.DecryptionError:
        return False
    return bool(plaintext)


@login_required
@require_GET
def key_needed(request):
    """The friendly page for "no usable key": what's missing and where keys come from."""
    kind = acting_kind(request)
    key = stored_key(request.user, kind)
    reason = key_problem(key)
    if reason is None and not _decryptable(key):
        reason = UNDECRYPTABLE
    return render(
        request,
        "accounts/key_needed.html",
        {
            "kind": kind,
            "key": key,
            "reason": reason,
            "help_url": KEYS_HELP_URL,
            "next": safe_next(request, ""),
            "is_admin": is_org_admin(request.user),
        },
    )
