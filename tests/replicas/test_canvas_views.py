"""The Canvas panel against the emulator: list, every kind of item, the sandboxed frame, media
and downloads, the size cap, unknown items, sleeping/error workspaces, HTMX vs full page.

Seeded replicas are only read (found by what they hold, not by id); anything that changes a
replica (dropping XSS items, putting it to sleep) happens on a replica the test creates.
"""

from __future__ import annotations

import base64
import re
import uuid
from urllib.parse import quote

import httpx
import pytest
import respx
from django.urls import reverse

from portal.replicas.rendering.canvas import IFRAME_CSP
from tests.accounts.personas import *  # noqa: F403
from tests.replicas.conftest import SEEDED, active_replica, assert_asked_together, seeded_replica

from . import domsim
from .xss import PAYLOADS, assert_inert

pytestmark = pytest.mark.emulator
KINDS = {"markdown", "html", "image", "video", "audio", "other"}


# --- fixtures and helpers ------------------------------------------------------------------


@pytest.fixture(scope="module")
def showcase(org_api) -> dict:
    """The seeded active replica whose canvas has an item of every kind, one over the cap."""
    for replica in (seeded_replica(org_api, name) for name in SEEDED["active"]):
        items = org_api.list_replica_canvas_items(str(replica.id)).items
        if {str(getattr(i.kind, "value", i.kind)) for i in items} >= KINDS and any(
            i.sizeBytes > 5 * 1024 * 1024 for i in items
        ):
            by_kind: dict[str, list] = {}
            for item in items:
                by_kind.setdefault(str(getattr(item.kind, "value", item.kind)), []).append(item)
            return {"id": str(replica.id), "items": items, "by_kind": by_kind}
    raise AssertionError("no seeded replica has canvas items of every kind")


def _named(showcase, suffix: str):
    return next(i for i in showcase["items"] if i.filename.endswith(suffix))


def new_replica(emulator, org_api) -> str:
    """A replica of our own (active), bound to the first repository the org has."""
    repo = org_api.list_repositories().repositories[0]
    return active_replica(
        org_api,
        f"canvas-test-{uuid.uuid4().hex[:6]}",
        message="Write the release notes",
        repository_ids=[str(repo.id)],
    )


def drop(emulator, rid: str, filename: str, **body) -> None:
    emulator.control(f"replicas/{rid}/canvas", {"filename": filename, **body})


def item_url(rid: str, filename: str, name: str = "replicas:canvas_item") -> str:
    return reverse(name, args=[rid, filename])


def viewer(html: str) -> str:
    """The item viewer's HTML (what the rendering layer produced), out of a page."""
    start = html.index('id="canvas-viewer"')
    start = html.index(">", start) + 1
    end = html.index("<!-- /canvas-viewer -->", start)
    return html[start:end]


HTMX = {"HX-Request": "true", "HX-Target": "canvas", "HX-Current-URL": "http://testserver/"}


# --- the list ------------------------------------------------------------------------------


