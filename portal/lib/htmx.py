"""The one helper that picks what a view renders for HTMX, and post-redirect-get for both
kinds of request.

    return render_box(request, "replicas/hooks.html", context, boxes=("panel",))

renders `hooks.html#panel` when the request is HTMX aimed at `#panel` (its partial of that
name, the element's content or the element itself), else the whole page; `Vary` says the
answer depends on those headers. A partial is named after the DOM id it replaces.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseLocation


def target(request) -> str | None:
    """The id of the element an HTMX request will swap, or None for a full page."""
    htmx = getattr(request, "htmx", None)
    return htmx.target if htmx else None


def render_box(
    request,
    template: str,
    context: dict,
    *,
    boxes: Iterable[str] = ("panel",),
    status: int = 200,
):
    """The partial named after the request's HX-Target when it is one of `boxes`, else the
    page. HTMX answers are 200 (htmx 2 doesn't swap error statuses): failures are in the box."""
    box = target(request)
    if box and box in tuple(boxes):
        response = render(request, f"{template}#{box}", context)
    else:
        response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def go(request, url: str):
    """After a POST: HTMX swaps the page at `url` into #main in place (and pushes it),
    a plain POST redirects."""
    if getattr(request, "htmx", False):
        return HttpResponseLocation(url, target="#main", select="#main", swap="outerHTML")
    return redirect(url)
