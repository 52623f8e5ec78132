"""Secret values (variable values, MCP env and header values): masked everywhere unless one
is revealed on purpose, and every reveal or export written to the audit log as a read of a
secret. Values never go to a log line: only the key's name and where it lives."""

from __future__ import annotations

from asgiref.sync import sync_to_async

from portal.accounts.acting import aacting_kind
from portal.accounts.audit import record_portal_action

MASK = "••••••••"

REVEAL = "revealSecret"
EXPORT = "exportVariables"


async def record_read(request, action: str, *, target_id: str, detail: str) -> None:
    """Audit a read of secrets: who (the signed-in user), with which key kind, and what."""
    user = await request.auser()
    kind = await aacting_kind(request)
    await sync_to_async(record_portal_action)(
        user, action, key_kind=kind, target_id=target_id, detail=detail
    )
