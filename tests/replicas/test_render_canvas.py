from __future__ import annotations

import base64

import pytest

from portal.replica_api import models
from portal.replicas.rendering import canvas
from portal.replicas.rendering.canvas import (
    IFRAME_CSP,
    canvas_binary,
    canvas_entries,
    canvas_iframe_document,
    present_canvas_item,
    render_canvas_item,
    render_canvas_list,
    sniff_mime,
)
from portal.replicas.rendering.util import human_size

from . import domsim
from .xss import PAYLOADS, assert_inert

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 24
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16
MP3 = b"ID3\x04" + b"\x00" * 24
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def content(
    filename: str,
    kind: str,
    *,
    mime: str = "",
    text: str | None = None,
    data: bytes | None = None,
    **kw,
) -> dict:
    """A `CanvasContentResponse`."""
    item = {
        "filename": filename,
        "kind": kind,
        "sizeBytes": len(data or (text or "").encode()),
        "mimeType": mime,
    }
    if text is not None:
        item["content"] = text
    if data is not None:
        item["base64"] = b64(data)
    item.update(kw)
    models.CanvasContentResponse.model_validate(item)  # the fixture is the spec's shape
    return item


def test_markdown_is_rendered_and_sanitized():
    item = content("plan.md", "markdown", mime="text/markdown; charset=utf-8",
                   text="# Plan\n\n- step <script>alert(1)</script>\n\n[x](javascript:alert(1))")  # fmt: skip
    pres = present_canvas_item(item)
    assert pres.mode == "markdown" and pres.mime_type == "text/markdown"
    assert "<h1>Plan</h1>" in pres.html and "&lt;script&gt;" in pres.html
    html = render_canvas_item(pres, download_url="/dl/plan.md")
    assert '<div class="canvas-body canvas-md md"><h1>Plan</h1>' in html
    assert '<a class="canvas-download" href="/dl/plan.md" download>' in html
    assert_inert(html)


def test_html_goes_to_a_sandboxed_iframe_never_inline():
    page = "<h1>Report</h1><script>alert(1)</script><style>h1{color:red}</style>"
    pres = present_canvas_item(
        content("report.html", "html", mime="text/html; charset=utf-8", text=page)
    )
    assert pres.mode == "iframe" and pres.mime_type == "text/html"
    html = render_canvas_item(pres, iframe_url="/frame/report.html")
    doc = domsim.parse(html)
    frame = next(n for n in doc.iter() if n.tag == "iframe")
    assert frame.attrs["sandbox"] == "" and frame.attrs["src"] == "/frame/report.html"
    assert frame.attrs["referrerpolicy"] == "no-referrer"
    assert "Report" not in html and "alert" not in html  # the content itself is never in the page
    assert_inert(html, allow_iframe_src="/frame/report.html")
    # without an iframe view the page says so instead of inlining
    assert "<iframe" not in render_canvas_item(pres)


def test_iframe_document_has_its_own_restrictive_csp():
    doc = canvas_iframe_document(content("r.html", "html", mime="text/html", text="<p>hi</p>"))
    assert doc.body == b"<p>hi</p>" and doc.content_type == "text/html; charset=utf-8"
    assert doc.csp == IFRAME_CSP == doc.headers["Content-Security-Policy"]
    directives = {d.strip().split(" ")[0]: d.strip() for d in IFRAME_CSP.split(";")}
    assert directives["default-src"] == "default-src 'none'"
    assert directives["sandbox"] == "sandbox"  # no allow-scripts, no allow-same-origin
    assert "allow-same-origin" not in IFRAME_CSP and "script-src" not in IFRAME_CSP
    assert directives["frame-ancestors"] == "frame-ancestors 'self'"
    assert doc.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert doc.headers["X-Content-Type-Options"] == "nosniff"
    assert set(canvas.IFRAME_CSP_CONFIG) == set(directives)
    assert canvas_iframe_document(content("a.md", "markdown", text="x")) is None


