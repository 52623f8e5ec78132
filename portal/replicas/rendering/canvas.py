"""Canvas items (`CanvasItem`, `CanvasContentResponse`) → how the portal presents them.

Decisions, per kind:
- markdown: rendered to sanitized HTML (`markdown.render_markdown`), inline in the page.
- html: never inlined. Shown in `<iframe sandbox>` (no `allow-same-origin`, no scripts) whose
  `src` is a portal view that returns `canvas_iframe_document(item)`: the bytes plus headers
  with their own restrictive CSP (`IFRAME_CSP`, which itself ends in `sandbox`).
- image: PNG, JPEG, GIF, WebP, AVIF, BMP inline as `<img>`, if the bytes match the type. SVG is
  **not** an inline image (it can carry script): it is shown like HTML, in the sandboxed frame,
  and offered as a download.
- video / audio: inline `<video>` / `<audio>` for common container types. The browser may still
  not play it (a codec it lacks, a .mov in Firefox): the element carries `data-canvas-media`
  and a hidden "can't play this" note with the download link, which `static/js/canvas.js`
  shows on the element's `error`; text inside the element covers browsers without media.
- text (CSV, TSV, JSON, logs, plain text, YAML, …: a text type, or an unknown type whose bytes
  are UTF-8 without NULs): shown escaped in a `<pre>` (minified JSON indented), a simple CSV or
  TSV as a table; the first `TEXT_PREVIEW_CHARS` characters, with the download beside.
- other, or anything whose bytes don't match its claimed type: a download
  (`canvas_binary(item)`: `Content-Disposition: attachment`, `application/octet-stream` for
  types we don't trust, `nosniff`).
- `tooLarge`: a message (the API's cap is 5 MB per item). The API returns no content for such
  an item and has no other way to fetch it, so there is no download to link to.

Small media become `data:` URLs (allowed by the site CSP's `img-src`/`media-src`); above
`INLINE_DATA_URL_MAX` the page should pass a `media_url` to a view that streams
`canvas_binary(item)` instead, so megabytes of base64 don't go into the HTML.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import csv
import io
import json
import mimetypes
from dataclasses import dataclass, field
from typing import Any, Literal

from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe

from .markdown import render_markdown
from .util import as_dict, dom_id, get_str, human_size

TEMPLATE = "replicas/canvas/canvas.html"
CANVAS_CAP_BYTES = 5 * 1024 * 1024
INLINE_DATA_URL_MAX = 1024 * 1024
# Text items: how much of the text the page shows, and when a CSV/TSV becomes a table.
TEXT_PREVIEW_CHARS = 200_000
TABLE_MAX_ROWS = 500
TABLE_MAX_COLUMNS = 40

# The iframe document's own policy: nothing may load but data: images/media/fonts and inline
# CSS; `sandbox` (no tokens) also blocks scripts, forms, popups and gives it an opaque origin.
IFRAME_CSP = (
    "default-src 'none'; img-src data:; media-src data:; font-src data:; "
    "style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; "
    "frame-ancestors 'self'; sandbox"
)
# The same policy for Django's `@csp_override(...)`, if a view prefers the decorator.
IFRAME_CSP_CONFIG = {
    "default-src": ["'none'"],
    "img-src": ["data:"],
    "media-src": ["data:"],
    "font-src": ["data:"],
    "style-src": ["'unsafe-inline'"],
    "form-action": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'self'"],
    "sandbox": [""],
}
IFRAME_SANDBOX = ""  # the iframe's `sandbox` attribute: no permissions at all

INLINE_TYPES = {
    "image": {"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp"},
    "video": {"video/mp4", "video/webm", "video/ogg", "video/quicktime"},
    "audio": {
        "audio/mpeg", "audio/ogg", "audio/wav", "audio/x-wav", "audio/webm", "audio/mp4",
        "audio/aac", "audio/flac", "audio/x-flac",
    },
}  # fmt: skip

_EXTENSIONS = {
    "md": "text/markdown", "markdown": "text/markdown", "mdx": "text/markdown",
    "html": "text/html", "htm": "text/html", "svg": "image/svg+xml",
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "avif": "image/avif", "bmp": "image/bmp",
    "mp4": "video/mp4", "m4v": "video/mp4", "webm": "video/webm", "ogv": "video/ogg",
    "mov": "video/quicktime", "mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg",
    "oga": "audio/ogg", "m4a": "audio/mp4", "aac": "audio/aac", "flac": "audio/flac",
    "json": "application/json", "csv": "text/csv", "txt": "text/plain", "pdf": "application/pdf",
    "zip": "application/zip", "tsv": "text/tab-separated-values", "log": "text/plain",
    "jsonl": "application/x-ndjson", "ndjson": "application/x-ndjson", "har": "application/json",
    "yaml": "application/yaml", "yml": "application/yaml", "toml": "application/toml",
    "xml": "application/xml",
}  # fmt: skip
# Shown as text when the bytes are UTF-8 (besides any `text/*` but HTML, and unknown types).
TEXT_TYPES = {
    "application/json", "application/x-ndjson", "application/yaml", "application/x-yaml",
    "application/toml", "application/xml", "application/octet-stream",
}  # fmt: skip

Mode = Literal[
    "markdown",
    "iframe",
    "image",
    "video",
    "audio",
    "text",
    "download",
    "too_large",
    "not_loaded",
    "empty",
]


def extension_type(filename: str) -> str | None:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return _EXTENSIONS.get(ext) or mimetypes.guess_type(filename, strict=False)[0]


def magic_type(data: bytes) -> str | None:
    """The media type the first bytes announce, for the formats we show inline."""
    head = data[:64]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"BM"):
        return "image/bmp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "image/avif"
        if brand in (b"qt  ",):
            return "video/quicktime"
        if brand.startswith(b"M4A"):
            return "audio/mp4"
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head[:2] in (b"\xff\xf1", b"\xff\xf9"):
        return "audio/aac"
    if head.startswith(b"%PDF"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:1024].lower():
        return "image/svg+xml"
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    return None


def _base(mime: str | None) -> str:
    return (mime or "").split(";")[0].strip().lower()


def sniff_mime(filename: str, declared: str | None = None, data: bytes | None = None) -> str:
    """The content type to treat an item as: the bytes' signature first (when it is one we
    know), then the extension, then the API's declared `mimeType`; else octet-stream."""
    if data:
        found = magic_type(data)
        if found:
            return found
    return extension_type(filename) or _base(declared) or "application/octet-stream"


