"""The last resort of the one error path: whatever a view didn't keep in its own box.

- Every request gets an id (`request.request_id`, the `X-Request-ID` response header); error
  boxes show it as a reference and the log lines about the failure carry it.
- An upstream API error that reached here becomes the friendly error page, or for an HTMX
  request a banner in `#api-error` (retargeted, reselected and not pushed to the history, so a
  tab switch that failed neither swaps nothing nor changes the URL).
- A 404 is the portal's own page, also with DEBUG on (Django's debug page would list every
  URL pattern); `NotFoundPage` says what is gone and where to go instead.
- Any other unexpected exception is logged with its traceback and answered with the portal's
  500 page (a banner for HTMX), also with DEBUG on.

Sync and async capable without a thread hop per request (no MiddlewareMixin hooks on the
request path; `process_exception` only runs when something failed).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.shortcuts import render
from django.utils.log import log_response
from django_htmx.http import push_url, reselect, reswap, retarget

from portal.lib.api_errors import Problem, report
from portal.lib.pages import NotFoundPage
from portal.replica_api.errors import ReplicaAPIError

# An id a proxy in front already gave the request is kept when it looks like one.
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# What Django answers itself with its own 400/403 handling: not ours to catch.
_DJANGO_HANDLES = (PermissionDenied, SuspiciousOperation, BadRequest)

UNEXPECTED = Problem(
    "Something went wrong",
    "The portal hit an error it didn't expect. It has been logged.",
    "Try again in a moment.",
    500,
)


def _banner(request, problem: Problem):
    """An HTMX answer that shows `problem` in the page's #api-error slot and nothing else."""
    response = render(request, "api_error.html#banner", {"problem": problem})
    response = reselect(reswap(retarget(response, "#api-error"), "innerHTML"), "#api-error-banner")
    return push_url(response, False)


def not_found_response(request, exception: Http404 | None = None):
    page = exception if isinstance(exception, NotFoundPage) else None
    return render(request, "404.html", {"page": page}, status=404)


class ErrorPagesMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        self._start(request)
        response = self.get_response(request)
        if self._unmatched(request, response):
            response = not_found_response(request)
        return self._finish(request, response)

    async def __acall__(self, request):
        self._start(request)
        response = await self.get_response(request)
        if self._unmatched(request, response):
            # The page's header reads the session and user: synchronous database access.
            response = await sync_to_async(not_found_response)(request)
        return self._finish(request, response)

    @staticmethod
    def _start(request) -> None:
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex[:12]

    @staticmethod
    def _unmatched(request, response) -> bool:
        """No URL pattern matched and DEBUG is on: Django's page would list them all."""
        return (
            response.status_code == 404
            and settings.DEBUG
            and getattr(request, "resolver_match", None) is None
            and not getattr(response, "streaming", False)
        )

    @staticmethod
    def _finish(request, response):
        response.setdefault("X-Request-ID", request.request_id)
        return response

    def process_exception(self, request, exception):
        htmx = bool(getattr(request, "htmx", False))
        if isinstance(exception, ReplicaAPIError):
            problem = report(request, exception, "unhandled")
            if htmx:
                return _banner(request, problem)
            response = render(
                request, "api_error.html", {"problem": problem}, status=problem.status
            )
            response._has_been_logged = True  # report() logged it, with the request id
            if problem.retry_after:
                response["Retry-After"] = str(int(problem.retry_after))
            return response
        if isinstance(exception, Http404):
            if htmx:
                # A fragment of something that is gone: show the whole page, which says so.
                response = render(request, "api_error.html#banner", {"problem": None})
                response["HX-Refresh"] = "true"
                return response
            return not_found_response(request, exception)
        if isinstance(exception, _DJANGO_HANDLES):
            return None
        problem = replace(UNEXPECTED, reference=request.request_id)
        response = (
            _banner(request, problem)
            if htmx
            else render(request, "500.html", {"problem": problem}, status=500)
        )
        log_response(
            "Internal Server Error: %s [%s]",
            request.path,
            request.request_id,
            response=response,
            request=request,
            exception=exception,
        )
        return response
