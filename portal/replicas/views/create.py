"""The create page: a form for every field of CreateReplicaRequest.

- The environment picker's data (environments, repositories, repository sets) is fetched
  concurrently.
- The create is the non-blocking one (the service module's default): the API answers at once
  with a `preparing` replica and the browser goes straight to its detail page.
- Double submit: every rendered form carries a one-time token. A submit claims it with
  `cache.add` (atomic in every cache backend, so it holds across portal processes) and stores
  the new replica's id under it; a second submit of the same token waits for the first and
  goes to the same replica instead of creating another.
- A failed create (or a form error) re-renders the form, status 200, with everything typed;
  images that passed the checks are kept server-side (in the cache, by token) and offered
  again, ticked, so they need not be re-attached.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from portal.accounts.acting import async_api_for, requires_api_key
from portal.lib.api_errors import Problem, report
from portal.lib.htmx import render_box
from portal.lib.outcomes import answer_lost
from portal.replica_api import errors
from portal.webhooks.hooks import ForCreate

from .. import choices
from ..forms import TOKEN_RE, CreateReplicaForm, Image, environment_choices, new_token
from ..ownership import remember_created

TEMPLATE = "replicas/create.html"
PENDING = "pending"
PENDING_TTL = 5 * 60  # a claim whose process died frees itself after this long
TOKEN_TTL = 24 * 60 * 60  # how long a second submit still finds the first one's replica
IMAGES_TTL = 60 * 60
WAIT_FOR_FIRST_S = 15.0


def _token_key(user_pk, token: str) -> str:
    return f"replicas:create:{user_pk}:{token}"


def _images_key(user_pk, token: str) -> str:
    return f"replicas:create-images:{user_pk}:{token}"


async def _environments(api) -> list[tuple[str, str]]:
    envs, repos, sets = await asyncio.gather(
        api.list_environments(scope="all"), api.list_repositories(), api.list_repository_sets()
    )
    return environment_choices(envs.environments, repos.repositories, sets.repository_sets)


def _render(request, form: CreateReplicaForm, problem=None, environments_problem=None):
    context = {"form": form, "problem": problem, "environments_problem": environments_problem}
    return render_box(request, TEMPLATE, context, boxes=("create-form", "environment-field"))


async def _environments_or_problem(request, api, chosen: str = ""):
    """The environment choices; if they can't be loaded, the one already chosen (the API
    checks it on create) and why the list is missing, for the field's own box."""
    try:
        return await _environments(api), None
    except errors.ReplicaAPIError as exc:
        problem = report(request, exc, "environments")
        return ([(chosen, "The environment you chose")] if chosen else []), problem


def _go_to(request, replica_id: str):
    url = reverse("replicas:detail", kwargs={"replica_id": replica_id})
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


async def _claim(key: str) -> str | None:
    """Claim the token: None if this request may create, else the replica id the first
    submit created (waiting for it while it is in flight), or PENDING if it never came."""
    deadline = time.monotonic() + WAIT_FOR_FIRST_S
    while True:
        if await cache.aadd(key, PENDING, PENDING_TTL):
            return None
        value = await cache.aget(key)
        if value is not None and value != PENDING:
            return value
        if time.monotonic() > deadline:
            return PENDING
        await asyncio.sleep(0.2)


async def _just_created(api, name: str) -> str | None:
    """The id of a replica named `name` made in the last two minutes, if the list says so:
    a create whose answer was lost (time-out, dropped connection) may well have worked."""
    since = timezone.now() - timedelta(minutes=2)
    try:
        recent = await api.list_replicas(page=1, limit=20)
    except errors.ReplicaAPIError:
        return None
    matches = [r for r in recent.replicas if r.name == name and r.created_at >= since]
    return str(max(matches, key=lambda r: r.created_at).id) if matches else None


