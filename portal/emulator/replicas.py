"""Emulator area: replicas (tag Replica in the spec) plus the guide's `POST /v1/replica/{id}/wake`.

State lives in `store.replicas` (a `ReplicaStore`, see replica_state.py); the simulated agent
and the lifecycle timers are in agent.py, outgoing webhooks in webhooks.py, demo data in
seed_replicas.py.

Workspace status rules (guide + spec, both supported):
- engine-proxy endpoints (messages, chats, queue, slash-commands, history, hooks logs,
  canvas, events) answer 409 "Workspace is sleeping ..." / "Workspace is in error state ..."
  while the workspace sleeps (or is waking) / is in `error`;
- `sendReplicaMessage` and `listReplicaSlashCommands` (which document 409) also answer 409
  while the workspace is `preparing`; the other engine endpoints serve what exists so far;
- an `archived` workspace is woken by messages, chats and history, whose responses then carry
  `waking: true` (a message is held and delivered once awake: status `waking`);
- the `/v1/workspaces/...` endpoints follow their own spec text: messages to a preparing or
  sleeping workspace are accepted (202) and delivered after startup; archived and error
  workspaces answer 409.

For other areas: `create_replica_internal(store, ...)` and `store.replicas.get(id)`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import math
import re
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import agent, webhooks
from .http import ApiError, iso, json_body, json_object, new_id, now, ok, query_int
from .replica_state import (
    CANVAS_CAP,
    ENGINE_VERSION,
    Chat,
    QueuedMessage,
    Replica,
    ReplicaStore,
    RepoState,
    Subscriber,
    details,
    engine_chat,
    list_item,
    replica_chat,
    user_by_id,
    workspace_chat,
)
from .sse import event_stream
from .state import Principal, Store
from .validation import (
    CREATE_CHAT,
    CREATE_REPLICA,
    DEFERRED_MESSAGE,
    REORDER_QUEUE,
    SEND_MESSAGE,
    SOURCES,
    STATUSES,
    WORKSPACE_MESSAGE,
    check,
    is_uuid,
    parse_datetime,
)

API_VERSION = "2026-05-17"
LEGACY_CREATE_WAIT_S = 300.0


# --- helpers -------------------------------------------------------------------------------


def _rs(request: Request) -> ReplicaStore:
    return request.app.state.store.replicas


def _principal(request: Request) -> Principal:
    return request.state.principal


def _find(request: Request, param: str = "id", *, bad_id_status: int = 404) -> Replica:
    raw = str(request.path_params[param])
    if not is_uuid(raw):
        if bad_id_status == 400:
            raise ApiError(400, "Invalid workspace ID", f"{raw!r} is not a UUID.")
        raise ApiError(404, "Replica not found", f"No replica with id {raw!r}.")
    replica = _rs(request).find(raw.lower())
    if replica is None:
        raise ApiError(404, "Replica not found", f"No replica with id {raw!r}.")
    return replica


def _conflict_sleeping(replica: Replica) -> ApiError:
    if replica.waking:
        return ApiError(
            409,
            "Workspace is sleeping",
            "The workspace is waking up; retry in a few seconds.",
        )
    return ApiError(
        409,
        "Workspace is sleeping",
        f"Wake it with POST /v1/replica/{replica.id}/wake, then retry.",
    )


def _conflict_error(replica: Replica) -> ApiError:
    return ApiError(
        409,
        "Workspace is in error state",
        replica.error_message or "The workspace's sandbox failed unrecoverably.",
    )


def _engine_gate(
    rs: ReplicaStore, replica: Replica, *, preparing_409: bool = False, wake_archived: bool = True
) -> bool:
    """Raise the 409s of an engine-proxy endpoint; returns True when an archived one wakes."""
    if replica.status == "sleeping":
        raise _conflict_sleeping(replica)
    if replica.status == "error":
        raise _conflict_error(replica)
    if replica.status == "preparing" and preparing_409:
        raise ApiError(409, "Workspace is still preparing", "Retry once the workspace is active.")
    if replica.status == "archived":
        if not wake_archived:
            raise ApiError(
                409,
                "Workspace is sleeping (archived)",
                f"Wake it with POST /v1/replica/{replica.id}/wake, then retry.",
            )
        agent.start_waking(rs, replica)
        return True
    return False


def _chat_or_404(replica: Replica, chat_id: str) -> Chat:
    chat = replica.chat(chat_id)
    if chat is None:
        raise ApiError(404, "Chat not found", f"No chat {chat_id!r} in this replica.")
    return chat


def _sender(principal: Principal, body: dict | None = None) -> dict | None:
    user = user_by_id(principal.user_id)
    if user is not None:
        return {"userId": user["id"], "email": user["email"], "displayName": user["name"]}
    body = body or {}
    if body.get("senderUserId") or body.get("senderEmail"):
        return {"userId": body.get("senderUserId"), "email": body.get("senderEmail")}
    return {"displayName": "Replicas bot"}


def _message_text(raw: str, flags: dict) -> tuple[str, dict]:
    text, modes = agent.parse_modes(raw, flags)
    if not text.strip():
        raise ApiError(400, "Invalid request body", "message must not be empty.")
    return text, modes


def _all_environments(store: Store) -> list[dict]:
    """Every environment (the spec's Environment shape) the environments area knows."""
    envs = store.environments
    if envs is None:
        return []
    raw = getattr(envs, "envs", None)
    public = getattr(envs, "public", None)
    if isinstance(raw, dict) and callable(public):
        with contextlib.suppress(Exception):
            return [public(e) for e in raw.values()]
    for name in ("all", "list"):
        fn = getattr(envs, name, None)
        if callable(fn):
            with contextlib.suppress(Exception):
                return [e for e in fn() if isinstance(e, dict)]
    return []


def _resolve_env(store: Store, env_id: str, principal: Principal | None = None) -> dict | None:
    resolve = getattr(store.environments, "resolve", None)
    if callable(resolve):
        try:
            try:
                return resolve(env_id, principal)
            except TypeError:
                return resolve(env_id)
        except Exception:  # noqa: BLE001 - the other area's lookup failing means "unknown"
            return None
    return next((e for e in _all_environments(store) if e.get("id") == env_id), None)


def _misc_repos(store: Store) -> list[dict]:
    return list(getattr(store.misc, "repositories", None) or [])


def _misc_sets(store: Store) -> list[dict]:
    return list(getattr(store.misc, "repository_sets", None) or [])


def _repos_of_env(store: Store, env: dict | None) -> list[dict]:
    if not env:
        return []
    repositories_for = getattr(store.environments, "repositories_for", None)
    if callable(repositories_for):
        with contextlib.suppress(Exception):
            return [dict(r) for r in repositories_for(env["id"])]
    if env.get("repository_id"):
        return [r for r in _misc_repos(store) if r["id"] == env["repository_id"]]
    if env.get("repository_set_id"):
        for s in _misc_sets(store):
            if s["id"] == env["repository_set_id"]:
                return list(s["repositories"])
    return []


def resolve_workspace_source(
    store: Store,
    environment_id: str | None,
    repository_set_id: str | None = None,
    repository_ids: list[str] | None = None,
    principal: Principal | None = None,
) -> tuple[dict | None, list[dict]]:
    """(environment record or None, repositories) for a new replica, or a 404."""
    has_env_area = callable(getattr(store.environments, "resolve", None)) or bool(
        _all_environments(store)
    )
    if environment_id:
        env = _resolve_env(store, environment_id, principal)
        if env is None:
            if has_env_area:
                raise ApiError(404, "Environment not found", f"No environment {environment_id!r}.")
            return None, []
        return env, _repos_of_env(store, env)
    if repository_set_id:
        rset = next((s for s in _misc_sets(store) if s["id"] == repository_set_id), None)
        if rset is None:
            raise ApiError(
                404, "Repository set not found", f"No repository set {repository_set_id!r}."
            )
        env = next(
            (
                e
                for e in _all_environments(store)
                if e.get("repository_set_id") == repository_set_id
            ),
            None,
        )
        return env, list(rset["repositories"])
    if repository_ids:
        known = {r["id"]: r for r in _misc_repos(store)}
        missing = [rid for rid in repository_ids if rid not in known]
        if missing:
            raise ApiError(404, "Repository not found", f"No repository {missing[0]!r}.")
        env = next(
            (e for e in _all_environments(store) if e.get("repository_id") in repository_ids),
            None,
        )
        return env, [known[rid] for rid in repository_ids]
    env = _resolve_env(store, "global")
    return env, _repos_of_env(store, env)


def _provider_of(url: str) -> str:
    return "gitlab" if "gitlab" in url else "github"


def build_replica(
    store: Store,
    *,
    name: str,
    source: str,
    user_id: str | None,
    env: dict | None,
    repositories: list[dict],
    coding_agent: str = "claude",
    model: str | None = None,
    thinking_level: str | None = None,
    lifecycle_policy: str | None = None,
    size: str | None = None,
    config: dict | None = None,
    webhook: dict | None = None,
    status: str = "preparing",
    replica_id: str | None = None,
    created_at=None,
) -> Replica:
    """A new replica record with its first chat, registered in the store (no timers)."""
    created = created_at or now()
    pr_followups = source != "automation"
    merged_config = {
        "capabilities": {"pr_followups": pr_followups},
        "preferences": {"keep_open_on_pr_merge": False},
    }
    for key, value in (config or {}).items():
        if isinstance(value, dict) and isinstance(merged_config.get(key), dict):
            merged_config[key] = {**merged_config[key], **value}
        else:
            merged_config[key] = value
    replica = Replica(
        id=replica_id or new_id(),
        name=name,
        status=status,
        source=source,
        created_at=created,
        user_id=user_id,
        environment_id=env.get("id") if env else None,
        environment_name=env.get("name") if env else None,
        last_activity_at=created,
        coding_agent=coding_agent,
        model=model,
        thinking_level=thinking_level,
        lifecycle_policy=lifecycle_policy or "default",
        size=size,
        config=merged_config,
        webhook=webhook,
    )
    for repo in repositories:
        replica.repos.append(
            RepoState(
                id=repo["id"],
                name=repo["name"],
                url=repo["url"],
                default_branch=repo.get("default_branch") or "main",
                branch=name,
                provider=_provider_of(repo["url"]),
            )
        )
        replica.repository_refs.append({"id": repo["id"], "name": repo["name"], "url": repo["url"]})
    if status == "active":
        replica.active_since = replica.engine_started_at
    store.replicas.items[replica.id] = replica
    return replica


def create_replica_internal(
    store: Store,
    *,
    name: str,
    environment_id: str | None,
    source: str,
    user_id: str | None,
    message: str | None,
    automation_id: str | None = None,
    **options: Any,
) -> dict:
    """Create a replica exactly like createReplica (non-blocking); returns its ReplicaListItem.

    options: coding_agent, model, thinking_level, lifecycle_policy, size, config, images,
    plan_mode, goal_mode, fast_mode, webhook_url (str or {url, secret}),
    repository_set_id, repository_ids, sender ({userId, email, displayName}), principal.
    `automation_id` is recorded on the replica (shown as `automation_id` by getReplica).
    Raises ApiError(404) for an unknown environment. Needs a running event loop (call it
    from a request handler or a task).
    """
    rs: ReplicaStore = store.replicas
    name = re.sub(r"\s+", "-", (name or "").strip()) or f"replica-{uuid.uuid4().hex[:6]}"
    source = source if source in SOURCES else "api"
    env, repositories = resolve_workspace_source(
        store,
        environment_id,
        options.get("repository_set_id"),
        options.get("repository_ids"),
        options.get("principal"),
    )
    coding_agent = options.get("coding_agent") or "claude"
    replica = build_replica(
        store,
        name=name,
        source=source,
        user_id=user_id,
        env=env,
        repositories=repositories,
        coding_agent=coding_agent,
        model=options.get("model"),
        thinking_level=options.get("thinking_level"),
        lifecycle_policy=options.get("lifecycle_policy"),
        size=options.get("size"),
        config=options.get("config"),
        webhook=webhooks.normalize_target(options.get("webhook_url")),
    )
    replica.automation_id = automation_id
    chat = agent.new_chat(coding_agent, model=options.get("model"))
    replica.chats[chat.id] = chat
    replica.emit("chat.created", {"chat": engine_chat(chat)})
    if message and message.strip():
        text, modes = agent.parse_modes(message, options)
        msg_options = {
            "model": options.get("model"),
            "thinking_level": options.get("thinking_level"),
            "images": options.get("images"),
            **modes,
        }
        replica.deferred.append(
            (
                chat.id,
                QueuedMessage(
                    id=new_id(),
                    message=text,
                    queued_at=now(),
                    sender=options.get("sender"),
                    options=agent.provider_options(chat, msg_options),
                ),
            )
        )
    agent.start_preparing(rs, replica)
    return list_item(replica)


def _environment_details(store: Store, replica: Replica) -> dict:
    """ReplicaEnvironment for include=environment, from the environments area's runtime()."""
    runtime: dict = {}
    fn = getattr(store.environments, "runtime", None)
    if callable(fn):
        with contextlib.suppress(Exception):
            runtime = fn(replica.environment_id or "global") or {}
    env = _resolve_env(store, replica.environment_id or "global")
    providers = {repo.provider for repo in replica.repos}
    files = [f.get("path") or f.get("name") for f in runtime.get("files", [])]
    skills = [s.get("name") or s.get("slug") for s in runtime.get("skills", [])]
    warm = runtime.get("warm_hook") or ""
    start = runtime.get("start_hook") or ""
    global_warm = runtime.get("global_warm_hook")
    if global_warm is None:
        global_warm_status = {"status": "not_configured", "details": None}
    elif replica.warm_logs and any(log["exitCode"] != 0 for log in replica.warm_logs):
        global_warm_status = {"status": "failed", "details": "The warm hook exited non-zero."}
    else:
        global_warm_status = {
            "status": "succeeded" if replica.warm_logs else "pending",
            "details": None,
        }
    return {
        "engine_version": ENGINE_VERSION,
        "files_uploaded": [f for f in files if f],
        "env_vars_set": sorted(runtime.get("variables", {})),
        "skills_installed": [s for s in skills if s],
        "integrations": {
            "github": "github" in providers or not providers,
            "gitlab": "gitlab" in providers,
            "linear": True,
            "slack": True,
            "google": False,
        },
        "coding_agents": {
            "claude": {"available": True, "auth_method": "oauth"},
            "codex": {"available": True, "auth_method": "chatgpt"},
            "cursor": {"available": True, "auth_method": "api_key"},
            "opencode": {"available": True, "auth_method": "openrouter"},
            "pi": {"available": True, "auth_method": "openrouter"},
        },
        "hooks": {
            "global_warm_hook": global_warm_status,
            "repositories": [
                {"repository_name": repo.name, "warm_hook": warm, "start_hook": start}
                for repo in replica.repos
            ],
        },
        "last_updated_at": (env or {}).get("updated_at") or iso(replica.created_at),
    }


# --- replicas ------------------------------------------------------------------------------


async def create_replica(request: Request) -> JSONResponse:
    store: Store = request.app.state.store
    rs = store.replicas
    principal = _principal(request)
    version = request.headers.get("x-replicas-api-version")
    if version is not None and version != API_VERSION:
        raise ApiError(
            400, "Unsupported API version", f"X-Replicas-Api-Version must be {API_VERSION}."
        )
    body = json_object(await json_body(request))
    check(body, CREATE_REPLICA)
    _message_text(body["message"], body)  # 400 when empty once /plan etc. are stripped
    if "repository_ids" in body and not body["repository_ids"] and not body.get("environment_id"):
        raise ApiError(400, "Invalid request body", "repository_ids must not be empty.")
    options = {
        k: body.get(k)
        for k in (
            "coding_agent",
            "model",
            "thinking_level",
            "lifecycle_policy",
            "size",
            "config",
            "images",
            "plan_mode",
            "goal_mode",
            "fast_mode",
            "webhook_url",
            "repository_set_id",
            "repository_ids",
        )
        if body.get(k) is not None
    }
    item = create_replica_internal(
        store,
        name=body["name"],
        environment_id=body.get("environment_id"),
        source="api",
        user_id=principal.user_id,
        message=body["message"],
        sender=_sender(principal, body),
        principal=principal,
        **options,
    )
    replica = rs.find(item["id"])
    if version == API_VERSION or replica is None:
        return ok({"replica": item}, 201)
    # Legacy: block until the workspace leaves `preparing`, then answer with engine details.
    deadline = asyncio.get_running_loop().time() + LEGACY_CREATE_WAIT_S
    while replica.status == "preparing" and replica.deleted_at is None:
        if asyncio.get_running_loop().time() > deadline:
            raise ApiError(
                503, "Service unavailable", "The workspace did not become ready in time."
            )
        await asyncio.sleep(0.05)
    return ok({"replica": details(replica)}, 201)


async def list_replicas(request: Request) -> JSONResponse:
    rs = _rs(request)
    q = request.query_params
    page = query_int(request, "page", 1, minimum=1)
    limit = query_int(request, "limit", 10, minimum=1, maximum=100)
    source = q.get("source") or None
    status = q.get("status") or None
    user_id = q.get("user_id") or None
    if source is not None and source not in SOURCES:
        raise ApiError(
            400, "Invalid query parameter", f"source must be one of: {', '.join(SOURCES)}."
        )
    if status is not None and status not in STATUSES:
        raise ApiError(
            400, "Invalid query parameter", f"status must be one of: {', '.join(STATUSES)}."
        )
    items = [
        r
        for r in rs.all()
        if (source is None or r.source == source)
        and (status is None or r.status == status)
        and (user_id is None or r.user_id == user_id)
    ]
    if status == "archived":
        items.sort(key=lambda r: r.last_activity_at or r.created_at, reverse=True)
    else:
        items.sort(key=lambda r: r.created_at, reverse=True)
    total = len(items)
    start = (page - 1) * limit
    return ok(
        {
            "replicas": [list_item(r) for r in items[start : start + limit]],
            "total": total,
            "page": page,
            "limit": limit,
            "total_pages": math.ceil(total / limit) if total else 0,
        }
    )


async def get_replica(request: Request) -> JSONResponse:
    store: Store = request.app.state.store
    replica = _find(request)
    include = {p.strip().lower() for p in (request.query_params.get("include") or "").split(",")}
    env = _environment_details(store, replica) if "environment" in include else None
    return ok({"replica": details(replica, with_diffs="diffs" in include, environment=env)})


async def delete_replica(request: Request) -> JSONResponse:
    rs = _rs(request)
    raw = str(request.path_params["id"])
    replica = rs.items.get(raw.lower()) if is_uuid(raw) else None
    if replica is None:
        raise ApiError(404, "Replica not found", f"No replica with id {raw!r}.")
    agent.delete(rs, replica)  # idempotent: an already-deleted replica stays deleted
    return ok({"success": True})


async def wake_replica(request: Request) -> JSONResponse:
    rs = _rs(request)
    replica = _find(request)
    if replica.status == "error":
        raise _conflict_error(replica)
    if replica.status in ("sleeping", "archived"):
        agent.start_waking(rs, replica)
        return ok({"success": True, "waking": True, "status": replica.status})
    return ok({"success": True, "waking": False, "status": replica.status})


# --- messages and chats --------------------------------------------------------------------


def _pick_chat(replica: Replica, chat_id: str | None, provider: str | None) -> Chat:
    if chat_id:
        chat = _chat_or_404(replica, chat_id)
        if provider and provider != chat.provider:
            raise ApiError(
                400,
                "Invalid request body",
                f"coding_agent {provider!r} does not match the chat's provider {chat.provider!r}.",
            )
        return chat
    live = replica.live_chats
    if provider:
        matching = [c for c in live if c.provider == provider]
        if matching:
            return max(matching, key=lambda c: c.updated_at)
    else:
        preferred = [c for c in live if c.provider == replica.coding_agent]
        if preferred or live:
            return (preferred or live)[0]
    chat = agent.new_chat(provider or replica.coding_agent)
    replica.chats[chat.id] = chat
    replica.emit("chat.created", {"chat": engine_chat(chat)})
    return chat


async def send_message(request: Request) -> JSONResponse:
    rs = _rs(request)
    replica = _find(request)
    body = json_object(await json_body(request))
    check(body, SEND_MESSAGE)
    waking = _engine_gate(rs, replica, preparing_409=True)
    text, modes = _message_text(body["message"], body)
    chat = _pick_chat(replica, body.get("chat_id"), body.get("coding_agent"))
    options = agent.provider_options(
        chat,
        {
            "model": body.get("model"),
            "images": body.get("images"),
            "thinking_level": body.get("thinking_level"),
            **modes,
        },
    )
    msg = QueuedMessage(
        id=new_id(),
        message=text,
        queued_at=now(),
        sender=_sender(_principal(request), body),
        options=options,
    )
    if waking or replica.status != "active":
        replica.deferred.append((chat.id, msg))
        chat.last_message_text = text[:500]
        chat.last_message_at = msg.queued_at
        replica.touch()
        return ok({"status": "waking", "message_id": msg.id, "position": None, "chat_id": chat.id})
    queued, position = agent.submit(rs, replica, chat, msg)
    return ok(
        {
            "status": "queued" if queued else "sent",
            "message_id": msg.id,
            "position": position if queued else None,
            "chat_id": chat.id,
        }
    )


async def list_chats(request: Request) -> JSONResponse:
    rs = _rs(request)
    replica = _find(request)
    waking = _engine_gate(rs, replica)
    out: dict[str, Any] = {"chats": [replica_chat(c) for c in replica.live_chats]}
    if waking:
        out["waking"] = True
    return ok(out)


def _create_chat(replica: Replica, body: dict) -> tuple[Chat, bool]:
    check(body, CREATE_CHAT)
    if body.get("id") and body["id"] in replica.chats:
        existing = replica.chats[body["id"]]
        if existing.deleted_at is None:
            return existing, False
        raise ApiError(400, "Invalid request body", "id belongs to a deleted chat.")
    parent = body.get("parentChatId")
    if parent and replica.chat(parent) is None:
        raise ApiError(400, "Invalid request body", f"parentChatId {parent!r} is not a chat here.")
    created = parse_datetime(body["createdAt"]) if body.get("createdAt") else None
    chat = agent.new_chat(
        body["provider"],
        title=body.get("title"),
        chat_id=body.get("id"),
        created_at=created,
        parent_chat_id=parent,
    )
    replica.chats[chat.id] = chat
    payload: dict[str, Any] = {"chat": engine_chat(chat)}
    if body.get("clientRequestId"):
        payload["clientRequestId"] = body["clientRequestId"]
    replica.emit("chat.created", payload)
    replica.touch()
    return chat, True


async def create_chat(request: Request) -> JSONResponse:
    rs = _rs(request)
    replica = _find(request)
    body = json_object(await json_body(request))
    check(body, CREATE_CHAT)
    _engine_gate(rs, replica)
    chat, _ = _create_chat(replica, body)
    return ok(replica_chat(chat), 201)


async def delete_chat(request: Request) -> JSONResponse:
    rs = _rs(request)
    replica = _find(request)
    _engine_gate(rs, replica)
    chat = _chat_or_404(replica, request.path_params["chatId"])
    if chat.worker is not None:
        chat.worker.cancel()
        chat.worker = None
    chat.current = None
    chat.queue.clear()
    chat.deleted_at = now()
    replica.deferred = [(cid, m) for cid, m in replica.deferred if cid != chat.id]
    replica.emit("chat.deleted", {"chatId": chat.id})
    return ok({"success": True})


BUILTIN_COMMANDS = [
    ("/plan", "Plan before making changes", None, ["claude", "codex", "cursor", "opencode", "pi"]),
    ("/goal", "Set the message as the active goal", "<goal>", ["codex"]),
    (
        "/fast",
        "Answer quickly with less reasoning",
        None,
        ["claude", "codex", "cursor", "opencode", "pi"],
    ),
]
AGENT_COMMANDS = {
    "claude": [
        ("/compact", "Compact the conversation to save context", "[instructions]"),
        ("/clear", "Clear the conversation history", None),
        ("/review", "Review the current changes", None),
        ("/init", "Create a CLAUDE.md with codebase notes", None),
    ],
    "codex": [
        ("/compact", "Summarize the conversation to free context", None),
        ("/review", "Review the working tree changes", None),
        ("/diff", "Show the git diff", None),
        ("/status", "Show the session configuration", None),
    ],
    "cursor": [
        ("/compress", "Summarize the conversation", None),
        ("/rules", "Show the active rules", None),
    ],
    "opencode": [
        ("/compact", "Compact the session", None),
        ("/undo", "Undo the last message", None),
        ("/share", "Share the session", None),
    ],
    "pi": [
        ("/compact", "Compact the context", "[focus]"),
        ("/session", "Show session info", None),
    ],
}


async def slash_commands(request: Request) -> JSONResponse:
    rs = _rs(request)
    replica = _find(request)
    chat = _chat_or_404(replica, request.path_params["chatId"])
    _engine_gate(rs, replica, preparing_409=True, wake_archived=False)
    commands = []
    for command, description, hint, providers in BUILTIN_COMMANDS:
        if chat.provider in providers:
            item = {"command": command, "description": description, "providers": providers}
            if hint:
                item["argumentHint"] = hint
            commands.append(item)
    for command, description, hint in AGENT_COMMANDS[chat.provider]:
        item = {"command": command, "description": description, "providers": [chat.provider]}
        if hint:
            item["argumentHint"] = hint
        commands.append(item)
    return ok({"commands": commands})


# --- queue ---------------------------------------------------------------------------------


def _queue_target(request: Request) -> tuple[Replica, Chat]:
    rs = _rs(request)
    replica = _find(request)
    _engine_gate(rs, replica, wake_archived=False)
    return replica, _chat_or_404(replica, request.path_params["chatId"])


async def get_queue(request: Request) -> JSONResponse:
    _, chat = _queue_target(request)
    return ok(
        {"chatId": chat.id, "processing": chat.processing, "queue": [m.info() for m in chat.queue]}
    )


async def clear_queue(request: Request) -> JSONResponse:
    replica, chat = _queue_target(request)
    changed = bool(chat.queue)
    chat.queue.clear()
    if changed:
        replica.emit("chat.updated", {"chat": engine_chat(chat)})
    return ok({"success": changed, "queue": []})


async def remove_queued(request: Request) -> JSONResponse:
    replica, chat = _queue_target(request)
    message_id = request.path_params["messageId"]
    before = len(chat.queue)
    chat.queue = [m for m in chat.queue if m.id != message_id]
    changed = len(chat.queue) != before
    if changed:
        replica.emit("chat.updated", {"chat": engine_chat(chat)})
    return ok({"success": changed, "queue": [m.info() for m in chat.queue]})


async def reorder_queue(request: Request) -> JSONResponse:
    replica, chat = _queue_target(request)
    body = json_object(await json_body(request))
    check(body, REORDER_QUEUE)
    position = body["position"]
    if position < 0:
        raise ApiError(400, "Invalid request body", "position must be 0 or more.")
    index = next((i for i, m in enumerate(chat.queue) if m.id == body["messageId"]), None)
    if index is None:
        return ok({"success": False, "queue": [m.info() for m in chat.queue]})
    if position > len(chat.queue) - 1:
        raise ApiError(
            400, "Invalid request body", f"position must be between 0 and {len(chat.queue) - 1}."
        )
    changed = index != position
    if changed:
        msg = chat.queue.pop(index)
        chat.queue.insert(position, msg)
    return ok({"success": changed, "queue": [m.info() for m in chat.queue]})


# --- history, hooks, canvas ----------------------------------------------------------------


async def read_history(request: Request) -> JSONResponse:
    rs = _rs(request)
    replica = _find(request)
    limit = query_int(request, "limit", 0, minimum=1) if request.query_params.get("limit") else None
    offset = query_int(request, "offset", 0, minimum=0)
    waking = _engine_gate(rs, replica)
    chat_id = request.query_params.get("chat_id") or None
    if chat_id:
        chat = _chat_or_404(replica, chat_id)
        events = list(chat.history)
        senders = list(chat.senders)
        thread_id: str | None = chat.thread_id
        coding_agent = chat.provider
    else:
        chats = replica.live_chats
        events = sorted(
            (e for c in chats for e in c.history), key=lambda e: e["timestamp"]
        )  # stable: each chat's own order is kept for equal timestamps
        senders = sorted((s for c in chats for s in c.senders), key=lambda s: s["recordedAt"])
        thread_id = chats[0].thread_id if len(chats) == 1 else None
        coding_agent = replica.coding_agent
    total = len(events)
    end = max(0, total - offset)
    start = 0 if limit is None else max(0, end - limit)
    out: dict[str, Any] = {
        "thread_id": thread_id,
        "events": events[start:end],
        "total": total,
        "has_more": start > 0,
        "coding_agent": coding_agent,
        "senders": senders,
    }
    if waking:
        out["waking"] = True
    return ok(out)


async def get_hooks(request: Request) -> JSONResponse:
    rs = _rs(request)
    replica = _find(request)
    _engine_gate(rs, replica, wake_archived=False)
    return ok(
        {
            "warm_hooks": {"logs": list(replica.warm_logs)},
            "start_hooks": {"logs": list(replica.start_logs)},
        }
    )


CANVAS_KINDS = {
    "markdown": ({"md", "markdown", "mdx"}, "text/markdown; charset=utf-8"),
    "html": ({"html", "htm"}, "text/html; charset=utf-8"),
    "image": ({"png", "jpg", "jpeg", "gif", "webp", "svg", "avif"}, None),
    "video": ({"mp4", "webm", "mov", "m4v"}, None),
    "audio": ({"mp3", "wav", "ogg", "m4a", "flac"}, None),
}
MIME = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "svg": "image/svg+xml", "avif": "image/avif", "mp4": "video/mp4",
    "webm": "video/webm", "mov": "video/quicktime", "m4v": "video/mp4", "mp3": "audio/mpeg",
    "wav": "audio/wav", "ogg": "audio/ogg", "m4a": "audio/mp4", "flac": "audio/flac",
    "json": "application/json", "csv": "text/csv", "pdf": "application/pdf", "zip": "application/zip",
    "txt": "text/plain; charset=utf-8", "har": "application/json",
}  # fmt: skip


