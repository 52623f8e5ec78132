"""The chat panel: chats as tabs, the transcript (history, then live), the composer.

The transcript shows the newest page of history first, with "load older" paging above it;
`stream.py` relays the live events into it. The composer keeps what was typed when sending
fails, and says whether the message was sent or queued (and where in the queue).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseLocation

from portal.accounts.acting import api_for, async_api_for, requires_api_key
from portal.lib.api_errors import describe
from portal.replica_api import errors, models
from portal.replicas import choices
from portal.replicas.forms import check_image
from portal.replicas.rendering import render_history, transcript_dom_id

from .common import load_chat_page

HISTORY_PAGE = 30
PROVIDERS = [p.value for p in models.Provider]


def _history_context(request, history, chat_id: str, offset: int, running=False) -> dict:
    user = request.user
    prefix = f"h{offset}"
    return {
        "history_html": render_history(
            history,
            viewer_email=user.email or None,
            chat_id=chat_id,
            id_prefix=prefix,
            running=running,
        ),
        "has_more": bool(history.has_more),
        "older_offset": offset + len(history.events),
        "chat_id": chat_id,
    }


def composer_context(chat: models.ReplicaChat | None, data: dict | None = None, **extra) -> dict:
    data = data or {}
    provider = chat.provider.value if chat and chat.provider else None
    return {
        "composer": {
            "chat_id": chat.id if chat else "",
            "provider": provider,
            "message": data.get("message", ""),
            "plan_mode": bool(data.get("plan_mode")),
            "fast_mode": bool(data.get("fast_mode")),
            "goal_mode": bool(data.get("goal_mode")),
            "thinking_level": data.get("thinking_level", ""),
            "goal_allowed": choices.supports_goal_mode(provider or ""),
            **extra,
        },
        # The levels valid for this chat's agent (the spec's enum, filtered per agent).
        "thinking_choices": choices.thinking_choices(provider or ""),
        "image_types": ",".join(choices.IMAGE_MEDIA_TYPES),
    }


async def _chat_page(request, rid: str, wanted_chat: str | None, data=None, **composer_extra):
    page, context, chat = await load_chat_page(request, rid, wanted_chat, "chat")
    context.update(composer_context(chat, data, **composer_extra))
    context["providers"] = PROVIDERS
    context["replica_id"] = rid  # the "load older" link, shared with the history partial
    if chat is not None:
        try:
            history = await page.api.read_replica_history(rid, chat_id=chat.id, limit=HISTORY_PAGE)
            context.update(
                _history_context(request, history, chat.id, 0, running=bool(chat.processing))
            )
        except errors.Conflict as exc:
            page.unavailable["history"] = exc
        context["transcript_id"] = transcript_dom_id(chat.id)
    context["unavailable_problem"] = page.problem()
    return render(request, "replicas/chat.html", context)


@requires_api_key
@require_GET
async def chat_panel(request, replica_id):
    return await _chat_page(request, str(replica_id), request.GET.get("chat"))


@requires_api_key
@require_GET
async def history(request, replica_id, chat_id):
    """A page of history: `?offset=N` older events (prepended above), or the latest page
    (offset 0) to replace the whole transcript after a gap in the live stream."""
    try:
        offset = max(0, int(request.GET.get("offset", "0")))
    except ValueError:
        offset = 0
    api = await async_api_for(request)
    page = await api.read_replica_history(
        str(replica_id), chat_id=chat_id, limit=HISTORY_PAGE, offset=offset
    )
    context = _history_context(request, page, chat_id, offset)
    context.update(
        replica_id=replica_id, transcript_id=transcript_dom_id(chat_id), older_page=bool(offset)
    )
    partial = "older" if offset else "transcript"
    return render(request, f"replicas/chat.html#{partial}", context)


def _chat_url(replica_id, chat_id: str | None = None) -> str:
    url = reverse("replicas:detail", args=[replica_id])
    return f"{url}?chat={chat_id}" if chat_id else url


def _go(request, url: str):
    """After a chat is made or deleted: HTMX swaps the page in place, plain POST redirects."""
    if request.htmx:
        return HttpResponseLocation(url, target="#main", select="#main", swap="outerHTML")
    return redirect(url)


@requires_api_key
@require_POST
def create_chat(request, replica_id):
    provider = request.POST.get("provider", "")
    title = request.POST.get("title", "").strip()
    if provider not in PROVIDERS:
        messages.error(request, "Choose an agent for the new chat.")
        return _go(request, _chat_url(replica_id))
    body = {"provider": provider, **({"title": title} if title else {})}
    try:
        chat = api_for(request).create_replica_chat(str(replica_id), body)
    except errors.Conflict as exc:
        messages.error(request, describe(exc).title + ".")
        return _go(request, _chat_url(replica_id))
    return _go(request, _chat_url(replica_id, chat.id))


@requires_api_key
@require_POST
def delete_chat(request, replica_id, chat_id):
    api_for(request).delete_replica_chat(str(replica_id), chat_id)
    messages.success(request, "The chat was deleted.")
    return _go(request, _chat_url(replica_id))


class ComposerError(Exception):
    pass


def _images(request) -> list[dict]:
    files = request.FILES.getlist("images")
    if len(files) > choices.MAX_IMAGES:
        raise ComposerError(f"Attach at most {choices.MAX_IMAGES} images.")
    try:
        return [check_image(upload).content() for upload in files]
    except ValidationError as exc:
        raise ComposerError(" ".join(exc.messages)) from None


def _message_body(request, provider: str | None, user) -> dict:
    post = request.POST
    text = post.get("message", "").strip()
    if not text:
        raise ComposerError("Write a message first.")
    body: dict = {"message": text}
    if post.get("chat_id"):
        body["chat_id"] = post["chat_id"]
    if provider:
        body["coding_agent"] = provider
    for flag in ("plan_mode", "fast_mode"):
        if post.get(flag):
            body[flag] = True
    if post.get("goal_mode"):
        if not choices.supports_goal_mode(provider or ""):
            raise ComposerError("Goal mode is only available for Codex chats.")
        body["goal_mode"] = True
    level = post.get("thinking_level", "")
    if level:
        if level not in dict(choices.thinking_choices(provider or "")):
            raise ComposerError("Choose a thinking level this agent supports.")
        body["thinking_level"] = level
    images = _images(request)
    if images:
        body["images"] = images
    # Who sent it, for the chat's `senders` (the API records the key's user instead when the
    # key is personal; with the org key this is what tells the team who wrote the message).
    body["senderUserId"] = f"portal:{user.get_username()}"
    if user.email:
        body["senderEmail"] = user.email
    return body


@requires_api_key
@require_POST
async def send_message(request, replica_id):
    """Send (or queue) a message. HTMX: answers with a fresh composer and the outcome; on
    failure, the composer (or, without JS, the whole page) keeps everything typed and says
    what went wrong."""
    rid = str(replica_id)
    data = request.POST
    provider = data.get("provider") or None
    if provider not in PROVIDERS:
        provider = None
    chat_id = data.get("chat_id", "")
    try:
        body = _message_body(request, provider, await request.auser())
        api = await async_api_for(request)
        result = await api.send_replica_message(rid, body)
    except ComposerError as exc:
        return await _composer_reply(request, rid, chat_id, provider, data, error=str(exc))
    except errors.ReplicaAPIError as exc:
        problem = describe(exc)
        error = f"{problem.title}. {problem.message} {problem.hint}"
        return await _composer_reply(request, rid, chat_id, provider, data, error=error)
    status = result.status.value
    if status == "queued":
        outcome = f"Queued (position {result.position})." if result.position else "Queued."
    elif status == "waking":
        outcome = "The workspace is waking up; the message will be delivered when it's ready."
    else:
        outcome = "Sent."
    return await _composer_reply(
        request,
        rid,
        result.chat_id or chat_id,
        provider,
        None,
        outcome=outcome,
        outcome_status=status,
    )


class _ComposerChat:
    """Enough of a chat for the composer partial, rebuilt from the submitted form."""

    def __init__(self, chat_id: str, provider: str | None) -> None:
        self.id = chat_id
        self.provider = models.Provider(provider) if provider else None


async def _composer_reply(request, rid: str, chat_id: str, provider, data, **extra):
    if not request.htmx:
        if extra.get("error"):
            return await _chat_page(request, rid, chat_id, data, **extra)
        messages.success(request, extra.get("outcome", "Sent."))
        return redirect(_chat_url(rid, chat_id or None))
    chat = _ComposerChat(chat_id, provider)
    context = composer_context(chat if chat.provider else None, data, **extra)
    context["composer"]["chat_id"] = chat_id
    context["replica"] = {"id": rid}
    return render(request, "replicas/chat.html#composer", context)