def test_images_inline_as_data_urls_after_sniffing():
    pres = present_canvas_item(content("shot.png", "image", mime="image/png", data=PNG))
    assert pres.mode == "image" and pres.mime_type == "image/png"
    assert pres.data_url == f"data:image/png;base64,{b64(PNG)}"
    html = render_canvas_item(pres)
    assert (
        f'<img class="canvas-image" src="data:image/png;base64,{b64(PNG)}" alt="shot.png">' in html
    )
    # a JPEG saved as .png is shown as what it is
    assert (
        present_canvas_item(content("odd.png", "image", mime="image/png", data=JPEG)).mime_type
        == "image/jpeg"
    )


def test_svg_is_never_an_inline_image():
    pres = present_canvas_item(content("logo.svg", "image", mime="image/svg+xml", data=SVG))
    assert pres.mode == "iframe" and pres.mime_type == "image/svg+xml"
    html = render_canvas_item(pres, iframe_url="/frame/logo.svg", download_url="/dl/logo.svg")
    assert "<img" not in html and "data:image/svg" not in html
    assert_inert(html, allow_iframe_src="/frame/logo.svg")
    doc = canvas_iframe_document(pres)
    assert doc.content_type == "image/svg+xml" and doc.body == SVG
    binary = canvas_binary(pres)
    assert binary.content_type == "application/octet-stream" and binary.as_attachment
    assert binary.headers["Content-Disposition"].startswith("attachment;")


def test_bytes_that_lie_about_their_type_are_a_download():
    fake = present_canvas_item(
        content("cat.png", "image", mime="image/png", data=b"<html><script>alert(1)</script>")
    )
    assert fake.mode == "download" and "can't be shown inline" in fake.message
    html = render_canvas_item(fake, download_url="/dl/cat.png")
    assert "<img" not in html and "<iframe" not in html
    assert canvas_binary(fake).content_type == "application/octet-stream"


def test_video_and_audio():
    video = present_canvas_item(content("demo.mp4", "video", mime="video/mp4", data=MP4))
    assert video.mode == "video" and video.mime_type == "video/mp4"
    assert '<video class="canvas-video" src="data:video/mp4;base64,' in render_canvas_item(video)
    audio = present_canvas_item(content("note.mp3", "audio", mime="audio/mpeg", data=MP3))
    assert audio.mode == "audio" and audio.mime_type == "audio/mpeg"
    assert '<audio class="canvas-audio" src="data:audio/mpeg;base64,' in render_canvas_item(audio)
    binary = canvas_binary(video)
    assert binary.content_type == "video/mp4" and not binary.as_attachment
    assert binary.headers["Content-Disposition"] == 'inline; filename="demo.mp4"'
    assert canvas_binary(video, download=True).as_attachment


def _media_parts(html: str):
    doc = domsim.parse(html)
    box = next(n for n in doc.iter() if "data-canvas-media" in n.attrs)
    player = next(n for n in box.iter() if n.tag in ("video", "audio"))
    note = next(n for n in box.iter() if "data-canvas-media-error" in n.attrs)
    return box, player, note