def canvas_kind(filename: str) -> tuple[str, str]:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    for kind, (exts, mime) in CANVAS_KINDS.items():
        if ext in exts:
            return kind, mime or MIME.get(ext, "application/octet-stream")
    return "other", MIME.get(ext, "application/octet-stream")


async def list_canvas(request: Request) -> JSONResponse:
    rs = _rs(request)
    replica = _find(request)
    _engine_gate(rs, replica, wake_archived=False)
    items = [
        {"filename": name, "kind": canvas_kind(name)[0], "sizeBytes": item["size"]}
        for name, item in sorted(replica.canvas.items())
    ]
    return ok({"items": items})


async def get_canvas_item(request: Request) -> JSONResponse:
    rs = _rs(request)
    replica = _find(request)
    _engine_gate(rs, replica, wake_archived=False)
    filename = request.path_params["filename"]
    item = replica.canvas.get(filename)
    if item is None:
        raise ApiError(404, "Canvas item not found", f"No canvas item {filename!r}.")
    kind, mime = canvas_kind(filename)
    out: dict[str, Any] = {
        "filename": filename,
        "kind": kind,
        "sizeBytes": item["size"],
        "mimeType": mime,
    }
    if item["size"] > CANVAS_CAP or item.get("data") is None:
        out["tooLarge"] = True
    elif kind in ("markdown", "html"):
        out["content"] = item["data"].decode("utf-8", errors="replace")
    else:
        out["base64"] = base64.b64encode(item["data"]).decode()
    return ok(out)


