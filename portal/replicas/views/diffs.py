"""Replica diffs pages (being built)."""

from __future__ import annotations

from django.http import HttpResponse

from portal.accounts.acting import requires_api_key


@requires_api_key
def placeholder(request, replica_id=None):
    return HttpResponse("Coming soon.")