def _compatible(kind: str, mime: str) -> bool:
    base = mime.split("/")[0]
    return kind == base or (kind == "audio" and mime == "video/webm")


@dataclass(eq=False)
class CanvasPresentation:
    filename: str
    kind: str
    size_bytes: int | None
    mode: Mode
    mime_type: str = "application/octet-stream"
    html: SafeString | None = None
    data: bytes | None = field(default=None, repr=False)
    text: str | None = field(default=None, repr=False)
    message: str | None = None
    dom_id: str = ""
    # mode "text": a simple CSV/TSV as rows (the first is the header), and how many characters
    # of `text` the preview left out.
    table: list[list[str]] | None = field(default=None, repr=False)
    text_cut: int = 0

    @property
    def table_head(self) -> list[str]:
        return self.table[0] if self.table else []

    @property
    def table_body(self) -> list[list[str]]:
        return self.table[1:] if self.table else []

    @property
    def size_label(self) -> str:
        return human_size(self.size_bytes)

    @property
    def inline_media(self) -> bool:
        return self.mode in ("image", "video", "audio")

    @property
    def data_url(self) -> str | None:
        """A `data:` URL for inline media up to `INLINE_DATA_URL_MAX` bytes."""
        if not self.inline_media or self.data is None or len(self.data) > INLINE_DATA_URL_MAX:
            return None
        return f"data:{self.mime_type};base64,{base64.b64encode(self.data).decode('ascii')}"

    @property
    def downloadable(self) -> bool:
        return self.mode not in ("too_large", "not_loaded", "empty")