# --- events --------------------------------------------------------------------------------


class StreamDropped(ConnectionAbortedError):
    """Raised inside an event stream to break the connection off (drop-streams control)."""


async def stream_events(request: Request):
    rs = _rs(request)
    replica = _find(request)
    _engine_gate(rs, replica, wake_archived=False)
    last_event_id = request.headers.get("last-event-id")
    if last_event_id:
        replay = replica.replay_after(last_event_id)
    else:
        # A fresh connection starts with a status snapshot, so clients see where things are.
        replay = [
            replica.private_event("engine.status.changed", {"status": replica.status_snapshot()})
        ]
    sub = replica.subscribe()

    async def source():
        for event in replay:
            yield event
        while True:
            item = await sub.queue.get()
            if item is Subscriber.END:
                return
            if item is Subscriber.DROP:
                raise StreamDropped("emulator: event stream dropped on purpose")
            yield item

    return event_stream(
        request,
        source(),
        schema="EngineEvent",
        on_close=lambda: replica.subscribers.discard(sub),
    )


# --- workspaces ----------------------------------------------------------------------------


def _workspace_gate(replica: Replica) -> None:
    if replica.status == "archived":
        raise ApiError(409, "Workspace is archived", "Wake it before sending messages or chats.")
    if replica.status == "error":
        raise _conflict_error(replica)


