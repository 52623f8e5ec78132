"""Middleware: upstream API errors become a friendly page or HTMX banner, never a traceback."""

from __future__ import annotations

import logging

from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin
from django_htmx.http import reswap, retarget

from portal.lib.api_errors import describe
from portal.replica_api.errors import ReplicaAPIError

log = logging.getLogger("portal.api_errors")


class ReplicaAPIErrorMiddleware(MiddlewareMixin):
    """Sync and async capable (MiddlewareMixin), so async views and event streams aren't
    bridged through a thread for it."""

    def process_exception(self, request, exception):
        if not isinstance(exception, ReplicaAPIError):
            return None
        problem = describe(exception)
        log.warning("%s %s: %s", request.method, request.path, exception)
        context = {"problem": problem}
        if getattr(request, "htmx", False):
            # htmx 2 doesn't swap error statuses: answer 200 and retarget to the banner slot.
            response = render(request, "api_error.html#banner", context)
            return reswap(retarget(response, "#api-error"), "innerHTML")
        response = render(request, "api_error.html", context, status=problem.status)
        if problem.retry_after:
            response["Retry-After"] = str(int(problem.retry_after))
        return response
