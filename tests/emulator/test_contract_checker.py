"""The emulator's contract checker itself: it must catch what breaks the spec."""

from __future__ import annotations

import json

import pytest

from portal.emulator.contract import Checker
from tests.conftest import SPEC_PATH

JSON = {"content-type": "application/json"}
AUTH = {"authorization": "Bearer k", **JSON}


@pytest.fixture(scope="module")
def checker():
    return Checker(SPEC_PATH)


@pytest.fixture(autouse=True)
def _clean(checker):
    checker.violations.clear()
    checker.seen.clear()


def exchange(checker, method, path, status, body, req_body=b"", query=""):
    checker.check_exchange(
        method, path, query, dict(AUTH), req_body, status, dict(JSON), json.dumps(body).encode()
    )


def test_documented_error_envelope_passes(checker):
    exchange(checker, "GET", "/v1/replica", 401, {"error": "Unauthorized", "details": None})
    assert checker.violations == []
    assert checker.seen == {}


def test_response_missing_required_fields_is_a_violation(checker):
    exchange(checker, "GET", "/v1/replica", 200, {"replicas": []})
    [violation] = checker.violations
    assert violation["kind"] == "response" and violation["operation"] == "listReplicas"
    assert checker.seen == {"listReplicas": 1}


def test_undocumented_status_is_a_violation(checker):
    exchange(checker, "GET", "/v1/replica/repositories", 418, {"error": "teapot"})
    assert [v["kind"] for v in checker.violations] == ["response"]


def test_accepted_invalid_request_is_a_violation_but_rejected_one_is_not(checker):
    bad = json.dumps({"name": "has space", "message": "hi"}).encode()
    exchange(checker, "POST", "/v1/replica", 400, {"error": "Invalid name", "details": None}, bad)
    assert checker.violations == []
    exchange(checker, "POST", "/v1/replica", 201, {"replica": {}}, bad)
    assert "request" in [v["kind"] for v in checker.violations]


def test_literal_paths_win_over_templates(checker):
    assert checker.operation("GET", "/v1/replica/repositories")[0] == "listRepositories"
    assert checker.operation("GET", "/v1/replica/3f2a")[0] == "getReplica"
    assert checker.operation("POST", "/v1/replica/3f2a/wake")[0] == "wakeReplica"


def test_guide_only_operations_counted_not_validated(checker):
    exchange(checker, "POST", "/v1/replica/abc/wake", 200, {"anything": True})
    assert checker.violations == []
    assert checker.seen == {"wakeReplica": 1}


def test_unknown_path_is_a_violation(checker):
    exchange(checker, "GET", "/v1/nope", 404, {"error": "Not found"})
    assert checker.violations[0]["kind"] == "unknown-path"


def test_engine_events_validated(checker):
    good = {
        "id": "e1",
        "ts": "2026-11-23T10:00:00.000Z",
        "type": "chat.turn.completed",
        "payload": {"chatId": "c1", "isComplete": True},
    }
    checker.check_event("EngineEvent", good)
    assert checker.violations == []
    checker.check_event("EngineEvent", {**good, "payload": {"chatId": "c1"}})
    assert checker.violations[0]["kind"] == "event"


def test_accepted_request_without_a_key_is_a_violation(checker):
    checker.check_exchange(
        "GET",
        "/v1/replica/repositories",
        "",
        dict(JSON),
        b"",
        200,
        dict(JSON),
        b'{"repositories": []}',
    )
    assert [v["kind"] for v in checker.violations] == ["request"]


def test_known_deviation_413_needs_the_envelope_and_only_where_listed(checker):
    path = "/v1/environments/global/files"
    exchange(checker, "POST", path, 413, {"error": "File too large", "details": "70000 bytes"})
    assert checker.violations == []
    exchange(checker, "POST", path, 413, {"message": "too big"})
    assert [v["kind"] for v in checker.violations] == ["response"]
    checker.violations.clear()
    exchange(checker, "GET", path, 413, {"error": "File too large", "details": None})
    assert [v["kind"] for v in checker.violations] == ["response"]  # not listed for this one
