"""The audit log: who did what, with which key, to what, and what the API answered.

Upstream calls are recorded in one place, the audited clients in `clients.py`. The portal's
own actions (keys saved or deleted, the acting key switched, members added...) call
`record_portal_action()` from their views.
"""

from __future__ import annotations

import logging
from typing import Any

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
