"""In Chromium: the review tools on a replica's Diffs panel.

- select lines (a click, Shift+click, a drag) in the unified and the split view and comment;
  the comment shows under its lines and is still there after a reload;
- mark a file viewed, let the agent change it (the emulator's next turn), see it unmarked;
- send the review and see it in the chat.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.accounts.models import KeyKind
from portal.emulator.config import DEMO_PERSONAL_KEYS
from portal.replica_api import ReplicaAPI, Settings
from tests.accounts.personas import PASSWORD, store_key
from tests.browser.helpers import sign_in
from tests.conftest import ORG_KEY
from tests.reviews.conftest import replica_with_diff, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = "app/hello.py"


@pytest.fixture
def org(emulator) -> ReplicaAPI:
    return ReplicaAPI(ORG_KEY, settings=Settings(base_url=emulator.url))


@pytest.fixture
def reviewer(page, admin):
    store_key(admin, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[0])
    sign_in(page, "ada", PASSWORD)
    return page


def the_file(page):
    return page.locator(f'details.diff-file[data-review-path="{FILE}"]')


def number_cell(page, line: int, side: str = "new"):
    """The line-number cell of `line` on `side` of the file, in either view."""
    file = the_file(page)
    split = file.locator("table.diff-table--split").count() > 0
    column = {("new", False): 2, ("old", False): 1, ("new", True): 3, ("old", True): 1}[
        (side, split)
    ]
    return file.locator(f'td.diff-num:nth-child({column})[data-n="{line}"]')


def add_comment(page, text: str) -> None:
    form = page.locator(".review-new form.review-comment-form")
    expect(form).to_be_visible()
    form.get_by_label("Comment").fill(text)
    form.get_by_role("button", name="Add to review").click()
    expect(page.locator(".review-new form")).to_have_count(0)


def test_select_lines_in_unified_and_split_views_and_comment(reviewer, org):
    page = reviewer
    rid = replica_with_diff(org)
    page.goto(f"/replicas/{rid}/diffs/")
    expect(the_file(page)).to_be_visible()

    # One line: a click on its number.
    number_cell(page, 5).click()
    expect(page.locator(".review-new [data-review-form-anchor]")).to_have_text(
        f"Comment on {FILE}:5"
    )
    add_comment(page, "Single line note")
    expect(page.locator("tr.review-inline .review-comment").first).to_be_focused()
    expect(the_file(page).locator("tr.is-review-selected")).to_have_count(0)
    inline = the_file(page).locator("tr.review-inline")
    expect(inline).to_have_count(1)
    expect(inline.first).to_contain_text(f"{FILE}:5")
    expect(inline.first).to_contain_text("Single line note")

    # A range: click, then Shift+click.
    number_cell(page, 6).click()
    number_cell(page, 8).click(modifiers=["Shift"])
    expect(page.locator(".review-new [data-review-form-anchor]")).to_have_text(
        f"Comment on {FILE}:6-8"
    )
    # Lines 6 to 8 and the removed lines between them.
    assert the_file(page).locator("tr.is-review-selected").count() >= 3
    add_comment(page, "Range note")
    expect(the_file(page).locator("tr.review-inline")).to_have_count(2)

    # The split view: a drag over three numbers.
    page.locator("nav.view-toggle").get_by_role("link", name="Split").click()
    expect(the_file(page).locator("table.diff-table--split")).to_be_visible()
    # Comments follow into the other view.
    expect(the_file(page).locator("tr.review-inline")).to_have_count(2)
    number_cell(page, 9).hover()
    page.mouse.down()
    number_cell(page, 10).hover()
    number_cell(page, 11).hover()
    page.mouse.up()
    expect(page.locator(".review-new [data-review-form-anchor]")).to_have_text(
        f"Comment on {FILE}:9-11"
    )
    add_comment(page, "Split note")
    expect(the_file(page).locator("tr.review-inline")).to_have_count(3)
    # Back and forward (htmx's history): the comments stay under their lines.
    page.go_back()
    expect(the_file(page).locator("table.diff-table--unified")).to_be_visible()
    expect(the_file(page).locator("tr.review-inline")).to_have_count(3)
    page.go_forward()
    expect(the_file(page).locator("table.diff-table--split")).to_be_visible()
    expect(the_file(page).locator("tr.review-inline")).to_have_count(3)

    # With the keyboard: "Comment on lines…" asks for the range.
    the_file(page).get_by_role("button", name="Comment on lines…").focus()
    page.keyboard.press("Enter")
    form = page.locator(".review-new form")
    expect(form.get_by_label("From line")).to_be_focused()
    page.keyboard.type("3")
    form.get_by_label("to").fill("4")
    form.get_by_label("Comment").fill("Typed range")
    form.get_by_role("button", name="Add to review").click()
    expect(the_file(page).locator("tr.review-inline")).to_have_count(4)
    typed = the_file(page).locator("tr.review-inline", has_text="Typed range")
    expect(typed).to_contain_text(f"{FILE}:3-4")
    expect(typed.locator(".review-quote")).to_contain_text("DEFAULT_TIMEOUT_S = 30")

    # After a reload, all are still there, under their lines; and the review counts them.
    page.reload()
    expect(the_file(page).locator("tr.review-inline")).to_have_count(4)
    expect(page.locator("#review .review-count")).to_contain_text("4 comments")
    row = the_file(page).locator("tr.review-inline", has_text="Range note")
    expect(
        row.locator("xpath=preceding-sibling::tr[1]").locator('td.diff-num[data-n="8"]')
    ).to_have_count(1)
    assert page.console_problems == []


def test_a_viewed_file_is_unmarked_when_the_agent_changes_it(reviewer, org):
    page = reviewer
    rid = replica_with_diff(org)
    page.goto(f"/replicas/{rid}/diffs/")
    number_cell(page, 4).click()  # a context line: the next turn makes it an added line
    add_comment(page, "About this blank line")
    viewed = the_file(page).get_by_label("Viewed")
    viewed.check()
    expect(the_file(page)).not_to_have_attribute("open", "")  # folded: done with
    expect(the_file(page).locator(".review-viewed.is-viewed")).to_be_visible()
    page.reload()
    expect(the_file(page).get_by_label("Viewed")).to_be_checked()

    chat = org.list_replica_chats(rid).chats[0]
    org.send_replica_message(rid, {"message": "Hello again", "chat_id": chat.id})
    wait_idle(org, rid)
    page.reload()
    expect(the_file(page).get_by_label("Viewed")).not_to_be_checked()
    expect(the_file(page)).to_contain_text("changed since you viewed it")
    # The comment's line changed: it stays in the review's list, marked outdated.
    outdated = page.locator("#review .review-comment.is-outdated")
    expect(outdated).to_contain_text("About this blank line")
    expect(the_file(page).locator("tr.review-inline")).to_have_count(0)
    assert page.console_problems == []


def test_send_the_review_and_see_it_in_the_chat(reviewer, org):
    page = reviewer
    rid = replica_with_diff(org)
    page.goto(f"/replicas/{rid}/diffs/")
    number_cell(page, 5).click()
    add_comment(page, "Please keep the KeyError")
    page.locator("#review").get_by_role("link", name="Preview and send review…").click()
    preview = page.locator("#review-send .review-preview")
    expect(preview).to_contain_text("Review: 1 comment.")
    expect(preview).to_contain_text(f"{FILE}:5")
    page.locator("#review-send").get_by_role("button", name="Send review").click()
    expect(page.locator("#review .review-sent-note")).to_contain_text(
        re.compile(r"Review sent to the chat: (Sent|Queued)")
    )
    expect(page.locator("tr.review-inline")).to_have_count(0)  # the draft is gone, kept as sent
    page.locator("#review").get_by_text("Reviews you sent (1)").click()
    page.locator("#review .review-sent-list summary").first.click()
    page.locator("#review").get_by_role("link", name="Open it in the chat").click()
    expect(page.locator(".transcript")).to_contain_text("Please keep the KeyError")
    expect(page.locator(".transcript")).to_contain_text(f"{FILE}:5")
    assert page.console_problems == []


def test_comment_on_a_markdown_heading_a_paragraph_and_a_whole_item(reviewer, org, emulator):
    page = reviewer
    rid = replica_with_diff(org)
    notes = "# Release notes\n\nThe first paragraph.\n\n## Totals\n\nSums of the quarter.\n"
    emulator.control(f"replicas/{rid}/canvas", {"filename": "notes.md", "content": notes})
    emulator.control(f"replicas/{rid}/canvas", {"filename": "page.html", "content": "<h1>x</h1>"})
    page.goto(f"/replicas/{rid}/canvas/notes.md/")
    md = page.locator("#canvas-viewer .canvas-md")
    expect(md.locator("h2")).to_have_text(re.compile("Totals"))

    # A heading, from the keyboard: its button, then Enter.
    md.get_by_role("button", name="Comment on heading 3").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".review-new [data-review-form-anchor]")).to_have_text(
        "Comment on notes.md, heading 3"
    )
    page.keyboard.type("Totals are off")
    page.locator(".review-new").get_by_role("button", name="Add to review").click()
    card = md.locator(".review-inline .review-comment")
    expect(card).to_contain_text("Canvas notes.md, heading 3")
    # It sits right under the heading.
    expect(md.locator("h2 + .review-inline")).to_contain_text("Totals are off")

    # A paragraph, and the item as a whole.
    # Opening another form keeps what was typed in the first; Ctrl+Enter adds a comment.
    md.get_by_role("button", name="Comment on paragraph 2").click()
    page.keyboard.type("Say which release")
    page.locator("#canvas-viewer").get_by_role("button", name="Comment on this item").click()
    expect(page.locator(".review-new")).to_have_count(2)
    page.keyboard.type("Shorter, please")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".review-new")).to_have_count(1)
    expect(page.locator(".review-new textarea")).to_have_value("Say which release")
    # The form still open between the blocks doesn't shift the others' cards.
    expect(md.locator("h2 + .review-inline")).to_contain_text("Totals are off")
    page.locator(".review-new").get_by_role("button", name="Add to review").click()
    expect(page.locator("#canvas-viewer .review-inline")).to_have_count(3)

    # Another item: its own comments only; back again, they are all in place after a reload.
    page.locator("nav.canvas-index").get_by_role("link", name="page.html").click()
    expect(page.locator("#canvas-viewer .review-inline")).to_have_count(0)
    page.goto(f"/replicas/{rid}/canvas/notes.md/")
    expect(page.locator("#canvas-viewer .review-inline")).to_have_count(3)
    page.locator("#review").get_by_role("link", name="Preview and send review…").click()
    preview = page.locator("#review-send .review-preview")
    expect(preview).to_contain_text("Canvas notes.md, heading 3:\n> ## Totals\nTotals are off")
    expect(preview).to_contain_text("Canvas notes.md, paragraph 2:\n> The first paragraph.")
    assert page.console_problems == []


def test_on_a_phone_the_split_views_comment_and_form_stay_in_view(reviewer, org):
    """At 390 px the split table is wider than its box and scrolls sideways; a comment under
    its lines, and the form to write one, stay within the box's visible width."""
    page = reviewer
    rid = replica_with_diff(org)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"/replicas/{rid}/diffs/?view=split")
    expect(the_file(page).locator("table.diff-table--split")).to_be_visible()
    within = """(el) => {
      const box = el.closest('.diff-scroll').getBoundingClientRect();
      const r = el.getBoundingClientRect();
      return r.left >= box.left - 1 && r.right <= box.right + 1;
    }"""
    number_cell(page, 5).click()
    form = page.locator(".review-new form.review-comment-form")
    expect(form).to_be_visible()
    assert form.evaluate(within), "the new-comment form runs past the visible part of the diff"
    add_comment(page, "A comment long enough to wrap over several lines on a phone. " * 3)
    card = the_file(page).locator("tr.review-inline .review-comment")
    expect(card).to_be_visible()
    assert card.evaluate(within), "the comment runs past the visible part of the diff"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_edit_and_delete_from_the_keyboard_keep_the_focus_in_place(reviewer, org):
    """Edit puts the cursor in the comment's text; Save and Cancel give the focus back to the
    comment, Delete to the file's comment buttons: never back to the top of the page."""
    page = reviewer
    rid = replica_with_diff(org)
    page.goto(f"/replicas/{rid}/diffs/")
    number_cell(page, 5).click()
    add_comment(page, "First text")
    card = the_file(page).locator("tr.review-inline .review-comment")
    expect(card).to_be_focused()

    card.get_by_role("link", name="Edit").focus()
    page.keyboard.press("Enter")
    editing = page.locator("form.review-comment--editing")
    expect(editing.locator("textarea")).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.type(", edited")
    editing.get_by_role("button", name="Save").focus()
    page.keyboard.press("Enter")
    card = the_file(page).locator("tr.review-inline .review-comment")
    expect(card).to_contain_text("First text, edited")
    expect(card).to_be_focused()

    card.get_by_role("link", name="Edit").focus()
    page.keyboard.press("Enter")
    expect(editing.locator("textarea")).to_be_focused()
    editing.get_by_role("link", name="Cancel").focus()
    page.keyboard.press("Enter")
    expect(editing).to_have_count(0)
    expect(card).to_be_focused()

    card.get_by_role("button", name="Delete").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".review-comment", has_text="First text")).to_have_count(0)
    expect(the_file(page).get_by_role("button", name="Comment on this file")).to_be_focused()
    assert page.console_problems == []


