"""Turns "no usable key" and "the API rejected the key" into the friendly key page, and
makes sign-in redirects work for HTMX requests."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import resolve_url
from django.utils.deprecation import MiddlewareMixin
from django_htmx.http import HttpResponseClientRedirect

from portal.replica_api import errors

from .acting import SESSION_KEY, NoUsableKey, redirect_to_key_needed
from .roles import is_org_admin


class AccountsMiddleware(MiddlewareMixin):
    def process_view(self, request, view_func, view_args, view_kwargs):
        # Load the user, the session and the admin flag here, in sync code (Django runs this
        # in a thread for async views), so the header that every page template renders
        # ("acting as", the Team link) needs no database access from an async view.
        user = request.user
        if user.is_authenticated:
            is_org_admin(user)
            request.session.get(SESSION_KEY)
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, NoUsableKey):
            return redirect_to_key_needed(request)
        if isinstance(exception, errors.Unauthorized) and request.user.is_authenticated:
            # The audited client has already marked the key rejected.
            messages.error(
                request,
                "The Replica API rejected your key (401). It may have been revoked or "
                "expired: create a new one in the Replicas dashboard and replace it here.",
            )
            return redirect_to_key_needed(request)
        return None

    def process_response(self, request, response):
        # login_required answers an HTMX request with a 302 to the sign-in page, which htmx
        # would follow and swap into a fragment; send the whole browser there instead.
        if (
            getattr(request, "htmx", False)
            and response.status_code == 302
            and response.get("Location", "").startswith(resolve_url(settings.LOGIN_URL))
        ):
            return HttpResponseClientRedirect(response["Location"])
        return response