async def list_workspace_chats(request: Request) -> JSONResponse:
    replica = _find(request, "workspaceId")
    return ok(
        {
            "chats": [workspace_chat(c) for c in replica.live_chats],
            "deletedChats": [workspace_chat(c) for c in replica.deleted_chats],
        }
    )


async def create_workspace_chat(request: Request) -> JSONResponse:
    replica = _find(request, "workspaceId")
    body = json_object(await json_body(request))
    check(body, CREATE_CHAT)
    _workspace_gate(replica)
    chat, _ = _create_chat(replica, body)
    return ok({"chat": workspace_chat(chat)}, 201)


def _workspace_message(
    rs: ReplicaStore, replica: Replica, chat: Chat, body: dict, principal: Principal
) -> tuple[QueuedMessage, bool, int, bool]:
    """Deliver or hold a /v1/workspaces message: (msg, queued, position, held)."""
    text, modes = _message_text(
        body["message"],
        {
            "plan_mode": body.get("planMode"),
            "goal_mode": body.get("goalMode"),
            "fast_mode": body.get("fastMode"),
        },
    )
    queued_at = now()
    if body.get("submittedAt"):
        queued_at = parse_datetime(body["submittedAt"]) or queued_at
    options = agent.provider_options(
        chat,
        {
            "model": body.get("model"),
            "images": body.get("images"),
            "thinking_level": body.get("thinkingLevel"),
            **modes,
        },
    )
    msg = QueuedMessage(
        id=body.get("messageId") or new_id(),
        message=text,
        queued_at=queued_at,
        sender=_sender(principal),
        options=options,
    )
    if replica.status == "active":
        queued, position = agent.submit(rs, replica, chat, msg)
        return msg, queued, position, False
    replica.deferred.append((chat.id, msg))
    chat.last_message_text = text[:500]
    chat.last_message_at = queued_at
    replica.touch()
    if replica.status == "sleeping":
        agent.start_waking(rs, replica)
    position = sum(1 for cid, _ in replica.deferred if cid == chat.id)
    return msg, True, position, True


