"""The audit log: who did what, with which key, to what, and what the API answered.

Upstream calls are recorded in one place, the audited clients in `clients.py`. The portal's
own actions (keys saved or deleted, the acting key switched, members added...) call
`record_portal_action()` from their views.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache

from portal.replica_api import errors
from portal.replica_api.transport import Call

from .models import AuditEntry, AuditResult

log = logging.getLogger("portal.audit")

# Literal segments of the API's paths; every other segment of a call's path is an id.
_PATH_WORDS = """
    v1 replica replicas repositories repository-sets chats messages queue reorder history
    hooks canvas events wake workspaces deferred archive sleep previews environments
    variables files skills skills-registries repo-skills mcps warm-hooks save save-test test
    stream start-hooks warm-pools warm-pool-workspaces environment-skills search automations
    trigger executions webhook user profile api-keys analytics overview
"""
PATH_WORDS = frozenset(_PATH_WORDS.split())


def target_from_call(call: Call, result: Any = None) -> str:
    """The ids a call acted on, "parent/child", plus the id of anything it created.

    A call that isn't authenticated with a key (the custom-webhook trigger) carries a
    secret token in its path: that path is never recorded.
    """
    if not call.authenticated:
        return "(webhook token)"
    ids = [segment for segment in call.path.strip("/").split("/") if segment not in PATH_WORDS]
    created = created_id(result)
    if created and created not in ids:
        ids.append(created)
    return "/".join(ids)[:255]


def created_id(result: Any) -> str | None:
    """The `id` of a response, or of the one object it wraps ({"replica": {...}})."""
    if result is None:
        return None
    value = getattr(result, "id", None)
    if value is not None:
        return str(value)
    fields = getattr(type(result), "model_fields", None)
    if fields:
        for name in fields:
            value = getattr(getattr(result, name, None), "id", None)
            if value is not None:
                return str(value)
    if isinstance(result, dict):
        if result.get("id") is not None:
            return str(result["id"])
        for value in result.values():
            if isinstance(value, dict) and value.get("id") is not None:
                return str(value["id"])
    return None


# --- names and words: "Archived replica billing-csv-export" -----------------------------------

NAME_TTL = 24 * 60 * 60
# What each operation did, as words for the log (the operationId stays beside it).
OPERATION_WORDS = {
    "createReplica": "Created replica",
    "deleteReplica": "Deleted replica",
    "wakeReplica": "Woke replica",
    "sleepWorkspace": "Put to sleep replica",
    "archiveWorkspace": "Archived replica",
    "sendReplicaMessage": "Sent a message to replica",
    "createReplicaChat": "Started a chat in replica",
    "deleteReplicaChat": "Deleted a chat in replica",
    "reorderReplicaChatQueue": "Reordered the queue of replica",
    "removeReplicaChatQueueMessage": "Removed a queued message from replica",
    "clearReplicaChatQueue": "Cleared the queue of replica",
    "portal.addApiKey": "Added the API key",
    "portal.replaceApiKey": "Replaced the API key with",
    "portal.deleteApiKey": "Deleted the API key",
    "portal.switchActingAs": "Switched the key they act with",
    "portal.addMember": "Added member",
    "portal.changeRole": "Changed the role of",
    "portal.deactivateMember": "Deactivated",
    "portal.reactivateMember": "Reactivated",
    "portal.makeSetPasswordLink": "Made a set-password link for",
    "portal.changePassword": "Changed their password",
    "portal.rotateApiKeys": "Re-encrypted the stored API keys",
    "portal.changeSetting": "Changed the setting",
    "portal.revealSecret": "Revealed",
    "portal.exportVariables": "Exported",
    "portal.bulkSleep": "Put to sleep, in one action from the board,",
    "portal.bulkArchive": "Archived, in one action from the board,",
}


def operation_words(operation: str) -> str:
    """An operation as words ("Archived replica"); unknown ones as a readable phrase."""
    if operation in OPERATION_WORDS:
        return OPERATION_WORDS[operation]
    bare = operation.removeprefix("portal.")
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in bare).strip()
    return words[:1].upper() + words[1:]


def _name_key(replica_id: str) -> str:
    return f"audit:replica-name:{replica_id}"


async def remember_replica_name(replica_id: str, name: str) -> None:
    """Let the log name this replica (the pages that show a replica tell it its name)."""
    await cache.aadd(_name_key(replica_id), name, NAME_TTL)


def _replica_of(call: Call) -> str | None:
    """The replica (or workspace) a call's path names, if any."""
    parts = call.path.strip("/").split("/")
    if len(parts) >= 3 and parts[1] in ("replica", "workspaces"):
        return parts[2]
    return None


def _created_name(result: Any) -> str:
    replica = getattr(result, "replica", None)
    return str(getattr(replica, "name", "") or "")


def _target_name(call: Call, result: Any) -> str:
    return (
        _created_name(result)
        or (cache.get(_name_key(rid)) if (rid := _replica_of(call)) else "")
        or ""
    )


async def _atarget_name(call: Call, result: Any) -> str:
    return (
        _created_name(result)
        or (await cache.aget(_name_key(rid)) if (rid := _replica_of(call)) else "")
        or ""
    )


def outcome(error: errors.ReplicaAPIError | None) -> tuple[str, int | None]:
    """(result, status_code) for an audit entry."""
    if error is None:
        return AuditResult.OK, None
    if isinstance(error, errors.Unreachable) or error.status is None:
        return AuditResult.UNREACHABLE, None
    return AuditResult.ERROR, error.status


def _entry(user, key_kind: str, operation: str, **fields: Any) -> AuditEntry:
    return AuditEntry(
        user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "username", "") or "",
        key_kind=key_kind or "",
        operation=operation,
        **fields,
    )


def record_call(
    user,
    key_kind: str,
    call: Call,
    *,
    result: Any = None,
    error: errors.ReplicaAPIError | None = None,
    status_code: int | None = None,
) -> AuditEntry:
    entry = _call_entry(user, key_kind, call, result, error, status_code)
    entry.target_name = _target_name(call, result)[:255]
    entry.save()
    return entry


async def arecord_call(
    user,
    key_kind: str,
    call: Call,
    *,
    result: Any = None,
    error: errors.ReplicaAPIError | None = None,
    status_code: int | None = None,
) -> AuditEntry:
    entry = _call_entry(user, key_kind, call, result, error, status_code)
    entry.target_name = (await _atarget_name(call, result))[:255]
    await entry.asave()
    return entry


def _call_entry(user, key_kind, call, result, error, status_code) -> AuditEntry:
    outcome_result, error_status = outcome(error)
    return _entry(
        user,
        key_kind,
        call.operation,
        target_id=target_from_call(call, result),
        status_code=error_status or status_code,
        result=outcome_result,
    )


def record_portal_action(
    user,
    action: str,
    *,
    key_kind: str = "",
    target_id: str = "",
    detail: str = "",
) -> AuditEntry:
    """Record one of the portal's own actions: `action` becomes "portal.<action>"."""
    entry = _entry(
        user,
        key_kind,
        f"portal.{action}",
        target_id=str(target_id)[:255],
        detail=detail[:255],
    )
    entry.save()
    log.info("audit: %s %s %s %s", entry.username, entry.operation, entry.target_id, entry.detail)
    return entry
