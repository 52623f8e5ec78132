"""Review tools against the emulator: comments kept as a per-user draft, "Send review" as
one chat message (sent, queued, or kept on failure), Viewed marks and changes since the last
review."""

from __future__ import annotations

import re

import pytest

from portal.replicas.rendering.events import normalize_history_event
from portal.replicas.rendering.model import TextPart
from portal.reviews.models import Comment, Review, ViewedFile

from .conftest import HX, wait_idle

pytestmark = pytest.mark.django_db


def base(rid: str) -> str:
    return f"/replicas/{rid}/review/"


def add(client, rid: str, **fields):
    data = {"panel": "diffs", **fields}
    return client.post(base(rid) + "comments/", data, headers=HX)


def user_messages(api, rid: str, chat_id: str) -> list[str]:
    history = api.read_replica_history(rid, chat_id=chat_id, limit=100)
    out = []
    for event in history.events:
        message = normalize_history_event(event, chat_id=chat_id)
        if message is not None and message.role == "user":
            out.append("".join(p.text for p in message.parts if isinstance(p, TextPart)))
    return out


def the_chat(api, rid: str):
    return api.list_replica_chats(rid).chats[0]


def draft_with_every_kind(client, rid: str) -> None:
    quote = '-    value = payload["hello"]\n+    value = payload.get("hello")'
    for fields in (
        {"kind": "lines", "repository": "acme/api", "path": "app/hello.py", "side": "new",
         "start_line": "5", "end_line": "6", "quote": quote, "body": "Keep the KeyError."},
        {"kind": "file", "repository": "acme/api", "path": "tests/test_hello.py",
         "body": "Add a test for None."},
        {"kind": "canvas", "canvas_item": "report.md", "paragraph": "2", "quote": "Totals",
         "body": "Totals are off.", "panel": "canvas"},
        {"kind": "general", "body": "Nearly there."},
    ):  # fmt: skip
        response = add(client, rid, **fields)
        assert response.status_code == 200
        assert 'id="review"' in response.content.decode()


def test_the_diffs_panel_shows_the_review_box_viewed_boxes_and_line_tools(ada, reviewed):
    body = ada.get(f"/replicas/{reviewed}/diffs/").content.decode()
    assert 'id="review"' in body and "Your review" in body
    assert 'data-review-path="app/hello.py"' in body
    assert body.count("data-review-viewed") == 2  # one per file
    assert "Comment on lines…" in body
    assert 'id="review-comment-template"' in body


def test_a_draft_with_line_file_and_canvas_comments_becomes_exactly_one_message(
    ada, reviewed, org_api
):
    draft_with_every_kind(ada, reviewed)
    review = Review.objects.get(replica_id=reviewed, state=Review.DRAFT)
    assert review.comments.count() == 4
    # Comments survive reloads: the panels render them from the database.
    for panel in ("diffs", "canvas"):
        body = ada.get(f"/replicas/{reviewed}/{panel}/").content.decode()
        assert "Keep the KeyError." in body and "app/hello.py:5-6" in body

    preview = ada.get(base(reviewed) + "send/?panel=diffs", headers=HX).content.decode()
    assert "The message the agent will get" in preview
    chat = the_chat(org_api, reviewed)
    assert f'value="{chat.id}"' in preview

    before = user_messages(org_api, reviewed, chat.id)
    response = ada.post(base(reviewed) + "send/", {"chat_id": chat.id}, headers=HX)
    body = response.content.decode()
    assert "Review sent to the chat: Sent." in body
    expected = (
        "Review: 4 comments. Please address each one.\n\n"
        "General:\nNearly there.\n\n"
        "app/hello.py:5-6\n```diff\n"
        '-    value = payload["hello"]\n+    value = payload.get("hello")\n```\n'
        "Keep the KeyError.\n\n"
        "tests/test_hello.py (whole file)\nAdd a test for None.\n\n"
        "Canvas report.md, paragraph 3:\n> Totals\nTotals are off.\n"
    )
    after = user_messages(org_api, reviewed, chat.id)
    assert len(after) == len(before) + 1
    assert after[-1].strip() == expected.strip()

    review.refresh_from_db()
    assert review.state == Review.SENT and review.message == expected
    assert review.diff_snapshot and any(k.endswith("app/hello.py") for k in review.diff_snapshot)
    # Kept read-only with a link to the chat; the next comment starts a new draft.
    assert f"?chat={chat.id}" in body and "Reviews you sent (1)" in body
    assert '<article class="review-comment"' not in body
    comment = review.comments.first()
    assert ada.post(base(reviewed) + f"comments/{comment.pk}/delete/").status_code == 404
    assert ada.get(base(reviewed) + f"comments/{comment.pk}/edit/").status_code == 404


