"""The Environments area: /environments/…

Settings, variables, files, skills, MCP servers and the effective view are in this module's
patterns; the hook consoles, their versions and the warm pool in `hook_urls.py`. Every
environment URL takes the environment's UUID as its first argument (`env_id`).
"""

from __future__ import annotations

from django.urls import include, path

from .views import effective, files, mcps, settings, skills, variables

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
    # Variables (views/variables.py).
    path(f"{E}/variables/", variables.variables_panel, name="variables"),
    path(f"{E}/variables/add/", variables.add_variable, name="variable_add"),
    path(f"{E}/variables/paste/", variables.paste_preview, name="paste_preview"),
    path(f"{E}/variables/paste/apply/", variables.paste_apply, name="paste_apply"),
    path(f"{E}/variables/export/", variables.export_variables, name="export_variables"),
    path(f"{E}/variables/<uuid:var_id>/edit/", variables.edit_variable_page, name="variable_edit"),
    path(f"{E}/variables/<uuid:var_id>/delete/", variables.delete_variable, name="variable_delete"),
    path(f"{E}/variables/<uuid:var_id>/reveal/", variables.reveal_variable, name="variable_reveal"),
    path(f"{E}/variables/<uuid:var_id>/hide/", variables.hide_variable, name="variable_hide"),
    path(
        f"{E}/variables/<uuid:var_id>/override/", variables.set_override, name="variable_override"
    ),
    # Files (views/files.py).
    path(f"{E}/files/", files.files_panel, name="files"),
    path(f"{E}/files/new/", files.add_file, name="file_add"),
    path(f"{E}/files/<uuid:file_id>/", files.file_detail, name="file"),
    path(f"{E}/files/<uuid:file_id>/delete/", files.delete_file, name="file_delete"),
    # Skills, the catalog, registries, repo skills (views/skills.py).
    path(f"{E}/skills/", skills.skills_panel, name="skills"),
    path(f"{E}/skills/search/", skills.search, name="skill_search"),
    path(f"{E}/skills/enable/", skills.enable_skill, name="skill_enable"),
    path(f"{E}/skills/<uuid:skill_id>/disable/", skills.disable_skill, name="skill_disable"),
    path(f"{E}/skills/registries/add/", skills.add_registry, name="registry_add"),
    path(
        f"{E}/skills/registries/<uuid:registry_id>/remove/",
        skills.remove_registry,
        name="registry_remove",
    ),
    # MCP servers and the mcpServers import (views/mcps.py).
    path("environments/mcp-name-check/", mcps.check_name, name="mcp_name_check"),
    path(f"{E}/mcps/", mcps.mcps_panel, name="mcps"),
    path(f"{E}/mcps/new/", mcps.add_mcp, name="mcp_add"),
    path(f"{E}/mcps/import/", mcps.import_preview, name="mcp_import"),
    path(f"{E}/mcps/import/apply/", mcps.import_apply, name="mcp_import_apply"),
    path(f"{E}/mcps/<uuid:mcp_id>/", mcps.mcp_detail, name="mcp"),
    path(f"{E}/mcps/<uuid:mcp_id>/delete/", mcps.delete_mcp, name="mcp_delete"),
    path(
        f"{E}/mcps/<uuid:mcp_id>/secrets/<int:index>/reveal/",
        mcps.reveal_secret,
        name="mcp_secret_reveal",
    ),
    path(
        f"{E}/mcps/<uuid:mcp_id>/secrets/<int:index>/hide/",
        mcps.hide_secret,
        name="mcp_secret_hide",
    ),
    # What a workspace gets (views/effective.py).
    path(f"{E}/effective/", effective.effective_panel, name="effective"),
    # The hook consoles, their versions and the warm pool (another part: hook_urls.py).
    path("", include("portal.environments.hook_urls")),
]
