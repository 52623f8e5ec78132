"""The usage page against the emulator: charts with their tables, the range and bucket in
the URL, CSV downloads, a failure in its box with the range kept, and admins only."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true", "HX-Target": "usage-report"}


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def _rows(body: str, chart: str) -> int:
    table = re.search(rf'data-chart-table="{chart}".*?<tbody>(.*?)</tbody>', body, re.S)
    assert table, f"no table for {chart}"
    return table.group(1).count("<tr>")


def test_usage_shows_each_chart_with_its_table_and_totals(ada):
    response = ada.get("/usage/?start=2026-10-01&end=2026-10-30&bucket=day")
    body = response.content.decode()
    assert response.status_code == 200
    for chart in ("workspaces", "pull-requests", "compute"):
        assert f'data-chart="{chart}"' in body
        assert re.search(rf'data-chart="{chart}" data-series="\{{&quot;kind', body)
        assert _rows(body, chart) == 30
        assert (
            f'href="/usage/{chart}.csv?start=2026-10-01&amp;end=2026-10-30&amp;bucket=day"' in body
        )
    assert "Compute minutes" in body and "Workspaces created" in body
    assert "Workspaces created by source" in body
    assert '<option value="day" selected>' in body
    assert re.search(
        r'href="/usage/\?start=[\d-]+&amp;end=[\d-]+&amp;bucket=month"[^>]*>Last 12 months', body
    )
    # Per week: fewer rows, the same form.
    weekly = ada.get("/usage/?start=2026-10-01&end=2026-10-30&bucket=week", headers=HX)
    body = weekly.content.decode()
    assert "<html" not in body and 'id="usage-report"' in body
    assert _rows(body, "compute") == 5  # weeks starting 28 Sep, 5, 12, 19 and 26 Oct


def test_csv_download_has_the_tables_numbers(ada):
    response = ada.get("/usage/compute.csv?start=2026-10-01&end=2026-10-07&bucket=day")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "usage-compute-2026-10-01-2026-10-07-day.csv" in response["Content-Disposition"]
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("bucket,") and lines[0].endswith(",Total")
    assert len(lines) == 8 and lines[1].startswith("2026-10-01,")
    assert ada.get("/usage/nothing.csv").status_code == 400


def test_a_bad_range_is_kept_and_explained(ada):
    body = ada.get("/usage/?start=2026-10-30&end=2026-10-01").content.decode()
    assert "The range must start on or before its last day." in body
    assert 'value="2026-10-30"' in body and 'value="2026-10-01"' in body
    assert 'data-chart="' not in body


def test_a_failed_call_fails_only_the_report(ada, faults):
    faults("GET", r"/v1/analytics/overview$", 500)
    response = ada.get("/usage/?start=2026-10-01&end=2026-10-30&bucket=week")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in body and 'id="usage-report"' in body
    assert 'value="2026-10-01"' in body and '<option value="week" selected>' in body
    assert "/v1/analytics" not in body and "ServerError" not in body


def test_members_may_not_see_usage(as_member):
    assert as_member.get("/usage/").status_code == 403
    assert as_member.get("/usage/compute.csv").status_code == 403
