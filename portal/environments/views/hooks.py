"""The warm-hook and start-hook consoles: the page, its actions, stop, and a run's log.

    GET  …/warm-hook/                 the console (`?restore=<n>`: that version in the editor,
                                      `?run=<n>`: that run's output, `?a=<n>&b=<m>`: a diff)
    POST …/warm-hook/run/             Test, Save & test (streamed: views/console_stream.py), Save
    POST …/warm-hook/runs/<n>/stop/   stop a streaming run
    GET  …/warm-hook/runs/<n>/log/    a run's output as a text file

(and the same under …/start-hook/). Who may: admins test and save the hooks of team
environments and the Global environment; anyone those of their own personal environments
(`page.can_edit`); others see the console read-only. Every script tested or saved is kept in
the portal's database (`versions.py`) whatever came of it, and the editor's text is never
lost: a refused or failed action leaves the editor as it was (the answer goes to the run's
box, or re-renders the form with what was typed), and static/js/console.js keeps it in the
browser's storage until it is saved.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from portal.accounts.acting import aacting_kind, requires_api_key
from portal.lib.api_errors import report
from portal.lib.htmx import render_box
from portal.replica_api import errors

from .. import versions
from ..common import EnvironmentPage, load_environment_page
from ..hook_console import STOP_GONE, TEMPLATE, RunLog, replay, summarize
from ..hooks import KINDS, HookScriptForm, Kind, run_sync
from ..models import HookAction, HookVersion, RunState
from .common import attempt, refuse

BOXES = ("panel", "hook-form", "repo-hooks", "console-run", "versions", "version-diff")
VERSIONS_CHANGED = "hook-versions-changed"


def _kind(kind: str) -> Kind:
    try:
        return KINDS[kind]
    except KeyError:
        raise Http404("No such hook console.") from None


def draft_key(env_id: str, kind: Kind) -> str:
    return f"hook:{env_id}:{kind.slug}"


def console_url(env_id: str, kind: Kind) -> str:
    return reverse(kind.url_name, args=[env_id])


async def history(env_id: str, kind: Kind) -> list[HookVersion]:
    items = await versions.alist(env_id, kind.slug)
    for item in items:
        item.summary = summarize(item, kind)
    return items


def _run_context(
    request, kind: Kind, env_id: str, run: HookVersion | None, *, may_read_output: bool = True
) -> dict[str, Any]:
    """What the #console-run box needs for `run` (live: its stream URL; else its stored log).

    A run's output can hold the environment's secret values (a script may print them), which
    members don't see on team environments: they get the result without the output."""
    if run is None:
        return {"run": None}
    if not may_read_output:
        return {"run": run, "run_live": False, "output_hidden": True,
                "summary": summarize(run, kind)}  # fmt: skip
    live = (
        run.state == RunState.PENDING
        and run.user_id == getattr(request.user, "pk", None)
        and summarize(run, kind).tone == "running"
    )
    timeline, log_html = ("", "") if live else replay(run)
    return {
        "run": run,
        "run_live": live,
        "stream_url": reverse(kind.stream_url_name, args=[env_id, run.pk]) if live else "",
        "run_timeline": _safe(timeline),
        "run_log": _safe(log_html),
        "summary": summarize(run, kind),
    }


def _safe(html: str):
    from django.utils.safestring import mark_safe

    # Built by hook_console (every piece of text escaped there).
    return mark_safe(html)


def _context(request, page: EnvironmentPage, kind: Kind, **extra) -> dict[str, Any]:
    eid = page.env_id
    state = page.data.get("hook")
    active = kind.active(state)
    context = page.context(kind.panel)
    context.update(
        hook_kind=kind,
        active=active,
        active_content=active.content if active is not None else None,
        run_url=reverse(kind.run_url_name, args=[eid]),
        console_url=console_url(eid, kind),
        draft_key=draft_key(eid, kind),
        run=None,
    )
    context.update(extra)
    return context


def _editor(kind: Kind, page: EnvironmentPage, content: str | None = None, data=None, fresh=False):
    form = HookScriptForm(data, kind=kind, initial={"content": content or "", "action": "test"})
    widget = form.fields["content"].widget
    if fresh:
        # The server chose this text (a restored version, what a failed POST sent): the
        # browser keeps it rather than an older draft.
        widget.attrs["data-fresh"] = "1"
    if not page.can_edit:
        widget.attrs["readonly"] = True
    return form


# --- the page ---------------------------------------------------------------------------------


