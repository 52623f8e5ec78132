"""The Follow box of a replica's header (loaded into `#replica-header` by htmx, and kept there
when the header re-renders: `hx-preserve`), and a page of its own without JavaScript.

Following needs the replica to be one the user can see with their key (getReplica): their
notifications carry its name and what happens to it. Its creator is told without following;
for them the button mutes (and unmutes) it.
"""

from __future__ import annotations

from django.views.decorators.http import require_http_methods

from portal.accounts.acting import async_api_for, requires_api_key
from portal.lib.api_errors import report
from portal.lib.htmx import render_box
from portal.replica_api import errors
from portal.replicas.models import ReplicaRecord

from ..hooks import receives_webhooks
from ..models import Follow, HookKind, ReplicaHook
from ..poller import POLL_SECONDS

TEMPLATE = "notifications/follow.html"


async def _state(user, replica_id) -> dict:
    created = (
        await ReplicaRecord.objects.filter(replica_id=replica_id, created_by=user).aexists()
        or await ReplicaHook.objects.filter(replica_id=replica_id, created_by=user).aexists()
    )
    follow = await Follow.objects.filter(user=user, replica_id=replica_id).afirst()
    hook = await ReplicaHook.objects.filter(replica_id=replica_id).afirst()
    following = follow.following if follow is not None else created
    return {
        "replica_id": replica_id,
        "created": created,
        "following": following,
        "own_webhook": hook is not None and hook.kind == HookKind.OWN,
        "polled": hook is None or hook.kind != HookKind.PORTAL,
        "webhooks_on": receives_webhooks(),
        "poll_every": POLL_SECONDS,
    }


@requires_api_key
@require_http_methods(["GET", "POST"])
async def follow_box(request, replica_id):
    user = await request.auser()
    problem = None
    if request.method == "POST":
        want = request.POST.get("follow") == "1"
        try:
            api = await async_api_for(request)
            await api.get_replica(str(replica_id))  # one they can see
        except errors.ReplicaAPIError as exc:  # a 404 too: said in the box
            problem = report(request, exc, "follow")
        else:
            await Follow.objects.aupdate_or_create(
                user=user, replica_id=replica_id, defaults={"following": want}
            )
    context = {**(await _state(user, replica_id)), "problem": problem}
    status = problem.status if problem is not None else 200
    return render_box(request, TEMPLATE, context, boxes=("follow-box",), status=status)
