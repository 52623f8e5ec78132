"""Emulator: environments and their variables, files, skills, registries and MCPs.

Over real HTTP against the session emulator; every test creates its own records.
"""

from __future__ import annotations

import uuid

import pytest

from portal.emulator.environments import environment_uuid, repository_uuid
from portal.emulator.state import DEMO_USERS
from tests.emulator.conftest import assert_error

pytestmark = pytest.mark.emulator

WEB = environment_uuid("web")
PLATFORM = environment_uuid("platform")
ADA_WEB = environment_uuid("ada-web")
GRACE_SCRATCH = environment_uuid("grace-scratch")
WEB_REPO = repository_uuid("acme/web")
PLATFORM_SET = repository_uuid("acme/platform")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def make_env(org, **fields) -> dict:
    body = {"name": unique("env"), **fields}
    r = org.post("/v1/environments", json=body)
    assert r.status_code == 201, r.text
    return r.json()["environment"]


# --- environments ---------------------------------------------------------------------------
def test_list_includes_global_first_with_counts(org):
    envs = org.get("/v1/environments").json()["environments"]
    assert envs[0]["is_global"] and envs[0]["name"] == "Global"
    web = next(e for e in envs if e["id"] == WEB)
    assert web["repository_id"] == WEB_REPO and web["repository_set_id"] is None
    assert web["variable_count"] >= 4 and web["skill_count"] >= 3 and web["mcp_count"] >= 2
    platform = next(e for e in envs if e["id"] == PLATFORM)
    assert platform["repository_set_id"] == PLATFORM_SET
    assert all(e["user_id"] is None for e in envs)  # default scope: team environments


def test_counts_follow_attached_resources(org):
    env = make_env(org)
    org.post(f"/v1/environments/{env['id']}/variables", json={"key": "A", "value": "1"})
    org.post(
        f"/v1/environments/{env['id']}/files", json={"name": "f", "path": "~/f", "content": "x"}
    )
    got = org.get(f"/v1/environments/{env['id']}").json()["environment"]
    assert (got["variable_count"], got["file_count"], got["skill_count"], got["mcp_count"]) == (
        1,
        1,
        0,
        0,
    )


def test_global_alias_matches_uuid(org):
    by_alias = org.get("/v1/environments/global").json()["environment"]
    by_id = org.get(f"/v1/environments/{by_alias['id']}").json()["environment"]
    assert by_alias == by_id and by_alias["is_global"]
    alias_vars = org.get("/v1/environments/global/variables").json()
    id_vars = org.get(f"/v1/environments/{by_alias['id']}/variables").json()
    assert alias_vars == id_vars and alias_vars["environment_variables"]


def test_global_cannot_be_patched_or_deleted(org):
    assert_error(org.patch("/v1/environments/global", json={"name": "renamed"}), 400)
    global_id = org.get("/v1/environments/global").json()["environment"]["id"]
    assert_error(org.patch(f"/v1/environments/{global_id}", json={"name": "x"}), 400)
    assert_error(org.delete("/v1/environments/global"), 409)
    assert_error(org.delete(f"/v1/environments/{global_id}"), 409)
    assert org.get("/v1/environments/global").json()["environment"]["name"] == "Global"


def test_create_get_update_delete(org):
    env = make_env(org, description="d", repository_id=WEB_REPO, system_prompt="be nice")
    assert env["repository_id"] == WEB_REPO and env["system_prompt"] == "be nice"
    assert env["user_id"] is None and env["is_global"] is False
    r = org.patch(
        f"/v1/environments/{env['id']}",
        json={"repository_set_id": PLATFORM_SET, "description": None},
    )
    assert r.status_code == 200, r.text
    updated = r.json()["environment"]
    # Binding to a set clears the repository binding; omitted fields are left alone.
    assert updated["repository_set_id"] == PLATFORM_SET and updated["repository_id"] is None
    assert updated["description"] is None and updated["system_prompt"] == "be nice"
    assert org.delete(f"/v1/environments/{env['id']}").json() == {"success": True}
    assert_error(org.get(f"/v1/environments/{env['id']}"), 404)
    assert_error(org.delete(f"/v1/environments/{env['id']}"), 404)


