"""In Chromium: open a replica's Canvas, a Markdown item and the HTML item (sandboxed frame),
then its Diffs: expand a file and switch to the split view. No CSP violations on the way."""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect

from portal.accounts.models import KeyKind
from portal.replica_api import ReplicaAPI, Settings
from tests.accounts.personas import PASSWORD, store_key
from tests.browser.helpers import sign_in
from tests.conftest import ORG_KEY, PERSONAL_KEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


KINDS = {"markdown", "html", "image", "video", "audio", "other"}


def all_active(api: ReplicaAPI):
    """Every active replica, page by page (other tests add many)."""
    page = 1
    while True:
        listed = api.list_replicas(status="active", page=page, limit=50)
        yield from listed.replicas
        if page >= listed.total_pages:
            return
        page += 1


def showcase(emulator) -> tuple[str, str, str]:
    """(replica id, markdown filename, html filename) of the seeded replica whose canvas has
    every kind and which has a diff, found by content (other tests make replicas of their
    own, with hostile canvas items)."""
    api = ReplicaAPI(ORG_KEY, settings=Settings(base_url=emulator.url))
    for replica in all_active(api):
        rid = str(replica.id)
        items = api.list_replica_canvas_items(rid).items
        md = [i.filename for i in items if i.kind.value == "markdown"]
        html = [i.filename for i in items if i.kind.value == "html"]
        statuses = api.get_replica(rid, include="diffs").replica.repository_statuses or []
        if {i.kind.value for i in items} >= KINDS and any(
            s.git_diff and s.git_diff.full_diff for s in statuses
        ):
            for name in md:
                if api.get_replica_canvas_item(rid, name).content.lstrip().startswith("# "):
                    return rid, name, html[0]
    raise AssertionError("no seeded replica has markdown and html canvas items and a diff")


def test_open_a_markdown_canvas_item_the_html_item_and_a_diff(page, admin, emulator):
    rid, markdown, html = showcase(emulator)
    store_key(admin, KeyKind.PERSONAL, PERSONAL_KEY)
    sign_in(page, "ada", PASSWORD)

    page.goto(f"/replicas/{rid}/")
    page.locator("nav.tabs").get_by_role("link", name="Canvas").click()
    expect(page).to_have_url(re.compile(rf"/replicas/{rid}/canvas/$"))
    # The panel's stylesheet came with the swapped-in panel (htmx leaves <head> alone).
    expect(page.locator("#canvas")).to_have_css("display", "grid")
    items = page.locator("nav.canvas-index")
    expect(items.get_by_role("link", name=markdown)).to_be_visible()

    # Markdown: rendered in the page (a real heading), swapped in without a reload.
    page.evaluate("window.__same_page = true")
    items.get_by_role("link", name=markdown).click()
    viewer = page.locator("#canvas-viewer")
    expect(viewer.locator(".canvas-md h1").first).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/canvas/{re.escape(markdown)}/$"))
    assert page.evaluate("window.__same_page") is True  # htmx swapped #canvas only
    expect(items.locator('[aria-current="page"]')).to_have_text(markdown)

    # HTML: only in a sandboxed iframe (no same-origin, no scripts), its own document.
    items.get_by_role("link", name=html).click()
    frame = viewer.locator("iframe.canvas-frame")
    expect(frame).to_be_attached()
    assert frame.get_attribute("sandbox") == ""
    assert frame.get_attribute("src").endswith(f"/canvas/{html}/frame/")
    expect(page.frame_locator("iframe.canvas-frame").locator("h1")).to_be_visible()
    expect(viewer.locator(".canvas-md")).to_have_count(0)

    # Back restores the Markdown item (htmx asks the server for the whole page).
    page.go_back()
    expect(page).to_have_url(re.compile(rf"/canvas/{re.escape(markdown)}/$"))
    expect(page.locator("#canvas-viewer .canvas-md h1").first).to_be_visible()
    page.go_forward()
    expect(page.frame_locator("iframe.canvas-frame").locator("h1")).to_be_visible()

    # Diffs: files collapsible, toggle split view.
    page.locator("nav.tabs").get_by_role("link", name="Diffs").click()
    expect(page).to_have_url(re.compile(rf"/replicas/{rid}/diffs/$"))
    files = page.locator("details.diff-file")
    expect(files.first).to_be_visible()
    first = files.first
    first.locator("summary").click()  # small files start open: close, then open again
    expect(first).not_to_have_attribute("open", "")
    first.locator("summary").click()
    expect(first).to_have_attribute("open", "")
    expect(first.locator("table.diff-table--unified")).to_be_visible()
    expect(first.locator("tr.diff-line--added").first).to_be_visible()

    page.locator("nav.view-toggle").get_by_role("link", name="Split").click()
    expect(page).to_have_url(re.compile(r"/diffs/\?view=split$"))
    expect(page.locator("details.diff-file table.diff-table--split").first).to_be_visible()
    expect(page.locator("table.diff-table--unified")).to_have_count(0)
    expect(page.locator("nav.view-toggle .toggle.active")).to_have_text("Split")

    # Back to unified, and the split view also works as a plain page load.
    page.locator("nav.view-toggle").get_by_role("link", name="Unified").click()
    expect(page.locator("table.diff-table--unified").first).to_be_visible()
    page.goto(f"/replicas/{rid}/diffs/?view=split")
    expect(page.locator("table.diff-table--split").first).to_be_visible()

    assert page.console_problems == []