@requires_api_key
@require_GET
async def console(request, env_id, kind):
    kind = _kind(kind)
    eid = str(env_id)
    page = await load_environment_page(
        request,
        eid,
        hook=lambda api: kind.read(api, eid),
        repo_hooks=lambda api: kind.read_repository_hooks(api, eid),
    )
    active = kind.active(page.data.get("hook"))
    content = active.content if active is not None else ""
    restored = None
    if request.GET.get("restore"):
        restored = await versions.aget(eid, kind.slug, request.GET["restore"])
        if restored is not None:
            content = restored.content
    form = _editor(kind, page, content, fresh=restored is not None)
    run = (
        await versions.aget(eid, kind.slug, request.GET.get("run"))
        if "run" in request.GET
        else None
    )
    context = _context(
        request,
        page,
        kind,
        form=form,
        restored=restored,
        history=await history(eid, kind),
        **_run_context(request, kind, eid, run, may_read_output=page.can_edit),
        **(await _compare(request, eid, kind)),
    )
    return render_box(request, TEMPLATE, context, boxes=BOXES)


async def _compare(request, env_id: str, kind: Kind) -> dict[str, Any]:
    a, b = request.GET.get("a"), request.GET.get("b")
    if not a and not b:
        return {}
    older = await versions.aget(env_id, kind.slug, a)
    newer = await versions.aget(env_id, kind.slug, b)
    out: dict[str, Any] = {
        "compare_a": older.pk if older else None,
        "compare_b": newer.pk if newer else None,
    }
    if older is None or newer is None:
        out["compare_problem"] = "Choose two versions to compare: one in each column."
    elif older.pk == newer.pk:
        out["compare_problem"] = "That is the same version twice: choose two different ones."
    elif older.content == newer.content:
        out["compare_problem"] = f"#{older.pk} and #{newer.pk} are the same script."
    else:
        out["compare_html"] = versions.diff_html(older, newer)
    return out


# --- the actions ------------------------------------------------------------------------------


def _fragments(request, context: dict[str, Any], *partials: str) -> HttpResponse:
    """Several partials in one answer: the first is swapped into the target, the others carry
    hx-swap-oob (`oob` in their context)."""
    first, *others = partials
    body = render_to_string(f"{TEMPLATE}#{first}", context, request=request)
    for name in others:
        body += render_to_string(f"{TEMPLATE}#{name}", {**context, "oob": True}, request=request)
    return HttpResponse(body)


async def _answer(request, page: EnvironmentPage, kind: Kind, context: dict[str, Any]):
    """The run box (and the versions list, and the active hook when it changed) for HTMX;
    the whole page otherwise."""
    if getattr(request, "htmx", False):
        partials = ["console-run", "versions"]
        if context.get("active_changed"):
            partials.append("active-hook")
        return _fragments(request, context, *partials)
    context.setdefault("form", _editor(kind, page, context.get("typed"), fresh=True))
    return render(request, TEMPLATE, context)


@requires_api_key
@require_POST
async def run(request, env_id, kind):
    kind = _kind(kind)
    eid = str(env_id)
    page = await load_environment_page(request, eid)
    form = _editor(kind, page, data=request.POST, fresh=True)
    typed = (request.POST.get("content") or "").replace("\r\n", "\n")
    action = request.POST.get("action", "")
    problem = refuse(request, page, f"{kind.noun} {action}".strip())
    if problem is not None:
        context = _context(request, page, kind, run_problem=problem, typed=typed)
        context["history"] = await history(eid, kind)
        return await _answer(request, page, kind, context)
    if not form.is_valid():
        context = _context(request, page, kind, form=form, history=await history(eid, kind))
        if getattr(request, "htmx", False):
            response = render(request, f"{TEMPLATE}#hook-form", context)
            return reswap(retarget(response, "#hook-form"), "outerHTML")
        return render(request, TEMPLATE, context)
    action = form.cleaned_data["action"]
    content = form.cleaned_data["content"]
    user = await request.auser()
    version = await versions.arecord(
        env_id=eid,
        env_name=getattr(page.env, "name", "") or "",
        kind=kind.slug,
        action=action,
        content=content,
        user=user,
        key_kind=await aacting_kind(request),
    )
    extra: dict[str, Any] = {}
    if action == HookAction.SAVE:
        extra = await _save(request, page, kind, version)
    elif not getattr(request, "htmx", False):
        # No JavaScript, so no live stream: run it without streaming and show the result.
        await _run_now(request, page.api, kind, eid, version)
    context = _context(request, page, kind, typed=content, **extra)
    context.update(_run_context(request, kind, eid, version))
    context["history"] = await history(eid, kind)
    if extra.get("active_changed"):
        record = extra.get("saved_record")
        context["active"] = record
        context["active_content"] = content
    return await _answer(request, page, kind, context)