@pytest.mark.parametrize(
    ("name", "kind", "mime", "data"),
    [("clip.mov", "video", "video/quicktime", MP4[:4] + b"ftypqt  " + b"\x00" * 16),
     ("note.mp3", "audio", "audio/mpeg", MP3)],
)  # fmt: skip
def test_media_carry_a_hidden_cant_play_note_with_the_download(name, kind, mime, data):
    """canvas.js reveals the note when the browser reports the element's error; browsers
    without <video>/<audio> show the text inside the element."""
    pres = present_canvas_item(content(name, kind, mime=mime, data=data))
    assert pres.mode == kind
    html = render_canvas_item(
        pres, media_url=f"/media/{name}", download_url=f"/dl/{name}", data_urls=False
    )
    box, player, note = _media_parts(html)
    assert player.attrs["src"] == f"/media/{name}"
    assert domsim.squash(player.text()) == f"Your browser can't show {kind} here. Download {name}."
    assert next(n for n in player.iter() if n.tag == "a").attrs["href"] == f"/dl/{name}"
    assert "hidden" in note.attrs and note.attrs["role"] == "status"
    reasons = {
        n.attrs["data-canvas-media-reason"]: n
        for n in note.iter()
        if "data-canvas-media-reason" in n.attrs
    }
    assert domsim.squash(reasons["unsupported"].text()) == (
        f"Your browser can't play this {kind} ({pres.mime_type})."
    )
    assert "hidden" not in reasons["unsupported"].attrs and "hidden" in reasons["network"].attrs
    assert domsim.squash(reasons["network"].text()) == f"This {kind} couldn't be loaded."
    link = next(n for n in note.iter() if n.tag == "a")
    assert link.attrs["href"] == f"/dl/{name}" and "download" in link.attrs
    assert_inert(html)
    # no download view given: the note still says so, without a link
    bare = render_canvas_item(pres, media_url=f"/media/{name}", data_urls=False)
    assert "can't play this" in bare and "<a " not in bare


def test_big_media_use_the_stream_view_not_a_data_url(monkeypatch):
    monkeypatch.setattr(canvas, "INLINE_DATA_URL_MAX", 10)
    pres = present_canvas_item(content("shot.png", "image", mime="image/png", data=PNG))
    assert pres.data_url is None
    html = render_canvas_item(pres, media_url="/media/shot.png")
    assert 'src="/media/shot.png"' in html


CSV = b'invoice,customer,total\nINV-1,"Acme, Ltd",12.00\nINV-2,<b>Globex</b>,"8\n9"\n'


def test_a_small_csv_is_a_table_with_the_download_beside():
    pres = present_canvas_item(content("invoices.csv", "other", mime="text/csv", data=CSV))
    assert pres.mode == "text" and pres.downloadable
    assert pres.table == [
        ["invoice", "customer", "total"],
        ["INV-1", "Acme, Ltd", "12.00"],
        ["INV-2", "<b>Globex</b>", "8\n9"],
    ]
    html = render_canvas_item(pres, download_url="/dl/invoices.csv")
    doc = domsim.parse(html)
    assert [n.text() for n in doc.iter() if n.tag == "th"] == ["invoice", "customer", "total"]
    assert [n.text() for n in doc.iter() if n.tag == "td"][3:6] == [
        "INV-2",
        "<b>Globex</b>",
        "8\n9",
    ]
    assert "&lt;b&gt;Globex&lt;/b&gt;" in html and "<b>" not in html
    assert '<a class="canvas-download" href="/dl/invoices.csv" download>' in html
    assert "can't be previewed" not in html
    binary = canvas_binary(pres)  # the download is still an attachment, never rendered
    assert binary.as_attachment and binary.content_type == "application/octet-stream"
    assert binary.body == CSV


@pytest.mark.parametrize(
    ("name", "mime", "data", "shown"),
    [
        ("ragged.csv", "text/csv", b"a,b\n1,2,3\n", "a,b\n1,2,3\n"),
        ("build.log", "", b"step 1 <ok>\nstep 2 & done\n", "step 1 <ok>\nstep 2 & done\n"),
        ("notes.txt", "text/plain", "caf\u00e9 \u2713".encode(), "caf\u00e9 \u2713"),
        ("data.tsv", "", b"a\tb\n", "a\tb\n"),
        ("out.json", "application/json", b'{"a":[1,"<x>"]}', '{\n  "a": [\n    1,\n    "<x>"\n  ]\n}'),
        ("pretty.json", "application/json", b'{\n "a": 1}\n', '{\n "a": 1}\n'),
        ("events.jsonl", "", b'{"a":1}\n{"a":2}\n', '{"a":1}\n{"a":2}\n'),
        ("Makefile", "", b"all:\n\techo hi\n", "all:\n\techo hi\n"),
    ],
)  # fmt: skip
def test_small_text_kinds_preview_as_escaped_text(name, mime, data, shown):
    pres = present_canvas_item(content(name, "other", mime=mime, data=data))
    assert pres.mode == "text" and pres.table is None
    assert pres.text == shown
    html = render_canvas_item(pres, download_url=f"/dl/{name}")
    pre = next(n for n in domsim.parse(html).iter() if n.tag == "pre")
    assert pre.attrs["class"] == "canvas-text" and pre.text() == shown
    assert "<x>" not in html and "<ok>" not in html
    assert f'href="/dl/{name}"' in html


