"""Project-level views: the home page and the health check."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.accounts.roles import is_org_admin
from portal.replica_api.health import probe

log = logging.getLogger(__name__)


@login_required
@require_GET
def home(request):
    return render(
        request,
        "home.html",
        {"api_url": settings.REPLICAS_API_URL, "emulator": settings.REPLICAS_API_IS_EMULATOR},
    )


@never_cache
@require_GET
def healthz(request):
    """No auth. 200 when the database answers, else 503.

    The upstream being down doesn't make the portal unhealthy (a load balancer should keep
    routing to it, and pages say the API is unreachable), so only the database decides the
    status code. Anyone gets the status; only signed-in org admins (or everyone, with
    HEALTHZ_DETAILS on) get the details: the database and the Replica API's address,
    reachability and latency, failures said in words, never an exception's name.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = {"ok": True}
    except Exception:  # any driver error means "not healthy"
        log.exception("healthz: the database did not answer")
        database = {"ok": False, "error": "database error"}
    status = 200 if database["ok"] else 503
    body = {"status": "ok" if status == 200 else "error"}
    if settings.HEALTHZ_DETAILS or is_org_admin(request.user):
        # Probed at most every few seconds, however often it is asked (HEALTHZ_DETAILS
        # opens it to anyone), so /healthz can't be used to hammer the API.
        upstream = cache.get_or_set(f"healthz:upstream:{settings.REPLICAS_API_URL}", probe, 5)
        body.update(database=database, upstream=upstream)
    return JsonResponse(body, status=status)
