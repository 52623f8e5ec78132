"""Project-level views: the home page and the health check."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.replica_api.health import probe


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
    """No auth. 200 when the database answers; reports the Replica API's reachability too.

    The upstream being down doesn't make the portal unhealthy (a load balancer should keep
    routing to it, and pages say the API is unreachable), so only the database decides the
    status code.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = {"ok": True}
    except Exception as exc:  # any driver error means "not healthy"
        database = {"ok": False, "error": type(exc).__name__}
    # Probed at most every few seconds, however often load balancers (or anyone: no auth)
    # ask, so /healthz can't be used to hammer the API.
    upstream = cache.get_or_set(f"healthz:upstream:{settings.REPLICAS_API_URL}", probe, 5)
    status = 200 if database["ok"] else 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "error", "database": database, "upstream": upstream},
        status=status,
    )
