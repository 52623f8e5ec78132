"""Typed errors for every way a Replica API call can fail.

The API answers errors with the envelope `{"error": "...", "details": "..." | null}`;
`error_from_response` turns it into one of these classes. Views catch `ReplicaAPIError`
(or a subclass) and show `user_message`; nothing else of the upstream response reaches
a page.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

import httpx


class ReplicaAPIError(Exception):
    """Base class. `status` is None when no HTTP response was received."""

    status: int | None = None
    default_message = "The Replica API returned an error."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        details: Any = None,
        operation: str | None = None,
        retry_after: float | None = None,
        request_id: str | None = None,
    ) -> None:
        self.message = message or self.default_message
        # The API's id for the failed request (X-Request-Id), when it sends one: for the log.
        self.request_id = request_id
        if status is not None:
            self.status = status
        self.details = details
        self.operation = operation
        self.retry_after = retry_after
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f"{self.operation}: " if self.operation else ""
        code = f"HTTP {self.status}: " if self.status else ""
        extra = f" ({self.details})" if isinstance(self.details, str) and self.details else ""
        return f"{where}{code}{self.message}{extra}"

    @property
    def user_message(self) -> str:
        """One sentence for a banner: the API's message, plus its details when they help."""
        if self.details and isinstance(self.details, str) and self.details not in self.message:
            return f"{self.message} ({self.details})"
        return self.message


class BadRequest(ReplicaAPIError):
    status = 400
    default_message = "The Replica API rejected the request as invalid."


class Unauthorized(ReplicaAPIError):
    status = 401
    default_message = "The API key was rejected."


class Forbidden(ReplicaAPIError):
    status = 403
    default_message = "This API key is not allowed to do that."


class NotFound(ReplicaAPIError):
    status = 404
    default_message = "Not found."


class Conflict(ReplicaAPIError):
    status = 409
    default_message = "The request conflicts with the current state."


class WorkspaceSleeping(Conflict):
    """409 from an engine-proxy endpoint while the workspace sleeps: wake it and retry."""

    default_message = "The workspace is sleeping."


class WorkspaceInError(Conflict):
    """409 from an engine-proxy endpoint while the workspace is in its error state."""

    default_message = "The workspace is in error."


class PreconditionFailed(ReplicaAPIError):
    status = 412
    default_message = "A precondition for this request is not met."


class PayloadTooLarge(ReplicaAPIError):
    status = 413
    default_message = "The request is too large."


class RateLimited(ReplicaAPIError):
    status = 429
    default_message = "Too many requests to the Replica API; try again shortly."


class ServerError(ReplicaAPIError):
    """5xx: the API (or a gateway in front of it, or the workspace engine) failed."""

    status = 500
    default_message = "The Replica API had an internal error."


class Unreachable(ReplicaAPIError):
    """No response: connection refused, DNS failure, timeout, or the connection dropped."""

    default_message = "The Replica API could not be reached."


class InvalidResponse(ReplicaAPIError):
    """A 2xx whose body is not what the spec says it should be."""

    default_message = "The Replica API sent a response the portal does not understand."


_BY_STATUS: dict[int, type[ReplicaAPIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    429: RateLimited,
}


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import UTC, datetime

        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None


def _envelope(response: httpx.Response) -> tuple[str | None, Any]:
    try:
        body = response.json()
    except ValueError:
        return None, None
    if isinstance(body, dict):
        message = body.get("error") or body.get("message")
        return (str(message) if message else None), body.get("details")
    return None, None


def error_from_response(response: httpx.Response, operation: str | None = None) -> ReplicaAPIError:
    status = response.status_code
    message, details = _envelope(response)
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else ReplicaAPIError
    if cls is Conflict:
        text = f"{message or ''} {details or ''}".lower()
        if "sleep" in text:
            cls = WorkspaceSleeping
        elif "in error" in text or "error state" in text or "status: error" in text:
            cls = WorkspaceInError
    return cls(
        message,
        status=status,
        details=details,
        operation=operation,
        retry_after=parse_retry_after(response.headers.get("retry-after")),
        request_id=response.headers.get("x-request-id") or response.headers.get("request-id"),
    )
