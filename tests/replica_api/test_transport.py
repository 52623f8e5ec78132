"""Service-module behaviour under faults, with respx (no emulator needed)."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

from portal.replica_api import AsyncReplicaAPI, ReplicaAPI, Settings, errors, models
from portal.replica_api.operations import API_VERSION_NON_BLOCKING

BASE = "https://replica.test"
KEY = "rk_test_secret_key_0123456789"
SETTINGS = Settings(base_url=BASE, max_retries=2, backoff_base=0.001)


@pytest.fixture
def api():
    return ReplicaAPI(KEY, settings=SETTINGS)


@pytest.fixture
def aapi():
    return AsyncReplicaAPI(KEY, settings=SETTINGS)


def envelope(status: int, error: str, details=None, headers=None) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "details": details}, headers=headers)


REPOS = {"repositories": [{"id": "7b7e8c52-2d6e-4a8e-9a55-0d3f1f0c0a01", "name": "acme/web", "url": "https://github.com/acme/web", "default_branch": "main", "created_at": "2026-01-01T00:00:00Z"}]}  # fmt: skip


@respx.mock
def test_bearer_key_sent_per_call_and_not_in_repr(api):
    route = respx.get(f"{BASE}/v1/replica/repositories").mock(
        return_value=httpx.Response(200, json=REPOS)
    )
    ReplicaAPI("other-key", settings=SETTINGS)  # a second client must not leak into the first
    api.list_repositories()
    assert route.calls.last.request.headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in repr(api)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequest),
        (401, errors.Unauthorized),
        (403, errors.Forbidden),
        (404, errors.NotFound),
        (409, errors.Conflict),
        (412, errors.PreconditionFailed),
        (413, errors.PayloadTooLarge),
        (500, errors.ServerError),
        (504, errors.ServerError),
    ],
)
@respx.mock
def test_error_envelope_becomes_typed_error(api, status, cls):
    respx.delete(f"{BASE}/v1/replica/abc").mock(return_value=envelope(status, "Nope", "more"))
    with pytest.raises(cls) as info:
        api.delete_replica("abc")
    assert info.value.status == status
    assert info.value.message == "Nope"
    assert info.value.details == "more"
    assert info.value.operation == "deleteReplica"
    assert info.value.user_message == "Nope (more)"


@pytest.mark.parametrize(
    ("message", "cls"),
    [
        ("Workspace is sleeping", errors.WorkspaceSleeping),
        ("Workspace is in error state", errors.WorkspaceInError),
        ("Duplicate key", errors.Conflict),
    ],
)
@respx.mock
def test_conflicts_tell_sleeping_from_error(api, message, cls):
    respx.post(f"{BASE}/v1/replica/r1/messages").mock(return_value=envelope(409, message))
    with pytest.raises(cls):
        api.send_replica_message("r1", {"message": "hi"})


@respx.mock
def test_non_json_error_body_still_typed(api):
    respx.get(f"{BASE}/v1/replica/r1").mock(
        return_value=httpx.Response(502, text="<html>bad gateway</html>")
    )
    with pytest.raises(errors.ServerError) as info:
        api.get_replica("r1")
    assert info.value.status == 502
    assert "<html>" not in info.value.user_message


@respx.mock
def test_get_retried_on_503_then_succeeds(api):
    route = respx.get(f"{BASE}/v1/replica/repositories").mock(
        side_effect=[envelope(503, "busy"), envelope(502, "gw"), httpx.Response(200, json=REPOS)]
    )
    result = api.list_repositories()
    assert route.call_count == 3
    assert result.repositories[0].name == "acme/web"


@respx.mock
def test_get_gives_up_after_max_retries(api):
    route = respx.get(f"{BASE}/v1/replica/repositories").mock(return_value=envelope(503, "busy"))
    with pytest.raises(errors.ServerError):
        api.list_repositories()
    assert route.call_count == 1 + SETTINGS.max_retries


@respx.mock
def test_429_honours_short_retry_after(api, monkeypatch):
    slept = []
    monkeypatch.setattr("portal.replica_api.transport.time.sleep", slept.append)
    respx.get(f"{BASE}/v1/replica/repositories").mock(
        side_effect=[
            envelope(429, "slow down", headers={"Retry-After": "2"}),
            httpx.Response(200, json=REPOS),
        ]
    )
    api.list_repositories()
    assert slept == [2.0]


@respx.mock
def test_429_with_long_retry_after_is_raised_with_the_delay(api):
    route = respx.get(f"{BASE}/v1/replica/repositories").mock(
        return_value=envelope(429, "slow down", headers={"Retry-After": "120"})
    )
    with pytest.raises(errors.RateLimited) as info:
        api.list_repositories()
    assert route.call_count == 1
    assert info.value.retry_after == 120.0


@respx.mock
def test_create_replica_is_never_retried(api):
    route = respx.post(f"{BASE}/v1/replica").mock(return_value=envelope(503, "busy"))
    with pytest.raises(errors.ServerError):
        api.create_replica({"name": "x", "message": "hi"})
    assert route.call_count == 1


@respx.mock
def test_create_replica_not_retried_after_timeout(api):
    route = respx.post(f"{BASE}/v1/replica").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(errors.Unreachable) as info:
        api.create_replica({"name": "x", "message": "hi"})
    assert route.call_count == 1
    assert "in time" in info.value.message


@pytest.mark.parametrize("method", ["post", "patch", "delete", "put"])
@respx.mock
def test_no_unsafe_method_is_retried(api, method):
    route = respx.route(method=method.upper()).mock(return_value=envelope(503, "busy"))
    calls = {
        "post": lambda: api.create_environment({"name": "x"}),
        "patch": lambda: api.update_environment("e1", {"name": "y"}),
        "delete": lambda: api.delete_environment("e1"),
        "put": lambda: api.upsert_environment_warm_pool("e1", {"enabled": True}),
    }
    with pytest.raises(errors.ServerError):
        calls[method]()
    assert route.call_count == 1


@respx.mock
def test_connect_error_on_get_is_retried_then_unreachable(api):
    route = respx.get(f"{BASE}/v1/replica").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(errors.Unreachable):
        api.list_replicas()
    assert route.call_count == 3


@respx.mock
def test_create_replica_sends_the_non_blocking_version_header(api):
    body = {"replica": {"id": "5b0c7c1e-7a51-4d7e-9a55-0d3f1f0c0a01"}}
    route = respx.post(f"{BASE}/v1/replica").mock(return_value=httpx.Response(201, json=body))
    with pytest.raises(errors.InvalidResponse):  # the body above is deliberately incomplete
        api.create_replica(models.CreateReplicaRequest(name="fix-bug", message="go"))
    request = route.calls.last.request
    assert request.headers["x-replicas-api-version"] == API_VERSION_NON_BLOCKING
    assert request.content == b'{"name":"fix-bug","message":"go"}'  # unset fields are not sent


@respx.mock
def test_legacy_create_sends_no_version_header(api):
    route = respx.post(f"{BASE}/v1/replica").mock(return_value=envelope(400, "bad"))
    with pytest.raises(errors.BadRequest):
        api.create_replica({"name": "x"}, api_version=None)
    assert "x-replicas-api-version" not in route.calls.last.request.headers


@respx.mock
def test_query_params_drop_none_and_encode_bools(api):
    route = respx.get(f"{BASE}/v1/automations").mock(return_value=envelope(500, "x"))
    with pytest.raises(errors.ServerError):
        api.list_automations(page=2, enabled=False, search=None)
    assert dict(route.calls.last.request.url.params) == {"page": "2", "enabled": "false"}


@respx.mock
def test_path_segments_are_quoted(api):
    route = respx.get(url__regex=r".*/canvas/.*").mock(return_value=envelope(404, "nope"))
    with pytest.raises(errors.NotFound):
        api.get_replica_canvas_item("r1", "../../secrets?x=1")
    assert (
        route.calls.last.request.url.raw_path == b"/v1/replica/r1/canvas/..%2F..%2Fsecrets%3Fx%3D1"
    )


@respx.mock
def test_response_not_matching_spec_is_invalid_response(api):
    respx.get(f"{BASE}/v1/replica/repositories").mock(
        return_value=httpx.Response(200, json={"nope": 1})
    )
    with pytest.raises(errors.InvalidResponse):
        api.list_repositories()


@respx.mock
def test_custom_webhook_sends_no_key(api):
    route = respx.post(f"{BASE}/v1/automations/webhook/tok").mock(
        return_value=httpx.Response(202, json={"accepted": True})
    )
    assert api.fire_custom_webhook_automation("tok", {"any": "thing"}).accepted is True
    assert "authorization" not in route.calls.last.request.headers


def test_missing_key_is_unauthorized_without_a_request():
    with respx.mock(assert_all_called=False) as mock:
        route = mock.get(f"{BASE}/v1/replica")
        with pytest.raises(errors.Unauthorized):
            ReplicaAPI("", settings=SETTINGS).list_replicas()
        assert route.call_count == 0


@respx.mock
def test_key_never_logged_even_on_failures(api, caplog):
    caplog.set_level(logging.DEBUG)
    respx.get(f"{BASE}/v1/replica").mock(
        side_effect=httpx.ConnectError(f"Authorization: Bearer {KEY}")
    )
    with pytest.raises(errors.Unreachable) as info:
        api.list_replicas()
    assert KEY not in str(info.value)
    assert KEY not in caplog.text


@respx.mock
async def test_async_client_same_methods_and_retries(aapi):
    route = respx.get(f"{BASE}/v1/replica/repositories").mock(
        side_effect=[envelope(503, "busy"), httpx.Response(200, json=REPOS)]
    )
    result = await aapi.list_repositories()
    assert result.repositories[0].name == "acme/web"
    assert route.call_count == 2


@respx.mock
async def test_async_post_not_retried(aapi):
    route = respx.post(f"{BASE}/v1/replica/r1/messages").mock(return_value=envelope(502, "gw"))
    with pytest.raises(errors.ServerError):
        await aapi.send_replica_message("r1", {"message": "hi"})
    assert route.call_count == 1


def test_retry_after_http_date_parsed():
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= errors.parse_retry_after(when) <= 31
    assert errors.parse_retry_after("garbage") is None
    assert errors.parse_retry_after("3") == 3.0
