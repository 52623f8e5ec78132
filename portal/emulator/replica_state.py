"""In-memory state of the replicas area: replicas, chats, queues, the per-replica event bus.

`ReplicaStore` is registered as `store.replicas`. Each `Replica` keeps a bounded ring buffer
of the EngineEvents it emitted (for `Last-Event-ID` replay) and the queues of the event
streams currently open on it; `Replica.emit()` stamps an event with a per-replica monotonic
id (`<first 8 hex of the replica id>-<seq>`), retains it and fans it out.

Serializers at the bottom turn the state into the spec's shapes (ReplicaListItem,
ReplicaDetails, ReplicaChat, WorkspaceChat, EngineChatSummary, EngineRepoState, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .http import iso, now
from .state import DEMO_USERS

log = logging.getLogger("portal.emulator.replicas")

ENGINE_VERSION = "2026.05.3"
EVENT_BUFFER = 1000  # retained events per replica, for Last-Event-ID replay
SUBSCRIBER_BACKLOG = 5000  # a stream that falls this far behind is cut off
CANVAS_CAP = 5 * 1024 * 1024

DEFAULT_MODELS = {
    "claude": "sonnet",
    "codex": "gpt-5.4",
    "cursor": "composer-2",
    "opencode": "z-ai/glm-5.2",
    "pi": "moonshotai/kimi-k2.6",
}


def user_by_id(user_id: str | None) -> dict | None:
    return next((u for u in DEMO_USERS if u["id"] == user_id), None)


@dataclass
class QueuedMessage:
    id: str
    message: str
    queued_at: datetime
    sender: dict | None = None  # {"userId", "email", "displayName"}
    options: dict = field(default_factory=dict)  # model, plan_mode, thinking_level, ...

    def info(self) -> dict:
        """QueuedMessageInfo."""
        out: dict[str, Any] = {
            "id": self.id,
            "message": self.message,
            "queuedAt": iso(self.queued_at),
        }
        if self.sender:
            if self.sender.get("userId"):
                out["senderUserId"] = self.sender["userId"]
            if self.sender.get("email"):
                out["senderEmail"] = self.sender["email"]
            if self.sender.get("displayName"):
                out["senderDisplayName"] = self.sender["displayName"]
        return out


@dataclass
class Chat:
    id: str
    provider: str
    title: str
    created_at: datetime
    updated_at: datetime
    thread_id: str
    parent_chat_id: str | None = None
    model: str | None = None
    history: list[dict] = field(default_factory=list)  # HistoryEvent dicts
    senders: list[dict] = field(default_factory=list)  # ChatMessageSender dicts
    queue: list[QueuedMessage] = field(default_factory=list)
    current: QueuedMessage | None = None
    worker: asyncio.Task | None = None
    last_message_text: str | None = None
    last_message_at: datetime | None = None
    deleted_at: datetime | None = None
    titled: bool = False  # the title came from the client (or the first message already)
    busy_forever: bool = False  # seeded: a long-running turn that never ends
    turns: int = 0

    @property
    def processing(self) -> bool:
        return self.current is not None or self.busy_forever


@dataclass
class RepoState:
    """One repository checked out in a replica (EngineRepoState + the files changed)."""

    id: str
    name: str
    url: str
    default_branch: str
    branch: str
    provider: str  # github | gitlab
    start_hooks_completed: bool = False
    pr_urls: list[str] = field(default_factory=list)
    files: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # path -> (diff, +, -)

    @property
    def path(self) -> str:
        return f"/home/ubuntu/workspace/{self.name.rsplit('/', 1)[-1]}"

    @property
    def added(self) -> int:
        return sum(f[1] for f in self.files.values())

    @property
    def removed(self) -> int:
        return sum(f[2] for f in self.files.values())

    @property
    def full_diff(self) -> str:
        return "".join(f[0] for f in self.files.values())

    def engine(self) -> dict:
        """EngineRepoState (camelCase, as the engine reports it)."""
        diff = (
            {"added": self.added, "removed": self.removed, "fullDiff": self.full_diff}
            if self.files
            else None
        )
        return {
            "name": self.name,
            "path": self.path,
            "defaultBranch": self.default_branch,
            "currentBranch": self.branch,
            "prUrls": list(self.pr_urls),
            "gitDiff": diff,
            "startHooksCompleted": self.start_hooks_completed,
            "provider": self.provider,
        }

    def api(self, with_diff: bool) -> dict:
        """RepositoryStatus (snake_case, as GET /v1/replica/{id} reports it)."""
        diff = None
        if self.files:
            diff = {
                "added": self.added,
                "removed": self.removed,
                "full_diff": self.full_diff if with_diff else "",
            }
        return {
            "repository": self.name,
            "branch": self.branch,
            "default_branch": self.default_branch,
            "pr_urls": list(self.pr_urls),
            "start_hooks_completed": self.start_hooks_completed,
            "git_diff": diff,
        }


class Subscriber:
    """One open event stream: a queue the bus writes to, ended cleanly or dropped."""

    END = object()
    DROP = object()

    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()

    def put(self, item: Any) -> None:
        self.queue.put_nowait(item)


@dataclass
class Replica:
    id: str
    name: str
    status: str
    source: str
    created_at: datetime
    user_id: str | None
    environment_id: str | None
    environment_name: str | None = None
    last_activity_at: datetime | None = None
    coding_agent: str = "claude"
    model: str | None = None
    thinking_level: str | None = None
    lifecycle_policy: str = "default"
    size: str | None = None
    config: dict = field(default_factory=dict)
    webhook: dict | None = None  # {"url", "secret"}
    automation_id: str | None = None
    chats: dict[str, Chat] = field(default_factory=dict)
    repos: list[RepoState] = field(default_factory=list)
    repository_refs: list[dict] = field(default_factory=list)  # RepositoryReference
    pull_requests: list[dict] = field(default_factory=list)  # + internal state/opened_at
    canvas: dict[str, dict] = field(default_factory=dict)
    warm_logs: list[dict] = field(default_factory=list)
    start_logs: list[dict] = field(default_factory=list)
    previews: dict[int, dict] = field(default_factory=dict)
    deferred: list[tuple[str, QueuedMessage]] = field(default_factory=list)
    deleted_at: datetime | None = None
    waking: bool = False
    error_message: str | None = None
    engine_started_at: float = field(default_factory=time.monotonic)
    active_since: float | None = None
    compute_seconds: float = 0.0
    hooks_running: bool = False
    preview_history: bool = False  # previews were registered once (don't re-add deleted ones)
    seq: int = 0
    events: deque = field(default_factory=lambda: deque(maxlen=EVENT_BUFFER))
    subscribers: set = field(default_factory=set)
    tasks: set = field(default_factory=set)

    # --- identity -------------------------------------------------------------------
    @property
    def short(self) -> str:
        return self.id.replace("-", "")[:8]

    @property
    def engine_secret(self) -> str:
        return "rse_" + hashlib.sha256(f"engine-secret:{self.id}".encode()).hexdigest()[:40]

    @property
    def live_chats(self) -> list[Chat]:
        return [c for c in self.chats.values() if c.deleted_at is None]

    @property
    def deleted_chats(self) -> list[Chat]:
        return [c for c in self.chats.values() if c.deleted_at is not None]

    def chat(self, chat_id: str | None) -> Chat | None:
        chat = self.chats.get(chat_id or "")
        return chat if chat is not None and chat.deleted_at is None else None

    def touch(self) -> None:
        self.last_activity_at = now()

    # --- status -----------------------------------------------------------------------
    def set_status(self, status: str) -> None:
        if status == self.status:
            return
        mono = time.monotonic()
        if self.status == "active" and self.active_since is not None:
            self.compute_seconds += mono - self.active_since
            self.active_since = None
        if status == "active":
            self.active_since = mono
            self.engine_started_at = mono
        self.status = status

    def stop_clock(self) -> None:
        if self.active_since is not None:
            self.compute_seconds += time.monotonic() - self.active_since
            self.active_since = None

    def compute_minutes(self) -> float:
        seconds = self.compute_seconds
        if self.active_since is not None:
            seconds += time.monotonic() - self.active_since
        return round(seconds / 60, 2)

    # --- events -----------------------------------------------------------------------
    def emit(self, event_type: str, payload: dict) -> dict:
        self.seq += 1
        event = {
            "id": f"{self.short}-{self.seq}",
            "ts": iso(now()),
            "type": event_type,
            "payload": payload,
        }
        self.events.append((self.seq, event))
        for sub in list(self.subscribers):
            if sub.queue.qsize() > SUBSCRIBER_BACKLOG:
                self.subscribers.discard(sub)
                sub.put(Subscriber.DROP)
                continue
            sub.put(event)
        return event

    def private_event(self, event_type: str, payload: dict) -> dict:
        """An event for one stream only (e.g. the snapshot on connect): id'd, not retained."""
        self.seq += 1
        return {
            "id": f"{self.short}-{self.seq}",
            "ts": iso(now()),
            "type": event_type,
            "payload": payload,
        }

    def replay_after(self, last_event_id: str | None) -> list[dict]:
        """Retained events after `last_event_id` (all retained ones if it's older)."""
        if not last_event_id:
            return []
        prefix, _, number = last_event_id.strip().rpartition("-")
        if prefix != self.short or not number.isdigit():
            return []
        after = int(number)
        return [event for seq, event in self.events if seq > after]

    def subscribe(self) -> Subscriber:
        sub = Subscriber()
        self.subscribers.add(sub)
        return sub

    def close_streams(self, abrupt: bool = False) -> int:
        subs = list(self.subscribers)
        self.subscribers.clear()
        for sub in subs:
            sub.put(Subscriber.DROP if abrupt else Subscriber.END)
        return len(subs)

    def status_snapshot(self) -> dict:
        """EngineStatusSnapshot."""
        return {
            "uptimeSeconds": round(time.monotonic() - self.engine_started_at, 1),
            "hasActiveSSHSessions": False,
            "activeSseClients": len(self.subscribers),
            "chatsTotal": len(self.live_chats),
            "chatsProcessing": sum(1 for c in self.live_chats if c.processing),
            "reposTotal": len(self.repos),
            "hooksRunning": self.hooks_running,
            "desktopReady": self.status == "active",
        }

    # --- background work --------------------------------------------------------------
    def cancel_tasks(self) -> None:
        for task in list(self.tasks):
            if task is not asyncio.current_task():
                task.cancel()
        self.tasks.clear()
        for chat in self.chats.values():
            if chat.worker is not None and chat.worker is not asyncio.current_task():
                chat.worker.cancel()
            chat.worker = None


