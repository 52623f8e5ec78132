"""The replica header and its actions: wake, sleep, archive, delete."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from portal.accounts.acting import api_for, requires_api_key
from portal.replica_api import errors

from .common import header_context


def _header(request, replica_id):
    replica = api_for(request).get_replica(str(replica_id)).replica
    return render(request, "replicas/detail_base.html#replica-header", header_context(replica))


def _after_action(request, replica_id, done: str):
    """HTMX: the fresh header. Plain POST: back to the page with a message."""
    if request.htmx:
        return _header(request, replica_id)
    messages.success(request, done)
    return redirect("replicas:detail", replica_id=replica_id)


@requires_api_key
@require_GET
def header(request, replica_id):
    """The header, polled while the replica is preparing or waking. When the status has
    moved on (`?was=` differs), the whole page reloads: the panels depend on it."""
    was = request.GET.get("was")
    replica = api_for(request).get_replica(str(replica_id)).replica
    context = header_context(replica)
    if was and request.htmx and context["status"] != was:
        return HttpResponseClientRefresh()
    return render(request, "replicas/detail_base.html#replica-header", context)


@requires_api_key
@require_POST
def wake(request, replica_id):
    api_for(request).wake_replica(str(replica_id))
    return _after_action(request, replica_id, "Waking the workspace.")


@requires_api_key
@require_POST
def sleep(request, replica_id):
    api_for(request).sleep_workspace(str(replica_id))
    return _after_action(request, replica_id, "The workspace is going to sleep.")


@requires_api_key
@require_POST
def archive(request, replica_id):
    api_for(request).archive_workspace(str(replica_id))
    return _after_action(request, replica_id, "The workspace is archived.")


@requires_api_key
@require_http_methods(["GET", "POST"])
def delete(request, replica_id):
    """GET: confirm. POST: delete (idempotent upstream) and go back to the list."""
    api = api_for(request)
    if request.method == "POST":
        with contextlib.suppress(errors.NotFound):  # already gone: what the user asked for
            api.delete_replica(str(replica_id))
        messages.success(request, "The replica was deleted.")
        return redirect("replicas:list")
    replica = api.get_replica(str(replica_id)).replica
    return render(request, "replicas/delete.html", header_context(replica))
