"""Switching the key an admin acts with: personal (default) or the org key."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from .. import audit
from ..acting import acting_kind, set_acting_kind
from ..models import KeyKind
from ..roles import is_org_admin
from .common import go, safe_next


@login_required
@require_POST
def switch_acting(request):
    kind = request.POST.get("as", "")
    if kind not in KeyKind.values:
        return HttpResponseBadRequest("Unknown key kind.")
    if kind == KeyKind.ORG and not is_org_admin(request.user):
        raise PermissionDenied("Only org admins can act with the org key.")
    if kind != acting_kind(request):
        set_acting_kind(request, kind)
        audit.record_portal_action(
            request.user, "switchActingAs", key_kind=kind, detail=f"now acting as {kind}"
        )
    label = "the org key" if kind == KeyKind.ORG else "your personal key"
    messages.info(request, f"You are now acting with {label}.")
    if request.htmx:
        # Everything on the page was fetched with the other key: reload all of it.
        return HttpResponseClientRefresh()
    return go(request, safe_next(request, "/"))