def test_a_review_sent_while_the_agent_is_busy_is_queued_with_its_position(
    ada, reviewed, org_api, agent_pace
):
    add(ada, reviewed, kind="general", body="Please also update the changelog.")
    chat = the_chat(org_api, reviewed)
    agent_pace(0.5)
    org_api.send_replica_message(reviewed, {"message": "Work on the payments", "chat_id": chat.id})
    body = ada.post(base(reviewed) + "send/", {"chat_id": chat.id}, headers=HX).content.decode()
    assert re.search(r"Review sent to the chat: Queued \(position \d+\)\.", body)
    assert Review.objects.get(replica_id=reviewed).state == Review.SENT


def test_a_failed_send_keeps_the_draft_and_says_so(ada, reviewed, org_api, faults):
    add(ada, reviewed, kind="general", body="Rename the helper.")
    chat = the_chat(org_api, reviewed)
    faults("POST", r"/v1/replica/[^/]+/messages$", 503)
    body = ada.post(base(reviewed) + "send/", {"chat_id": chat.id}, headers=HX).content.decode()
    assert 'role="alert"' in body and "your draft is kept" in body
    assert "Traceback" not in body and "/v1/" not in body
    review = Review.objects.get(replica_id=reviewed)
    assert review.state == Review.DRAFT and review.comments.get().body == "Rename the helper."
    assert "Rename the helper." in body  # still in the box, and in the preview


def test_a_lost_answer_is_checked_and_reported_as_sent(ada, reviewed, org_api, faults):
    add(ada, reviewed, kind="general", body="Lost but delivered.")
    chat = the_chat(org_api, reviewed)
    faults("POST", r"/v1/replica/[^/]+/messages$", "drop-after", times=1)
    body = ada.post(base(reviewed) + "send/", {"chat_id": chat.id}, headers=HX).content.decode()
    assert "Review sent to the chat:" in body
    assert Review.objects.get(replica_id=reviewed).state == Review.SENT


def test_drafts_are_per_user(ada, grace, reviewed):
    add(ada, reviewed, kind="general", body="Ada private note.")
    add(grace, reviewed, kind="general", body="Grace own note.")
    ada_comment = Comment.objects.get(body="Ada private note.")
    for panel in ("diffs", "canvas"):
        body = grace.get(f"/replicas/{reviewed}/{panel}/").content.decode()
        assert "Grace own note." in body and "Ada private note." not in body
    # Grace can't read, edit or delete Ada's comment, nor send Ada's draft.
    url = base(reviewed) + f"comments/{ada_comment.pk}/"
    assert grace.get(url).status_code == 404
    assert grace.post(url + "edit/", {"body": "hijacked"}).status_code == 404
    assert grace.post(url + "delete/").status_code == 404
    ada_comment.refresh_from_db()
    assert ada_comment.body == "Ada private note."
    preview = grace.get(base(reviewed) + "send/", headers=HX).content.decode()
    assert "Grace own note." in preview and "Ada private note." not in preview