class ReplicaStore:
    """`store.replicas`: every replica of the demo org, deleted ones included (soft delete)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.items: dict[str, Replica] = {}
        self.tasks: set[asyncio.Task] = set()
        self.http: Any = None  # httpx.AsyncClient for webhooks, created at startup
        self.stopping = False

    # Interface for the other areas -------------------------------------------------------
    def get(self, replica_id: str) -> dict | None:
        """The replica as the spec's ReplicaListItem (+ user_id, environment_id), or None."""
        replica = self.find(replica_id)
        return list_item(replica) if replica is not None else None

    def find(self, replica_id: str | None) -> Replica | None:
        replica = self.items.get(replica_id or "")
        if replica is None or replica.deleted_at is not None:
            return None
        return replica

    def all(self) -> list[Replica]:
        return [r for r in self.items.values() if r.deleted_at is None]

    def spawn(self, coro: Coroutine, replica: Replica | None = None) -> asyncio.Task | None:
        """Run `coro` in the background; tracked so shutdown/reset/delete can cancel it."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            return None
        task = loop.create_task(_logged(coro))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        if replica is not None:
            replica.tasks.add(task)
            task.add_done_callback(replica.tasks.discard)
        return task

    async def shutdown(self) -> None:
        self.stopping = True
        for replica in self.items.values():
            replica.close_streams()
            replica.cancel_tasks()
        tasks = [t for t in self.tasks if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        if self.http is not None:
            await self.http.aclose()
            self.http = None


async def _logged(coro: Coroutine) -> Any:
    try:
        return await coro
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("emulator background task failed")
        return None


# --- serializers ---------------------------------------------------------------------------


def list_item(r: Replica) -> dict:
    """ReplicaListItem (plus `user_id` and `environment_id`, which the spec allows as extras)."""
    return {
        "id": r.id,
        "name": r.name,
        "status": r.status,
        "source": r.source,
        "created_at": iso(r.created_at),
        "last_activity_at": iso(r.last_activity_at),
        "repositories": [dict(ref) for ref in r.repository_refs],
        "pull_requests": [
            {"repository": pr["repository"], "number": pr["number"], "url": pr["url"]}
            for pr in r.pull_requests
        ],
        "user_id": r.user_id,
        "environment_id": r.environment_id,
    }


def replica_chat(c: Chat) -> dict:
    """ReplicaChat (snake_case) plus the guide's `lastMessageText`."""
    return {
        "id": c.id,
        "provider": c.provider,
        "title": c.title,
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
        "processing": c.processing,
        "lastMessageText": c.last_message_text,
    }