@requires_api_key
@require_http_methods(["GET", "POST"])
async def create_replica(request):
    api = await async_api_for(request)
    if request.method == "GET":
        environments, env_problem = await _environments_or_problem(request, api)
        form = CreateReplicaForm(initial={"token": new_token()}, environments=environments)
        return _render(request, form, environments_problem=env_problem)

    user = await request.auser()
    raw_token = request.POST.get("token", "")
    token = raw_token if TOKEN_RE.match(raw_token) else new_token()
    kept: list[Image] = await cache.aget(_images_key(user.pk, token)) or []

    problem = None
    environments, env_problem = await _environments_or_problem(
        request, api, request.POST.get("environment", "")
    )

    if request.POST.get("refresh_agent"):
        # Without JavaScript: "Update the choices" after picking another agent.
        initial = {**request.POST.dict(), "token": token}
        initial["keep_images"] = request.POST.getlist("keep_images")
        for flag in ("goal_mode", "plan_mode", "fast_mode", "pr_followups",
                     "keep_open_on_pr_merge", "keep_open_on_pr_close"):  # fmt: skip
            initial[flag] = flag in request.POST
        form = CreateReplicaForm(initial=initial, environments=environments, kept_images=kept)
        return _render(request, form, problem, env_problem)

    form = CreateReplicaForm(
        request.POST, request.FILES, environments=environments, kept_images=kept
    )
    if form.is_valid() and problem is None:
        key = _token_key(user.pk, token)
        existing = await _claim(key)
        if existing == PENDING:
            problem = Problem(
                "This form is already being submitted",
                "Your first click is still creating the replica.",
                "Look for it on the replicas list in a moment before trying again.",
                409,
            )
        elif existing:
            return _go_to(request, existing)
        else:
            created = found = None
            # The replica's own webhook to the portal (unless the form names another).
            hook = ForCreate(user)
            try:
                created = await api.create_replica(await hook.attach(form.request_body()))
            except ValidationError as exc:
                problem = Problem("The replica was not created", " ".join(exc.messages), "", 400)
            except errors.ReplicaAPIError as exc:
                problem = report(request, exc, "create replica")
                # The answer was lost, not necessarily the create: look before retrying.
                lost = answer_lost(exc)
                found = await _just_created(api, form.cleaned_data["name"]) if lost else None
                if lost and found is None:
                    problem = Problem(
                        problem.title,
                        problem.message,
                        "The replica may still have been created: check the replicas list "
                        "before submitting again.",
                        problem.status,
                    )
            finally:
                if created is None and found is None:
                    await cache.adelete(key)  # free the token: the user may try again
            if found is not None:
                await cache.aset(key, found, TOKEN_TTL)
                await remember_created(request, found, form.cleaned_data["name"], api.key_kind)
                await hook.created(found, form.cleaned_data["name"])
                return _go_to(request, found)
            if created is not None:
                replica_id = str(created.replica.id)
                await remember_created(request, replica_id, created.replica.name, api.key_kind)
                await hook.created(
                    replica_id,
                    created.replica.name,
                    str(getattr(created.replica.status, "value", created.replica.status)),
                    created.replica.created_at,
                )
                await cache.aset(key, replica_id, TOKEN_TTL)
                await cache.adelete(_images_key(user.pk, token))
                return _go_to(request, replica_id)

    # Something failed: show the form again with what was typed, and keep the images.
    images = form.images_to_keep()
    if images:
        await cache.aset(_images_key(user.pk, token), images, IMAGES_TTL)
    form.offer_again(images, token=token)
    return _render(request, form, problem, env_problem)


@requires_api_key
@require_GET
def check_name(request):
    """As-you-type check of the name field (the same validation the submit runs)."""
    value = request.GET.get("name", "")
    field = CreateReplicaForm.base_fields["name"]
    problems: list[str] = []
    if value:
        try:
            field.clean(value)
        except ValidationError as exc:
            problems = exc.messages
    context = {"name_value": value, "name_problems": problems}
    return render(request, f"{TEMPLATE}#name-check", context)


@requires_api_key
@require_GET
def agent_fields(request):
    """Model, thinking level and goal mode for the chosen agent (kept when still valid)."""
    agent = choices.known_agent(request.GET.get("coding_agent"))
    model = request.GET.get("model", "")
    thinking = request.GET.get("thinking_level", "")
    initial = {
        "coding_agent": agent,
        "model": model if model in choices.MODELS[agent] else "",
        "thinking_level": thinking if thinking in choices.THINKING_LEVELS[agent] else "",
        "goal_mode": bool(request.GET.get("goal_mode")) and choices.supports_goal_mode(agent),
    }
    form = CreateReplicaForm(initial=initial)
    return render(request, f"{TEMPLATE}#agent-fields", {"form": form})