def test_edit_and_delete_a_comment_and_empty_text_keeps_what_was_typed(ada, reviewed):
    response = add(ada, reviewed, kind="lines", path="app/hello.py", start_line="3", body="  ")
    body = response.content.decode()
    assert 'role="alert"' in body and "Write a comment first." in body
    assert 'name="start_line"' in body and 'value="3"' in body and 'id="review"' not in body
    response = add(ada, reviewed, kind="lines", path="app/hello.py", body="no lines")
    assert "Choose the lines" in response.content.decode()
    assert 'value="no lines"' not in response.content.decode()  # the body is in the textarea
    assert ">no lines</textarea>" in response.content.decode()

    add(ada, reviewed, kind="file", path="app/hello.py", repository="acme/api", body="First")
    comment = Comment.objects.get(body="First")
    url = base(reviewed) + f"comments/{comment.pk}/"
    assert ">First</textarea>" in ada.get(url + "edit/", headers=HX).content.decode()
    body = ada.post(url + "edit/", {"body": ""}, headers=HX).content.decode()
    assert "delete it instead" in body
    body = ada.post(url + "edit/", {"body": "Second"}, headers=HX).content.decode()
    assert "Second" in body and 'hx-swap-oob="true"' in body
    comment.refresh_from_db()
    assert comment.body == "Second"
    body = ada.post(url + "delete/", headers=HX).content.decode()
    assert "No comments yet" in body
    assert not Comment.objects.filter(pk=comment.pk).exists()


def test_without_javascript_forms_post_and_come_back(ada, reviewed):
    next_url = f"/replicas/{reviewed}/diffs/?view=split"
    response = ada.post(
        base(reviewed) + "comments/", {"kind": "general", "body": "Plain form.", "next": next_url}
    )
    assert response.status_code == 302 and response["Location"] == next_url
    response = ada.post(
        base(reviewed) + "comments/",
        {"kind": "general", "body": "x", "next": "https://evil.example/"},
    )
    assert response["Location"] == f"/replicas/{reviewed}/diffs/"
    page = ada.get(base(reviewed) + "send/")
    assert page.status_code == 200 and "<html" in page.content.decode()
    comment = Comment.objects.get(body="Plain form.")
    page = ada.get(base(reviewed) + f"comments/{comment.pk}/edit/").content.decode()
    assert "<html" in page and ">Plain form.</textarea>" in page
    response = ada.post(base(reviewed) + f"comments/{comment.pk}/edit/", {"body": "Edited."})
    assert response.status_code == 302
    assert ada.get(base(reviewed) + f"comments/{comment.pk}/").status_code == 302


def test_viewed_files_are_unmarked_when_the_agent_changes_them(ada, reviewed, org_api):
    body = ada.get(f"/replicas/{reviewed}/diffs/").content.decode()
    digest = re.search(
        r'"path": "app/hello.py", "digest": "([0-9a-f]{64})"', body.replace("\\u002D", "-")
    )
    assert digest, "the Viewed box carries the file's digest"
    response = ada.post(
        base(reviewed) + "viewed/",
        {"repository": "acme/api", "path": "app/hello.py", "digest": digest[1], "viewed": "on"},
        headers=HX,
    )
    assert "is-viewed" in response.content.decode()
    body = ada.get(f"/replicas/{reviewed}/diffs/").content.decode()
    hello = body[body.index('data-review-path="app/hello.py"') - 400 :]
    assert "checked" in hello.split("</summary>")[0]
    assert "changed since you viewed it" not in body

    # The agent's next turn on the same subject rewrites app/hello.py.
    chat = the_chat(org_api, reviewed)
    org_api.send_replica_message(reviewed, {"message": "Hello again", "chat_id": chat.id})
    wait_idle(org_api, reviewed)
    body = ada.get(f"/replicas/{reviewed}/diffs/").content.decode()
    hello = body[body.index('data-review-path="app/hello.py"') - 400 :].split("</summary>")[0]
    assert "checked" not in hello and "changed since you viewed it" in hello
    assert ViewedFile.objects.filter(path="app/hello.py").exists()
    # Unmarking forgets it.
    ada.post(
        base(reviewed) + "viewed/",
        {"repository": "acme/api", "path": "app/hello.py", "digest": digest[1]},
        headers=HX,
    )
    assert not ViewedFile.objects.filter(path="app/hello.py").exists()


def test_changes_since_the_last_review(ada, reviewed, org_api):
    body = ada.get(f"/replicas/{reviewed}/diffs/").content.decode()
    assert "Since my last review" not in body  # no review sent yet
    add(ada, reviewed, kind="general", body="Go on.")
    chat = the_chat(org_api, reviewed)
    ada.post(base(reviewed) + "send/", {"chat_id": chat.id}, headers=HX)
    wait_idle(org_api, reviewed)  # the review's own turn changes files too
    body = ada.get(f"/replicas/{reviewed}/diffs/?since=review").content.decode()
    assert "Since my last review" in body
    summary = re.search(r"(\d+) new, (\d+) changed, (\d+) unchanged", body)
    assert summary
    new, changed, unchanged = map(int, summary.groups())
    assert new + changed + unchanged >= 2
    shown = body.count('class="review-viewed')
    assert shown == new + changed  # unchanged files are hidden by the filter
    if unchanged:
        assert "hidden" in body


