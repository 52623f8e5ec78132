"""The chat panel: chats as tabs, the transcript (history, then live), the composer.

The transcript shows the newest page of history first, with "load older" paging above it;
`stream.py` relays the live events into it. The composer keeps what was typed when sending
fails, and says whether the message was sent or queued (and where in the queue).
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.acting import async_api_for, requires_api_key
from portal.lib.api_errors import report
from portal.lib.htmx import go, render_box
from portal.lib.outcomes import answer_lost, settle
from portal.replica_api import errors, models
from portal.replicas import choices
from portal.replicas.forms import check_image
from portal.replicas.outcomes import deliver_message
from portal.replicas.rendering import render_history, transcript_dom_id, turn_slot_dom_id

from .common import load_chat_page, replica_urls

HISTORY_PAGE = 30
HISTORY_HTML_TTL = 10 * 60
PROVIDERS = [p.value for p in models.Provider]


def _history_key(history, chat_id: str, offset: int, viewer: str) -> str | None:
    """What a rendered page of history depends on: the page's events (told apart by the
    chat's total, the page's place and its first and last event times), the senders and the
    viewer. None for an empty page."""
    events = history.events
    if not events:
        return None
    parts = (
        chat_id, offset, history.total, len(events), events[0].timestamp.isoformat(),
        events[-1].timestamp.isoformat(), len(history.senders or ()), viewer,
    )  # fmt: skip
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]
    return f"replicas:history-html:{digest}"


async def _history_context(request, history, chat_id: str, offset: int, running=False) -> dict:
    """A page of history as HTML. Rendering it is most of the chat page's own time, and a
    page of a chat's past doesn't change: it is cached (not while a turn runs, whose last
    events still grow)."""
    viewer = (request.user.email or "").lower()
    key = None if running else _history_key(history, chat_id, offset, viewer)
    html = await cache.aget(key) if key else None
    if html is None:
        html = render_history(
            history,
            viewer_email=viewer or None,
            chat_id=chat_id,
            id_prefix=f"h{offset}",
            running=running,
        )
        if key:
            await cache.aset(key, html, HISTORY_HTML_TTL)
    return {
        "history_html": html,
        "has_more": bool(history.has_more),
        "older_offset": offset + len(history.events),
        "chat_id": chat_id,
    }


def composer_context(
    chat: models.ReplicaChat | None, data: dict | None = None, chats=(), **extra
) -> dict:
    data = data or {}
    provider = chat.provider.value if chat and chat.provider else None
    return {
        "composer": {
            "chat_id": chat.id if chat else "",
            "target": data.get("target_chat") or (chat.id if chat else ""),
            # Other chats the message can go to instead (the picker), with their agents.
            "chats": [
                {"id": c.id, "title": c.title or "Untitled", "provider": c.provider.value}
                for c in chats
            ],  # fmt: skip
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
    page, context, chat = await load_chat_page(
        request, rid, wanted_chat, "chat",
        chat_fetch=lambda api, chat_id: api.read_replica_history(
            rid, chat_id=chat_id, limit=HISTORY_PAGE
        ),
    )  # fmt: skip
    context.update(composer_context(chat, data, context["chats"], **composer_extra))
    context["providers"] = PROVIDERS
    context["replica_id"] = rid  # the "load older" link, shared with the history partial
    if chat is not None:
        history = page.data.get("chat_data")
        if history is not None:
            context.update(
                await _history_context(request, history, chat.id, 0, running=bool(chat.processing))
            )
        context["transcript_id"] = transcript_dom_id(chat.id)
        context["turn_slot_id"] = turn_slot_dom_id(chat.id)
        context["chat_id"] = chat.id
    context["history_problem"] = page.problem("chat_data")
    context["chats_problem"] = page.problem("chats")
    context["unavailable_problem"] = page.unavailable_problem()
    return render_box(request, "replicas/chat.html", context, boxes=("panel",))


@requires_api_key
@require_GET
async def chat_panel(request, replica_id):
    return await _chat_page(request, str(replica_id), request.GET.get("chat"))


@requires_api_key
@require_GET
async def history(request, replica_id, chat_id):
    """A page of history: `?offset=N` older events (prepended above), or the latest page
    (offset 0) to replace the whole transcript after a gap in the live stream. If it can't
    be read, "load older" says so in its place; a failed reload keeps the transcript and says
    it may be missing the latest events."""
    try:
        offset = max(0, int(request.GET.get("offset", "0")))
    except ValueError:
        offset = 0
    api = await async_api_for(request)
    context = {
        "replica_id": replica_id,
        "chat_id": chat_id,
        "urls": replica_urls(str(replica_id), chat_id),
        "transcript_id": transcript_dom_id(chat_id),
        "turn_slot_id": turn_slot_dom_id(chat_id),
        "older_page": bool(offset),
    }
    partial = "older" if offset else "transcript"
    try:
        page = await api.read_replica_history(
            str(replica_id), chat_id=chat_id, limit=HISTORY_PAGE, offset=offset
        )
    except errors.ReplicaAPIError as exc:
        context["history_problem"] = report(request, exc, "history")
        if offset:
            context.update(has_more=True, older_offset=offset, retry_offset=offset)
            return render(request, "replicas/chat.html#older", context)
        context["stale_oob"] = True
        response = render(request, "replicas/chat.html#transcript-stale", context)
        response["HX-Reswap"] = "none"
        return response
    context.update(await _history_context(request, page, chat_id, offset))
    return render(request, f"replicas/chat.html#{partial}", context)


def _chat_url(replica_id, chat_id: str | None = None) -> str:
    url = reverse("replicas:detail", args=[replica_id])
    return f"{url}?chat={chat_id}" if chat_id else url


@requires_api_key
@require_POST
async def create_chat(request, replica_id):
    rid = str(replica_id)
    provider = request.POST.get("provider", "")
    title = request.POST.get("title", "").strip()
    if provider not in PROVIDERS:
        messages.error(request, "Choose an agent for the new chat.")
        return go(request, _chat_url(rid))
    body = {"provider": provider, **({"title": title} if title else {})}
    api = await async_api_for(request)
    try:
        chat = await api.create_replica_chat(rid, body)
    except errors.ReplicaAPIError as exc:
        problem = report(request, exc, "new chat")
        lost = (
            " It may have been created anyway: look for it among the chats."
            if answer_lost(exc)
            else ""
        )
        messages.error(request, f"The chat was not created. {problem.text}{lost}")
        return go(request, _chat_url(rid))
    return go(request, _chat_url(rid, chat.id))


@requires_api_key
@require_POST
async def delete_chat(request, replica_id, chat_id):
    rid = str(replica_id)
    api = await async_api_for(request)

    async def gone() -> bool:
        return all(c.id != chat_id for c in (await api.list_replica_chats(rid)).chats)

    outcome = await settle(
        request,
        lambda: api.delete_replica_chat(rid, chat_id),
        gone,
        done="The chat was deleted.",
        what="the chat was deleted",
        operation="delete chat",
    )
    if outcome.done:
        messages.success(request, outcome.note)
        return go(request, _chat_url(rid))
    messages.error(request, f"The chat was not deleted. {outcome.text}")
    return go(request, _chat_url(rid, chat_id))


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


def _message_body(request, chat_id: str, provider: str | None, user) -> dict:
    post = request.POST
    text = post.get("message", "").strip()
    if not text:
        raise ComposerError("Write a message first.")
    body: dict = {"message": text}
    if chat_id:
        body["chat_id"] = chat_id
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


def _target(data, provider: str | None) -> tuple[str, str | None]:
    """The chat the message goes to (the picker, else the open chat) and its agent."""
    open_chat = data.get("chat_id", "")
    target_chat = data.get("target_chat") or open_chat
    if target_chat != open_chat:
        provider = data.get(f"provider_{target_chat}") or None
    return target_chat, provider if provider in PROVIDERS else None


@requires_api_key
@require_POST
async def send_message(request, replica_id):
    """Send (or queue) a message. HTMX: answers with a fresh composer and the outcome; on
    failure, the composer (or, without JS, the whole page) keeps everything typed and says
    what went wrong. When the answer is lost, the chat is read again: a message that arrived
    is reported as sent (or queued), not as failed."""
    rid = str(replica_id)
    data = request.POST
    chat_id = data.get("chat_id", "")
    target_chat, provider = _target(data, data.get("provider") or None)
    try:
        body = _message_body(request, target_chat, provider, await request.auser())
    except ComposerError as exc:
        return await _composer_reply(request, rid, chat_id, data, error=str(exc))
    api = await async_api_for(request)
    delivery = await deliver_message(request, api, rid, body)
    if not delivery.ok:
        return await _composer_reply(request, rid, chat_id, data, error=delivery.error)
    return await _composer_reply(
        request, rid, chat_id, None, outcome=delivery.outcome, outcome_status=delivery.status,
        sent_to=delivery.chat_id or target_chat,
    )  # fmt: skip


class _ComposerChat:
    """Enough of a chat for the composer partial, rebuilt from the submitted form."""

    def __init__(self, chat_id: str, provider: str | None, title: str = "") -> None:
        self.id = chat_id
        self.title = title
        self.provider = models.Provider(provider) if provider in PROVIDERS else None


def _posted_chats(data) -> list[_ComposerChat]:
    """The picker's chats, as the form carried them (provider_<id> fields)."""
    return [
        _ComposerChat(key.removeprefix("provider_"), value, data.get(f"title_{key[9:]}", ""))
        for key, value in data.items()
        if key.startswith("provider_") and value in PROVIDERS
    ]


async def _composer_reply(request, rid: str, chat_id: str, data, **extra):
    posted = request.POST
    if not request.htmx:
        if extra.get("error"):
            return await _chat_page(request, rid, chat_id, data, **extra)
        messages.success(request, extra.get("outcome", "Sent."))
        return redirect(_chat_url(rid, chat_id or None))
    provider = posted.get("provider") or None
    chat = _ComposerChat(chat_id, provider)
    chats = [c for c in _posted_chats(posted) if c.provider is not None]
    context = composer_context(chat if chat.provider else None, data, chats, **extra)
    context["composer"]["chat_id"] = chat_id
    context["replica"] = {"id": rid}
    context["urls"] = replica_urls(rid)
    context["status"] = posted.get("status", "active")
    return render(request, "replicas/chat.html#composer", context)
