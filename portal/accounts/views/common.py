"""Small helpers shared by the accounts views."""

from __future__ import annotations

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect


def safe_next(request, default: str) -> str:
    """The `next` parameter when it points inside this site, else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def go(request, url: str):
    """Post-redirect-get for a form; a client-side redirect when HTMX posted it."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)