def test_binary_or_non_utf8_other_items_stay_downloads():
    for name, mime, data in [
        ("blob.bin", "", b"abc\x00def"),
        ("latin.txt", "text/plain", "caf\u00e9".encode("latin-1")),
        ("doc.pdf", "application/pdf", b"%PDF-1.7 text"),
        ("page.htm", "text/html", b"<p>hi</p>"),
    ]:
        pres = present_canvas_item(content(name, "other", mime=mime, data=data))
        assert pres.mode == "download", name


def test_long_text_shows_its_start_and_says_how_much_is_left(monkeypatch):
    monkeypatch.setattr(canvas, "TEXT_PREVIEW_CHARS", 10)
    pres = present_canvas_item(content("big.csv", "other", mime="text/csv", data=b"a,b\n" * 5))
    assert pres.mode == "text" and pres.text == "a,b\na,b\na," and pres.text_cut == 10
    assert pres.table is None  # half a file is no table
    html = render_canvas_item(pres, download_url="/dl/big.csv")
    assert "Showing the start of the file: 10 more characters are in the" in html


def test_other_kinds_are_downloads():
    pres = present_canvas_item(
        content("data.zip", "other", mime="application/zip", data=b"PK\x03\x04rest")
    )
    assert pres.mode == "download" and pres.message is None
    html = render_canvas_item(pres, download_url="/dl/data.zip")
    assert "can't be previewed" in html and 'href="/dl/data.zip"' in html
    binary = canvas_binary(pres)
    assert binary.body == b"PK\x03\x04rest" and binary.content_type == "application/octet-stream"
    assert (
        binary.headers["Content-Length"] == "8"
        and binary.headers["X-Content-Type-Options"] == "nosniff"
    )
    odd_name = canvas_binary(present_canvas_item(content('we"ird\nname.bin', "other", data=b"x")))
    assert "\n" not in odd_name.headers["Content-Disposition"]


def test_too_large_items_say_so():
    item = {
        "filename": "movie.mp4",
        "kind": "video",
        "sizeBytes": 9 * 1024 * 1024,
        "mimeType": "video/mp4",
        "tooLarge": True,
    }
    models.CanvasContentResponse.model_validate(item)
    pres = present_canvas_item(item)
    assert pres.mode == "too_large" and not pres.downloadable
    assert pres.message == "movie.mp4 is too large to preview (9.0 MB; the limit is 5.0 MB)."
    html = render_canvas_item(pres, download_url="/dl/movie.mp4")
    assert "too large to preview" in html and "/dl/movie.mp4" not in html
    # The API serves no content over the cap: say so, and name the command as code, not as
    # raw Markdown backticks.
    assert "`" not in html
    note = next(n for n in domsim.parse(html).iter() if n.tag == "p")
    assert domsim.squash(note.text()) == (
        "movie.mp4 is too large to preview (9.0 MB; the limit is 5.0 MB). The Replica API "
        "doesn't hand out files over its size cap, so there is nothing to download here: share "
        "it from the workspace with replicas media upload instead."
    )
    assert "<code>replicas media upload</code>" in html
    assert canvas_binary(pres) is None and canvas_iframe_document(pres) is None


