"""Usage (org admins): getAnalyticsOverview as charts, each with its table and a CSV.

The range and bucket live in the URL (a GET form); an HTMX request aimed at
`#usage-report` gets just the report. A failed call fails only the report's box, and the
range picker keeps what was typed.
"""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.accounts.acting import async_api_for, requires_api_key
from portal.accounts.roles import admin_required
from portal.lib.api_errors import report
from portal.lib.htmx import render_box
from portal.replica_api import errors

from .. import usage as logic
from ..forms import UsageRangeForm

TEMPLATE = "fleet/usage.html"


async def _overview(request, form: UsageRangeForm):
    start, end, bucket = form.values()
    begin, finish = logic.api_range(start, end)
    api = await async_api_for(request)
    return await api.get_analytics_overview(bucket=bucket, start=begin, end=finish)


@admin_required
@requires_api_key
@require_GET
async def usage(request):
    form = UsageRangeForm(request.GET)
    context: dict = {"form": form}
    if form.is_valid():
        try:
            overview = await _overview(request, form)
        except errors.Unauthorized:
            raise
        except errors.ReplicaAPIError as exc:
            context["usage_problem"] = report(request, exc, "usage")
        else:
            charts = logic.charts(overview)
            context.update(
                charts=list(charts.values()),
                summary=logic.summary(overview),
                sources=logic.sources(overview),
                bucket=overview.bucket,
            )
    start, end, bucket = form.values()
    context.update(
        start=start,
        end=end,
        bucket_name=bucket,
        query=request.GET.urlencode(),
        presets=logic.presets(timezone.now().date()),
    )
    return render_box(request, TEMPLATE, context, boxes=("usage-report",))


@admin_required
@requires_api_key
@require_GET
async def usage_csv(request, chart: str):
    if chart not in logic.CHARTS:
        return HttpResponseBadRequest("No such chart.", content_type="text/plain")
    form = UsageRangeForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest("That range can't be read.", content_type="text/plain")
    try:
        overview = await _overview(request, form)
    except errors.Unauthorized:
        raise
    except errors.ReplicaAPIError as exc:
        problem = report(request, exc, "usage csv")
        return HttpResponse(problem.text, status=502, content_type="text/plain; charset=utf-8")
    start, end, bucket = form.values()
    response = HttpResponse(
        logic.charts(overview)[chart].csv(), content_type="text/csv; charset=utf-8"
    )
    name = f"usage-{chart}-{start}-{end}-{bucket}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