def test_new_environment_has_warm_pool_enabled(org):
    env = make_env(org)
    state = org.get(f"/v1/environments/{env['id']}/warm-hooks").json()
    assert state["warm_hook"] is None
    assert (
        state["warm_pool"]["enabled"] is True and state["warm_pool"]["environment_id"] == env["id"]
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": 42},
        {"name": "x", "scope": "team"},
        {"name": "x", "repository_id": "not-a-uuid"},
        {"name": "x", "repository_id": WEB_REPO, "repository_set_id": PLATFORM_SET},
        {"name": "x", "repository_id": str(uuid.uuid4())},
        {"name": "x", "mobile_testing_enabled": "yes"},
        {"name": "x", "description": 5},
    ],
)
def test_create_validation(org, body):
    assert_error(org.post("/v1/environments", json=body), 400)


def test_create_rejects_non_json_body(org):
    r = org.post("/v1/environments", content=b"{nope", headers={"content-type": "application/json"})
    assert_error(r, 400)


def test_duplicate_name_conflicts(org):
    env = make_env(org)
    assert_error(org.post("/v1/environments", json={"name": env["name"]}), 409)
    assert_error(org.post("/v1/environments", json={"name": env["name"].upper()}), 409)
    other = make_env(org)
    assert_error(org.patch(f"/v1/environments/{other['id']}", json={"name": env["name"]}), 409)


def test_invalid_ids(org):
    assert_error(org.get("/v1/environments/not-a-uuid"), 400)
    assert_error(org.get(f"/v1/environments/{uuid.uuid4()}"), 404)
    # Operations without a documented 404 answer an unknown environment with 400.
    assert_error(org.get(f"/v1/environments/{uuid.uuid4()}/variables"), 400)


def test_personal_environments_are_private(org, ada, grace):
    mine = ada.get("/v1/environments", params={"scope": "user"}).json()["environments"]
    assert ADA_WEB in [e["id"] for e in mine]
    assert {e["user_id"] for e in mine} == {DEMO_USERS[0]["id"]}
    everything = ada.get("/v1/environments", params={"scope": "all"}).json()["environments"]
    ids = {e["id"] for e in everything}
    assert ADA_WEB in ids and WEB in ids and GRACE_SCRATCH not in ids
    assert org.get("/v1/environments", params={"scope": "user"}).json()["environments"] == []
    assert_error(grace.get(f"/v1/environments/{ADA_WEB}"), 404)
    assert_error(org.get(f"/v1/environments/{ADA_WEB}"), 404)
    assert_error(grace.get(f"/v1/environments/{ADA_WEB}/variables"), 400)
    assert ada.get(f"/v1/environments/{ADA_WEB}").status_code == 200


def test_source_backed_personal_environment_inherits(ada, org):
    source = make_env(org, repository_id=WEB_REPO, system_prompt="source prompt")
    r = ada.post(
        "/v1/environments",
        json={"name": unique("mine"), "scope": "user", "source_environment_id": source["id"]},
    )
    assert r.status_code == 201, r.text
    env = r.json()["environment"]
    assert env["user_id"] and env["source_environment_id"] == source["id"]
    assert env["repository_id"] == WEB_REPO and env["system_prompt"] == "source prompt"
    # Inherited fields are locked; personal preferences are allowed.
    assert_error(ada.patch(f"/v1/environments/{env['id']}", json={"system_prompt": "x"}), 400)
    r = ada.patch(f"/v1/environments/{env['id']}", json={"personal_preferences": "terse"})
    assert r.json()["environment"]["personal_preferences"] == "terse"
    # The source follows changes; it can't be deleted while a personal env inherits from it.
    org.patch(f"/v1/environments/{source['id']}", json={"system_prompt": "changed"})
    assert ada.get(f"/v1/environments/{env['id']}").json()["environment"]["system_prompt"] == (
        "changed"
    )
    assert_error(org.delete(f"/v1/environments/{source['id']}"), 409)
    assert ada.delete(f"/v1/environments/{env['id']}").status_code == 200
    assert org.delete(f"/v1/environments/{source['id']}").status_code == 200


def test_personal_scope_needs_personal_key(org):
    assert_error(org.post("/v1/environments", json={"name": unique("p"), "scope": "user"}), 400)


