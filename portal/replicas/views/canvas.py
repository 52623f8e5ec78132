"""The Canvas panel: files an agent dropped into `~/.replicas/canvas/`, and each one shown.

- `canvas_panel`: the item list (name, kind, size).
- `canvas_item`: the list plus one item, presented by the rendering layer
  (`portal.replicas.rendering.canvas`): Markdown inline (sanitized); HTML and SVG in a sandboxed
  `<iframe>` whose `src` is `canvas_frame`; images, video and audio from `canvas_file`; other
  kinds as a download; items over the size cap say so.
- `canvas_frame`: an html/svg item as its own document, with its own restrictive CSP, framable
  by the portal only. It never appears inline in a portal page.
- `canvas_file`: an item's bytes: inline media as their sniffed type, anything else (and every
  `download/` URL) as an attachment; always `nosniff`.

Picking an item in the list swaps only `#canvas` (HX-Target "canvas"); tab navigation and
plain links get the whole page. Both load getReplica and the canvas calls concurrently.
A sleeping, archived or failed workspace can't be read: the panel says so instead of failing.
"""

from __future__ import annotations

import re

from asgiref.sync import sync_to_async
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from portal.accounts.acting import async_api_for, requires_api_key
from portal.lib.htmx import render_box
from portal.replica_api import errors
from portal.replicas.rendering.canvas import (
    canvas_binary,
    canvas_entries,
    canvas_iframe_document,
    present_canvas_item,
    render_canvas_item,
)
from portal.reviews import panel as review_panel
from portal.reviews import state as review_state

from .common import load_replica_page

TEMPLATE = "replicas/canvas.html"
PARTIAL = "canvas"  # the DOM id an item link swaps, and the partial that renders it


def _check_filename(filename: str) -> None:
    # Canvas items are basenames; "." and ".." would be dot-segments on the API's URL.
    if filename in (".", ".."):
        raise Http404("No such canvas item.")


async def _item_or_none(api, replica_id: str, filename: str):
    try:
        return await api.get_replica_canvas_item(replica_id, filename)
    except errors.NotFound:
        return None


def _urls(replica_id: str, filename: str) -> dict[str, str]:
    return {
        "iframe_url": reverse("replicas:canvas_frame", args=[replica_id, filename]),
        "media_url": reverse("replicas:canvas_file", args=[replica_id, filename]),
        "download_url": reverse("replicas:canvas_download", args=[replica_id, filename]),
    }


def _item_html(item, replica_id: str, filename: str):
    return render_canvas_item(
        present_canvas_item(item), data_urls=False, **_urls(replica_id, filename)
    )


async def _render(request, page, replica_id: str, filename: str | None = None, item_html=None):
    context = page.context("canvas")
    if page.replica is not None and "canvas" in page.data:  # the review box (portal/reviews/)
        review = await review_state.load_state(await request.auser(), replica_id)
        await review_panel.remember_visible(request, page.api, replica_id)
        context.update(review_panel.box_context(request, replica_id, review, panel="canvas"))
    listing = page.data.get("canvas")
    context.update(
        canvas_unavailable=page.unavailable.get("canvas") or page.unavailable.get("item"),
        canvas_problem=page.problem("canvas", "item"),
        entries=canvas_entries(
            listing or [], lambda name: reverse("replicas:canvas_item", args=[replica_id, name])
        ),
        selected=filename,
        item_html=item_html,
        item_missing=False,
    )
    status = 200
    if filename is not None and "item" in page.data and page.data["item"] is None:
        context["item_missing"] = True
        # htmx 2 swaps no 4xx: an HTMX request gets the message with a 200.
        status = 200 if request.htmx else 404
    return render_box(request, TEMPLATE, context, boxes=("panel", PARTIAL), status=status)


@require_GET
@requires_api_key
async def canvas_panel(request, replica_id):
    rid = str(replica_id)
    page = await load_replica_page(
        request, rid, canvas=lambda api: api.list_replica_canvas_items(rid)
    )
    return await _render(request, page, rid)


@require_GET
@requires_api_key
async def canvas_item(request, replica_id, filename):
    _check_filename(filename)
    rid = str(replica_id)
    page = await load_replica_page(
        request,
        rid,
        canvas=lambda api: api.list_replica_canvas_items(rid),
        item=lambda api: _item_or_none(api, rid, filename),
    )
    item_html = None
    if page.data.get("item") is not None:
        # Markdown rendering is CPU work (items reach 5 MB): keep it off the event loop.
        item_html = await sync_to_async(_item_html, thread_sensitive=False)(
            page.data["item"], rid, filename
        )
    return await _render(request, page, rid, filename, item_html)


async def _fetch_item(request, replica_id, filename: str):
    _check_filename(filename)
    api = await async_api_for(request)
    item = await _item_or_none(api, str(replica_id), filename)
    if item is None:
        raise Http404("No such canvas item.")
    return item


@require_GET
@xframe_options_sameorigin
@requires_api_key
async def canvas_frame(request, replica_id, filename):
    """An html (or SVG) item as the sandboxed iframe's document, with its own CSP."""
    document = canvas_iframe_document(await _fetch_item(request, replica_id, filename))
    if document is None:
        raise Http404("This canvas item isn't shown in a frame.")
    response = HttpResponse(document.body, content_type=document.content_type)
    for header, value in document.headers.items():
        response[header] = value
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive (start, end) of a single `Range: bytes=` request; None for the whole body
    (no header, several ranges, or a form we don't serve). ValueError when unsatisfiable."""
    match = _RANGE.fullmatch((header or "").strip())
    if not match or match[1] == match[2] == "":
        return None
    if match[1] == "":  # a suffix: the last N bytes
        start, end = max(0, size - int(match[2])), size - 1
    else:
        start = int(match[1])
        end = min(int(match[2]), size - 1) if match[2] else size - 1
    if start >= size or start > end:
        raise ValueError("unsatisfiable range")
    return start, end


@require_GET
@requires_api_key
async def canvas_file(request, replica_id, filename, download=False):
    """An item's bytes: media inline as their sniffed type; the rest as an attachment.

    Single byte ranges are honoured (Safari won't play a video from a server without them)."""
    binary = canvas_binary(await _fetch_item(request, replica_id, filename), download=download)
    if binary is None:
        raise Http404("This canvas item has no content to serve (it may be over the size cap).")
    size = len(binary.body)
    try:
        span = _byte_range(request.headers.get("Range"), size)
    except ValueError:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    body = binary.body if span is None else binary.body[span[0] : span[1] + 1]
    response = HttpResponse(body, content_type=binary.content_type, status=206 if span else 200)
    for header, value in binary.headers.items():
        response[header] = value
    if span:
        response["Content-Range"] = f"bytes {span[0]}-{span[1]}/{size}"
        response["Content-Length"] = str(len(body))
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-cache"
    return response