def test_when_the_api_cant_say_who_sees_the_replica_the_comment_is_refused_in_its_box(
    grace, reviewed, faults
):
    faults("GET", rf"/v1/replica/{reviewed}$", 503)
    response = add(grace, reviewed, kind="general", body="Kept in the form.")
    body = response.content.decode()
    assert response.status_code == 200 and "HX-Retarget" not in response.headers
    assert 'role="alert"' in body and "Your comment wasn&#x27;t saved" in body
    assert ">Kept in the form.</textarea>" in body and "503" not in body
    assert not Comment.objects.exists()


def test_a_review_being_sent_is_not_sent_twice(ada, reviewed, org_api):
    from django.core.cache import cache

    add(ada, reviewed, kind="general", body="Once.")
    review = Review.objects.get(replica_id=reviewed)
    cache.add(f"reviews:sending:{review.pk}", True, 60)  # another request is sending it
    try:
        chat = the_chat(org_api, reviewed)
        body = ada.post(base(reviewed) + "send/", {"chat_id": chat.id}, headers=HX)
        assert "being sent already" in body.content.decode()
        assert "Once." not in user_messages(org_api, reviewed, chat.id)[-1]
    finally:
        cache.delete(f"reviews:sending:{review.pk}")
    review.refresh_from_db()
    assert review.state == Review.DRAFT


def test_no_review_on_a_replica_the_user_cannot_see(ada):
    import uuid

    rid = str(uuid.uuid4())  # unknown to the API: not visible to this key
    assert ada.get(base(rid) + "send/").status_code == 404
    assert ada.post(base(rid) + "comments/", {"kind": "general", "body": "x"}).status_code == 404
    assert ada.post(base(rid) + "viewed/", {"path": "a", "digest": "0" * 64}).status_code == 404
    assert not Comment.objects.exists() and not ViewedFile.objects.exists()


def test_the_preview_says_so_when_the_chats_cant_be_read(ada, reviewed, faults):
    add(ada, reviewed, kind="general", body="Still here.")
    faults("GET", rf"/v1/replica/{reviewed}/chats$", 503)
    body = ada.get(base(reviewed) + "send/", headers=HX).content.decode()
    assert 'role="alert"' in body and "Still here." in body  # the preview stays readable
    assert "Send review</button>" not in body
    assert "/v1/" not in body and "Traceback" not in body


def test_a_viewed_mark_takes_only_a_digest_the_portal_gave(ada, reviewed):
    """A digest is exactly 64 hex characters: a longer value (one that merely contains a
    digest) is refused, not stored (the column holds 64) nor echoed back into the page."""
    for bad in ("a" * 64 + "<b>", "x" + "0" * 64, "0" * 65):
        response = ada.post(
            base(reviewed) + "viewed/",
            {"repository": "acme/api", "path": "app/hello.py", "digest": bad, "viewed": "on"},
            headers=HX,
        )
        assert "be marked now" in response.content.decode()
    assert not ViewedFile.objects.exists()


def test_a_review_another_tab_sent_meanwhile_is_not_sent_again(ada, reviewed, org_api, monkeypatch):
    """The draft is read again once the send lock is held: a review another tab sent while
    this request was reading the chats is not sent a second time."""
    from asgiref.sync import sync_to_async

    from portal.reviews import views

    add(ada, reviewed, kind="general", body="Only once, please.")
    chat = the_chat(org_api, reviewed)
    review = Review.objects.get(replica_id=reviewed)
    real_chats = views._chats

    async def chats_then_sent_elsewhere(api, rid):
        chats = await real_chats(api, rid)
        await sync_to_async(Review.objects.filter(pk=review.pk).update)(
            state=Review.SENT, message="sent by the other tab", outcome="Sent."
        )
        return chats

    monkeypatch.setattr(views, "_chats", chats_then_sent_elsewhere)
    before = user_messages(org_api, reviewed, chat.id)
    body = ada.post(base(reviewed) + "send/", {"chat_id": chat.id}, headers=HX).content.decode()
    assert user_messages(org_api, reviewed, chat.id) == before
    assert "Review sent to the chat: Sent." in body and 'role="alert"' not in body
    review.refresh_from_db()
    assert review.message == "sent by the other tab"


