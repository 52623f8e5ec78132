"""The Diffs panel: getReplica `include=diffs`, per repository and file.

Rendering is the rendering layer's (`portal.replicas.rendering.diffs`): unified or split
tables, highlighted, per-file counts, `<details>` per file, big files collapsed and a line
budget shared by every repository of the page (beyond it files say "too large to display").
Parsing and highlighting are CPU work, so they run in a worker thread, off the event loop.

`?view=split` picks the side-by-side view; the toggle swaps only `#diffs` (HX-Target
"diffs"), and works as a plain link without JavaScript.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.urls import reverse
from django.views.decorators.http import require_GET

from portal.accounts.acting import requires_api_key
from portal.lib.htmx import render_box
from portal.replicas.rendering.diffs import render_diff, repository_diffs
from portal.reviews import panel as review_panel
from portal.reviews import state as review_state

from .common import load_replica_page

TEMPLATE = "replicas/diffs.html"
PARTIAL = "diffs"
VIEWS = (("unified", "Unified"), ("split", "Split"))


def _diffs(replica, view: str, review=None, since_only: bool = False) -> dict:
    statuses = replica.repository_statuses or []
    repos = repository_diffs(statuses)  # one line budget for the whole page
    changed = {repo.repository for repo in repos}
    since = None
    shown = review_state.digests(repos)  # before the filter below leaves files out
    if review is not None:  # Viewed marks and "since my last review" (portal/reviews/)
        since = review_state.annotate(
            repos,
            review,
            only_changed=since_only,
            viewed_url=review_panel.urls(replica.id)["viewed"],
        )
    return {
        "since": since,
        "shown_digests": shown,
        "diffs": [{"repo": repo, "html": render_diff(repo, view=view)} for repo in repos],
        "unchanged": [s.repository for s in statuses if s.repository not in changed],
        "has_statuses": bool(statuses),
        "file_count": sum(len(repo.files) for repo in repos),
        "added": sum(repo.added for repo in repos),
        "removed": sum(repo.removed for repo in repos),
    }


@require_GET
@requires_api_key
async def diffs_panel(request, replica_id):
    view = "split" if request.GET.get("view") == "split" else "unified"
    page = await load_replica_page(request, str(replica_id), include="diffs")
    context = page.context("diffs")
    since_only = request.GET.get("since") == "review"
    if page.replica is not None:
        review = await review_state.load_state(await request.auser(), str(replica_id))
        await review_panel.remember_visible(request, page.api, replica_id)
        context.update(
            await sync_to_async(_diffs, thread_sensitive=False)(
                page.replica, view, review, since_only
            )
        )
        await review_panel.remember_shown(request, replica_id, context.pop("shown_digests"))
        context.update(review_panel.box_context(request, replica_id, review, panel="diffs"))
    context.update(
        view=view, views=VIEWS, toggle_url=reverse("replicas:diffs", args=[replica_id]),
        since_only=since_only and bool(context.get("since")),
    )  # fmt: skip
    return render_box(request, TEMPLATE, context, boxes=("panel", PARTIAL))