def test_team_environment_copies_source(org):
    source = make_env(org, repository_id=WEB_REPO)
    org.post(f"/v1/environments/{source['id']}/variables", json={"key": "K", "value": "v"})
    org.post(f"/v1/environments/{source['id']}/warm-hooks/save", json={"content": "echo hi"})
    copy = make_env(org, source_environment_id=source["id"])
    assert copy["repository_id"] == WEB_REPO and copy["source_environment_id"] is None
    assert copy["variable_count"] == 1
    hook = org.get(f"/v1/environments/{copy['id']}/warm-hooks").json()["warm_hook"]
    assert hook["content"] == "echo hi" and hook["environment_id"] == copy["id"]


def test_personal_preferences_only_on_personal(org):
    env = make_env(org)
    r = org.patch(f"/v1/environments/{env['id']}", json={"personal_preferences": "x"})
    assert_error(r, 400)


def test_delete_blocked_by_automation(org):
    env = make_env(org)
    r = org.post(
        "/v1/automations",
        json={
            "name": unique("uses-env"),
            "prompt": "p",
            "environment_id": env["id"],
            "triggers": [{"type": "custom", "config": {}}],
        },
    )
    assert r.status_code == 201, r.text
    body = assert_error(org.delete(f"/v1/environments/{env['id']}"), 409)
    assert "automation" in body["details"]
    org.delete(f"/v1/automations/{r.json()['automation']['id']}")
    assert org.delete(f"/v1/environments/{env['id']}").status_code == 200


def test_unbinding_blocked_by_repository_automation(org):
    env = make_env(org, repository_id=WEB_REPO)
    r = org.post(
        "/v1/automations",
        json={
            "name": unique("gh"),
            "prompt": "p",
            "environment_id": env["id"],
            "triggers": [{"type": "github", "config": {"event": "pull_request.opened"}}],
        },
    )
    assert r.status_code == 201, r.text
    assert_error(org.patch(f"/v1/environments/{env['id']}", json={"repository_id": None}), 409)
    assert org.patch(f"/v1/environments/{env['id']}", json={"name": unique("ok")}).is_success
    org.delete(f"/v1/automations/{r.json()['automation']['id']}")


# --- variables ----------------------------------------------------------------------------
def test_variables_crud_and_plaintext_values(org):
    env = make_env(org)
    base = f"/v1/environments/{env['id']}/variables"
    r = org.post(base, json={"key": "DATABASE_URL", "value": "postgres://secret@db/x"})
    assert r.status_code == 201, r.text
    var = r.json()["environment_variable"]
    assert var["value"] == "postgres://secret@db/x" and var["personal_override_allowed"] is False
    listed = org.get(base).json()["environment_variables"]
    assert [v["value"] for v in listed] == ["postgres://secret@db/x"]
    r = org.patch(f"{base}/{var['id']}", json={"value": "postgres://new/db"})
    assert r.json()["environment_variable"]["value"] == "postgres://new/db"
    assert r.json()["environment_variable"]["key"] == "DATABASE_URL"
    assert org.delete(f"{base}/{var['id']}").json() == {"success": True}
    assert_error(org.delete(f"{base}/{var['id']}"), 404)
    assert_error(org.patch(f"{base}/{var['id']}", json={"value": "x"}), 404)


def test_variable_duplicate_key_conflicts(org):
    env = make_env(org)
    base = f"/v1/environments/{env['id']}/variables"
    org.post(base, json={"key": "TOKEN", "value": "a"})
    other = org.post(base, json={"key": "OTHER", "value": "b"}).json()["environment_variable"]
    assert_error(org.post(base, json={"key": "TOKEN", "value": "c"}), 409)
    assert_error(org.patch(f"{base}/{other['id']}", json={"key": "TOKEN"}), 409)


@pytest.mark.parametrize(
    "body",
    [
        {"key": "A"},
        {"value": "x"},
        {"key": "HAS SPACE", "value": "x"},
        {"key": "1ABC", "value": "x"},
        {"key": "A", "value": 5},
        {"key": "A", "value": "x", "personal_override_allowed": "yes"},
    ],
)
def test_variable_validation(org, body):
    assert_error(org.post("/v1/environments/global/variables", json=body), 400)