def test_a_comment_added_while_the_review_is_sent_stays_in_a_new_draft(
    ada, reviewed, org_api, monkeypatch
):
    from portal.reviews import views

    add(ada, reviewed, kind="general", body="In the message.")
    chat = the_chat(org_api, reviewed)
    review = Review.objects.get(replica_id=reviewed)
    real_deliver = views.deliver_message

    async def deliver_while_another_tab_comments(request, api, rid, body, **options):
        await review.comments.acreate(kind="general", body="Added meanwhile.")
        return await real_deliver(request, api, rid, body, **options)

    monkeypatch.setattr(views, "deliver_message", deliver_while_another_tab_comments)
    ada.post(base(reviewed) + "send/", {"chat_id": chat.id}, headers=HX)
    review.refresh_from_db()
    assert review.state == Review.SENT and "Added meanwhile." not in review.message
    assert [c.body for c in review.comments.all()] == ["In the message."]
    draft = Review.objects.get(replica_id=reviewed, state=Review.DRAFT)
    assert [c.body for c in draft.comments.all()] == ["Added meanwhile."]


def test_a_lost_answer_that_cant_be_checked_keeps_the_draft_in_the_reviews_words(
    ada, reviewed, org_api, faults
):
    add(ada, reviewed, kind="general", body="Maybe delivered.")
    chat = the_chat(org_api, reviewed)
    faults("POST", r"/v1/replica/[^/]+/messages$", "drop-after", times=1)
    faults("GET", rf"/v1/replica/{reviewed}/history", 503)
    body = ada.post(base(reviewed) + "send/", {"chat_id": chat.id}, headers=HX).content.decode()
    assert 'role="alert"' in body and "can&#x27;t tell whether" in body
    assert "Your draft is kept" in body and "kept below" not in body  # no text below here
    assert Review.objects.get(replica_id=reviewed).state == Review.DRAFT


def test_a_typed_range_refused_comes_back_with_its_line_fields_shown(ada, reviewed):
    """ "Choose the lines" must come with the fields to choose them in (they are hidden only
    while lines picked on the diff fill them)."""
    response = add(ada, reviewed, kind="lines", repository="acme/api", path="app/hello.py",
                   side="old", end_line="4", body="Typed, then sent too soon")  # fmt: skip
    body = response.content.decode()
    assert "Choose the lines this comment is about." in body
    lines = re.search(r'<div class="review-lines"[^>]*>', body)[0]
    assert "hidden" not in lines
    assert re.search(r'<form class="review-comment-form"[^>]*data-review-range', body)
    assert 'name="end_line" min="1" inputmode="numeric" value="4"' in body
    assert '<option value="old" selected>' in body


def test_a_sent_review_keeps_the_diff_the_reviewer_was_shown(ada, reviewed, org_api):
    """ "Changes since my last review" counts from the diff the reviewer read, not from the
    one at the moment of sending: a file the agent changed meanwhile, unseen, shows as changed
    next time."""
    body = ada.get(f"/replicas/{reviewed}/diffs/").content.decode()
    shown = re.search(
        r'"path": "app/hello.py", "digest": "([0-9a-f]{64})"', body.replace("\\u002D", "-")
    )[1]
    add(ada, reviewed, kind="general", body="Written against what I read.")
    chat = the_chat(org_api, reviewed)
    org_api.send_replica_message(reviewed, {"message": "Hello again", "chat_id": chat.id})
    wait_idle(org_api, reviewed)  # the agent rewrote app/hello.py; the reviewer didn't look
    ada.post(base(reviewed) + "send/", {"chat_id": chat.id}, headers=HX)
    review = Review.objects.get(replica_id=reviewed, state=Review.SENT)
    assert review.diff_snapshot["acme/api\napp/hello.py"] == shown
