"""Review tools: comments kept as a per-user draft, Viewed marks, and "Send review".

Comment and Viewed views only touch the portal's database (after checking that the user sees
the replica); sending goes through the one path the composer uses
(`portal.replicas.outcomes.deliver_message`), so it is sent or queued with its position, a
lost answer is checked again, and a failure keeps the draft.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from portal.accounts.acting import requires_api_key
from portal.lib.api_errors import report
from portal.replica_api import errors
from portal.replicas.outcomes import deliver_message
from portal.replicas.rendering.diffs import repository_diffs

from . import state as review_state
from .forms import CommentForm, EditCommentForm, SendReviewForm, ViewedForm
from .message import compose
from .models import Review
from .panel import box_context, card, ensure_visible, last_shown, safe_next, urls

TEMPLATE = "reviews/review.html"
SEND_LOCK_TTL = 120  # seconds; longer than a send with its retries and re-read


async def _box(request, rid: str, panel: str, **extra) -> dict:
    state = await review_state.load_state(await request.auser(), rid)
    context = box_context(request, rid, state, panel=panel)
    context["review"].update(extra)
    return context


def _panel(request) -> str:
    value = request.POST.get("panel") or request.GET.get("panel")
    return "canvas" if value == "canvas" else "diffs"


@require_GET
@requires_api_key
async def review_box(request, replica_id):
    rid = str(replica_id)
    await ensure_visible(request, rid)
    return render(request, f"{TEMPLATE}#review", await _box(request, rid, _panel(request)))


@require_POST
@requires_api_key
async def add_comment(request, replica_id):
    """HTMX: the new-comment form is replaced by nothing and #review comes out of band; with
    errors, the form comes back with them and with the text typed."""
    rid = str(replica_id)
    form = CommentForm(request.POST)
    try:
        await ensure_visible(request, rid)
    except errors.ReplicaAPIError as exc:
        if isinstance(exc, errors.Unauthorized) or not request.htmx:
            raise  # the key page; or the page-wide banner for a plain form
        problem = report(request, exc, "review comment")
        form.is_valid()
        form.add_error(None, f"Your comment wasn't saved: {problem.text}")
        context = {"form": form, "review": {"urls": urls(rid), "panel": _panel(request)}}
        return render(request, f"{TEMPLATE}#comment-form", context)
    user = await request.auser()
    if form.is_valid():
        review = await sync_to_async(review_state.draft_for)(user, rid)
        await review.comments.acreate(**form.anchor())
        if not request.htmx:
            return redirect(safe_next(request, request.POST.get("next"), rid))
        context = await _box(request, rid, _panel(request), oob=True)
        return render(request, f"{TEMPLATE}#review", context)
    context = {"form": form, "review": {"urls": urls(rid), "panel": _panel(request)}}
    if not request.htmx:
        context.update(await _box(request, rid, _panel(request)))
        context["form"] = form
        context["review"]["standalone"] = True
        return render(request, TEMPLATE, context)
    return render(request, f"{TEMPLATE}#comment-form", context)


async def _own(request, rid: str, comment_id: int):
    comment = await sync_to_async(review_state.own_comment)(await request.auser(), rid, comment_id)
    if comment is None:
        raise Http404("No such comment in your draft.")
    return comment


@require_GET
@requires_api_key
async def comment_card(request, replica_id, comment_id):
    rid = str(replica_id)
    await ensure_visible(request, rid)
    comment = await _own(request, rid, comment_id)
    if not request.htmx:  # "Cancel" of an edit without JavaScript
        return redirect(safe_next(request, request.GET.get("next"), rid))
    return render(request, f"{TEMPLATE}#comment", {**card(comment), "urls": urls(rid)})


@require_http_methods(["GET", "POST"])
@requires_api_key
async def edit_comment(request, replica_id, comment_id):
    rid = str(replica_id)
    await ensure_visible(request, rid)
    comment = await _own(request, rid, comment_id)
    if request.method == "POST":
        form = EditCommentForm(request.POST)
        if form.is_valid():
            comment.body = form.cleaned_data["body"]
            await comment.asave(update_fields=["body", "updated_at"])
            if not request.htmx:
                return redirect(safe_next(request, request.POST.get("next"), rid))
            context = {**card(comment), "urls": urls(rid)}
            context.update(await _box(request, rid, _panel(request), oob=True))
            return HttpResponse(
                render_to_string(f"{TEMPLATE}#comment", context, request)
                + render_to_string(f"{TEMPLATE}#review", context, request)
            )
    else:
        form = EditCommentForm(initial={"body": comment.body})
    context = {**card(comment), "form": form, "urls": urls(rid), "next": request.GET.get("next")}
    if not request.htmx:  # without JavaScript: the form on a page of its own
        context.update(await _box(request, rid, _panel(request)), editing=True)
        return render(request, TEMPLATE, context)
    return render(request, f"{TEMPLATE}#comment-edit", context)


@require_POST
@requires_api_key
async def delete_comment(request, replica_id, comment_id):
    rid = str(replica_id)
    await ensure_visible(request, rid)
    comment = await _own(request, rid, comment_id)
    await comment.adelete()
    if not request.htmx:
        return redirect(safe_next(request, request.POST.get("next"), rid))
    context = await _box(request, rid, _panel(request), oob=True)
    return render(request, f"{TEMPLATE}#review", context)


@require_POST
@requires_api_key
async def mark_viewed(request, replica_id):
    """Mark (or unmark) a file viewed, with the digest of the diff the reviewer saw."""
    rid = str(replica_id)
    await ensure_visible(request, rid)
    form = ViewedForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            '<span class="review-viewed-error" role="alert">This file can\'t be marked now: '
            "reload the diff.</span>"
        )
    data = form.cleaned_data
    await sync_to_async(review_state.mark_viewed)(
        await request.auser(), rid, data["repository"], data["path"], data["digest"], data["viewed"]
    )
    if not request.htmx:
        return redirect(safe_next(request, request.POST.get("next"), rid))
    info = review_state.FileReview(
        review_state.file_key(data["repository"], data["path"]),
        data["repository"], data["path"], data["digest"], viewed=data["viewed"],
    )  # fmt: skip
    info.url = urls(rid)["viewed"]
    return render(request, "reviews/file.html#viewed", {"info": info})


async def _chats(api, rid: str):
    return (await api.list_replica_chats(rid)).chats


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@requires_api_key
async def send_review(request, replica_id):
    """GET: the preview (the message as it will be sent) and the chat picker. POST: send it;
    the draft becomes a sent review (read-only) or, on failure, stays as it was."""
    rid = str(replica_id)
    api = await ensure_visible(request, rid)
    user = await request.auser()
    state = await review_state.load_state(user, rid)
    message = compose(state.comments)
    context = await _box(request, rid, _panel(request))
    send = {"message": message, "chats": [], "chat_id": request.POST.get("chat_id", "")}
    context["send"] = send
    try:
        chats = await _chats(api, rid)
    except errors.ReplicaAPIError as exc:
        send["problem"] = report(request, exc, "review chats")
        chats = []
    send["chats"] = [
        {"id": c.id, "label": f"{c.title or 'Untitled'} ({c.provider.value})"} for c in chats
    ]
    if not send["chat_id"] and chats:
        send["chat_id"] = max(chats, key=lambda c: c.updated_at).id
    if not request.htmx:
        page = TEMPLATE  # without JavaScript: the review as a page of its own
    else:
        page = f"{TEMPLATE}#review-send" if request.method == "GET" else f"{TEMPLATE}#review"
    if request.method == "GET" or not message:
        if request.method == "POST":
            send["error"] = "The review has no comments yet."
        return render(request, page, context)
    form = SendReviewForm(request.POST)
    if not form.is_valid():
        send["error"] = " ".join(form.errors.get("chat_id", ["Choose a chat."]))
        return render(request, page, context)
    chat_id = form.cleaned_data["chat_id"]
    # One send per draft at a time: a second click (another tab) doesn't send it twice.
    lock = f"reviews:sending:{state.draft.pk}"
    if not await cache.aadd(lock, True, SEND_LOCK_TTL):
        send["error"] = "This review is being sent already: look at the chat in a moment."
        return render(request, page, context)
    try:
        # Read again under the lock: another tab may have sent this draft (or added to it)
        # while this request was reading the chats.
        comments = await sync_to_async(review_state.draft_comments)(state.draft)
        if comments is None:
            if not request.htmx:
                return redirect(safe_next(request, request.POST.get("next"), rid))
            sent = await Review.objects.aget(pk=state.draft.pk)
            context = await _box(request, rid, _panel(request), just_sent=sent.outcome)
            return render(request, f"{TEMPLATE}#review", context)
        message = compose(comments)
        if not message:
            send["error"] = "The review has no comments yet."
            return render(request, page, context)
        snapshot = await _snapshot(request, api, rid)
        body = {
            "message": message, "chat_id": chat_id,
            "senderUserId": f"portal:{user.get_username()}",
        }  # fmt: skip
        if user.email:
            body["senderEmail"] = user.email
        delivery = await deliver_message(request, api, rid, body, kept="your draft is kept")
        if not delivery.ok:
            send["error"] = delivery.error
            return render(request, page, context)
        await sync_to_async(review_state.mark_sent)(
            state.draft, message=message, chat_id=delivery.chat_id or chat_id,
            outcome=delivery.outcome, snapshot=snapshot, comment_ids=[c.pk for c in comments],
        )  # fmt: skip
    finally:
        await cache.adelete(lock)
    if not request.htmx:
        return redirect(safe_next(request, request.POST.get("next"), rid))
    context = await _box(request, rid, _panel(request), just_sent=delivery.outcome)
    return render(request, f"{TEMPLATE}#review", context)


async def _snapshot(request, api, rid: str):
    """Per-file digests of the diff the review was written against: the one the Diffs panel
    last showed the reviewer, else the diff as it is now (None if unreadable: "changes since"
    then counts from an earlier review)."""
    shown = await last_shown(request, rid)
    if shown is not None:
        return shown
    try:
        replica = (await api.get_replica(rid, include="diffs")).replica
    except errors.ReplicaAPIError as exc:
        report(request, exc, "review diff snapshot")
        return None
    repos = await sync_to_async(repository_diffs, thread_sensitive=False)(
        replica.repository_statuses or []
    )
    return review_state.digests(repos)
