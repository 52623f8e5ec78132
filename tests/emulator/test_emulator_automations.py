"""Emulator: automations, executions, the custom webhook and key-based visibility."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from cronsim import CronSim

from portal.emulator.environments import environment_uuid, repository_uuid
from portal.emulator.seed_automations import DEPLOY_NOTES_TOKEN, GRACE_TOKEN, automation_uuid
from portal.emulator.state import DEMO_USERS
from tests.emulator.conftest import assert_error

pytestmark = pytest.mark.emulator

WEB = environment_uuid("web")
ADA_WEB = environment_uuid("ada-web")
SCRATCH = environment_uuid("scratch")
WEB_REPO = repository_uuid("acme/web")
ADA = DEMO_USERS[0]["id"]
GRACE = DEMO_USERS[1]["id"]
CRON = {"type": "cron", "config": {"schedule": "0 9 * * 1-5", "timezone": "America/New_York"}}
CUSTOM = {"type": "custom", "config": {}}
# Automations that count their executions use a schedule the scheduler won't reach mid-test.
RARE = {"type": "cron", "config": {"schedule": "0 4 29 2 *"}}


def unique(prefix: str = "auto") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def create(c: httpx.Client, **fields) -> dict:
    body = {
        "name": unique(),
        "prompt": "Do the thing",
        "environment_id": WEB,
        "triggers": [RARE],
        **fields,
    }
    r = c.post("/v1/automations", json=body)
    assert r.status_code == 201, r.text
    return r.json()["automation"]


def wait_for(fn, timeout: float = 8.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


# --- create / read / update / delete -----------------------------------------------------------
def test_create_cron_automation_with_defaults(org):
    a = create(org, triggers=[CRON])
    assert a["enabled"] is True and a["user_id"] is None and a["created_by"] is None
    assert a["cron_expression"] == "0 9 * * 1-5" and a["cron_timezone"] == "America/New_York"
    assert a["workspace_size"] == "small" and a["workspace_lifecycle_policy"] == "default"
    assert a["webhook_token"] is None and a["description"] is None
    assert a["config"]["capabilities"]["pr_followups"] is False
    assert org.get(f"/v1/automations/{a['id']}").json()["automation"] == a


def test_cron_next_fire_is_computed_in_the_timezone(org):
    a = create(org, triggers=[CRON])
    zone = ZoneInfo("America/New_York")
    expected = next(CronSim("0 9 * * 1-5", datetime.now(zone))).astimezone(UTC)
    got = datetime.fromisoformat(a["cron_next_fire_at"].replace("Z", "+00:00"))
    assert got == expected
    local = got.astimezone(zone)
    assert (local.hour, local.minute) == (9, 0) and local.weekday() < 5
    utc = create(org, triggers=[{"type": "cron", "config": {"schedule": "@hourly"}}])
    assert utc["cron_timezone"] == "UTC" and utc["cron_next_fire_at"].endswith(":00:00.000Z")


def test_disabling_clears_next_fire_and_reenabling_restores_it(org):
    a = create(org)
    off = org.patch(f"/v1/automations/{a['id']}", json={"enabled": False}).json()["automation"]
    assert off["enabled"] is False and off["cron_next_fire_at"] is None
    on = org.patch(f"/v1/automations/{a['id']}", json={"enabled": True}).json()["automation"]
    assert on["cron_next_fire_at"] == a["cron_next_fire_at"]


@pytest.mark.parametrize(
    "trigger",
    [
        {"type": "github", "config": {"event": "pull_request.opened", "repository_ids": [WEB_REPO],
                                      "group_pr_events": True, "excluded_actors": ["bot"]}},
        {"type": "gitlab", "config": {"event": "merge_request.opened"}},
        {"type": "slack", "config": {"event": "message", "channel_ids": ["C1"]}},
        {"type": "sentry", "config": {"event": "issue.created", "min_level": "error"}},
        CUSTOM,
    ],
)  # fmt: skip
def test_every_trigger_type(org, trigger):
    a = create(org, triggers=[trigger])
    assert a["triggers"][0]["type"] == trigger["type"]
    for key, value in trigger["config"].items():
        assert a["triggers"][0]["config"][key] == value
    assert a["cron_expression"] is None and a["cron_next_fire_at"] is None
    assert (a["webhook_token"] is not None) == (trigger["type"] == "custom")


def test_event_triggers_may_be_combined(org):
    a = create(
        org,
        triggers=[
            CRON,
            {"type": "github", "config": {"event": "pull_request.opened"}},
            {"type": "gitlab", "config": {"event": "merge_request.opened"}},
            CUSTOM,
        ],
    )
    assert [t["type"] for t in a["triggers"]] == ["cron", "github", "gitlab", "custom"]


@pytest.mark.parametrize(
    "override",
    [
        {"name": None},
        {"name": ""},
        {"prompt": 3},
        {"environment_id": "global"},
        {"environment_id": str(uuid.uuid4())},
        {"environment_id": ADA_WEB},  # org automation in a personal environment
        {"triggers": []},
        {"triggers": "cron"},
        {"triggers": [{"type": "email", "config": {}}]},
        {"triggers": [{"type": "cron"}]},
        {"triggers": [{"type": "cron", "config": {"schedule": "every day"}}]},
        {"triggers": [{"type": "cron", "config": {"schedule": "0 25 * * *"}}]},
        {"triggers": [{"type": "cron", "config": {"schedule": "* * * * * *"}}]},
        {"triggers": [{"type": "cron", "config": {"schedule": "0 9 * * *", "timezone": "Mars/Base"}}]},
        {"triggers": [CRON, RARE]},
        {"triggers": [{"type": "github", "config": {"event": "pull_request.opened"}}] * 2},
        {"triggers": [{"type": "github", "config": {"event": "push"}}]},
        {"triggers": [{"type": "github", "config": {"event": "pull_request.opened",
                                                    "repository_ids": ["nope"]}}]},
        {"triggers": [{"type": "sentry", "config": {"event": "issue.created", "min_level": "loud"}}]},
        {"triggers": [{"type": "github", "config": {"event": "pull_request.opened"}}],
         "environment_id": SCRATCH},  # repository events need a bound environment
        {"scope": "team"},
        {"enabled": "yes"},
        {"debounce_seconds": -1},
        {"debounce_seconds": 86401},
        {"workspace_lifecycle_policy": "forever"},
        {"workspace_auto_stop_minutes": 2},
        {"workspace_size": "huge"},
        {"agent_provider": "gemini"},
        {"model": "sonnet"},  # needs agent_provider
        {"agent_provider": "claude", "model": "gpt-5.5"},
        {"agent_provider": "claude", "thinking_level": "ultra"},
        {"thinking_level": "extreme"},
        {"config": "x"},
        {"goal_mode": "no"},
    ],
)  # fmt: skip
def test_create_validation(org, override):
    body = {"name": unique(), "prompt": "p", "environment_id": WEB, "triggers": [CRON], **override}
    assert_error(org.post("/v1/automations", json=body), 400)


@pytest.mark.parametrize("missing", ["name", "prompt", "environment_id", "triggers"])
def test_create_requires_fields(org, missing):
    body = {"name": unique(), "prompt": "p", "environment_id": WEB, "triggers": [CRON]}
    del body[missing]
    assert_error(org.post("/v1/automations", json=body), 400)


def test_update_patch_semantics(org):
    a = create(
        org,
        description="before",
        agent_provider="claude",
        model="opus[1m]",
        thinking_level="high",
        debounce_seconds=30,
    )
    r = org.patch(f"/v1/automations/{a['id']}", json={"name": "renamed", "workspace_size": "large"})
    assert r.status_code == 200, r.text
    b = r.json()["automation"]
    assert b["name"] == "renamed" and b["workspace_size"] == "large"
    assert b["description"] == "before" and b["model"] == "opus[1m]" and b["debounce_seconds"] == 30
    # Changing the provider without a model clears the model; null clears overrides.
    c = org.patch(f"/v1/automations/{a['id']}", json={"agent_provider": "codex"}).json()
    assert c["automation"]["agent_provider"] == "codex" and c["automation"]["model"] is None
    d = org.patch(
        f"/v1/automations/{a['id']}",
        json={"agent_provider": None, "thinking_level": None, "debounce_seconds": None},
    ).json()["automation"]
    assert (d["agent_provider"], d["thinking_level"], d["debounce_seconds"]) == (None, None, None)
    assert_error(org.patch(f"/v1/automations/{a['id']}", json={"model": "sonnet"}), 400)
    assert_error(org.patch(f"/v1/automations/{a['id']}", json={"triggers": []}), 400)
    assert_error(org.patch(f"/v1/automations/{a['id']}", json={"description": None}), 400)


def test_update_triggers_manages_webhook_token(org):
    a = create(org)
    with_custom = org.patch(f"/v1/automations/{a['id']}", json={"triggers": [CRON, CUSTOM]})
    token = with_custom.json()["automation"]["webhook_token"]
    assert token
    same = org.patch(f"/v1/automations/{a['id']}", json={"triggers": [CUSTOM]}).json()
    assert same["automation"]["webhook_token"] == token
    assert same["automation"]["cron_expression"] is None
    gone = org.patch(f"/v1/automations/{a['id']}", json={"triggers": [CRON]}).json()
    assert gone["automation"]["webhook_token"] is None
    assert httpx.post(f"{org.base_url}/v1/automations/webhook/{token}", json={}).status_code == 404


def test_delete(org):
    a = create(org)
    assert org.delete(f"/v1/automations/{a['id']}").json() == {"success": True}
    assert_error(org.get(f"/v1/automations/{a['id']}"), 404)
    assert_error(org.delete(f"/v1/automations/{a['id']}"), 404)
    assert_error(org.get(f"/v1/automations/{a['id']}/executions"), 404)
    assert_error(org.get("/v1/automations/not-a-uuid"), 404)


# --- org vs personal keys -----------------------------------------------------------------------
def test_personal_automations_belong_to_their_owner(org, ada, grace):
    mine = create(ada, scope="user", environment_id=ADA_WEB)
    assert mine["user_id"] == ADA and mine["created_by"] == ADA
    assert ada.get(f"/v1/automations/{mine['id']}").status_code == 200
    for other in (org, grace):
        assert_error(other.get(f"/v1/automations/{mine['id']}"), 404)
        assert_error(other.patch(f"/v1/automations/{mine['id']}", json={"enabled": False}), 404)
        assert_error(other.post(f"/v1/automations/{mine['id']}/trigger", json={}), 404)
        assert_error(other.get(f"/v1/automations/{mine['id']}/executions"), 404)
        assert_error(other.delete(f"/v1/automations/{mine['id']}"), 404)
    assert ada.delete(f"/v1/automations/{mine['id']}").status_code == 200


def test_org_key_cannot_create_personal_automations(org):
    body = {"name": unique(), "prompt": "p", "environment_id": WEB, "triggers": [CRON]}
    assert_error(org.post("/v1/automations", json={**body, "scope": "user"}), 400)


def test_personal_key_manages_org_automations(org, grace):
    a = create(grace)
    assert a["user_id"] is None and a["created_by"] == GRACE
    assert org.get(f"/v1/automations/{a['id']}").status_code == 200
    assert grace.patch(f"/v1/automations/{a['id']}", json={"enabled": False}).status_code == 200


def test_list_scopes(org, ada, grace):
    def ids(c, **params):
        r = c.get("/v1/automations", params={"limit": 100, **params})
        assert r.status_code == 200, r.text
        return {a["id"]: a for a in r.json()["automations"]}

    ada_standup = automation_uuid("ada-daily-standup")
    grace_cleanup = automation_uuid("grace-weekly-cleanup")
    nightly = automation_uuid("nightly-dependency-audit")
    default = ids(ada)
    assert nightly in default and ada_standup not in default
    assert all(a["user_id"] is None for a in default.values())
    user = ids(ada, scope="user")
    assert ada_standup in user and grace_cleanup not in user and nightly not in user
    everything = ids(ada, scope="all")
    assert {ada_standup, nightly} <= set(everything) and grace_cleanup not in everything
    assert grace_cleanup in ids(grace, scope="all") and ada_standup not in ids(grace, scope="all")
    assert ids(org, scope="user") == {}
    assert not any(a["user_id"] for a in ids(org, scope="all").values())


# --- list filters and pagination ------------------------------------------------------------------
def test_list_filters(org):
    tag = uuid.uuid4().hex[:8]
    create(org, name=f"Filter-{tag}-cron")
    create(org, name=f"filter-{tag}-custom", triggers=[CUSTOM], enabled=False)
    found = org.get("/v1/automations", params={"search": f"  FILTER-{tag} "}).json()
    assert found["total"] == 2
    customs = org.get("/v1/automations", params={"search": tag, "trigger_type": "custom"}).json()
    assert [a["name"] for a in customs["automations"]] == [f"filter-{tag}-custom"]
    enabled = org.get("/v1/automations", params={"search": tag, "enabled": "true"}).json()
    assert [a["name"] for a in enabled["automations"]] == [f"Filter-{tag}-cron"]
    everything = org.get("/v1/automations", params={"search": tag, "trigger_type": "all"}).json()
    assert everything["total"] == 2
    seeded = org.get("/v1/automations", params={"enabled": "false"}).json()["automations"]
    assert automation_uuid("sentry-autofix") in [a["id"] for a in seeded]


def test_list_pagination(org):
    tag = uuid.uuid4().hex[:8]
    made = [create(org, name=f"page-{tag}-{i}")["id"] for i in range(5)]
    first = org.get("/v1/automations", params={"search": tag, "limit": 2}).json()
    assert (first["total"], first["page"], first["limit"], first["totalPages"]) == (5, 1, 2, 3)
    pages = [
        org.get("/v1/automations", params={"search": tag, "limit": 2, "page": p}).json()
        for p in (1, 2, 3, 4)
    ]
    seen = [a["id"] for page in pages for a in page["automations"]]
    assert sorted(seen) == sorted(made) and len(seen) == 5  # newest first, no overlap
    assert seen[0] == made[-1]
    assert pages[3]["automations"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"trigger_type": "email"},
        {"enabled": "maybe"},
        {"scope": "team"},
        {"page": 0},
        {"limit": 101},
        {"limit": "ten"},
    ],
)
def test_list_rejects_bad_parameters(org, params):
    assert_error(org.get("/v1/automations", params=params), 400)


# --- trigger and executions ---------------------------------------------------------------------
def test_trigger_creates_an_execution(org):
    a = create(org)
    r = org.post(f"/v1/automations/{a['id']}/trigger", json={"payload": {"reason": "test"}})
    assert r.status_code == 200, r.text
    execution_id = r.json()["execution_id"]
    assert "workspace_id" in r.json()
    executions = org.get(f"/v1/automations/{a['id']}/executions").json()
    assert executions["total"] == 1
    execution = executions["executions"][0]
    assert execution["id"] == execution_id and execution["automation_id"] == a["id"]
    assert execution["trigger_payload"] == {"trigger": "manual", "payload": {"reason": "test"}}
    assert execution["workspace_id"] == r.json()["workspace_id"]
    assert execution["status"] in ("running", "failed", "completed")
    assert execution["config"] == a["config"]
    done = wait_for(
        lambda: (
            org.get(f"/v1/automations/{a['id']}/executions").json()["executions"][0]["status"]
            in ("completed", "failed")
        )
    )
    assert done
    final = org.get(f"/v1/automations/{a['id']}/executions").json()["executions"][0]
    assert final["completed_at"] is not None


def test_trigger_without_body(org):
    a = create(org)
    r = org.post(f"/v1/automations/{a['id']}/trigger")
    assert r.status_code == 200, r.text


def test_trigger_rules(org):
    custom = create(org, triggers=[CUSTOM])
    assert_error(org.post(f"/v1/automations/{custom['id']}/trigger", json={}), 400)
    disabled = create(org, enabled=False)
    assert_error(org.post(f"/v1/automations/{disabled['id']}/trigger", json={}), 400)
    cron = create(org)
    body = {"payload": "not an object"}
    assert_error(org.post(f"/v1/automations/{cron['id']}/trigger", json=body), 400)
    assert_error(org.post(f"/v1/automations/{uuid.uuid4()}/trigger", json={}), 404)


def test_trigger_against_a_pull_request(org):
    a = create(org, triggers=[{"type": "github", "config": {"event": "pull_request.command"}}])
    pr = {"repository_id": WEB_REPO, "number": 482}
    r = org.post(f"/v1/automations/{a['id']}/trigger", json={"pr": pr})
    assert r.status_code == 200, r.text
    execution = org.get(f"/v1/automations/{a['id']}/executions").json()["executions"][0]
    assert execution["trigger_payload"]["pr"] == pr
    other_repo = {"repository_id": repository_uuid("acme/api"), "number": 1}
    assert_error(org.post(f"/v1/automations/{a['id']}/trigger", json={"pr": other_repo}), 400)
    assert_error(org.post(f"/v1/automations/{a['id']}/trigger", json={"pr": {"number": 1}}), 400)
    cron = create(org)
    assert_error(org.post(f"/v1/automations/{cron['id']}/trigger", json={"pr": pr}), 400)


def test_seeded_executions_cover_every_status(org, ada):
    statuses = set()
    for c in (org, ada):
        for a in c.get("/v1/automations", params={"scope": "all", "limit": 100}).json()[
            "automations"
        ]:
            for e in c.get(f"/v1/automations/{a['id']}/executions").json()["executions"]:
                statuses.add(e["status"])
                if e["status"] == "failed":
                    assert e["error"] and e["completed_at"]
    assert statuses >= {"pending", "creating", "running", "completed", "failed"}


def test_executions_pagination(org):
    nightly = automation_uuid("nightly-dependency-audit")
    all_of = org.get(f"/v1/automations/{nightly}/executions").json()
    assert all_of["total"] >= 4 and all_of["page"] == 1 and all_of["limit"] == 20
    triggered = [e["triggered_at"] for e in all_of["executions"]]
    assert triggered == sorted(triggered, reverse=True)
    page = org.get(f"/v1/automations/{nightly}/executions", params={"limit": 2, "page": 2}).json()
    assert page["executions"] == all_of["executions"][2:4]
    assert page["totalPages"] == -(-all_of["total"] // 2)


# --- custom webhook -------------------------------------------------------------------------------
def test_webhook_fires_an_execution(org, emulator):
    a = create(org, triggers=[CUSTOM])
    url = f"{emulator.url}/v1/automations/webhook/{a['webhook_token']}"
    r = httpx.post(url, json={"service": "api", "version": "2.0"})  # no API key
    assert r.status_code == 202 and r.json() == {"accepted": True}
    executions = org.get(f"/v1/automations/{a['id']}/executions").json()["executions"]
    assert len(executions) == 1
    assert executions[0]["trigger_payload"] == {
        "trigger": "custom",
        "payload": {"service": "api", "version": "2.0"},
    }
    assert executions[0]["status"] in ("pending", "creating", "running")
    # The operation's description says non-JSON bodies are wrapped as {"raw": ...}, though its
    # request schema only lists application/json: the checker flags it, so clear that one.
    assert not emulator.control("contract")["violations"]
    raw = httpx.post(url, content=b"plain text", headers={"content-type": "text/plain"})
    assert raw.status_code == 202
    emulator.control("contract/clear", {})
    latest = org.get(f"/v1/automations/{a['id']}/executions").json()["executions"][0]
    assert latest["trigger_payload"]["payload"] == {"raw": "plain text"}
    assert httpx.post(url).status_code == 202  # an empty body is fine too


def test_webhook_unknown_disabled_or_too_large(org, emulator):
    assert httpx.post(f"{emulator.url}/v1/automations/webhook/whk_nope", json={}).status_code == 404
    a = create(org, triggers=[CUSTOM], enabled=False)
    url = f"{emulator.url}/v1/automations/webhook/{a['webhook_token']}"
    assert httpx.post(url, json={}).status_code == 404
    org.patch(f"/v1/automations/{a['id']}", json={"enabled": True})
    big = httpx.post(url, content=b"x" * (256 * 1024 + 1))
    assert big.status_code == 413
    exactly = b'"' + b"y" * (256 * 1024 - 2) + b'"'  # a JSON string of exactly 256KB
    ok = httpx.post(url, content=exactly, headers={"content-type": "application/json"})
    assert ok.status_code == 202
    assert org.get(f"/v1/automations/{a['id']}/executions").json()["total"] == 1


def test_seeded_webhook_tokens(emulator):
    r = httpx.post(f"{emulator.url}/v1/automations/webhook/{DEPLOY_NOTES_TOKEN}", json={"v": 1})
    assert r.status_code == 202
    assert GRACE_TOKEN.startswith("whk_")


def test_webhook_debounce_coalesces_a_burst(org, emulator):
    a = create(org, triggers=[CUSTOM], debounce_seconds=60)
    url = f"{emulator.url}/v1/automations/webhook/{a['webhook_token']}"
    for n in range(3):
        assert httpx.post(url, json={"n": n}).status_code == 202
    executions = org.get(f"/v1/automations/{a['id']}/executions").json()["executions"]
    assert len(executions) == 1 and executions[0]["status"] == "pending"
    assert executions[0]["trigger_payload"]["payload"] == {"n": 2}


def test_webhook_execution_runs_to_completion(org, emulator):
    a = create(org, triggers=[CUSTOM])
    httpx.post(f"{emulator.url}/v1/automations/webhook/{a['webhook_token']}", json={})

    def finished():
        e = org.get(f"/v1/automations/{a['id']}/executions").json()["executions"][0]
        return e if e["status"] in ("completed", "failed") else None

    execution = wait_for(finished)
    assert execution and execution["completed_at"]


# --- simulated provider events and the scheduler (control routes) ----------------------------------
def test_simulated_github_event_fires_matching_automations(org, emulator):
    a = create(
        org,
        triggers=[
            {
                "type": "github",
                "config": {"event": "pull_request.opened", "excluded_actors": ["@dependabot[bot]"]},
            }
        ],
    )
    event = {"type": "github", "event": "pull_request.opened", "repository_id": WEB_REPO}
    fired = emulator.control("automation-events", {**event, "actor": "grace"})["fired"]
    assert a["id"] in [f["automation_id"] for f in fired]
    skipped = emulator.control("automation-events", {**event, "actor": "Dependabot[bot]"})
    assert a["id"] not in [f["automation_id"] for f in skipped["fired"]]
    assert org.get(f"/v1/automations/{a['id']}/executions").json()["total"] == 1


def test_control_fire_cron(org, emulator):
    a = create(org)
    execution = emulator.control(f"automations/{a['id']}/fire-cron", {})["execution"]
    assert execution["trigger_payload"]["trigger"] == "cron"
    assert org.get(f"/v1/automations/{a['id']}/executions").json()["total"] == 1


# --- the service module parses what the emulator returns --------------------------------------
def test_service_module_round_trip(api, personal_api):
    listed = api.list_automations(limit=5)
    assert listed.limit == 5 and listed.automations
    created = personal_api.create_automation(
        {
            "name": unique("svc"),
            "scope": "user",
            "prompt": "p",
            "environment_id": ADA_WEB,
            "triggers": [RARE],
        }
    ).automation
    assert str(created.user_id) == ADA
    triggered = personal_api.trigger_automation(created.id, {})
    executions = personal_api.list_automation_executions(created.id)
    assert executions.executions[0].id == triggered.execution_id
    assert executions.total == 1
    assert personal_api.delete_automation(created.id).success is True


# --- the docs' rules: the 60-minute minimum and the switch-off after 5 failed runs -----------------
@pytest.mark.parametrize(
    "schedule", ["*/5 * * * *", "* * * * *", "0,30 9 * * *", "*/30 9-17 * * 1-5", "0,59 0,23 * * *"]
)
def test_cron_more_frequent_than_hourly_is_refused(org, schedule):
    trigger = {"type": "cron", "config": {"schedule": schedule}}
    body = {"name": unique(), "prompt": "p", "environment_id": WEB, "triggers": [trigger]}
    r = org.post("/v1/automations", json=body)
    assert_error(r, 400)
    assert "60 minutes" in r.json()["details"]
    a = create(org)
    assert_error(org.patch(f"/v1/automations/{a['id']}", json={"triggers": [trigger]}), 400)


@pytest.mark.parametrize("schedule", ["0 * * * *", "@hourly", "0 */2 * * *", "0 0,23 * * *"])
def test_hourly_or_rarer_cron_is_accepted(org, schedule):
    a = create(org, triggers=[{"type": "cron", "config": {"schedule": schedule}}])
    assert a["cron_expression"] == schedule


def test_five_failed_runs_in_a_row_switch_an_automation_off(org, emulator):
    a = create(org)
    four = emulator.control(f"automations/{a['id']}/fail-run", {"times": 4})
    assert four["enabled"] is True and four["consecutive_failures"] == 4
    still = org.get(f"/v1/automations/{a['id']}").json()["automation"]
    assert still["enabled"] is True and still["cron_next_fire_at"] is not None
    fifth = emulator.control(f"automations/{a['id']}/fail-run", {"error": "boom"})
    assert fifth["enabled"] is False and fifth["consecutive_failures"] == 5
    off = org.get(f"/v1/automations/{a['id']}").json()["automation"]
    assert off["enabled"] is False and off["cron_next_fire_at"] is None
    executions = org.get(f"/v1/automations/{a['id']}/executions").json()["executions"]
    assert [e["status"] for e in executions] == ["failed"] * 5
    assert executions[0]["error"] == "boom" and executions[0]["completed_at"]


def test_a_completed_run_breaks_the_run_of_failures(org, emulator):
    a = create(org)
    emulator.control(f"automations/{a['id']}/fail-run", {"times": 4})
    org.post(f"/v1/automations/{a['id']}/trigger", json={})

    def finished():
        e = org.get(f"/v1/automations/{a['id']}/executions").json()["executions"][0]
        return e["status"] in ("completed", "failed")

    assert wait_for(finished)
    after = emulator.control(f"automations/{a['id']}/fail-run", {"times": 4})
    assert after["consecutive_failures"] == 4 and after["enabled"] is True


def test_fail_run_control_checks_its_input(emulator):
    url = f"{emulator.url}/_emulator/automations"
    assert httpx.post(f"{url}/{uuid.uuid4()}/fail-run", json={}).status_code == 404
    flaky = automation_uuid("flaky-e2e-suite")
    assert httpx.post(f"{url}/{flaky}/fail-run", json={"times": 0}).status_code == 400


def test_seeded_failure_streaks(org):
    flaky = org.get(f"/v1/automations/{automation_uuid('flaky-e2e-suite')}").json()["automation"]
    assert flaky["enabled"] is True
    runs = org.get(f"/v1/automations/{flaky['id']}/executions").json()["executions"]
    assert [e["status"] for e in runs[:4]] == ["failed", "failed", "failed", "completed"]
    docs = org.get(f"/v1/automations/{automation_uuid('docs-sync')}").json()["automation"]
    assert docs["enabled"] is False and docs["cron_next_fire_at"] is None
    runs = org.get(f"/v1/automations/{docs['id']}/executions").json()["executions"]
    assert [e["status"] for e in runs[:6]] == ["failed"] * 5 + ["completed"]