def test_canvas_item_pages_work_as_plain_page_loads(page, admin, emulator):
    rid, markdown, html = showcase(emulator)
    store_key(admin, KeyKind.PERSONAL, PERSONAL_KEY)
    sign_in(page, "ada", PASSWORD)

    page.goto(f"/replicas/{rid}/canvas/{markdown}/")
    expect(page.locator("#canvas-viewer .canvas-md h1").first).to_be_visible()
    expect(page.locator("#replica-header")).to_be_visible()
    page.goto(f"/replicas/{rid}/canvas/{html}/")
    expect(page.frame_locator("iframe.canvas-frame").locator("h1")).to_be_visible()
    # Back/forward between items restores each page.
    page.go_back()
    expect(page.locator("#canvas-viewer .canvas-md h1").first).to_be_visible()
    assert page.console_problems == []


# --- media the browser can't play (static/js/canvas.js) ------------------------------------

# An MP4 header on bytes no decoder can read, and an Ogg page that is nothing but its magic.
BROKEN_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\xde\xad\xbe\xef" * 64
BROKEN_OGG = b"OggS" + b"\x00" * 60


def scratch_replica(emulator) -> str:
    from tests.replicas.conftest import active_replica

    api = ReplicaAPI(ORG_KEY, settings=Settings(base_url=emulator.url))
    repo = api.list_repositories().repositories[0]
    rid = active_replica(
        api, "canvas-media-browser", message="Record a demo", repository_ids=[str(repo.id)]
    )
    for filename, data in (
        ("broken-demo.mp4", BROKEN_MP4),
        ("broken-voice.ogg", BROKEN_OGG),
    ):
        emulator.control(
            f"replicas/{rid}/canvas",
            {"filename": filename, "base64": base64.b64encode(data).decode()},
        )
    return rid


def test_media_the_browser_cannot_play_say_so_and_offer_the_download(page, admin, emulator):
    rid = scratch_replica(emulator)
    seeded_rid, _markdown, _html = showcase(emulator)
    wav = next(
        i.filename
        for i in ReplicaAPI(ORG_KEY, settings=Settings(base_url=emulator.url))
        .list_replica_canvas_items(seeded_rid)
        .items
        if i.filename.endswith(".wav")
    )
    store_key(admin, KeyKind.PERSONAL, PERSONAL_KEY)
    sign_in(page, "ada", PASSWORD)

    # Swapped in by htmx from the list: the player errors, the note replaces it.
    page.goto(f"/replicas/{rid}/canvas/")
    page.locator("nav.canvas-index").get_by_role("link", name="broken-demo.mp4").click()
    viewer = page.locator("#canvas-viewer")
    note = viewer.locator("[data-canvas-media-error]")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Your browser can't play this video (video/mp4).")
    expect(note.get_by_role("link", name="Download broken-demo.mp4")).to_have_attribute(
        "href", f"/replicas/{rid}/canvas/broken-demo.mp4/download/"
    )
    expect(viewer.locator("video")).to_be_hidden()
    expect(viewer.locator("[data-canvas-media]")).to_have_attribute(
        "data-canvas-media-failed", "unsupported"
    )

    # A plain page load (the error may come before the script runs): the same.
    page.goto(f"/replicas/{rid}/canvas/broken-voice.ogg/")
    note = page.locator("#canvas-viewer [data-canvas-media-error]")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Your browser can't play this audio (audio/ogg).")
    expect(note.get_by_role("link", name="Download broken-voice.ogg")).to_be_visible()
    expect(page.locator("#canvas-viewer audio")).to_be_hidden()

    # A playable item keeps its player and no note.
    page.goto(f"/replicas/{seeded_rid}/canvas/{wav}/")
    audio = page.locator("#canvas-viewer audio")
    page.wait_for_function(
        "document.querySelector('#canvas-viewer audio').readyState >= 1", timeout=10_000
    )
    expect(audio).to_be_visible()
    expect(page.locator("#canvas-viewer [data-canvas-media-error]")).to_be_hidden()

    # Only the media errors themselves were reported: no CSP violation, no script error.
    assert [p for p in page.console_problems if "Failed to load resource" not in p] == []
