"""The usage page's series, tables and CSV, from one getAnalyticsOverview answer.

Three charts, each with the table of the same numbers beside it and a CSV of them:
- workspaces: workspaces created per bucket;
- pull-requests: pull requests opened, merged and closed per bucket;
- compute: compute minutes per bucket, by workspace source (stacked), with a total column.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

SOURCE_ORDER = ("dashboard", "api", "automation", "slack", "github", "linear", "gitlab")
# Colours that stay apart for common colour blindness (Okabe–Ito), one per series.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
CHARTS = ("workspaces", "pull-requests", "compute")


def api_range(start: date, end: date) -> tuple[str, str]:
    """ISO timestamps for the API: from the first day's midnight to the day after the last
    (the API's `end` is exclusive), UTC."""
    begin = datetime.combine(start, time.min, tzinfo=UTC)
    finish = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    return begin.isoformat().replace("+00:00", "Z"), finish.isoformat().replace("+00:00", "Z")


def _number(value) -> float | int:
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else round(as_float, 1)


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # bar | line
    stacked: bool
    unit: str
    labels: list[str]
    series: list[tuple[str, list]]  # (name, values per bucket)
    total_column: bool = False

    @property
    def columns(self) -> list[str]:
        return [name for name, _ in self.series] + (["Total"] if self.total_column else [])

    @property
    def rows(self) -> list[list]:
        out = []
        for i, label in enumerate(self.labels):
            values = [values[i] for _, values in self.series]
            if self.total_column:
                values.append(_number(sum(values)))
            out.append([label, *values])
        return out

    @property
    def totals(self) -> list:
        sums = [_number(sum(values)) for _, values in self.series]
        if self.total_column:
            sums.append(_number(sum(sums)))
        return sums

    def data(self) -> dict:
        """What the chart script draws (through json_script: no inline code)."""
        return {
            "kind": self.kind,
            "stacked": self.stacked,
            "unit": self.unit,
            "labels": self.labels,
            "series": [
                {"name": name, "values": values, "colour": PALETTE[i % len(PALETTE)]}
                for i, (name, values) in enumerate(self.series)
            ],
        }

    @property
    def json(self) -> str:
        """The data as JSON, for the canvas's data-series attribute (escaped there)."""
        return json.dumps(self.data(), separators=(",", ":"))

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["bucket", *self.columns])
        writer.writerows(self.rows)
        return out.getvalue()


def _label(bucket: str) -> str:
    return bucket[:10]


def charts(overview) -> dict[str, Chart]:
    points = list(overview.points)
    labels = [_label(p.bucket) for p in points]
    workspaces = Chart(
        "workspaces",
        "Workspaces created",
        "bar",
        False,
        "workspaces",
        labels,
        [("Created", [p.workspacesCreated for p in points])],
    )
    prs = Chart(
        "pull-requests",
        "Pull requests",
        "line",
        False,
        "pull requests",
        labels,
        [
            ("Opened", [p.prsOpened for p in points]),
            ("Merged", [p.prsMerged for p in points]),
            ("Closed", [p.prsClosed for p in points]),
        ],
    )
    usage = {_label(u.bucket): dict(u.bySource) for u in overview.usage}
    seen = {s for by in usage.values() for s in by}
    sources = [s for s in SOURCE_ORDER if s in seen] + sorted(seen - set(SOURCE_ORDER))
    compute = Chart(
        "compute",
        "Compute minutes by source",
        "bar",
        True,
        "minutes",
        labels,
        [(s, [_number(usage.get(label, {}).get(s, 0)) for label in labels]) for s in sources],
        total_column=True,
    )
    return {c.key: c for c in (workspaces, prs, compute)}


def summary(overview) -> list[tuple[str, str]]:
    s = overview.summary
    return [
        ("Workspaces created", f"{s.workspacesCreated:,}"),
        ("Pull requests opened", f"{s.prsOpened:,}"),
        ("Merged", f"{s.prsMerged:,}"),
        ("Closed", f"{s.prsClosed:,}"),
        ("Compute minutes", f"{_number(s.computeMinutes):,}"),
    ]


def sources(overview) -> list[tuple[str, int]]:
    """Workspaces created in the range, by source, most first (the API's order)."""
    return [(s.source, s.count) for s in overview.sources]


def presets(today: date) -> list[tuple[str, str]]:
    """Common ranges as query strings: (label, "?start=…&end=…&bucket=…")."""
    ranges = (
        ("Last 7 days", 6, "day"),
        ("Last 30 days", 29, "day"),
        ("Last 13 weeks", 7 * 13 - 1, "week"),
        ("Last 12 months", 364, "month"),
    )
    return [
        (label, f"?start={today - timedelta(days=back)}&end={today}&bucket={bucket}")
        for label, back, bucket in ranges
    ]