async def send_workspace_chat_message(request: Request) -> JSONResponse:
    rs = _rs(request)
    replica = _find(request, "workspaceId")
    chat = _chat_or_404(replica, request.path_params["chatId"])
    body = json_object(await json_body(request))
    check(body, WORKSPACE_MESSAGE)
    _workspace_gate(replica)
    msg, queued, position, held = _workspace_message(rs, replica, chat, body, _principal(request))
    return ok({"messageId": msg.id, "queued": queued, "position": position}, 202 if held else 200)


async def send_deferred_message(request: Request) -> JSONResponse:
    rs = _rs(request)
    replica = _find(request, "workspaceId")
    body = json_object(await json_body(request))
    check(body, DEFERRED_MESSAGE)
    _workspace_gate(replica)
    chat = replica.chat(body.get("chatId")) if body.get("chatId") else None
    if chat is None:
        title = None
        if body.get("generateName"):
            title = (
                body["message"].strip().splitlines()[0][:60] if body["message"].strip() else None
            )
        chat = agent.new_chat(body["provider"], title=title, chat_id=body.get("chatId"))
        replica.chats[chat.id] = chat
        replica.emit("chat.created", {"chat": engine_chat(chat)})
    msg, _, _, _ = _workspace_message(rs, replica, chat, body, _principal(request))
    if replica.status == "sleeping":
        agent.start_waking(rs, replica)
    return ok({"status": "waking", "chatId": chat.id, "messageId": msg.id}, 202)