async def _save(request, page: EnvironmentPage, kind: Kind, version: HookVersion) -> dict:
    """Save without testing: one call; a lost answer is checked by reading the active hook."""
    eid, content = page.env_id, version.content
    clears = kind.slug == "start" and not content.strip()

    async def check() -> bool:
        active = await kind.active_content(page.api, eid)
        return active is None if clears else active == content

    await versions.aclaim(version)
    result = await attempt(
        request,
        lambda: kind.save(page.api, eid, content),
        check,
        done=f"Saved as the active {kind.noun}.",
        what=f"the {kind.noun} was saved",
        operation=f"save {kind.noun}",
    )
    record = result.value
    if result.done and record is None and not clears:
        try:  # the answer was lost: the re-read said it is active; ask for its version
            record = kind.active(await kind.read(page.api, eid))
        except errors.ReplicaAPIError:
            record = None
    if result.done:
        outcome = versions.Outcome(
            RunState.FINISHED,
            saved=True,
            api_version=getattr(record, "version", None),
            note="The answer was lost; reading the hook again shows it was saved."
            if result.outcome.verified
            else "",
        )
    else:
        problem = result.problem
        unknown = problem is not None and problem.title.startswith("The portal can't tell")
        outcome = versions.Outcome(
            RunState.FAILED, saved=None if unknown else False, note=problem.text if problem else ""
        )
    await sync_to_async(versions.finish)(version, outcome, "", [])
    if not result.done:
        return {}
    saved = record or SimpleNamespace(version=None, created_at=timezone.now())
    return {"active_changed": True, "saved_record": None if clears else saved}


async def _run_now(request, api, kind: Kind, env_id: str, version: HookVersion) -> None:
    """Test (or save & test) without streaming, for a browser without JavaScript."""
    await versions.aclaim(version)
    runlog = RunLog()
    try:
        result = await run_sync(kind, api, env_id, version.content, version.action)
    except errors.ReplicaAPIError as exc:
        problem = report(request, exc, f"test {kind.noun}")
        outcome = versions.Outcome(RunState.FAILED, saved=False, via="sync", note=problem.text)
    else:
        runlog.add_output(result.output)
        outcome = versions.Outcome(
            RunState.FINISHED,
            exit_code=result.exit_code,
            timed_out=result.timed_out,
            saved=result.saved,
            api_version=getattr(result.record, "version", None),
            via="sync",
        )
    await sync_to_async(versions.finish)(version, outcome, runlog.output, runlog.events)


@login_required
@require_POST
async def stop(request, env_id, kind, run_id):
    """Stop a streaming run. The page then drops its EventSource (this answer deletes
    #run-live), which closes the portal's stream and with it the upstream one; this marks
    the run stopped at once so the versions list says so."""
    kind = _kind(kind)
    eid = str(env_id)
    user = await request.auser()
    version = await versions.aget(eid, kind.slug, run_id)
    if version is None or version.user_id != user.pk:
        raise Http404("No such run of yours.")
    now = timezone.now()
    await HookVersion.objects.filter(
        pk=version.pk, state__in=(RunState.PENDING, RunState.RUNNING)
    ).aupdate(
        state=RunState.STOPPED,
        note=f"Stopped by {user.get_username()}.",
        finished_at=now,
        saved=False if version.action == HookAction.TEST else None,
    )
    await version.arefresh_from_db()
    if version.started_at is None:
        version.started_at = version.finished_at
    if not getattr(request, "htmx", False):
        return redirect(f"{console_url(eid, kind)}?run={version.pk}#console-run")
    body = render_to_string(
        f"{TEMPLATE}#run-status",
        {"run": version, "hook_kind": kind, "summary": summarize(version, kind), "oob": True},
    )
    response = HttpResponse(body + STOP_GONE)
    return trigger_client_event(response, VERSIONS_CHANGED, after="settle")


@requires_api_key
@require_GET
async def log_file(request, env_id, kind, run_id):
    """A run's output as plain text (colours removed), for who may change this hook (the
    output can hold the environment's secret values)."""
    from ..ansi import strip_ansi

    kind = _kind(kind)
    eid = str(env_id)
    page = await load_environment_page(request, eid)  # 404 if the viewer can't see it
    if not page.can_edit:
        problem = page.refusal()
        words = problem.text if problem is not None else "Not allowed."
        return HttpResponse(words, status=403, content_type="text/plain; charset=utf-8")
    version = await versions.aget(eid, kind.slug, run_id)
    if version is None:
        raise Http404("No such run.")
    response = HttpResponse(strip_ansi(version.output), content_type="text/plain; charset=utf-8")
    name = f"{kind.slug}-hook-{version.pk}.log"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
