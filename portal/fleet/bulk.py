"""Sleep or archive several replicas in one action: each replica's own result.

Each replica goes through the same action as its own page (`replicas/outcomes.py`: an
answer lost on the way is checked again and told as what happened), concurrently; archiving
someone else's replica follows the same rule as its page (`ownership.may_remove`) and is
refused before anything is sent. The audited client records each call; the bulk action
itself is recorded once more with its tally.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal

from portal.accounts.acting import aacting_kind
from portal.accounts.audit import record_portal_action
from portal.accounts.models import PortalSettings
from portal.accounts.roles import ais_org_admin
from portal.lib.api_errors import report
from portal.replica_api import errors
from portal.replicas.outcomes import replica_action
from portal.replicas.ownership import REFUSAL, Owners, may_remove

from .board import money, price_per_minute

ACTIONS = {"sleep": "Sleep", "archive": "Archive"}
MAX_SELECTED = 100


@dataclass
class Target:
    id: str
    name: str
    status: str = ""
    price: Decimal = Decimal(0)
    refusal: str = ""  # the portal won't: why
    problem: str = ""  # couldn't be read


@dataclass
class Result:
    id: str
    name: str
    done: bool
    text: str
    refused: bool = False


async def targets(request, api, ids: list[str], action: str) -> list[Target]:
    """What the selection is now (getReplica each: they are active, so nothing wakes) and
    whether the viewer may act on each."""

    async def one(rid: str):
        return (await api.get_replica(rid)).replica

    results = await asyncio.gather(*(one(rid) for rid in ids), return_exceptions=True)
    found = [r for r in results if not isinstance(r, BaseException)]
    # Only archiving asks whose a replica is (sleeping is anyone's to do, as on its page).
    owners = await Owners.load(request, api, found) if found and action == "archive" else None
    is_admin = await ais_org_admin(await request.auser())
    members_may = (await PortalSettings.aload()).members_may_remove_others_replicas
    out = []
    for rid, result in zip(ids, results, strict=True):
        if isinstance(result, errors.Unauthorized):
            raise result
        if isinstance(result, errors.ReplicaAPIError):
            problem = report(request, result, f"bulk {action}: read replica")
            out.append(Target(rid, rid, problem=problem.text))
            continue
        if isinstance(result, BaseException):
            raise result
        extras = getattr(result, "model_extra", None) or {}
        target = Target(
            rid,
            result.name,
            status=str(getattr(result.status, "value", result.status)),
            price=price_per_minute(extras.get("size")),
        )
        if action == "archive":
            owner = owners.of(result)
            if not may_remove(is_admin, owner, members_may):
                target.refusal = REFUSAL.format(who=owner.label)
        out.append(target)
    return out


def saving(chosen: list[Target]) -> str:
    """What the selection costs per minute while awake (what sleeping it saves)."""
    return money(sum((t.price for t in chosen if not t.refusal and not t.problem), Decimal(0)))


async def run(request, api, chosen: list[Target], action: str) -> list[Result]:
    async def one(target: Target) -> Result:
        if target.refusal:
            return Result(target.id, target.name, False, target.refusal, refused=True)
        outcome = await replica_action(request, api, target.id, action)
        return Result(target.id, target.name, outcome.done, outcome.text)

    results = list(await asyncio.gather(*(one(t) for t in chosen)))
    done = sum(r.done for r in results)
    refused = sum(r.refused for r in results)
    failed = len(results) - done - refused
    await _audit(request, action, results, f"{done} done, {refused} refused, {failed} failed")
    return results


async def _audit(request, action: str, results: list[Result], tally: str) -> None:
    from asgiref.sync import sync_to_async

    user = await request.auser()
    kind = await aacting_kind(request)
    names = ", ".join(r.name for r in results)
    record = sync_to_async(record_portal_action)
    await record(
        user,
        f"bulk{ACTIONS[action]}",  # portal.bulkSleep, portal.bulkArchive
        key_kind=kind,
        target_id=",".join(r.id for r in results)[:255],
        detail=f"{ACTIONS[action]} {len(results)} replicas ({tally}): {names}"[:255],
    )