async def archive_workspace(request: Request) -> JSONResponse:
    rs = _rs(request)
    replica = _find(request, "workspaceId", bad_id_status=400)
    if replica.status == "preparing":
        raise ApiError(409, "Workspace is still preparing", "Archive it once it is active.")
    if replica.status == "error":
        raise _conflict_error(replica)
    if replica.status != "archived":
        agent.go_to_sleep(rs, replica, status="archived")
        replica.touch()
    return ok({"success": True})


async def sleep_workspace(request: Request) -> JSONResponse:
    rs = _rs(request)
    replica = _find(request, "workspaceId", bad_id_status=400)
    if replica.status == "preparing":
        raise ApiError(409, "Workspace is still preparing", "Only active workspaces can sleep.")
    if replica.status == "error":
        raise _conflict_error(replica)
    if replica.status == "active":
        agent.go_to_sleep(rs, replica)
    return ok({"success": True})


# --- control routes (/_emulator/replicas/...) -------------------------------------------------


def _control_replica(request: Request) -> Replica:
    rs = _rs(request)
    replica = rs.items.get(str(request.path_params["id"]).lower())
    if replica is None:
        raise ApiError(404, "Replica not found", None)
    return replica


async def control_drop_streams(request: Request) -> JSONResponse:
    replica = _control_replica(request)
    return JSONResponse({"dropped": replica.close_streams(abrupt=True)})