def test_override_policy_needs_admin(org, ada, grace):
    env = make_env(org)
    base = f"/v1/environments/{env['id']}/variables"
    body = {"key": "FLAG", "value": "x", "personal_override_allowed": True}
    assert_error(grace.post(base, json=body), 403)
    r = ada.post(base, json=body)
    assert r.status_code == 201 and r.json()["environment_variable"]["personal_override_allowed"]
    var_id = r.json()["environment_variable"]["id"]
    assert_error(grace.patch(f"{base}/{var_id}", json={"personal_override_allowed": False}), 403)
    assert grace.patch(f"{base}/{var_id}", json={"value": "y"}).status_code == 200


def test_personal_env_overrides_only_allowed_keys(org, ada):
    source = make_env(org)
    src = f"/v1/environments/{source['id']}/variables"
    org.post(src, json={"key": "LOCKED", "value": "1"})
    org.post(src, json={"key": "OPEN", "value": "1", "personal_override_allowed": True})
    env = ada.post(
        "/v1/environments",
        json={"name": unique("p"), "scope": "user", "source_environment_id": source["id"]},
    ).json()["environment"]
    base = f"/v1/environments/{env['id']}/variables"
    assert_error(ada.post(base, json={"key": "LOCKED", "value": "2"}), 409)
    assert ada.post(base, json={"key": "OPEN", "value": "2"}).status_code == 201
    body = {"key": "NEW", "value": "x", "personal_override_allowed": True}
    assert_error(ada.post(base, json=body), 400)
    ada.delete(f"/v1/environments/{env['id']}")


# --- files ---------------------------------------------------------------------------------
def test_files_crud(org):
    env = make_env(org)
    base = f"/v1/environments/{env['id']}/files"
    r = org.post(base, json={"name": "AGENTS", "path": "~/AGENTS.md", "content": "# hi\n"})
    assert r.status_code == 201, r.text
    f = r.json()["environment_file"]
    assert (f["name"], f["path"], f["content"]) == ("AGENTS", "~/AGENTS.md", "# hi\n")
    r = org.patch(f"{base}/{f['id']}", json={"content": "# changed\n"})
    assert r.json()["environment_file"]["content"] == "# changed\n"
    assert r.json()["environment_file"]["path"] == "~/AGENTS.md"
    assert [x["content"] for x in org.get(base).json()["environment_files"]] == ["# changed\n"]
    assert org.delete(f"{base}/{f['id']}").json() == {"success": True}
    assert_error(org.delete(f"{base}/{f['id']}"), 404)


def test_file_size_limit_is_64_kb(org):
    env = make_env(org)
    base = f"/v1/environments/{env['id']}/files"
    exact = org.post(base, json={"name": "max", "path": "~/max", "content": "x" * 65_536})
    assert exact.status_code == 201, exact.text
    # 413 (issue #2; the spec lists 400 only: the contract checker knows this deviation).
    over = org.post(base, json={"name": "big", "path": "~/big", "content": "x" * 65_537})
    assert_error(over, 413)
    assert over.json()["error"] == "File too large"
    multibyte = org.post(base, json={"name": "mb", "path": "~/mb", "content": "é" * 40_000})
    assert_error(multibyte, 413)
    file_id = exact.json()["environment_file"]["id"]
    assert_error(org.patch(f"{base}/{file_id}", json={"content": "y" * 70_000}), 413)


@pytest.mark.parametrize(
    "body",
    [
        {"name": "a", "path": "relative.txt", "content": "x"},
        {"name": "a", "path": "~/../etc/passwd", "content": "x"},
        {"name": "a", "path": "/etc/hosts", "content": "x"},
        {"name": "a", "path": "~/dir/", "content": "x"},
        {"name": "a", "path": "~/x"},
        {"path": "~/x", "content": "x"},
        {"name": "a", "path": "~/x", "content": 1},
    ],
)
def test_file_validation(org, body):
    assert_error(org.post("/v1/environments/global/files", json=body), 400)


# --- skills, registries, repo skills, catalog --------------------------------------------------
def test_skill_search(org):
    docker = org.get("/v1/environment-skills/search", params={"q": "docker"}).json()["skills"]
    assert docker and docker[0]["slug"] == "docker"
    assert docker[0]["source"].startswith("https://skills.sh/")
    popular = org.get("/v1/environment-skills/search").json()["skills"]
    installs = [s["installs"] for s in popular]
    assert len(popular) > 5 and installs == sorted(installs, reverse=True)
    assert org.get("/v1/environment-skills/search", params={"q": "zzzz"}).json() == {"skills": []}


