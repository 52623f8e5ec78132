"""The Environments area: /environments/…

Settings, variables, files, skills, MCP servers and the effective view are in this module's
patterns; the hook consoles, their versions and the warm pool in `hook_urls.py`.
"""

from __future__ import annotations

from django.urls import include, path

app_name = "environments"

urlpatterns = [
    path("", include("portal.environments.hook_urls")),
]