async def control_state(request: Request) -> JSONResponse:
    """{"status": "active"|"sleeping"|"archived"|"error"|"preparing"|"deleted",
    "message"?: error text, "hold"?: keep `preparing` until forced again}, or
    {"idle_s": N}: its last activity N seconds ago, nothing else changed (idle replicas)."""
    rs = _rs(request)
    replica = _control_replica(request)
    body = json_object(await json_body(request))
    if "idle_s" in body and "status" not in body:
        from datetime import timedelta

        replica.last_activity_at = now() - timedelta(seconds=float(body["idle_s"]))
        return JSONResponse(_control_view(replica))
    status = body.get("status")
    if status not in (*STATUSES, "deleted"):
        raise ApiError(
            400, "Invalid status", f"status must be one of {', '.join(STATUSES)}, deleted."
        )
    if status == "deleted":
        agent.delete(rs, replica)
    elif status in ("sleeping", "archived"):
        agent.go_to_sleep(rs, replica, status=status)
    elif status == "error":
        agent.fail(rs, replica, body.get("message") or "Sandbox terminated: out of memory (OOM).")
    elif status == "active":
        replica.cancel_tasks()
        if replica.status != "active":
            replica.error_message = None
            agent.become_active(rs, replica)
    elif status == "preparing":
        agent.interrupt_all(replica)
        replica.set_status("preparing")
        if not body.get("hold"):
            agent.start_preparing(rs, replica)
    return JSONResponse(_control_view(replica))


