"""Upstream errors reach people as words, never as a stack trace."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxMiddleware

from portal.lib.api_errors import describe
from portal.lib.middleware import ReplicaAPIErrorMiddleware
from portal.replica_api import errors


@pytest.mark.parametrize(
    ("error", "status", "title"),
    [
        (errors.Unreachable(), 503, "unreachable"),
        (errors.RateLimited(retry_after=7), 429, "Too many requests"),
        (errors.Unauthorized("Invalid API key"), 403, "rejected"),
        (errors.NotFound("Replica not found"), 404, "Not found"),
        (errors.WorkspaceSleeping("Workspace is sleeping"), 409, "sleeping"),
        (errors.WorkspaceInError("Workspace is in error state"), 409, "in error"),
        (errors.BadRequest("Name must not contain whitespace"), 400, "refused"),
        (errors.ServerError("boom", status=502), 502, "problem"),
        (errors.InvalidResponse(details="field x missing"), 502, "Unexpected"),
    ],
)
def test_every_error_kind_is_described(error, status, title):
    problem = describe(error)
    assert problem.status == status
    assert title in problem.title
    assert problem.hint


def test_rate_limit_hint_says_how_long():
    assert "7 s" in describe(errors.RateLimited(retry_after=7)).hint


def _run(request, error):
    def view(req):
        raise error

    middleware = ReplicaAPIErrorMiddleware(view)
    HtmxMiddleware(lambda r: HttpResponse())(request)
    try:
        view(request)
    except errors.ReplicaAPIError as exc:
        return middleware.process_exception(request, exc)


def test_full_page_error_renders_friendly_page(rf: RequestFactory):
    request = rf.get("/replicas/x")
    response = _run(request, errors.Unreachable())
    assert response.status_code == 503
    body = response.content.decode()
    assert "The Replica API is unreachable" in body
    assert "Traceback" not in body


def test_htmx_error_is_a_banner_swapped_into_the_error_slot(rf: RequestFactory):
    request = rf.get("/replicas/x", headers={"HX-Request": "true"})
    response = _run(request, errors.RateLimited("Slow down", retry_after=3))
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#api-error"
    assert response["HX-Reswap"] == "innerHTML"
    body = response.content.decode()
    assert "<html" not in body and "Slow down" in body


def test_other_exceptions_are_not_swallowed(rf: RequestFactory):
    middleware = ReplicaAPIErrorMiddleware(lambda r: HttpResponse())
    assert middleware.process_exception(rf.get("/"), ValueError("x")) is None