def test_skills_enable_conflict_and_disable(org):
    env = make_env(org)
    base = f"/v1/environments/{env['id']}/skills"
    body = {"name": "Docker", "slug": "docker", "source": "https://skills.sh/skill/docker"}
    r = org.post(base, json=body)
    assert r.status_code == 201, r.text
    skill = r.json()["environment_skill"]
    assert_error(org.post(base, json=body), 409)
    assert_error(org.post(base, json={**body, "slug": "other"}), 409)  # same source
    assert_error(org.post(base, json={**body, "source": "elsewhere"}), 409)  # same slug
    assert_error(org.post(base, json={"name": "x", "slug": "y"}), 400)
    assert org.delete(f"{base}/{skill['id']}").json() == {"success": True}
    assert org.get(base).json() == {"environment_skills": []}
    assert org.post(base, json=body).status_code == 201


def test_skill_registries(org):
    env = make_env(org)
    base = f"/v1/environments/{env['id']}/skills-registries"
    r = org.post(base, json={"url": "https://github.com/acme/team-skills"})
    assert r.status_code == 200, r.text
    created = r.json()
    reg = created["registry"]
    assert reg["repository_full_name"] == "acme/team-skills" and reg["name"] == "team-skills"
    assert created["error"] is None and created["repo_skills"]
    assert all(s["path"].endswith("SKILL.md") for s in created["repo_skills"])
    assert_error(org.post(base, json={"url": "https://github.com/acme/team-skills.git"}), 409)
    assert_error(org.post(base, json={"url": "https://gitlab.com/acme/skills"}), 400)
    assert_error(org.post(base, json={}), 400)
    listed = org.get(base).json()["registries"]
    assert [x["id"] for x in listed] == [reg["id"]]
    assert listed[0]["repo_skills"] == created["repo_skills"]
    private = org.post(base, json={"url": "https://github.com/acme/private-skills"}).json()
    assert private["error"] and private["repo_skills"] == []
    assert org.delete(f"{base}/{reg['id']}").json() == {"success": True}
    assert_error(org.delete(f"{base}/{reg['id']}"), 404)


def test_repo_skills(org):
    web = org.get(f"/v1/environments/{WEB}/repo-skills").json()
    assert web["repo_skills"] and all(s["repository_id"] == WEB_REPO for s in web["repo_skills"])
    assert {s["framework"] for s in web["repo_skills"]} <= {"claude", "codex", "cursor", "agents"}
    platform = org.get(f"/v1/environments/{PLATFORM}/repo-skills").json()
    assert len({s["repository_id"] for s in platform["repo_skills"]}) >= 1
    assert org.get("/v1/environments/global/repo-skills").json() == {
        "repo_skills": [],
        "error": None,
    }
    assert_error(org.get(f"/v1/environments/{uuid.uuid4()}/repo-skills"), 404)


# --- MCPs ----------------------------------------------------------------------------------------
STDIO = {"command": "npx", "args": ["-y", "@linear/mcp"], "env": {"LINEAR_API_KEY": "k"}}
HTTP = {"url": "https://mcp.example.com", "headers": {"Authorization": "Bearer t"}}


def test_mcps_crud(org):
    env = make_env(org)
    base = f"/v1/environments/{env['id']}/mcps"
    r = org.post(base, json={"name": "linear", "transport": "stdio", "config": STDIO})
    assert r.status_code == 201, r.text
    stdio = r.json()["environment_mcp"]
    assert stdio["config"] == STDIO
    r = org.post(base, json={"name": "internal-tools", "transport": "http", "config": HTTP})
    http = r.json()["environment_mcp"]
    assert http["config"] == HTTP and http["transport"] == "http"
    assert [m["name"] for m in org.get(base).json()["environment_mcps"]] == [
        "linear",
        "internal-tools",
    ]
    # Switching transport needs a config of the new shape.
    assert_error(org.patch(f"{base}/{stdio['id']}", json={"transport": "http"}), 400)
    r = org.patch(f"{base}/{stdio['id']}", json={"transport": "sse", "config": HTTP})
    assert r.status_code == 200 and r.json()["environment_mcp"]["config"] == HTTP
    r = org.patch(f"{base}/{http['id']}", json={"transport": "sse"})  # same shape: allowed
    assert r.json()["environment_mcp"]["transport"] == "sse"
    assert_error(org.patch(f"{base}/{http['id']}", json={"name": "linear"}), 409)
    assert org.delete(f"{base}/{http['id']}").json() == {"success": True}
    assert_error(org.delete(f"{base}/{http['id']}"), 404)