def _control_view(replica: Replica) -> dict:
    return {
        "id": replica.id,
        "status": replica.status,
        "deleted": replica.deleted_at is not None,
        "waking": replica.waking,
        "engine_secret": replica.engine_secret,
        "webhook": replica.webhook,
        "streams": len(replica.subscribers),
        "last_event_id": f"{replica.short}-{replica.seq}" if replica.seq else None,
        "deferred": [{"chat_id": cid, "message_id": m.id} for cid, m in replica.deferred],
        "chats": [
            {
                "id": c.id,
                "provider": c.provider,
                "processing": c.processing,
                "current": c.current.id if c.current else None,
                "queue": [m.id for m in c.queue],
                "history": len(c.history),
                "deleted": c.deleted_at is not None,
            }
            for c in replica.chats.values()
        ],
    }


async def control_get(request: Request) -> JSONResponse:
    return JSONResponse(_control_view(_control_replica(request)))


async def control_canvas(request: Request) -> JSONResponse:
    """Drop a file into a replica's canvas: {filename, content? | base64? | size?}."""
    replica = _control_replica(request)
    body = json_object(await json_body(request))
    filename = body.get("filename")
    if not isinstance(filename, str) or not filename or "/" in filename:
        raise ApiError(400, "Invalid filename", None)
    if body.get("base64") is not None:
        data: bytes | None = base64.b64decode(body["base64"])
        size = len(data)
    elif body.get("content") is not None:
        data = str(body["content"]).encode()
        size = len(data)
    else:
        data, size = None, int(body.get("size") or 0)
    if size > CANVAS_CAP:
        data = None
    replica.canvas[filename] = {"filename": filename, "data": data, "size": size}
    return JSONResponse({"filename": filename, "kind": canvas_kind(filename)[0], "sizeBytes": size})


# --- area wiring ---------------------------------------------------------------------------

# `{id:uuid}` so /v1/replica/repositories (misc area) isn't taken for a replica id.
R = "/v1/replica/{id:uuid}"
W = "/v1/workspaces/{workspaceId}"

routes = [
    Route("/v1/replica", create_replica, methods=["POST"]),
    Route("/v1/replica", list_replicas, methods=["GET"]),
    Route(R, get_replica, methods=["GET"]),
    Route(R, delete_replica, methods=["DELETE"]),
    Route(R + "/wake", wake_replica, methods=["POST"]),
    Route(R + "/messages", send_message, methods=["POST"]),
    Route(R + "/chats", list_chats, methods=["GET"]),
    Route(R + "/chats", create_chat, methods=["POST"]),
    Route(R + "/chats/{chatId}", delete_chat, methods=["DELETE"]),
    Route(R + "/chats/{chatId}/slash-commands", slash_commands, methods=["GET"]),
    Route(R + "/chats/{chatId}/queue", get_queue, methods=["GET"]),
    Route(R + "/chats/{chatId}/queue", clear_queue, methods=["DELETE"]),
    Route(R + "/chats/{chatId}/queue/reorder", reorder_queue, methods=["PATCH"]),
    Route(R + "/chats/{chatId}/queue/{messageId}", remove_queued, methods=["DELETE"]),
    Route(R + "/history", read_history, methods=["GET"]),
    Route(R + "/hooks", get_hooks, methods=["GET"]),
    Route(R + "/canvas", list_canvas, methods=["GET"]),
    Route(R + "/canvas/{filename}", get_canvas_item, methods=["GET"]),
    Route(R + "/events", stream_events, methods=["GET"]),
    Route(W + "/chats", list_workspace_chats, methods=["GET"]),
    Route(W + "/chats", create_workspace_chat, methods=["POST"]),
    Route(W + "/chats/{chatId}/messages", send_workspace_chat_message, methods=["POST"]),
    Route(W + "/messages/deferred", send_deferred_message, methods=["POST"]),
    Route(W + "/archive", archive_workspace, methods=["POST"]),
    Route(W + "/sleep", sleep_workspace, methods=["POST"]),
]

control_routes = [
    Route("/_emulator/replicas/{id}", control_get, methods=["GET"]),
    Route("/_emulator/replicas/{id}/drop-streams", control_drop_streams, methods=["POST"]),
    Route("/_emulator/replicas/{id}/state", control_state, methods=["POST"]),
    Route("/_emulator/replicas/{id}/canvas", control_canvas, methods=["POST"]),
]


def init(store: Store) -> None:
    store.replicas = ReplicaStore(store)


def seed(store: Store) -> None:
    from . import seed_replicas

    seed_replicas.seed(store)


async def startup(store: Store) -> None:
    rs: ReplicaStore = store.replicas
    rs.stopping = False
    rs.spawn(agent.sleep_watcher(rs))
    # Seeded chats with queued work (and no long-running turn) drain once the loop runs.
    for replica in rs.all():
        if replica.status == "active":
            for chat in replica.live_chats:
                agent.ensure_worker(rs, replica, chat)


async def shutdown(store: Store) -> None:
    await store.replicas.shutdown()
