"""Upstream errors reach people as plain words, never as a stack trace, an exception class
name, an injected-fault text or an API path; the API's own words go to the log."""

from __future__ import annotations

import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxMiddleware

from portal.lib.api_errors import describe, plain, report
from portal.lib.middleware import ErrorPagesMiddleware
from portal.replica_api import errors

INTERNAL_WORDS = ("ConnectError", "RemoteProtocolError", "ReadTimeout", "Injected fault", "/v1/")


@pytest.mark.parametrize(
    ("error", "status", "title"),
    [
        (errors.Unreachable(details="ConnectError"), 503, "unreachable"),
        (errors.Unreachable(details="RemoteProtocolError"), 503, "unreachable"),
        (errors.RateLimited(retry_after=7), 429, "Too many requests"),
        (errors.Unauthorized("Invalid API key"), 403, "rejected"),
        (errors.NotFound("Replica not found"), 404, "Not found"),
        (
            errors.WorkspaceSleeping(
                "Workspace is sleeping",
                details="Wake it with POST /v1/replica/abc/wake, then retry.",
            ),
            409,
            "sleeping",
        ),
        (errors.WorkspaceInError("Workspace is in error state"), 409, "in error"),
        (errors.BadRequest("Name must not contain whitespace"), 400, "refused"),
        (
            errors.ServerError("Internal server error", status=500, details="Injected fault"),
            502,
            "problem",
        ),
        (errors.InvalidResponse(details="field x missing"), 502, "Unexpected"),
    ],
)
def test_every_error_kind_is_described_in_plain_words(error, status, title):
    problem = describe(error)
    assert problem.status == status
    assert title in problem.title
    assert problem.hint
    for word in INTERNAL_WORDS:
        assert word not in problem.text
    assert "Nothing was lost" not in problem.text  # only where it is known to be true


def test_rate_limit_hint_says_how_long():
    assert "7 s" in describe(errors.RateLimited(retry_after=7)).hint


def test_a_refusal_keeps_the_apis_reason_without_api_paths():
    error = errors.BadRequest("Name must not contain whitespace (see POST /v1/replica)")
    assert describe(error).message == "Name must not contain whitespace"
    assert plain("Wake it with POST /v1/replica/123/wake, then retry.") == "Wake it, then retry."


def test_report_logs_the_apis_own_words_with_the_request_id(rf: RequestFactory, caplog):
    request = rf.get("/replicas/x/")
    request.request_id = "req-0123456789"
    error = errors.ServerError(
        "Internal server error", status=500, details="Injected fault", request_id="up-42"
    )
    with caplog.at_level(logging.WARNING, logger="portal.api_errors"):
        problem = report(request, error, "hooks")
    assert problem.reference == "req-0123456789"
    line = caplog.records[-1].getMessage()
    assert "req-0123456789" in line and "Injected fault" in line and "up-42" in line


def _run(request, error):
    def view(req):
        raise error

    middleware = ErrorPagesMiddleware(view)
    HtmxMiddleware(lambda r: HttpResponse())(request)
    request.session = {}
    middleware._start(request)
    try:
        view(request)
    except Exception as exc:
        return middleware.process_exception(request, exc)


@pytest.mark.django_db
def test_full_page_error_renders_friendly_page(rf: RequestFactory, admin_user):
    request = rf.get("/replicas/x")
    request.user = admin_user
    response = _run(request, errors.Unreachable(details="ConnectError"))
    assert response.status_code == 503
    body = response.content.decode()
    assert "The Replica API is unreachable" in body
    assert "Traceback" not in body and "ConnectError" not in body
    assert request.request_id in body  # the reference the log line carries


@pytest.mark.django_db
def test_htmx_error_is_a_banner_that_neither_pushes_nor_is_filtered_out(rf, admin_user):
    request = rf.get("/replicas/x", headers={"HX-Request": "true"})
    request.user = admin_user
    response = _run(request, errors.RateLimited("Slow down", retry_after=3))
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#api-error"
    assert response["HX-Reswap"] == "innerHTML"
    # A tab switch inherits hx-select="#main": the banner must be selected instead.
    assert response["HX-Reselect"] == "#api-error-banner"
    assert response["HX-Push-Url"] == "false"
    body = response.content.decode()
    assert "<html" not in body and 'id="api-error-banner"' in body and "3 s" in body


@pytest.mark.django_db
def test_unexpected_exceptions_get_the_portals_500_page_also_with_debug(rf, admin_user, settings):
    settings.DEBUG = True
    request = rf.get("/replicas/x")
    request.user = admin_user
    response = _run(request, ValueError("boom"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body and "Traceback" not in body and "boom" not in body


def test_permission_denied_is_left_to_django(rf):
    from django.core.exceptions import PermissionDenied

    middleware = ErrorPagesMiddleware(lambda r: HttpResponse())
    request = rf.get("/")
    assert middleware.process_exception(request, PermissionDenied("x")) is None
