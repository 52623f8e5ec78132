"""The Environments area: /environments/…

Settings, variables, files, skills, MCP servers and the effective view are in this module's
patterns; the hook consoles, their versions and the warm pool in `hook_urls.py`. Every
environment URL takes the environment's UUID as its first argument (`env_id`).
"""

from __future__ import annotations

from django.urls import include, path

from .views import settings

app_name = "environments"

E = "environments/<uuid:env_id>"

urlpatterns = [
    # The list, create, the Settings tab, delete (views/settings.py).
    path("environments/", settings.environment_list, name="list"),
    path("environments/new/", settings.create_environment, name="create"),
    path("environments/prompt-preview/", settings.prompt_preview, name="prompt_preview"),
    path(f"{E}/", settings.environment_detail, name="detail"),
    path(f"{E}/header/", settings.header, name="header"),
    path(f"{E}/delete/", settings.delete_environment, name="delete"),
    path("", include("portal.environments.hook_urls")),
]