def _decode(b64: str) -> bytes | None:
    try:
        return base64.b64decode("".join(b64.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def present_canvas_item(item: Any) -> CanvasPresentation:
    """Decide how to show one canvas item (a `CanvasContentResponse`, or a `CanvasItem` from the
    list, which has no content yet: mode `not_loaded` unless it is too large)."""
    data = as_dict(item)
    filename = get_str(data, "filename", default="untitled")
    kind = get_str(data, "kind", default="other").lower()
    size = data.get("sizeBytes") if isinstance(data.get("sizeBytes"), int) else None
    declared = get_str(data, "mimeType")
    pres = CanvasPresentation(
        filename=filename,
        kind=kind,
        size_bytes=size,
        mode="download",
        dom_id=dom_id("canvas", filename),
    )
    if data.get("tooLarge") or (
        size is not None
        and size > CANVAS_CAP_BYTES
        and "content" not in data
        and "base64" not in data
    ):
        pres.mode = "too_large"
        # Plain text: the template adds the hint with the command as <code>.
        pres.message = (
            f"{filename} is too large to preview ({pres.size_label}; the limit is "
            f"{human_size(CANVAS_CAP_BYTES)})."
        )
        return pres

    content = data.get("content") if isinstance(data.get("content"), str) else None
    raw = _decode(data["base64"]) if isinstance(data.get("base64"), str) else None
    if isinstance(data.get("base64"), str) and raw is None:
        pres.message = "The item's content could not be decoded."
    if content is None and raw is None:
        pres.mode = "not_loaded" if pres.message is None else "empty"
        pres.mime_type = sniff_mime(filename, declared)
        return pres
    if size is None:
        pres.size_bytes = len(raw) if raw is not None else len((content or "").encode())

    if kind == "markdown":
        text = content if content is not None else (raw or b"").decode("utf-8", "replace")
        pres.mode, pres.text, pres.mime_type = "markdown", text, "text/markdown"
        pres.html = render_markdown(text)
        pres.data = text.encode("utf-8")
        return pres

    body = raw if raw is not None else (content or "").encode("utf-8")
    pres.data = body
    mime = sniff_mime(filename, declared, body)
    framed = kind == "html" or (mime == "image/svg+xml" and kind in ("image", "other"))
    if framed:
        pres.mode = "iframe"
        pres.mime_type = "image/svg+xml" if mime == "image/svg+xml" else "text/html"
        pres.text = content if content is not None else body.decode("utf-8", "replace")
        return pres
    if kind in INLINE_TYPES and mime in INLINE_TYPES[kind] and _compatible(kind, mime):
        pres.mode, pres.mime_type = kind, mime  # type: ignore[assignment]
        return pres
    if kind in INLINE_TYPES and mime in INLINE_TYPES.get(mime.split("/")[0], set()):
        # Listed as one media kind but the bytes are another we can show (e.g. audio in .webm).
        pres.mode, pres.mime_type = mime.split("/")[0], mime  # type: ignore[assignment]
        return pres
    pres.mime_type = mime
    text = _text_of(body) if kind == "other" and _textual(mime) else None
    if text is not None:
        _present_text(pres, text)
        return pres
    pres.mode = "download"
    if kind in INLINE_TYPES:
        pres.message = f"{filename} can't be shown inline ({mime}); download it instead."
    return pres


def _textual(mime: str) -> bool:
    return (
        (mime.startswith("text/") and mime != "text/html")
        or mime in TEXT_TYPES
        or mime.endswith(("+json", "+xml"))
    ) and mime != "image/svg+xml"


def _text_of(body: bytes) -> str | None:
    """The bytes as text, if they are UTF-8 without NULs (a binary file has NULs early on)."""
    if b"\x00" in body[:8192]:
        return None
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _present_text(pres: CanvasPresentation, text: str) -> None:
    pres.mode = "text"
    ext = pres.filename.rsplit(".", 1)[-1].lower() if "." in pres.filename else ""
    if pres.mime_type == "application/json" and "\n" not in text.strip():
        with contextlib.suppress(ValueError):  # minified JSON is unreadable: indent it
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    if len(text) > TEXT_PREVIEW_CHARS:
        pres.text_cut = len(text) - TEXT_PREVIEW_CHARS
        text = text[:TEXT_PREVIEW_CHARS]
    pres.text = text
    delimiter = {"csv": ",", "tsv": "\t"}.get(ext) or {
        "text/csv": ",",
        "text/tab-separated-values": "\t",
    }.get(pres.mime_type)
    if delimiter and not pres.text_cut:
        pres.table = _simple_table(text, delimiter)


def _simple_table(text: str, delimiter: str) -> list[list[str]] | None:
    """Rows of a small, regular CSV/TSV (every row as wide as the header, 2+ columns); None
    for anything else, which is then shown as plain text."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error:
        return None
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if len(rows) < 2 or len(rows) > TABLE_MAX_ROWS + 1:
        return None
    width = len(rows[0])
    if not 2 <= width <= TABLE_MAX_COLUMNS or any(len(row) != width for row in rows):
        return None
    return rows


@dataclass(frozen=True)
class CanvasDocument:
    """What the iframe `src` view returns for an html (or SVG) item."""

    body: bytes
    content_type: str
    csp: str = IFRAME_CSP
    headers: dict[str, str] = field(default_factory=dict)


def canvas_iframe_document(item: Any) -> CanvasDocument | None:
    """Bytes and headers for the sandboxed iframe view; None if the item isn't framed.

    The view should copy `headers` onto the response: they carry the document's own CSP (the
    site CSP middleware leaves a response that already has one alone), `X-Frame-Options:
    SAMEORIGIN` (so the portal can frame it), `nosniff`, and `no-referrer`.
    """
    pres = item if isinstance(item, CanvasPresentation) else present_canvas_item(item)
    if pres.mode != "iframe" or pres.data is None:
        return None
    content_type = (
        "image/svg+xml" if pres.mime_type == "image/svg+xml" else "text/html; charset=utf-8"
    )
    body = pres.data if pres.mime_type == "image/svg+xml" else (pres.text or "").encode("utf-8")
    headers = {
        "Content-Type": content_type,
        "Content-Security-Policy": IFRAME_CSP,
        "X-Frame-Options": "SAMEORIGIN",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "private, no-cache",
    }
    return CanvasDocument(body=body, content_type=content_type, headers=headers)


@dataclass(frozen=True)
class CanvasBinary:
    """What a download / media-stream view returns."""

    body: bytes
    content_type: str
    filename: str
    as_attachment: bool
    headers: dict[str, str] = field(default_factory=dict)


def canvas_binary(item: Any, *, download: bool = False) -> CanvasBinary | None:
    """Bytes and headers to serve an item's content directly.

    Inline media types are served as themselves (`inline`, unless `download`); everything
    else, including SVG and HTML, as an `application/octet-stream` attachment, so the portal's
    origin never renders agent-made active content. None when there is no content.
    """
    pres = item if isinstance(item, CanvasPresentation) else present_canvas_item(item)
    if pres.data is None:
        return None
    inline = pres.inline_media and not download
    if pres.inline_media:
        content_type = pres.mime_type
    elif pres.mode == "markdown":
        content_type = "text/markdown; charset=utf-8"
    else:
        content_type = "application/octet-stream"
    attachment = not inline
    headers = {
        "Content-Type": content_type,
        "Content-Disposition": content_disposition_header(attachment, pres.filename) or "",
        "Content-Length": str(len(pres.data)),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    return CanvasBinary(pres.data, content_type, pres.filename, attachment, headers)


# --- rendering -----------------------------------------------------------------------------


def render_canvas_item(
    item: Any,
    *,
    iframe_url: str | None = None,
    media_url: str | None = None,
    download_url: str | None = None,
    data_urls: bool = True,
) -> SafeString:
    """The item's panel. URLs are the portal's own views (the caller builds them):
    `iframe_url` serves `canvas_iframe_document`, `media_url` and `download_url` serve
    `canvas_binary` (inline / as attachment). With `data_urls=False` media always load from
    `media_url`, never as an inline `data:` URL."""
    pres = item if isinstance(item, CanvasPresentation) else present_canvas_item(item)
    inline = pres.data_url if data_urls else None
    media_src = inline or media_url if pres.inline_media else None
    context = {
        "item": pres,
        "iframe_url": iframe_url,
        "media_src": media_src,
        "download_url": download_url,
        "sandbox": IFRAME_SANDBOX,
    }
    return mark_safe(render_to_string(f"{TEMPLATE}#item", context))


@dataclass(frozen=True)
class CanvasEntry:
    filename: str
    kind: str
    size_bytes: int | None
    size_label: str
    too_large: bool
    url: str | None = None


def canvas_entries(items: Any, url_for: Any = None) -> list[CanvasEntry]:
    """List rows for `listReplicaCanvasItems` (a `CanvasListResponse` or its `items`)."""
    data = as_dict(items) if not isinstance(items, list) else {"items": items}
    out = []
    for raw in data.get("items") or []:
        entry = as_dict(raw)
        filename = get_str(entry, "filename")
        if not filename:
            continue
        size = entry.get("sizeBytes") if isinstance(entry.get("sizeBytes"), int) else None
        out.append(
            CanvasEntry(
                filename=filename,
                kind=get_str(entry, "kind", default="other"),
                size_bytes=size,
                size_label=human_size(size),
                too_large=size is not None and size > CANVAS_CAP_BYTES,
                url=url_for(filename) if callable(url_for) else None,
            )
        )
    return out


def render_canvas_list(items: Any, url_for: Any = None) -> SafeString:
    """The canvas item list: name (linked with `url_for(filename)` when given), kind, size."""
    entries = canvas_entries(items, url_for)
    return mark_safe(render_to_string(f"{TEMPLATE}#list", {"entries": entries}))