def test_comments_on_a_whole_file_or_item_read_in_the_order_they_were_written(
    reviewer, org, emulator
):
    page = reviewer
    rid = replica_with_diff(org)
    page.goto(f"/replicas/{rid}/diffs/")
    for text in ("File note one", "File note two"):
        the_file(page).get_by_role("button", name="Comment on this file").click()
        add_comment(page, text)
    cards = the_file(page).locator(".review-inline .review-comment")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("File note one")
    expect(cards.nth(1)).to_contain_text("File note two")

    emulator.control(f"replicas/{rid}/canvas", {"filename": "page.html", "content": "<h1>x</h1>"})
    page.goto(f"/replicas/{rid}/canvas/page.html/")
    for text in ("Item note one", "Item note two"):
        page.locator("#canvas-viewer").get_by_role("button", name="Comment on this item").click()
        add_comment(page, text)
    cards = page.locator("#canvas-viewer .review-inline .review-comment")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("Item note one")
    expect(cards.nth(1)).to_contain_text("Item note two")
    assert page.console_problems == []


def test_preview_and_send_from_the_keyboard_keep_the_focus_in_the_review(reviewer, org):
    page = reviewer
    rid = replica_with_diff(org)
    page.goto(f"/replicas/{rid}/diffs/")
    number_cell(page, 5).click()
    add_comment(page, "Sent from the keyboard")
    page.locator("#review").get_by_role("link", name="Preview and send review…").focus()
    page.keyboard.press("Enter")
    preview = page.locator("#review-send .review-preview")
    expect(preview).to_be_focused()  # read it, then Tab on to the chat and Send
    page.locator("#review-send").get_by_role("button", name="Send review").focus()
    page.keyboard.press("Enter")
    note = page.locator("#review .review-sent-note")
    expect(note).to_contain_text("Review sent to the chat")
    expect(note).to_be_focused()
    assert page.console_problems == []