def test_mcp_duplicate_name_conflicts(org):
    env = make_env(org)
    base = f"/v1/environments/{env['id']}/mcps"
    org.post(base, json={"name": "tools", "transport": "http", "config": HTTP})
    assert_error(org.post(base, json={"name": "tools", "transport": "stdio", "config": STDIO}), 409)


@pytest.mark.parametrize(
    "body",
    [
        {"name": "has space", "transport": "stdio", "config": STDIO},
        {"name": "replicas-internal", "transport": "stdio", "config": STDIO},
        {"name": "-leading", "transport": "stdio", "config": STDIO},
        {"name": "x" * 65, "transport": "stdio", "config": STDIO},
        {"name": "ok", "transport": "ftp", "config": STDIO},
        {"name": "ok", "transport": "stdio", "config": HTTP},
        {"name": "ok", "transport": "http", "config": STDIO},
        {"name": "ok", "transport": "http", "config": {"url": "not a url", "headers": {}}},
        {"name": "ok", "transport": "stdio", "config": {"command": "npx", "args": [1], "env": {}}},
        {"name": "ok", "transport": "stdio", "config": {"command": "npx", "args": []}},
        {"name": "ok", "transport": "stdio"},
    ],
)
def test_mcp_validation(org, body):
    assert_error(org.post("/v1/environments/global/mcps", json=body), 400)


# --- the service module parses what the emulator returns --------------------------------------
def test_service_module_round_trip(api):
    envs = api.list_environments(scope="all")
    assert any(e.is_global for e in envs.environments)
    env = api.create_environment({"name": unique("svc"), "repository_id": WEB_REPO}).environment
    var = api.create_environment_variable(env.id, {"key": "X", "value": "1"})
    assert var.environment_variable.value == "1"
    assert api.list_environment_variables(env.id).environment_variables[0].key == "X"
    mcp = api.create_environment_mcp(
        env.id, {"name": "svc", "transport": "stdio", "config": STDIO}
    ).environment_mcp
    assert mcp.name == "svc"
    assert api.list_repo_skills(env.id).repo_skills
    assert api.delete_environment(env.id).success is True


# --- the interface other areas use (in process) ----------------------------------------------
def test_store_interface_for_other_areas():
    from portal.emulator.app import build_store
    from portal.emulator.config import EmulatorConfig
    from portal.emulator.state import Principal

    store = build_store(EmulatorConfig())
    envs = store.environments
    assert envs.resolve("global")["is_global"] and envs.resolve("global")["id"] == envs.global_id
    assert envs.resolve(WEB)["repository_id"] == WEB_REPO
    assert envs.resolve(str(uuid.uuid4())) is None and envs.resolve("nope") is None
    # With a principal, personal environments are only visible to their owner.
    assert envs.resolve(ADA_WEB, Principal("personal", DEMO_USERS[0]["id"])) is not None
    assert envs.resolve(ADA_WEB, Principal("personal", DEMO_USERS[1]["id"])) is None
    assert envs.resolve(ADA_WEB, Principal("org", None)) is None
    assert [r["id"] for r in envs.repositories_for(WEB)] == [WEB_REPO]
    assert len(envs.repositories_for(PLATFORM)) == 2 and envs.repositories_for("global") == []
    summary = envs.runtime_summary(ADA_WEB)
    assert "FEATURE_FLAGS" in summary["env_vars_set"]  # Ada's override
    assert "GITHUB_PACKAGES_TOKEN" in summary["env_vars_set"]  # layered from Global
    assert "~/AGENTS.md" in summary["files_uploaded"]
    runtime = envs.runtime(ADA_WEB)
    assert runtime["variables"]["FEATURE_FLAGS"] == "checkout-v2,new-nav"
    claimed = envs.claim_warm_workspace(WEB)
    assert claimed is not None and claimed["status"] == "assigned"
    assert envs.claim_warm_workspace(environment_uuid("scratch")) is None  # pool disabled
    assert [a["name"] for a in store.automations.referencing(PLATFORM)]
