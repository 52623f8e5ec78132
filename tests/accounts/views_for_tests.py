"""A URLconf for tests: the project's URLs plus small views that act through `api_for`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.urls import path

from portal.accounts.acting import api_for, async_api_for, requires_api_key
from portal.urls import urlpatterns as project_patterns


@requires_api_key
def profile(request):
    api = api_for(request)
    return JsonResponse({"name": api.get_user_profile().profile.displayName, "kind": api.key_kind})


@requires_api_key
async def async_profile(request):
    aapi = await async_api_for(request)
    profile = await aapi.get_user_profile()
    return JsonResponse({"name": profile.profile.displayName, "kind": aapi.key_kind})


@requires_api_key
def environments(request):
    api = api_for(request)
    return JsonResponse({"kind": api.key_kind, "count": len(api.list_environments().environments)})


@login_required
def create_environment(request):
    environment = api_for(request).create_environment({"name": request.GET["name"]})
    return HttpResponse(environment.environment.id)


@login_required
def delete_environment(request):
    api_for(request).delete_environment(request.GET["id"])
    return HttpResponse("deleted")


@login_required
async def async_create_environment(request):
    aapi = await async_api_for(request)
    environment = await aapi.create_environment({"name": request.GET["name"]})
    return HttpResponse(environment.environment.id)


@login_required
def boom(request):
    # An unexpected error deep in the service module, in frames that hold the key.
    api_for(request).create_environment({"name": object()})  # not JSON-serialisable
    return HttpResponse("unreachable")


urlpatterns = [
    *project_patterns,
    path("t/profile/", profile),
    path("t/async-profile/", async_profile),
    path("t/environments/", environments),
    path("t/create-environment/", create_environment),
    path("t/delete-environment/", delete_environment),
    path("t/async-create-environment/", async_create_environment),
    path("t/boom/", boom),
]


@requires_api_key
async def async_page(request):
    """An async view rendering a full page (with the header), as the replica pages do."""
    from django.shortcuts import render

    await async_api_for(request)
    return render(request, "accounts/signed_out.html", {})


urlpatterns.append(path("t/async-page/", async_page))
