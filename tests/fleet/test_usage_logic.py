"""The usage page's series, tables, CSV and range form, without the API."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace as NS

from portal.fleet.forms import UsageRangeForm
from portal.fleet.usage import api_range, charts, summary


def _overview():
    point = lambda b, w, o, m, c: NS(  # noqa: E731
        bucket=b, workspacesCreated=w, prsOpened=o, prsMerged=m, prsClosed=c
    )
    return NS(
        bucket="day",
        points=[point("2026-11-01", 3, 2, 1, 0), point("2026-11-02", 1, 0, 2, 1)],
        usage=[
            NS(bucket="2026-11-01", bySource={"api": 10.5, "dashboard": 20}),
            NS(bucket="2026-11-02", bySource={"automation": 5}),
        ],
        summary=NS(workspacesCreated=4, prsOpened=2, prsMerged=3, prsClosed=1, computeMinutes=35.5),
    )


def test_compute_is_stacked_by_source_with_totals():
    compute = charts(_overview())["compute"]
    assert compute.columns == ["dashboard", "api", "automation", "Total"]
    assert compute.rows == [["2026-11-01", 20, 10.5, 0, 30.5], ["2026-11-02", 0, 0, 5, 5]]
    assert compute.totals == [20, 10.5, 5, 35.5]
    assert compute.data()["stacked"] is True
    assert compute.csv().splitlines() == [
        "bucket,dashboard,api,automation,Total",
        "2026-11-01,20,10.5,0,30.5",
        "2026-11-02,0,0,5,5",
    ]


def test_pull_requests_and_workspaces_series():
    c = charts(_overview())
    assert c["pull-requests"].rows == [["2026-11-01", 2, 1, 0], ["2026-11-02", 0, 2, 1]]
    assert c["workspaces"].totals == [4]
    assert ("Compute minutes", "35.5") in summary(_overview())


def test_the_range_is_inclusive_and_sent_as_utc_timestamps():
    assert api_range(date(2026, 11, 1), date(2026, 11, 30)) == (
        "2026-11-01T00:00:00Z",
        "2026-12-01T00:00:00Z",
    )


def test_range_form_defaults_and_errors():
    form = UsageRangeForm({})
    assert form.is_valid()
    start, end, bucket = form.values()
    assert bucket == "day" and (end - start).days == 29
    backwards = UsageRangeForm({"start": "2026-11-10", "end": "2026-11-01"})
    assert not backwards.is_valid() and "start" in backwards.errors
    too_long = UsageRangeForm({"start": "2020-01-01", "end": "2026-11-01", "bucket": "day"})
    assert not too_long.is_valid()
    assert UsageRangeForm(
        {"start": "2020-01-01", "end": "2026-11-01", "bucket": "month"}
    ).is_valid()