def test_list_items_and_missing_or_broken_content():
    listed = models.CanvasItem.model_validate(
        {"filename": "plan.md", "kind": "markdown", "sizeBytes": 10}
    )
    assert present_canvas_item(listed).mode == "not_loaded"
    assert (
        present_canvas_item({"filename": "huge.bin", "kind": "other", "sizeBytes": 6_000_000}).mode
        == "too_large"
    )
    broken = present_canvas_item(
        {
            "filename": "x.png",
            "kind": "image",
            "sizeBytes": 3,
            "mimeType": "image/png",
            "base64": "!!!",
        }
    )
    assert broken.mode == "empty" and "could not be decoded" in broken.message
    assert present_canvas_item({}).filename == "untitled"
    assert present_canvas_item(None).mode == "not_loaded"


def test_pydantic_content_response_is_accepted():
    model = models.CanvasContentResponse.model_validate(
        content("plan.md", "markdown", text="**hi**")
    )
    assert "<strong>hi</strong>" in present_canvas_item(model).html


def test_canvas_list():
    items = {"items": [
        {"filename": "plan.md", "kind": "markdown", "sizeBytes": 2048},
        {"filename": "movie.mp4", "kind": "video", "sizeBytes": 6 * 1024 * 1024},
    ]}  # fmt: skip
    models.CanvasListResponse.model_validate(items)
    entries = canvas_entries(items, url_for=lambda name: f"/canvas/{name}")
    assert [(e.filename, e.size_label, e.too_large, e.url) for e in entries] == [
        ("plan.md", "2.0 KB", False, "/canvas/plan.md"),
        ("movie.mp4", "6.0 MB", True, "/canvas/movie.mp4"),
    ]
    html = render_canvas_list(items)
    assert "too large to preview" in html and "<a " not in html
    assert "The canvas is empty." in render_canvas_list({"items": []})
    assert len(canvas_entries([{"filename": "a.md", "kind": "markdown", "sizeBytes": 1}])) == 1


def test_sniffing_and_sizes():
    assert sniff_mime("a.png", data=PNG) == "image/png"
    assert sniff_mime("a.bin", data=MP4) == "video/mp4"
    assert sniff_mime("a.webm") == "video/webm"
    assert sniff_mime("noext", "application/pdf; x=1") == "application/pdf"
    assert sniff_mime("noext") == "application/octet-stream"
    assert sniff_mime("x.txt", data=SVG) == "image/svg+xml"
    assert [human_size(n) for n in (0, 1, 1023, 1024, 1536, 10 * 1024, 5 * 1024 * 1024, 3 * 1024**4)] == [
        "0 bytes", "1 byte", "1023 bytes", "1.0 KB", "1.5 KB", "10 KB", "5.0 MB", "3.0 TB",
    ]  # fmt: skip
    assert human_size(None) == "unknown size" and human_size(-1) == "unknown size"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_canvas_rendering_is_inert(payload):
    name = payload.replace("\n", " ")[:80] + ".md"
    md = present_canvas_item(content(name, "markdown", text=payload))
    assert_inert(render_canvas_item(md, download_url="/dl"), context=f"markdown {payload!r}")
    page = present_canvas_item(content(name.replace(".md", ".html"), "html", text=payload))
    assert_inert(
        render_canvas_item(page, iframe_url="/frame"), allow_iframe_src="/frame", context="html"
    )
    image = present_canvas_item(
        content(name.replace(".md", ".png"), "image", data=payload.encode())
    )
    assert_inert(
        render_canvas_item(image, iframe_url="/frame", download_url="/dl"),
        allow_iframe_src="/frame",
    )
    assert_inert(
        render_canvas_list({"items": [{"filename": name, "kind": payload, "sizeBytes": 1}]})
    )
    for ext in (".csv", ".log", ".json"):
        text = present_canvas_item(
            content(name.replace(".md", ext), "other", data=f"a,{payload}\n{payload},b".encode())
        )
        assert text.mode == "text"
        assert_inert(render_canvas_item(text, download_url="/dl"), context=f"text {payload!r}")
    media = present_canvas_item(content(name.replace(".md", ".mp3"), "audio", data=MP3))
    assert_inert(render_canvas_item(media, media_url="/m", download_url="/dl", data_urls=False))