def test_canvas_lists_every_item_with_kind_size_and_links(ada, showcase):
    rid = showcase["id"]
    response = ada.get(reverse("replicas:canvas", args=[rid]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="replica-header"' in body and 'aria-current="page">Canvas</a>' in body
    doc = domsim.parse(body)
    rows = {
        node.children[1].text(): node
        for node in doc.iter()
        if node.tag == "li" and "canvas-entry" in node.attrs.get("class", "")
    }
    assert set(rows) == {i.filename for i in showcase["items"]}
    for item in showcase["items"]:
        row = rows[item.filename]
        link = next(n for n in row.iter() if n.tag == "a")
        assert link.attrs["href"] == link.attrs["hx-get"] == item_url(rid, item.filename)
        assert link.attrs["hx-target"] == "#canvas" and link.attrs["hx-push-url"] == "true"
        text = domsim.squash(row.text())
        assert str(getattr(item.kind, "value", item.kind)) in text
    big = _named(showcase, ".har")
    assert "7.1 MB · too large to preview" in domsim.squash(rows[big.filename].text())
    assert "Choose an item to view it." in body


def test_an_empty_canvas_says_so(ada, emulator, org_api):
    rid = new_replica(emulator, org_api)
    assert not org_api.list_replica_canvas_items(rid).items
    body = ada.get(reverse("replicas:canvas", args=[rid])).content.decode()
    assert "The canvas is empty" in body


# --- each kind -----------------------------------------------------------------------------


def test_markdown_item_is_rendered_inline_and_marked_selected(ada, showcase, org_api):
    rid = showcase["id"]
    item = next(
        i
        for i in showcase["by_kind"]["markdown"]
        if "# Session timeout fix" in org_api.get_replica_canvas_item(rid, i.filename).content
    )
    response = ada.get(item_url(rid, item.filename))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="replica-header"' in body  # a full page when opened directly
    shown = viewer(body)
    assert re.search(r"<h1[^>]*>\s*Session timeout fix\s*</h1>", shown)
    assert "<table" in shown and 'class="highlight' in shown  # GFM table, highlighted code
    assert "canvas-item--markdown" in shown
    doc = domsim.parse(body)
    current = [n for n in doc.iter() if n.tag == "a" and n.attrs.get("aria-current") == "page"]
    assert [n.text() for n in current if "canvas-entry-name" in n.attrs.get("class", "")] == [
        item.filename
    ]
    assert f'href="{item_url(rid, item.filename, "replicas:canvas_download")}"' in shown


def test_html_item_is_shown_only_in_a_sandboxed_iframe(ada, showcase, org_api):
    rid = showcase["id"]
    item = showcase["by_kind"]["html"][0]
    body = ada.get(item_url(rid, item.filename)).content.decode()
    shown = viewer(body)
    frame_url = item_url(rid, item.filename, "replicas:canvas_frame")
    iframes = re.findall(r"<iframe\b[^>]*>", body)
    assert len(iframes) == 1
    assert f'src="{frame_url}"' in iframes[0] and 'sandbox=""' in iframes[0]
    assert "allow-same-origin" not in body and "allow-scripts" not in body
    assert "srcdoc" not in body
    assert_inert(shown, allow_iframe_src=frame_url, context="html item")
    # The document itself never reaches the portal page.
    content = org_api.get_replica_canvas_item(rid, item.filename).content
    assert "Coverage for" in content and "Coverage for" not in body


def test_the_frame_serves_the_html_with_its_own_restrictive_csp(ada, showcase, org_api):
    rid = showcase["id"]
    item = showcase["by_kind"]["html"][0]
    response = ada.get(item_url(rid, item.filename, "replicas:canvas_frame"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Security-Policy"] == IFRAME_CSP
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and csp.endswith("sandbox")
    assert "script-src" not in csp and "frame-ancestors 'self'" in csp
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # this response only
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert response.content.decode() == org_api.get_replica_canvas_item(rid, item.filename).content
    # Every other portal page stays unframable.
    page = ada.get(item_url(rid, item.filename))
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_svg_is_framed_and_never_served_as_an_image(ada, showcase):
    rid = showcase["id"]
    svg = _named(showcase, ".svg")
    body = ada.get(item_url(rid, svg.filename)).content.decode()
    frame_url = item_url(rid, svg.filename, "replicas:canvas_frame")
    assert f'src="{frame_url}"' in body and "<img" not in viewer(body)
    framed = ada.get(frame_url)
    assert framed["Content-Type"] == "image/svg+xml"
    assert framed["Content-Security-Policy"] == IFRAME_CSP
    raw = ada.get(item_url(rid, svg.filename, "replicas:canvas_file"))
    assert raw["Content-Type"] == "application/octet-stream"
    assert raw["Content-Disposition"].startswith("attachment")
    assert raw["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("suffix", "tag", "content_type"),
    [(".png", "img", "image/png"), (".mp4", "video", "video/mp4"), (".wav", "audio", "audio/wav")],
)
def test_media_are_inline_from_the_media_url_with_their_sniffed_type(
    ada, showcase, org_api, suffix, tag, content_type
):
    rid = showcase["id"]
    item = _named(showcase, suffix)
    media_url = item_url(rid, item.filename, "replicas:canvas_file")
    shown = viewer(ada.get(item_url(rid, item.filename)).content.decode())
    assert re.search(rf'<{tag}\b[^>]*src="{re.escape(media_url)}"', shown), shown
    assert "data:" not in shown  # served by the portal, not inlined as base64
    response = ada.get(media_url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    expected = base64.b64decode(org_api.get_replica_canvas_item(rid, item.filename).base64)
    assert response.content == expected
    download = ada.get(item_url(rid, item.filename, "replicas:canvas_download"))
    assert download["Content-Disposition"].startswith("attachment")
    assert download.content == expected


def test_media_honour_single_byte_ranges(ada, showcase, org_api):
    rid = showcase["id"]
    item = _named(showcase, ".wav")
    url = item_url(rid, item.filename, "replicas:canvas_file")
    full = base64.b64decode(org_api.get_replica_canvas_item(rid, item.filename).base64)
    size = len(full)
    assert ada.get(url)["Accept-Ranges"] == "bytes"
    first = ada.get(url, headers={"Range": "bytes=0-99"})
    assert first.status_code == 206 and first.content == full[:100]
    assert first["Content-Range"] == f"bytes 0-99/{size}" and first["Content-Length"] == "100"
    assert first["Content-Type"] == "audio/wav" and first["X-Content-Type-Options"] == "nosniff"
    assert ada.get(url, headers={"Range": "bytes=-10"}).content == full[-10:]
    assert ada.get(url, headers={"Range": "bytes=100-"}).content == full[100:]
    beyond = ada.get(url, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{size}"
    several = ada.get(url, headers={"Range": "bytes=0-1,5-6"})
    assert several.status_code == 200 and several.content == full


def test_a_small_csv_previews_as_a_table_with_the_download_beside(ada, showcase, org_api):
    rid = showcase["id"]
    csv = _named(showcase, ".csv")
    shown = viewer(ada.get(item_url(rid, csv.filename)).content.decode())
    download_url = item_url(rid, csv.filename, "replicas:canvas_download")
    assert "can't be previewed" not in shown and f'href="{download_url}"' in shown
    source = base64.b64decode(org_api.get_replica_canvas_item(rid, csv.filename).base64).decode()
    header = source.splitlines()[0].split(",")
    doc = domsim.parse(shown)
    assert [n.text() for n in doc.iter() if n.tag == "th"] == header
    rows = [n for n in doc.iter() if n.tag == "tr"]
    assert len(rows) == len(source.strip().splitlines())
    for url in (download_url, item_url(rid, csv.filename, "replicas:canvas_file")):
        response = ada.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"] == f'attachment; filename="{csv.filename}"'
        assert response["X-Content-Type-Options"] == "nosniff"
        expected = base64.b64decode(org_api.get_replica_canvas_item(rid, csv.filename).base64)
        assert response.content == expected


def test_an_item_over_the_size_cap_says_so(ada, showcase):
    rid = showcase["id"]
    big = _named(showcase, ".har")
    response = ada.get(item_url(rid, big.filename))
    assert response.status_code == 200
    shown = viewer(response.content.decode())
    assert "too large to preview" in shown and "the limit is 5.0 MB" in shown
    assert "Download" not in shown
    # the API serves no content over its cap: the page says so, with the command as code
    assert "`" not in shown
    assert "nothing to download here" in shown and "<code>replicas media upload</code>" in shown
    for name in ("replicas:canvas_file", "replicas:canvas_download", "replicas:canvas_frame"):
        assert ada.get(item_url(rid, big.filename, name)).status_code == 404


@pytest.mark.parametrize(
    ("filename", "body", "expected"),
    [
        ("build.log", "step 1 <ok>\nstep 2 & done\n", "step 1 <ok>\nstep 2 & done\n"),
        ("result.json", '{"passed":3,"failed":["<t>"]}', '{\n  "passed": 3,\n  "failed": [\n    "<t>"\n  ]\n}'),
        ("notes.txt", "plain words\n", "plain words\n"),
    ],
)  # fmt: skip
def test_small_text_items_preview_as_escaped_text(ada, emulator, scratch, filename, body, expected):
    drop(emulator, scratch, filename, base64=base64.b64encode(body.encode()).decode())
    shown = viewer(ada.get(item_url(scratch, filename)).content.decode())
    pre = next(n for n in domsim.parse(shown).iter() if n.tag == "pre")
    assert pre.attrs["class"] == "canvas-text" and pre.text() == expected
    assert "<ok>" not in shown and "<t>" not in shown
    assert f'href="{item_url(scratch, filename, "replicas:canvas_download")}"' in shown


def test_a_binary_other_item_is_still_only_a_download(ada, emulator, scratch):
    drop(emulator, scratch, "blob.bin", base64=base64.b64encode(b"\x00\x01\x02abc").decode())
    shown = viewer(ada.get(item_url(scratch, "blob.bin")).content.decode())
    assert "can't be previewed" in shown and "<pre" not in shown


def test_video_and_audio_carry_the_cant_play_note_and_fallback(ada, showcase):
    rid = showcase["id"]
    for suffix, tag in ((".mp4", "video"), (".wav", "audio")):
        item = _named(showcase, suffix)
        shown = viewer(ada.get(item_url(rid, item.filename)).content.decode())
        download_url = item_url(rid, item.filename, "replicas:canvas_download")
        doc = domsim.parse(shown)
        box = next(n for n in doc.iter() if "data-canvas-media" in n.attrs)
        player = next(n for n in box.iter() if n.tag == tag)
        # the fallback inside the element, for browsers without <video>/<audio>
        assert any(n.attrs.get("href") == download_url for n in player.iter() if n.tag == "a")
        note = next(n for n in box.iter() if "data-canvas-media-error" in n.attrs)
        assert "hidden" in note.attrs
        assert f"can't play this {tag}" in note.text()
        assert any(n.attrs.get("href") == download_url for n in note.iter() if n.tag == "a")


def test_a_markdown_item_has_no_frame(ada, showcase):
    rid = showcase["id"]
    md = showcase["by_kind"]["markdown"][0]
    assert ada.get(item_url(rid, md.filename, "replicas:canvas_frame")).status_code == 404


# --- unknown items, HTMX -------------------------------------------------------------------


def test_an_unknown_filename_is_a_404_that_keeps_the_list(ada, showcase):
    rid = showcase["id"]
    response = ada.get(item_url(rid, "no-such-item.md"))
    assert response.status_code == 404
    body = response.content.decode()
    assert "There is no canvas item named" in body and "no-such-item.md" in body
    assert _named(showcase, ".svg").filename in body  # the list is still there
    # htmx 2 swaps no 4xx: inside the panel the message comes with a 200.
    partial = ada.get(item_url(rid, "no-such-item.md"), headers=HTMX)
    assert (
        partial.status_code == 200 and "There is no canvas item named" in partial.content.decode()
    )
    for name in ("replicas:canvas_file", "replicas:canvas_download", "replicas:canvas_frame"):
        assert ada.get(item_url(rid, "no-such-item.md", name)).status_code == 404
    # Dot segments would be another API path: never asked for.
    assert ada.get(f"/replicas/{rid}/canvas/../raw/").status_code == 404
    assert ada.get(f"/replicas/{rid}/canvas/%2E%2E/").status_code == 404


def test_an_unknown_replica_is_a_404(ada, emulator):
    rid = str(uuid.uuid4())
    assert ada.get(reverse("replicas:canvas", args=[rid])).status_code == 404
    assert ada.get(item_url(rid, "plan.md")).status_code == 404
    assert ada.get(item_url(rid, "plan.md", "replicas:canvas_file")).status_code == 404


def test_picking_an_item_swaps_only_the_canvas_and_tabs_get_the_page(ada, showcase):
    rid = showcase["id"]
    md = showcase["by_kind"]["markdown"][0]
    partial = ada.get(item_url(rid, md.filename), headers=HTMX)
    assert partial.status_code == 200
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="canvas"')
    assert "replica-header" not in body and "<html" not in body
    assert "canvas-item--markdown" in body and md.filename in body
    assert "HX-Target" in partial["Vary"]
    # The tab bar (hx-target="#main", hx-select="#main") gets the whole page.
    tab = ada.get(reverse("replicas:canvas", args=[rid]), headers={**HTMX, "HX-Target": "main"})
    assert "<html" in tab.content.decode() and 'id="main"' in tab.content.decode()


def test_a_filename_with_url_characters_round_trips(ada, emulator, org_api, scratch):
    name = "notes #1 (draft)?.md"
    drop(emulator, scratch, name, content="# Draft notes\n")
    url = item_url(scratch, name)
    assert quote(name, safe="") in url or "%23" in url
    body = ada.get(reverse("replicas:canvas", args=[scratch])).content.decode()
    assert f'href="{url}"' in body
    shown = viewer(ada.get(url).content.decode())
    assert re.search(r"<h1[^>]*>\s*Draft notes\s*</h1>", shown)


# --- hostile content -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch(emulator, org_api) -> str:
    return new_replica(emulator, org_api)


MARKER = "CANVAS-XSS-MARKER-5f1c"


def test_xss_laden_markdown_comes_out_inert(ada, emulator, scratch):
    drop(emulator, scratch, "hostile.md", content="\n\n".join(PAYLOADS) + f"\n\n{MARKER}\n")
    response = ada.get(item_url(scratch, "hostile.md"))
    assert response.status_code == 200
    shown = viewer(response.content.decode())
    assert MARKER in shown  # it was rendered...
    assert_inert(shown, context="hostile markdown on the portal page")  # ...and is inert


def test_xss_laden_html_is_never_inlined_and_its_frame_is_locked_down(ada, emulator, scratch):
    html = "<!doctype html><title>t</title>" + "\n".join(PAYLOADS) + f"<p>{MARKER}</p>"
    drop(emulator, scratch, "hostile.html", content=html)
    body = ada.get(item_url(scratch, "hostile.html")).content.decode()
    assert MARKER not in body
    frame_url = item_url(scratch, "hostile.html", "replicas:canvas_frame")
    assert_inert(viewer(body), allow_iframe_src=frame_url, context="hostile html item")
    framed = ada.get(frame_url)
    assert MARKER in framed.content.decode()
    assert framed["Content-Security-Policy"] == IFRAME_CSP
    assert framed["X-Content-Type-Options"] == "nosniff"
    # As a plain file it is an attachment of no type the browser would render.
    raw = ada.get(item_url(scratch, "hostile.html", "replicas:canvas_file"))
    assert raw["Content-Type"] == "application/octet-stream"
    assert raw["Content-Disposition"].startswith("attachment")


def test_hostile_svg_and_lying_images_are_not_inline_images(ada, emulator, scratch):
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
    )
    drop(emulator, scratch, "hostile.svg", base64=base64.b64encode(svg).decode())
    drop(emulator, scratch, "fake.png", content="<html><script>alert(1)</script></html>")
    svg_page = viewer(ada.get(item_url(scratch, "hostile.svg")).content.decode())
    assert "<img" not in svg_page and "alert" not in svg_page
    fake_page = viewer(ada.get(item_url(scratch, "fake.png")).content.decode())
    assert "<img" not in fake_page
    fake = ada.get(item_url(scratch, "fake.png", "replicas:canvas_file"))
    assert fake["Content-Type"] != "image/png" and fake["Content-Disposition"].startswith(
        "attachment"
    )


def test_a_filename_with_markup_is_escaped(ada, emulator, scratch):
    name = '<img src=x onerror="alert(1)">.md'
    drop(emulator, scratch, name, content="hi")
    body = ada.get(reverse("replicas:canvas", args=[scratch])).content.decode()
    assert "<img src=x" not in body and "&lt;img src=x onerror=" in body
    shown = viewer(ada.get(item_url(scratch, name)).content.decode())
    assert_inert(shown, context="markup in a filename")


# --- workspace states ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("sleeping", "The canvas is unavailable while the workspace is sleeping."),
        ("archived", "The canvas is unavailable while the workspace is archived."),
        ("error", "this workspace is in its error state"),
    ],
)
def test_an_unreadable_workspace_says_canvas_is_unavailable(ada, emulator, org_api, state, message):
    rid = new_replica(emulator, org_api)
    emulator.control(f"replicas/{rid}/state", {"status": state})
    for url in (reverse("replicas:canvas", args=[rid]), item_url(rid, "plan.md")):
        response = ada.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert message in body
        if state != "error":
            assert "Wake</button>" in body  # the header's Wake button
            assert "reload the canvas" in body
    partial = ada.get(reverse("replicas:canvas", args=[rid]), headers=HTMX)
    assert partial.status_code == 200 and message in partial.content.decode()


def test_a_conflict_on_an_active_workspace_offers_to_try_again(ada, showcase, settings):
    rid = showcase["id"]
    conflict = httpx.Response(
        409, json={"error": "Workspace is still preparing", "details": "Retry shortly."}
    )
    with respx.mock(base_url=settings.REPLICAS_API_URL, assert_all_called=True) as mock:
        mock.get(f"/v1/replica/{rid}/canvas").mock(return_value=conflict)
        mock.route().pass_through()
        response = ada.get(reverse("replicas:canvas", args=[rid]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "The canvas can't be read right now" in body and "Workspace is still preparing" in body
    assert "Try again</a>" in body


def test_an_api_failure_is_a_friendly_page_or_banner(ada, showcase, settings):
    rid = showcase["id"]
    md = showcase["by_kind"]["markdown"][0]
    failure = httpx.Response(500, json={"error": "Engine unreachable", "details": None})
    with respx.mock(base_url=settings.REPLICAS_API_URL, assert_all_called=True) as mock:
        mock.get(url__regex=rf"/v1/replica/{rid}/canvas/.+").mock(return_value=failure)
        mock.route().pass_through()
        page = ada.get(item_url(rid, md.filename))
        banner = ada.get(item_url(rid, md.filename), headers=HTMX)
        raw = ada.get(item_url(rid, md.filename, "replicas:canvas_download"))
    # The failure stays in the canvas box, in plain words; the header and tabs stay.
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="replica-header"' in body and 'class="tabs"' in body
    assert "The Replica API had a problem" in body and 'id="canvas-problem"' in body
    assert "Engine unreachable" not in body  # the API's own words go to the log
    assert banner.status_code == 200 and 'id="canvas-problem"' in banner.content.decode()
    assert "<html" not in banner.content.decode()
    # The raw file has no box to show it in: the portal's error page, in the same words.
    assert raw.status_code == 502 and "The Replica API had a problem" in raw.content.decode()


def test_the_panel_works_with_the_database_off_limits_to_async_code(ada, showcase, monkeypatch):
    # As in production: any database access from the async view would raise.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    md = showcase["by_kind"]["markdown"][0]
    assert ada.get(item_url(showcase["id"], md.filename)).status_code == 200
    png = _named(showcase, ".png")
    assert (
        ada.get(item_url(showcase["id"], png.filename, "replicas:canvas_file")).status_code == 200
    )


def test_the_item_page_asks_the_api_concurrently(ada, showcase, settings):
    # getReplica, the list and the item, all in flight at once.
    md = showcase["by_kind"]["markdown"][0]
    assert_asked_together(ada, item_url(showcase["id"], md.filename), settings.REPLICAS_API_URL)


# --- who may look --------------------------------------------------------------------------


def _all_urls(rid: str, filename: str) -> list[str]:
    return [reverse("replicas:canvas", args=[rid])] + [
        item_url(rid, filename, name)
        for name in (
            "replicas:canvas_item",
            "replicas:canvas_frame",
            "replicas:canvas_file",
            "replicas:canvas_download",
        )
    ]


def test_anonymous_visitors_are_sent_to_sign_in(db, showcase):
    from django.test import Client

    for url in _all_urls(showcase["id"], "plan.md"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_a_member_without_a_key_is_sent_to_add_one(as_member, showcase):
    for url in _all_urls(showcase["id"], "plan.md"):
        response = as_member.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:key_needed")), url
