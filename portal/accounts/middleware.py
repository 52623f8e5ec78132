"""The portal's middleware that knows about accounts, and the middleware stack without thread
hops under ASGI.

`AccountsMiddleware` turns "no usable key" and "the API rejected the key" into the friendly
key page, makes sign-in redirects work for HTMX requests, and loads who is asking (session,
user, admin flag, acting key) before the view, in one pass.

Under ASGI every view here is async, but Django's own middleware (`MiddlewareMixin`) runs each
`process_request`/`process_response`/`process_view` in a worker thread: two thread hand-offs
per middleware per request, a dozen in all, which cost more than the work they do (and
WhiteNoise, sync-only, made Django run the whole stack above it in a thread). The `Async…`
classes below are the same middleware with the hooks that do no I/O run inline on the event
loop; a hook that may touch the database (saving a modified session, messages kept in the
session) still runs in a thread. `settings.MIDDLEWARE` keeps naming Django's classes (the
deploy checks look for those names); the ASGI entry point (`portal/asgi.py`) loads each one's
twin from `ASYNC_TWINS` instead. Under WSGI they would behave as the originals.
"""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect
from whitenoise.middleware import WhiteNoiseMiddleware

from portal.replica_api import errors

from .acting import NoUsableKey, load_identity, redirect_to_key_needed


class AccountsMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
            # Django adapts a sync process_view with a thread hop: give it a coroutine.
            self.process_view = self.aprocess_view

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        return self._redirect_htmx_sign_in(request, self.get_response(request))

    async def __acall__(self, request):
        return self._redirect_htmx_sign_in(request, await self.get_response(request))

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Load the session, the user, the admin flag and the acting key here, before the
        # view, so neither an async view nor the header every page renders ("acting as",
        # the Team link) needs the database again.
        load_identity(request, with_key=getattr(view_func, "requires_api_key", False))
        return None

    async def aprocess_view(self, request, view_func, view_args, view_kwargs):
        with_key = getattr(view_func, "requires_api_key", False)
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            load_identity(request, with_key=with_key)  # anonymous: no database to ask
        else:
            # All of it in one thread hop (one database connection, a few queries).
            await sync_to_async(load_identity, thread_sensitive=True)(request, with_key=with_key)
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

    @staticmethod
    def _redirect_htmx_sign_in(request, response):
        # login_required answers an HTMX request with a 302 to the sign-in page, which htmx
        # would follow and swap into a fragment; send the whole browser there instead.
        if (
            getattr(request, "htmx", False)
            and response.status_code == 302
            and response.get("Location", "").startswith(resolve_url(settings.LOGIN_URL))
        ):
            return HttpResponseClientRedirect(response["Location"])
        return response


# --- Django's middleware, without thread hops under ASGI -----------------------------------


class _Inline:
    """For a `MiddlewareMixin` middleware whose hooks do no I/O: under ASGI, call them on the
    event loop. `_response_needs_thread` names the responses whose hook may do I/O."""

    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        if self.async_mode and hasattr(self, "process_view"):
            self.process_view = self._aprocess_view

    async def __acall__(self, request):
        response = None
        if hasattr(self, "process_request"):
            response = self.process_request(request)
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            if self._response_needs_thread(request, response):
                response = await sync_to_async(self.process_response, thread_sensitive=True)(
                    request, response
                )
            else:
                response = self.process_response(request, response)
        return response

    async def _aprocess_view(self, request, view_func, view_args, view_kwargs):
        return type(self).process_view(self, request, view_func, view_args, view_kwargs)

    def _response_needs_thread(self, request, response) -> bool:
        return False


class AsyncSecurityMiddleware(_Inline, SecurityMiddleware):
    pass


class AsyncSessionMiddleware(_Inline, SessionMiddleware):
    def _response_needs_thread(self, request, response) -> bool:
        # Saving a modified session writes to the session store.
        session = getattr(request, "session", None)
        return bool(getattr(session, "modified", False) or settings.SESSION_SAVE_EVERY_REQUEST)


class AsyncCommonMiddleware(_Inline, CommonMiddleware):
    pass


class AsyncCsrfViewMiddleware(_Inline, CsrfViewMiddleware):
    """With CSRF_USE_SESSIONS the token lives in the session (the database): then this is
    Django's middleware as it is, thread hops included."""

    def __init__(self, get_response) -> None:
        if settings.CSRF_USE_SESSIONS:
            CsrfViewMiddleware.__init__(self, get_response)
        else:
            super().__init__(get_response)

    async def __acall__(self, request):
        if settings.CSRF_USE_SESSIONS:
            return await CsrfViewMiddleware.__acall__(self, request)
        return await super().__acall__(request)


class AsyncAuthenticationMiddleware(_Inline, AuthenticationMiddleware):
    pass


class AsyncMessageMiddleware(_Inline, MessageMiddleware):
    def _response_needs_thread(self, request, response) -> bool:
        # Messages shown or added are stored (in the cookie, or the session when they don't
        # fit): only then can the session be read or written.
        storage = getattr(request, "_messages", None)
        return bool(storage is not None and (storage.used or storage.added_new))


class AsyncXFrameOptionsMiddleware(_Inline, XFrameOptionsMiddleware):
    pass


class AsyncContentSecurityPolicyMiddleware(_Inline, ContentSecurityPolicyMiddleware):
    pass


class AsyncWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise is sync-only: under ASGI it made Django run the whole stack above it in a
    thread. Here only a request under the static prefix goes to a thread (to find and open
    the file); every other request passes straight through."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response=None, settings=settings) -> None:
        super().__init__(get_response, settings=settings)
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request):
        if request.path_info.startswith(self.static_prefix):
            response = await sync_to_async(self._serve_static, thread_sensitive=False)(request)
            if response is not None:
                return response
        return await self.get_response(request)

    def _serve_static(self, request):
        if self.autorefresh:
            static_file = self.find_file(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        return self.serve(static_file, request) if static_file is not None else None


# settings.MIDDLEWARE entry -> its twin without thread hops (portal/asgi.py swaps them in).
ASYNC_TWINS = {
    "django.middleware.security.SecurityMiddleware": AsyncSecurityMiddleware,
    "whitenoise.middleware.WhiteNoiseMiddleware": AsyncWhiteNoiseMiddleware,
    "django.contrib.sessions.middleware.SessionMiddleware": AsyncSessionMiddleware,
    "django.middleware.common.CommonMiddleware": AsyncCommonMiddleware,
    "django.middleware.csrf.CsrfViewMiddleware": AsyncCsrfViewMiddleware,
    "django.contrib.auth.middleware.AuthenticationMiddleware": AsyncAuthenticationMiddleware,
    "django.contrib.messages.middleware.MessageMiddleware": AsyncMessageMiddleware,
    "django.middleware.clickjacking.XFrameOptionsMiddleware": AsyncXFrameOptionsMiddleware,
    "django.middleware.csp.ContentSecurityPolicyMiddleware": AsyncContentSecurityPolicyMiddleware,
}


def hop_free(middleware: list[str]) -> list[str]:
    """`settings.MIDDLEWARE` with each of Django's middleware replaced by its twin."""
    return [
        f"{__name__}.{ASYNC_TWINS[path].__name__}" if path in ASYNC_TWINS else path
        for path in middleware
    ]
