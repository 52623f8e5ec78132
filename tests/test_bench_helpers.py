"""The pure helpers of `make bench` (scripts/bench.py): Server-Timing parsing and the py-spy
profile's aggregation."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("bench", None)


def test_server_timing_is_read_in_seconds_with_the_call_count(bench):
    parsed = bench.parse_server_timing(
        'app;dur=12.50, upstream;dur=3.00;desc="2 calls", upstream-slowest;dur=2.25'
    )
    assert parsed == {
        "app": pytest.approx(0.0125),
        "upstream": pytest.approx(0.003),
        "upstream-calls": 2,
        "upstream-slowest": pytest.approx(0.00225),
    }
    assert bench.parse_server_timing("") == {}


@pytest.mark.parametrize(
    ("frame", "package"),
    [
        ("render (django/template/base.py)", "django.template"),
        ("process_request (django/contrib/sessions/middleware.py:18)", "django.contrib.sessions"),
        ("render_history (/work/main/portal/replicas/rendering/history.py)", "portal.replicas"),
        ("run (/usr/lib/python3.12/asyncio/runners.py)", "asyncio"),
        ("wait (threading.py)", "threading"),
        ("validate_python (/x/.venv/lib/python3.12/site-packages/pydantic/type_adapter.py)", "pydantic"),
    ],
)  # fmt: skip
def test_frames_are_grouped_by_package(bench, frame, package):
    assert bench.frame_package(frame) == package


def test_stacks_give_self_and_total_time_counting_recursion_once(bench):
    lines = [
        "process 1:main;thread 2:loop;a (portal/x.py);b (django/template/base.py) 3",
        "process 1:main;a (portal/x.py);a (portal/x.py) 2",
        "garbage",
    ]
    samples, self_time, total, packages = bench.aggregate_stacks(lines)
    assert samples == 5
    assert self_time == {"b (django/template/base.py)": 3, "a (portal/x.py)": 2}
    assert total["a (portal/x.py)"] == 5
    assert packages == {"django.template": 3, "portal.x": 2}


def test_inclusive_shares_count_a_package_once_per_stack(bench):
    lines = ["a (django/template/base.py);b (django/template/base.py);c (portal/x.py) 4"]
    within = bench.inclusive_packages(lines)
    assert within["django.template"] == 4 and within["portal.x"] == 4