def workspace_chat(c: Chat) -> dict:
    """WorkspaceChat (camelCase)."""
    return {
        "id": c.id,
        "provider": c.provider,
        "title": c.title,
        "createdAt": iso(c.created_at),
        "updatedAt": iso(c.updated_at),
        "processing": c.processing,
        "parentChatId": c.parent_chat_id,
        "lastMessageText": c.last_message_text,
    }


def engine_chat(c: Chat) -> dict:
    """EngineChatSummary."""
    return {**workspace_chat(c), "awaitingInput": False}


def last_chat_message(r: Replica) -> dict | None:
    latest = None
    for chat in r.live_chats:
        if chat.last_message_at is not None and (
            latest is None or chat.last_message_at > latest.last_message_at
        ):
            latest = chat
    if latest is None:
        return None
    return {
        "text": latest.last_message_text or "",
        "provider": latest.provider,
        "at": iso(latest.last_message_at),
    }


def details(r: Replica, *, with_diffs: bool = False, environment: dict | None = None) -> dict:
    """ReplicaDetails."""
    out = list_item(r)
    out.update(
        {
            "coding_agent": r.coding_agent,
            "repository_statuses": [repo.api(with_diffs) for repo in r.repos],
            "waking": r.waking,
            "chats": [replica_chat(c) for c in r.live_chats],
            "lastChatMessage": last_chat_message(r),
            "lifecycle_policy": r.lifecycle_policy,
            "size": r.size,
            "model": r.model,
        }
    )
    if r.automation_id:
        out["automation_id"] = r.automation_id
    if r.status == "error" and r.error_message:
        out["error_message"] = r.error_message
    if environment is not None:
        out["environment"] = environment
    return out
