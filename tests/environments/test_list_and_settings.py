"""The environments list, create, the Settings tab and delete, against the emulator: who may
do what, refusals in words (409, 400, the plan error, a member trying an admin action) and
the audit entries they leave (or don't)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portal.accounts.models import AuditEntry
from portal.replica_api import errors

from .conftest import (
    ADA_WEB,
    GLOBAL,
    GRACE_SCRATCH,
    HX,
    PLATFORM,
    SCRATCH,
    WEB,
    audit_ops,
    text,
    unique,
)

pytestmark = pytest.mark.emulator


def names_in_order(body: str) -> list[str]:
    return re.findall(r'<td class="env-name" data-label="Name"><a [^>]*>([^<]+)</a>', body)


# --- the list --------------------------------------------------------------------------------


def test_global_is_pinned_first_then_team_then_mine(ada, grace):
    names = names_in_order(ada.get(reverse("environments:list")).content.decode())
    assert names[0] == "Global"
    assert names.index("platform") < names.index("web") < names.index("ada-web")
    assert "grace-scratch" not in names  # someone else's personal environment
    grace_names = names_in_order(grace.get(reverse("environments:list")).content.decode())
    assert grace_names[0] == "Global" and grace_names[-1] == "grace-scratch"
    assert "ada-web" not in grace_names


def test_each_row_says_what_it_checks_out_its_counts_pool_and_hooks(ada, upstream):
    body = ada.get(reverse("environments:list")).content.decode()
    web = re.search(rf'<tr id="env-{WEB}".*?</tr>', body, re.S)[0]
    row = text(web)
    env = upstream.get_environment(WEB).environment
    counts = f"{env.variable_count} {env.file_count} {env.skill_count} {env.mcp_count}"
    assert f"team repository acme/web {counts} on warm start" in row, row
    platform = text(re.search(rf'<tr id="env-{PLATFORM}".*?</tr>', body, re.S)[0])
    assert "repository set acme/platform" in platform
    scratch = re.search(rf'<tr id="env-{SCRATCH}".*?</tr>', body, re.S)[0]
    assert "pool-off" in scratch and "none" in text(scratch)
    ada_web = text(re.search(rf'<tr id="env-{ADA_WEB}".*?</tr>', body, re.S)[0])
    assert "mine from web" in ada_web


def test_search_by_name_swaps_only_the_results(ada):
    url = reverse("environments:list") + "?q=WE"
    response = ada.get(url, headers={"HX-Request": "true", "HX-Target": "env-results"})
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="env-results"')
    assert names_in_order(body) == ["web", "ada-web"]
    assert "match “WE”" in text(response)
    empty = ada.get(reverse("environments:list") + "?q=nothing-like-this")
    assert "No environment's name contains “nothing-like-this”" in text(empty)


def test_a_failing_list_says_so_in_its_box(ada, faults):
    faults("GET", r"^/v1/environments$", 500)
    response = ada.get(reverse("environments:list"))
    assert response.status_code == 200
    body = text(response)
    assert "The Replica API had a problem" in body and "Try again" in body
    assert "Injected fault" not in body and "/v1/" not in body


def test_a_failing_hooks_read_costs_only_its_cells(ada, faults):
    faults("GET", r"/warm-hooks$", 503)
    response = ada.get(reverse("environments:list"))
    assert response.status_code == 200
    assert names_in_order(response.content.decode())[0] == "Global"
    assert 'title="The portal couldn\'t read it">?' in response.content.decode()


# --- create ----------------------------------------------------------------------------------


def test_admin_creates_a_team_environment_bound_to_a_repository(ada, upstream):
    page = ada.get(reverse("environments:create")).content.decode()
    repo_id = re.search(r'<option value="([^"]+)">acme/api</option>', page)[1]
    name = unique("api")
    response = ada.post(
        reverse("environments:create"),
        {
            "name": name,
            "description": "The API",
            "scope": "org",
            "binding": "repository",
            "repository": repo_id,
            "system_prompt": "Be **careful**.",
        },
    )
    assert response.status_code == 302
    created = next(e for e in upstream.list_environments().environments if e.name == name)
    try:
        assert response["Location"] == reverse("environments:detail", args=[created.id])
        assert str(created.repository_id) == repo_id and created.user_id is None
        assert created.system_prompt == "Be **careful**."
        entry = AuditEntry.objects.get(operation="createEnvironment")
        assert entry.username == "ada" and str(created.id) in entry.target_id
    finally:
        upstream.delete_environment(str(created.id))


def test_repository_and_set_are_exclusive_and_a_chosen_kind_needs_its_pick(ada):
    response = ada.post(
        reverse("environments:create"),
        {"name": unique("x"), "scope": "org", "binding": "repository"},
        headers={"HX-Request": "true", "HX-Target": "environment-form"},
    )
    assert response.status_code == 200
    assert "Choose the repository, or bind to none." in text(response)
    assert not audit_ops(operation="createEnvironment")


def test_a_member_creates_personal_environments_only(grace, grace_upstream):
    page = grace.get(reverse("environments:create")).content.decode()
    assert 'value="org"' not in page and 'value="user"' in page
    refused = grace.post(reverse("environments:create"), {"name": unique("t"), "scope": "org"})
    assert refused.status_code == 200 and "Select a valid choice" in text(refused)
    name = unique("mine")
    ok = grace.post(reverse("environments:create"), {"name": name, "scope": "user"})
    assert ok.status_code == 302
    created = next(
        e for e in grace_upstream.list_environments(scope="user").environments if e.name == name
    )
    grace_upstream.delete_environment(str(created.id))


def test_a_personal_environment_from_a_team_source_inherits_it(grace, grace_upstream):
    name = unique("from-web")
    response = grace.post(
        reverse("environments:create"),
        {"name": name, "scope": "user", "source_environment": WEB, "binding": "none"},
    )
    assert response.status_code == 302
    env = next(
        e for e in grace_upstream.list_environments(scope="user").environments if e.name == name
    )
    try:
        assert str(env.source_environment_id) == WEB
        page = grace.get(reverse("environments:detail", args=[env.id]))
        body = text(page)
        assert "Inherits from web (team; inherited values are locked)" in body
        assert "inherited from web and locked" in body
        assert 'name="system_prompt"' not in page.content.decode()  # locked: not editable
    finally:
        grace_upstream.delete_environment(str(env.id))


def test_an_inheriting_personal_environment_cannot_set_its_own_binding(grace):
    response = grace.post(
        reverse("environments:create"),
        {"name": unique("x"), "scope": "user", "source_environment": WEB, "system_prompt": "Hi"},
    )
    assert "inherits its system prompt" in text(response)


def test_a_taken_name_is_said_on_the_name_field(ada):
    response = ada.post(
        reverse("environments:create"),
        {"name": "web", "scope": "org", "binding": "none"},
        headers={"HX-Request": "true", "HX-Target": "environment-form"},
    )
    assert response.status_code == 200
    assert "An environment with this name already exists here" in text(response)
    entry = AuditEntry.objects.get(operation="createEnvironment")
    assert entry.status_code == 409 and entry.result == "error"


def test_mobile_testing_on_a_plan_without_it_says_so_clearly(ada, emulator):
    emulator.control("config", {"mobile_testing_plan": False})
    try:
        response = ada.post(
            reverse("environments:create"),
            {
                "name": unique("m"),
                "scope": "org",
                "binding": "none",
                "mobile_testing_enabled": "on",
            },
        )
    finally:
        emulator.control("config", {"mobile_testing_plan": True})
    body = text(response)
    assert "Mobile testing needs the Team or Enterprise plan" in body
    assert "PLAN_UPGRADE_REQUIRED" not in body
    assert 'name="mobile_testing_enabled"' in response.content.decode()  # the form is kept


def test_the_system_prompt_previews_as_markdown(ada):
    response = ada.post(
        reverse("environments:prompt_preview"),
        {"system_prompt": "Use **pnpm**\n\n<script>x</script>"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="prompt-preview"')
    assert "<strong>pnpm</strong>" in body and "<script>" not in body


# --- the Settings tab --------------------------------------------------------------------------


def test_global_settings_are_read_only_with_the_reason(ada):
    response = ada.get(reverse("environments:detail", args=[GLOBAL]))
    body = text(response)
    assert "The Global environment's settings are read-only" in body
    assert "The API doesn't let anyone edit its name" in body
    assert 'id="settings-form"' not in response.content.decode()
    assert "Delete this environment" not in body
    refused = ada.post(reverse("environments:detail", args=[GLOBAL]), {"name": "x"}, headers=HX)
    assert "can't be edited" in text(refused)
    assert not audit_ops(operation="updateEnvironment")


def test_admin_edits_a_team_environment(ada, team_env, upstream):
    url = reverse("environments:detail", args=[team_env.id])
    new_name = unique("renamed")
    response = ada.post(
        url,
        {
            "name": new_name,
            "description": "now described",
            "binding": "none",
            "system_prompt": "# Hi",
        },
        headers=HX,
    )
    assert response.status_code == 200
    assert response["HX-Location"]  # the whole page again: the header shows the new name
    assert "Settings saved." in text(ada.get(url))
    env = upstream.get_environment(str(team_env.id)).environment
    assert (env.name, env.description, env.system_prompt) == (new_name, "now described", "# Hi")
    entry = AuditEntry.objects.get(operation="updateEnvironment")
    assert entry.result == "ok" and str(team_env.id) in entry.target_id


def test_a_member_sees_a_team_environment_read_only_and_is_refused_a_change(grace, upstream):
    url = reverse("environments:detail", args=[WEB])
    page = grace.get(url)
    assert "Read-only for you." in text(page)
    assert 'id="settings-form"' not in page.content.decode()
    refused = grace.post(url, {"name": "hijacked", "binding": "none"})
    assert refused.status_code == 403
    boxed = grace.post(url, {"name": "hijacked", "binding": "none"}, headers=HX)
    assert boxed.status_code == 200 and "Only org admins can change team environments" in text(
        boxed
    )
    assert upstream.get_environment(WEB).environment.name == "web"
    assert AuditEntry.objects.count() == 0  # refused before any call: nothing to audit


def test_a_member_edits_their_own_personal_environment(grace, grace_env, grace_upstream):
    url = reverse("environments:detail", args=[grace_env.id])
    grace.post(
        url,
        {"name": grace_env.name, "binding": "none", "personal_preferences": "Be terse."},
        headers=HX,
    )
    assert "Settings saved." in text(grace.get(url))
    assert grace_upstream.get_environment(str(grace_env.id)).environment.personal_preferences == (
        "Be terse."
    )


def test_unbinding_an_environment_an_automation_needs_says_why(ada, team_env, upstream):
    repo = upstream.list_repositories().repositories[0]
    upstream.update_environment(str(team_env.id), {"repository_id": str(repo.id)})
    automation = upstream.create_automation(
        {
            "name": unique("on-pr"),
            "prompt": "Review it",
            "environment_id": str(team_env.id),
            "triggers": [{"type": "github", "config": {"event": "pull_request.opened"}}],
        }
    ).automation
    try:
        response = ada.post(
            reverse("environments:detail", args=[team_env.id]),
            {"name": team_env.name, "binding": "none"},
            headers=HX,
        )
        body = text(response)
        assert "Not saved: an automation depends on it" in body and automation.name in body
        assert 'value="none" id="id_binding_0" checked' in response.content.decode()  # as typed
    finally:
        upstream.delete_automation(str(automation.id))


def test_a_deleted_or_someone_elses_environment_is_the_not_found_page(grace):
    response = grace.get(reverse("environments:detail", args=[ADA_WEB]))
    assert response.status_code == 404
    body = text(response)
    assert "This environment was deleted" in body and "Back to the environments list" in body


def test_a_failing_header_stays_in_its_box_and_the_page_stays(ada, faults):
    faults("GET", rf"^/v1/environments/{WEB}$", 502)
    response = ada.get(reverse("environments:variables", args=[WEB]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="env-header-problem"' in body and 'hx-target="#env-header"' in body
    assert 'aria-current="page">Variables</a>' in body
    header = ada.get(reverse("environments:header", args=[WEB]))
    assert 'id="env-header"' in header.content.decode()


def test_the_tabs_link_every_part_of_an_environment(ada):
    body = ada.get(reverse("environments:detail", args=[WEB])).content.decode()
    for name in ("variables", "files", "skills", "mcps", "effective"):
        assert f'href="{reverse(f"environments:{name}", args=[WEB])}"' in body


# --- delete ---------------------------------------------------------------------------------------


def test_delete_needs_the_name_typed(ada, team_env, upstream):
    url = reverse("environments:delete", args=[team_env.id])
    wrong = ada.post(
        url, {"confirm_name": "not it"}, headers={"HX-Request": "true", "HX-Target": "delete-box"}
    )
    assert "That isn't the name" in text(wrong)
    assert upstream.get_environment(str(team_env.id))  # still there
    done = ada.post(url, {"confirm_name": team_env.name})
    assert done.status_code == 302 and done["Location"] == reverse("environments:list")
    with pytest.raises(errors.NotFound):
        upstream.get_environment(str(team_env.id))
    assert audit_ops(operation="deleteEnvironment") == ["deleteEnvironment"]


def test_delete_refused_with_409_names_the_automations_using_it(ada, team_env, upstream):
    created = upstream.create_automation(
        {
            "name": unique("nightly"),
            "prompt": "Check the build",
            "environment_id": str(team_env.id),
            "triggers": [{"type": "cron", "config": {"schedule": "0 3 * * *"}}],
        }
    ).automation
    try:
        response = ada.post(
            reverse("environments:delete", args=[team_env.id]),
            {"confirm_name": team_env.name},
            headers={"HX-Request": "true", "HX-Target": "delete-box"},
        )
        body = text(response)
        assert "It is still in use, so the API kept it." in body
        assert created.name in body
        assert upstream.get_environment(str(team_env.id))
        entry = AuditEntry.objects.get(operation="deleteEnvironment")
        assert entry.status_code == 409
    finally:
        upstream.delete_automation(str(created.id))


def test_global_cannot_be_deleted_and_says_why(ada):
    response = ada.get(reverse("environments:delete", args=[GLOBAL]))
    assert "The Global environment can't be deleted" in text(response)
    assert 'name="confirm_name"' not in response.content.decode()


def test_a_member_cannot_delete_a_team_environment(grace, upstream):
    url = reverse("environments:delete", args=[WEB])
    assert "Only org admins can change team environments" in text(grace.get(url))
    assert grace.post(url, {"confirm_name": "web"}).status_code == 403
    assert upstream.get_environment(WEB)
    assert AuditEntry.objects.count() == 0


def test_a_member_deletes_their_own(grace, grace_env, grace_upstream):
    response = grace.post(
        reverse("environments:delete", args=[grace_env.id]), {"confirm_name": grace_env.name}
    )
    assert response.status_code == 302
    assert all(
        e.id != grace_env.id for e in grace_upstream.list_environments(scope="user").environments
    )


def test_grace_scratch_is_hers(grace):
    response = grace.get(reverse("environments:detail", args=[GRACE_SCRATCH]))
    assert response.status_code == 200 and "personal · yours" in text(response)
