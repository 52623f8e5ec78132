"""The one place that turns a Replica API error into words for a person.

Views catch `ReplicaAPIError` where they can do something useful (keep a form, offer a
retry); everything else reaches `ReplicaAPIErrorMiddleware`, which renders a friendly page
(or, for an HTMX request, a banner swapped into `#api-error`) instead of a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.replica_api import errors


@dataclass(frozen=True)
class Problem:
    title: str
    message: str
    hint: str
    status: int  # the status the portal answers with
    retry_after: float | None = None


def describe(error: errors.ReplicaAPIError) -> Problem:
    message = error.user_message
    match error:
        case errors.Unreachable():
            return Problem(
                "The Replica API is unreachable",
                message,
                "Nothing was lost. Try again in a moment; if it persists, check the API status.",
                503,
            )
        case errors.RateLimited():
            wait = f" in {int(error.retry_after)} s" if error.retry_after else " shortly"
            return Problem(
                "Too many requests", message, f"Try again{wait}.", 429, error.retry_after
            )
        case errors.Unauthorized():
            return Problem(
                "Your API key was rejected",
                message,
                "Replace it on your API key page (create a new one in the Replicas dashboard under Account > API Keys).",
                403,
            )
        case errors.Forbidden():
            return Problem(
                "Not allowed",
                message,
                "This key can't do that. An org admin may be able to, acting with the org key.",
                403,
            )
        case errors.NotFound():
            return Problem("Not found", message, "It may have been deleted.", 404)
        case errors.WorkspaceSleeping():
            return Problem("The workspace is sleeping", message, "Wake it, then try again.", 409)
        case errors.WorkspaceInError():
            return Problem(
                "The workspace is in error",
                message,
                "It can't be woken or messaged. Its history may still be readable; create a new replica to continue.",
                409,
            )
        case errors.Conflict():
            return Problem(
                "That conflicts with the current state", message, "Reload and try again.", 409
            )
        case errors.BadRequest() | errors.PayloadTooLarge() | errors.PreconditionFailed():
            return Problem(
                "The Replica API refused the request",
                message,
                "Check the values and try again.",
                400,
            )
        case errors.InvalidResponse():
            return Problem(
                "Unexpected answer from the Replica API",
                error.message,
                "This is likely a version mismatch between the portal and the API.",
                502,
            )
        case _:
            return Problem("The Replica API had a problem", message, "Try again in a moment.", 502)
