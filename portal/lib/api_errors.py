"""The one place that turns a Replica API error into words for a person.

    problem = report(request, exc)   # log the API's own words with the request id, describe

`describe()` words an error for the screen: a title, a sentence and what to do next, in plain
words. It never shows an exception class name, an injected-fault text or a raw API path:
those, with the API's own message, go to the log (`report()`), tagged with the portal's
request id, which the error box shows as a reference. Only a refused request (400/412/413)
shows the API's message, because it says what to change; even then, API paths are cut out.

Every box that fails renders `templates/includes/problem.html` with the Problem;
`ErrorPagesMiddleware` is the last resort for whatever a view didn't catch.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

from portal.replica_api import errors

log = logging.getLogger("portal.api_errors")

# "POST /v1/replica/<id>/wake", "/v1/replica/…": API paths are not for people.
_API_PATH = re.compile(r"\s*(?:\b(?:GET|POST|PUT|PATCH|DELETE|HEAD)\s+)?/v1/[^\s),;]*", re.I)


@dataclass(frozen=True)
class Problem:
    title: str
    message: str
    hint: str
    status: int  # the status the portal answers with when a whole page fails
    retry_after: float | None = None
    reference: str = ""  # the portal request id the log line carries

    @property
    def text(self) -> str:
        """One line: title, message and hint (for places that take a single string)."""
        return " ".join(p for p in (f"{self.title}.", self.message, self.hint) if p)


def plain(text: str) -> str:
    """An API message without API paths (and the "with"/"at" left dangling before them)."""
    cleaned = _API_PATH.sub("", text or "")
    cleaned = re.sub(r"\b(?:with|at|via|using|call|see)\s*([,.;:)]|$)", r"\1", cleaned)
    cleaned = re.sub(r"\(\s*\)", "", cleaned)
    return re.sub(r"\s+([,.;:)])", r"\1", re.sub(r"\s{2,}", " ", cleaned)).strip()


def _refusal(error: errors.ReplicaAPIError) -> str:
    words = plain(error.user_message)
    return words or "It said the request is not valid."


def describe(error: errors.ReplicaAPIError) -> Problem:
    match error:
        case errors.Unreachable():
            timed_out = error.details in ("ReadTimeout", "WriteTimeout", "PoolTimeout")
            return Problem(
                "The Replica API is unreachable",
                "It didn't answer in time."
                if timed_out
                else "The portal couldn't get an answer from it.",
                "Try again in a moment; if this keeps happening, the API may be down.",
                503,
            )
        case errors.RateLimited():
            wait = f" in {max(1, round(error.retry_after))} s" if error.retry_after else " shortly"
            return Problem(
                "Too many requests",
                "The Replica API is asking the portal to slow down.",
                f"Try again{wait}.",
                429,
                error.retry_after,
            )
        case errors.Unauthorized():
            return Problem(
                "Your API key was rejected",
                "The Replica API no longer accepts the key you act with.",
                "Replace it on your API key page (create a new one in the Replicas dashboard "
                "under Account > API Keys).",
                403,
            )
        case errors.Forbidden():
            return Problem(
                "Not allowed",
                "The key you act with isn't allowed to do that.",
                "An org admin may be able to, acting with the org key.",
                403,
            )
        case errors.NotFound():
            return Problem(
                "Not found", "It isn't there any more.", "It may have been deleted.", 404
            )
        case errors.WorkspaceSleeping():
            return Problem(
                "The workspace is sleeping",
                "A sleeping workspace can't answer this.",
                "Wake it, then try again.",
                409,
            )
        case errors.WorkspaceInError():
            return Problem(
                "The workspace is in error",
                "It stopped unrecoverably, so it can't answer this.",
                "Its history may still be readable; create a new replica to continue.",
                409,
            )
        case errors.Conflict():
            return Problem(
                "That conflicts with the current state",
                "It changed in the meantime.",
                "Reload and try again.",
                409,
            )
        case errors.BadRequest() | errors.PayloadTooLarge() | errors.PreconditionFailed():
            return Problem(
                "The Replica API refused the request",
                _refusal(error),
                "Check the values and try again.",
                400,
            )
        case errors.InvalidResponse():
            return Problem(
                "Unexpected answer from the Replica API",
                "The portal didn't understand its answer.",
                "Try again; if this keeps happening, the portal may need an update for this "
                "version of the API.",
                502,
            )
        case _:
            return Problem(
                "The Replica API had a problem",
                "It answered with an error.",
                "Try again in a moment.",
                502,
            )


def request_id(request) -> str:
    return getattr(request, "request_id", "") if request is not None else ""


def report(request, error: errors.ReplicaAPIError, what: str = "") -> Problem:
    """Log the API's own words (with the portal's request id), and describe the error."""
    reference = request_id(request)
    upstream = f" upstream-request-id={error.request_id}" if error.request_id else ""
    level = (
        logging.INFO if isinstance(error, errors.Conflict | errors.NotFound) else logging.WARNING
    )
    log.log(
        level,
        "[%s] %s%s %s: %s%s",
        reference or "-",
        f"{what}: " if what else "",
        getattr(request, "method", ""),
        getattr(request, "path", ""),
        error,
        upstream,
    )
    return replace(describe(error), reference=reference)
