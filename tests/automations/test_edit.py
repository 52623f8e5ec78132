"""Create and edit an automation: every field and trigger type, the API's rules checked before
sending (duplicates, the cron rules, environments), the cron preview sharing the save's check,
a failed save keeping everything typed, a 400 next to its field, the webhook shown once, who
may create what, and the audit entries."""

from __future__ import annotations

import contextlib
import re

import httpx
import pytest
import respx

from portal.accounts.models import AuditEntry
from portal.automations.forms import AutomationForm, TriggerFormSet
from portal.automations.views.edit import place_refusal
from portal.replica_api import errors

from .conftest import (
    ADA_WEB,
    NIGHTLY,
    SCRATCH,
    WEB,
    WEB_REPO,
    audit_ops,
    text,
    unique,
)

HX_FORM = {"HX-Request": "true", "HX-Target": "automation-form"}
CRON_CARD = {"type": "cron", "schedule": "0 4 29 2 *", "timezone": "UTC"}


def form_data(cards: list[dict] | None = None, **fields) -> dict:
    data = {
        "name": unique("form"),
        "description": "",
        "scope": "org",
        "environment": WEB,
        "prompt": "Review open PRs and **leave comments**",
        "debounce_seconds": "",
        "workspace_size": "small",
        "workspace_lifecycle_policy": "default",
        "workspace_auto_stop_minutes": "",
        "agent_provider": "",
        "model": "",
        "thinking_level": "",
        "goal_mode": "",
        "fast_mode": "",
        "enabled": "on",
        "estimate_minutes": "15",
    }
    data.update(fields)
    cards = [CRON_CARD] if cards is None else cards
    data.update({"triggers-TOTAL_FORMS": str(len(cards)), "triggers-INITIAL_FORMS": "0",
                 "triggers-MIN_NUM_FORMS": "0", "triggers-MAX_NUM_FORMS": "20"})  # fmt: skip
    for index, card in enumerate(cards):
        for key, value in card.items():
            data[f"triggers-{index}-{key}"] = value
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def created(org_upstream, upstream, grace_upstream):
    """Ids of automations a test made through the portal, deleted afterwards."""
    ids: list[str] = []
    yield ids
    for automation_id in ids:
        for client in (org_upstream, upstream, grace_upstream):
            with contextlib.suppress(errors.NotFound):
                client.delete_automation(automation_id)
                break


def _created_id(response, created) -> str:
    assert response.status_code == 302, text(response)[:2000]
    match = re.match(r"^/automations/([0-9a-f-]{36})/$", response["Location"])
    assert match, response["Location"]
    created.append(match.group(1))
    return match.group(1)


# --- the page ---------------------------------------------------------------------------------
def test_the_new_page_offers_a_schedule_in_the_viewers_zone(ada):
    ada.cookies["portal_tz"] = "Europe/Paris"
    response = ada.get("/automations/new/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="triggers-0-timezone" value="Europe/Paris"' in body
    assert 'name="triggers-0-schedule" value="0 9 * * *"' in body
    assert "At 09:00 every day" in text(body) and "runs a month" in text(body)
    assert 'id="tz-names"' in body and '<option value="America/New_York">' in body
    assert "Inherit the org&#x27;s default agent" in body
    assert "$0.008/min" in body and "$0.016/min" in body  # sizes with their price


def test_admins_choose_whose_and_members_get_theirs(ada, grace):
    admin = ada.get("/automations/new/").content.decode()
    assert 'name="scope" value="org"' in admin and 'name="scope" value="user"' in admin
    member = grace.get("/automations/new/").content.decode()
    assert 'name="scope" value="org"' not in member and 'name="scope" value="user"' in member
    assert "Only org admins create the organisation's automations." in text(member)


def test_the_org_key_cannot_own_personal_automations(ada_as_org):
    org_key = ada_as_org.get("/automations/new/").content.decode()
    assert 'name="scope" value="user"' not in org_key
    assert "Personal automations need your own key" in text(org_key)


# --- create -----------------------------------------------------------------------------------
def test_create_a_scheduled_automation(ada, org_upstream, created):
    data = form_data(
        [{"type": "cron", "schedule": "0 9 * * 1-5", "timezone": "America/New_York"}],
        description="Weekday reviews",
        debounce_seconds="120",
        workspace_size="large",
        workspace_lifecycle_policy="delete_after_inactivity",
        workspace_auto_stop_minutes="30",
        agent_provider="claude",
        model="opus[1m]",
        thinking_level="high",
        fast_mode="on",
        plan_mode="on",
        pr_followups="on",
        keep_open_on_pr_merge="on",
    )
    automation_id = _created_id(ada.post("/automations/new/", data), created)
    a = org_upstream.get_automation(automation_id).automation
    assert a.name == data["name"] and a.description == "Weekday reviews"
    assert a.cron_expression == "0 9 * * 1-5" and a.cron_timezone == "America/New_York"
    assert a.user_id is None and str(a.environment_id) == WEB
    assert a.debounce_seconds == 120 and a.workspace_size.value == "large"
    assert a.workspace_lifecycle_policy.value == "delete_after_inactivity"
    assert a.workspace_auto_stop_minutes == 30
    assert (a.agent_provider.value, a.model, a.thinking_level.value) == (
        "claude",
        "opus[1m]",
        "high",
    )
    assert a.fast_mode is True and a.plan_mode is True and a.goal_mode is None
    assert a.config.capabilities.pr_followups is True
    assert a.config.preferences.keep_open_on_pr_merge is True
    entry = AuditEntry.objects.get(operation="createAutomation")
    assert entry.result == "ok" and automation_id in entry.target_id
    page = text(ada.get(f"/automations/{automation_id}/"))
    assert f"Automation {data['name']} created." in page


def test_create_with_every_trigger_type(ada, org_upstream, created):
    cards = [
        {"type": "github", "event": "pull_request.opened", "repository_ids": WEB_REPO,
         "group_pr_events": "on", "excluded_actors": "dependabot[bot], @renovate"},
        {"type": "gitlab", "event": "merge_request.merged"},
        {"type": "slack", "event": "message", "channel_ids": "C01 C02", "group_thread_replies": ""},
        {"type": "sentry", "event": "error.created", "project_slugs": "api,web", "min_level": "warning"},
        {"type": "custom"},
    ]  # fmt: skip
    automation_id = _created_id(ada.post("/automations/new/", form_data(cards)), created)
    a = org_upstream.get_automation(automation_id).automation
    got = [t.model_dump(mode="json", exclude_none=True) for t in a.triggers]
    assert got[0] == {"type": "github", "config": {
        "event": "pull_request.opened", "repository_ids": [WEB_REPO], "group_pr_events": True,
        "excluded_actors": ["dependabot[bot]", "@renovate"]}}  # fmt: skip
    assert got[1]["config"] == {"event": "merge_request.merged"}
    assert got[2]["config"] == {"event": "message", "channel_ids": ["C01", "C02"],
                                "group_thread_replies": False}  # fmt: skip
    assert got[3]["config"] == {"event": "error.created", "project_slugs": ["api", "web"],
                                "min_level": "warning"}  # fmt: skip
    assert got[4]["type"] == "custom" and a.webhook_token
    # The webhook URL and token are shown once, right after the save, then masked.
    first = ada.get(f"/automations/{automation_id}/").content.decode()
    assert a.webhook_token in first and "shown only this once" in first
    assert "curl -X POST" in first and "data-auto-copy" in first
    again = ada.get(f"/automations/{automation_id}/").content.decode()
    assert a.webhook_token not in again and "…••••" in again


def test_a_member_creates_a_personal_automation(grace, grace_upstream, created):
    data = form_data(scope="user", environment=SCRATCH)
    automation_id = _created_id(grace.post("/automations/new/", data), created)
    assert grace_upstream.get_automation(automation_id).automation.user_id is not None


def test_a_member_cannot_create_an_org_automation(grace):
    response = grace.post("/automations/new/", form_data(scope="org"))
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert audit_ops() == []


def test_an_org_automation_cannot_use_a_personal_environment(ada):
    response = ada.post("/automations/new/", form_data(environment=ADA_WEB))
    assert "can't run in a personal environment" in text(response)
    assert audit_ops() == []


def test_repository_triggers_need_a_bound_environment(ada):
    cards = [{"type": "github", "event": "pull_request.opened"}]
    response = ada.post("/automations/new/", form_data(cards, environment=SCRATCH))
    assert "GitHub and GitLab triggers need an environment that checks out a repository" in text(
        response
    )
    assert audit_ops() == []


@pytest.mark.parametrize(
    ("cards", "words"),
    [
        ([CRON_CARD, {"type": "cron", "schedule": "0 9 * * *", "timezone": "UTC"}],
         "An automation has at most one schedule; trigger 1 is one."),
        ([{"type": "github", "event": "pull_request.opened"}] * 2,
         "Trigger 1 already fires on “pull request opened”: the API allows one trigger per event."),
        ([{"type": "custom"}, {"type": "custom"}], "at most one custom webhook"),
        ([], "Add at least one trigger"),
        ([{"type": "github", "event": ""}], "Choose the event that fires it."),
    ],
)  # fmt: skip
def test_the_apis_trigger_rules_are_checked_before_sending(ada, cards, words):
    response = ada.post("/automations/new/", form_data(cards))
    assert response.status_code == 200 and words in text(response)
    assert audit_ops() == []


@pytest.mark.parametrize(
    ("schedule", "zone", "words"),
    [
        ("*/5 * * * *", "UTC", "at most once every 60 minutes"),
        ("0 25 * * *", "UTC", "The hour field (“25”) is not valid"),
        ("0 0 31 2 *", "UTC", "February never has a day 31"),
        ("0 9 * * *", "Mars/Base", "“Mars/Base” is not a time zone the portal knows"),
    ],
)
def test_a_bad_schedule_is_refused_before_sending(ada, schedule, zone, words):
    data = form_data([{"type": "cron", "schedule": schedule, "timezone": zone}])
    response = ada.post("/automations/new/", data, headers=HX_FORM)
    body = response.content.decode()
    assert words in text(body)
    assert body.strip().startswith('<form id="automation-form"')
    assert f'value="{schedule}"' in body and f'value="{data["name"]}"' in body  # kept
    assert audit_ops() == []


def test_a_failed_save_keeps_everything_typed(ada, faults):
    faults("POST", r"^/v1/automations$", 500)
    data = form_data(
        [CRON_CARD, {"type": "slack", "event": "message", "channel_ids": "C0KEEP"}],
        description="kept description",
        agent_provider="codex",
        model="gpt-5.5",
    )
    response = ada.post("/automations/new/", data, headers=HX_FORM)
    body = response.content.decode()
    assert "The Replica API had a problem" in text(body) and "Nothing you typed was lost" in text(
        body
    )
    for value in (data["name"], "kept description", "C0KEEP", "0 4 29 2 *"):
        assert value in body
    assert '<option value="gpt-5.5" selected>' in body
    assert "Review open PRs and **leave comments**" in body
    assert AuditEntry.objects.get(operation="createAutomation").result == "error"


def test_an_api_400_goes_next_to_its_field(ada, settings):
    refusal = httpx.Response(400, json={"error": "Invalid request body", "details":
        "Cron schedule '0 9 * * *' runs too often for this plan."})  # fmt: skip
    with respx.mock(base_url=settings.REPLICAS_API_URL, assert_all_called=False) as mock:
        mock.post("/v1/automations").mock(return_value=refusal)
        mock.route().pass_through()
        response = ada.post("/automations/new/", form_data(), headers=HX_FORM)
    body = response.content.decode()
    card = re.search(
        r'<fieldset class="trigger-card trigger-cron".*?Remove this trigger', body, re.S
    )
    assert "runs too often for this plan" in text(card.group(0))
    assert "Not saved: please correct what is marked below" in text(body)


def test_place_refusal_maps_the_apis_words_to_fields():
    def placed(details: str):
        form = AutomationForm(form_data(), environments=[{"id": WEB, "label": "web"}])
        formset = TriggerFormSet(form_data([CRON_CARD, {"type": "github", "event": "pull_request.opened"}]),
                                 prefix="triggers", form_kwargs={"repositories": []})  # fmt: skip
        form.is_valid(), formset.is_valid()
        ok = place_refusal(
            form, formset, errors.BadRequest("Invalid request body", details=details)
        )
        where = {name for name, errs in form.errors.items() if errs}
        for index, card in enumerate(formset.forms):
            where |= {f"{index}.{name}" for name, errs in card.errors.items() if errs}
        return ok, where

    assert placed("Environment 123 not found.") == (True, {"environment"})
    assert placed("Model 'x' is not supported by the claude agent.") == (True, {"model"})
    assert placed("Unknown timezone 'X': use an IANA name.") == (True, {"0.timezone"})
    assert placed("`triggers[1].config.repository_ids` names an unknown repository: x.") == (
        True, {"1.repository_ids"})  # fmt: skip
    assert placed("Thinking level `ultra` is only available for Codex.") == (
        True,
        {"thinking_level"},
    )
    assert placed("Something else entirely.") == (False, set())


def test_a_lost_create_is_found_again(ada, faults, created):
    faults("POST", r"^/v1/automations$", "drop-after", times=1)
    automation_id = _created_id(ada.post("/automations/new/", form_data()), created)
    assert automation_id


# --- adding and removing triggers, the agent's choices ------------------------------------------
def test_adding_and_removing_triggers_keeps_what_was_typed(ada):
    data = form_data(name="keep-me", prompt="typed prompt")
    data["add_trigger"] = "github"
    response = ada.post("/automations/new/", data, headers=HX_FORM)
    body = response.content.decode()
    assert "Trigger 2: GitHub" in text(body) and 'value="keep-me"' in body
    assert "typed prompt" in body and "field-errors" not in body  # not validated
    assert "A schedule (cron)" not in text(body)  # only one schedule: not offered again
    data = form_data([CRON_CARD, {"type": "slack", "event": "message"}], name="keep-me")
    data["remove_trigger"] = "0"
    body = ada.post("/automations/new/", data, headers=HX_FORM).content.decode()
    assert "Trigger 1: Slack" in text(body) and "on a schedule" not in text(body)
    assert 'value="keep-me"' in body and "A schedule (cron)" in text(body)
    assert audit_ops() == []


def test_without_javascript_the_agents_choices_are_refreshed(ada):
    data = form_data(agent_provider="codex", model="opus[1m]", refresh_agent="1")
    body = ada.post("/automations/new/", data).content.decode()
    assert '<option value="gpt-5.5">' in body and "opus[1m]" not in body


def test_agent_fields_follow_the_agent_and_clear_the_model(ada):
    codex = ada.get("/automations/agent-fields/", {"agent_provider": "codex", "model": "sonnet",
                                                    "thinking_level": "high"})  # fmt: skip
    body = codex.content.decode()
    assert body.strip().startswith('<div id="agent-fields"')
    assert '<option value="gpt-5.5">' in body and "sonnet" not in body
    assert '<option value="high" selected>' in body and '<option value="ultra">' in body
    assert 'name="goal_mode"' in body and "disabled" not in re.search(
        r'<select name="goal_mode".*?>', body).group(0)  # fmt: skip
    inherit = ada.get("/automations/agent-fields/", {"agent_provider": ""}).content.decode()
    assert re.search(r'<select name="model"[^>]*disabled', inherit)
    assert '<option value="ultra">' not in inherit and '<option value="max">' in inherit


def test_the_prompt_preview_renders_markdown(ada):
    response = ada.post("/automations/prompt-preview/", {"prompt": "Hello **there**"})
    assert "<strong>there</strong>" in response.content.decode()


# --- the cron preview -------------------------------------------------------------------------
def _preview(client, schedule, zone="America/New_York", **extra):
    data = form_data([{"type": "cron", "schedule": schedule, "timezone": zone}], **extra)
    response = client.post("/automations/cron-preview/", data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_preview_describes_the_schedule_and_its_next_runs(ada):
    ada.cookies["portal_tz"] = "Europe/London"
    body = _preview(ada, "0 9 * * 1-5")
    assert body.strip().startswith('<div id="cron-preview"')
    words = text(body)
    assert (
        "At 09:00 on weekdays , America/New_York" in words
        or "At 09:00 on weekdays, America/New_York" in words
    )
    assert len(re.findall(r"<tr><td>", body)) == 5
    assert "Your time (Europe/London)" in words and " in " in words
    assert re.search(r"About \d+\.\d runs a month", words)
    assert "At 15 min each on a small workspace ($0.008/min)" in words


def test_the_preview_estimates_the_cost_at_the_chosen_size_and_run_length(ada):
    words = text(_preview(ada, "0 0 * * *", "UTC", workspace_size="large", estimate_minutes="60"))
    assert "At 60 min each on a large workspace ($0.016/min)" in words
    assert re.search(r"about \$2[89]\.\d\d a month", words)  # ~30.4 runs x 60 min x $0.016


def test_the_preview_names_the_bad_field_and_the_rule(ada):
    assert "Hour: The hour field" in text(_preview(ada, "0 24 * * *"))
    impossible = text(_preview(ada, "0 0 31 2 *"))
    assert "Day of month: Impossible date: February never has a day 31" in impossible
    rule = text(_preview(ada, "*/5 * * * *"))
    assert "Too often." in rule and "at most once every 60 minutes" in rule
    assert "won't be saved like this" in rule


def test_the_preview_warns_of_daylight_saving(ada):
    words = text(_preview(ada, "30 2 * * *"))
    assert "Daylight saving changes its runs" in words
    assert "go forward from 02:00 to 03:00, so 02:30 doesn’t exist that day" in words


def test_the_preview_needs_sign_in_only(client, db):
    assert client.post("/automations/cron-preview/", {}).status_code == 302


# --- edit -------------------------------------------------------------------------------------
def test_edit_shows_the_automation_and_saves_changes(ada, make, org_upstream):
    a = make(
        agent_provider="claude", model="sonnet",
        triggers=[{"type": "cron", "config": {"schedule": "0 17 * * 5", "timezone": "Europe/London"}}],
    )  # fmt: skip
    page = ada.get(f"/automations/{a.id}/edit/").content.decode()
    assert f'value="{a.name}"' in page and 'value="0 17 * * 5"' in page
    assert 'value="Europe/London"' in page and "At 17:00 on Friday" in text(page)
    assert 'name="scope"' not in page  # set on create only
    data = form_data(
        [{"type": "cron", "schedule": "0 8 * * 1", "timezone": "Europe/London"}, {"type": "custom"}],
        name=a.name + "-renamed", agent_provider="codex", model="",
    )  # fmt: skip
    data.pop("scope")
    response = ada.post(f"/automations/{a.id}/edit/", data)
    assert response.status_code == 302 and response["Location"] == f"/automations/{a.id}/"
    after = org_upstream.get_automation(str(a.id)).automation
    assert after.name == a.name + "-renamed" and after.cron_expression == "0 8 * * 1"
    assert after.agent_provider.value == "codex" and after.model is None  # the model cleared
    assert AuditEntry.objects.get(operation="updateAutomation").result == "ok"
    shown = ada.get(f"/automations/{a.id}/").content.decode()
    assert after.webhook_token in shown  # the new webhook, shown once


def test_a_member_cannot_edit_an_org_automation(grace, make):
    a = make()
    page = grace.get(f"/automations/{a.id}/edit/")
    assert page.status_code == 403
    assert "Only org admins can change the organisation's automations" in text(page)
    assert (
        'id="automation-form"' in page.content.decode() and "<form id" not in page.content.decode()
    )
    grace.post(f"/automations/{a.id}/edit/", form_data())
    assert audit_ops() == []


def test_a_member_edits_their_own(grace, make, grace_upstream):
    mine = make(as_="grace", environment_id=SCRATCH)
    data = form_data(name=mine.name, environment=SCRATCH, prompt="new prompt")
    data.pop("scope")
    response = grace.post(f"/automations/{mine.id}/edit/", data)
    assert response.status_code == 302
    assert grace_upstream.get_automation(str(mine.id)).automation.prompt == "new prompt"


def test_editing_a_seeded_automation_round_trips_its_settings(ada, org_upstream):
    before = org_upstream.get_automation(NIGHTLY).automation
    page = ada.get(f"/automations/{NIGHTLY}/edit/").content.decode()
    for expected in ('<option value="claude" selected>', '<option value="sonnet" selected>',
                     '<option value="high" selected>', '<option value="archive_when_done" selected>'):  # fmt: skip
        assert expected in page
    assert 'value="0 3 * * *"' in page and before.name in page


def test_without_javascript_check_the_schedule_previews_what_was_typed(ada):
    data = form_data([{"type": "cron", "schedule": "30 2 * * *", "timezone": "America/New_York"}],
                     name="", preview="1")  # fmt: skip
    response = ada.post("/automations/new/", data)
    words = text(response)
    assert "At 02:30 every day , America/New_York" in words
    assert "go forward from 02:00 to 03:00" in words
    assert "field-errors" not in response.content.decode()  # nothing validated, nothing sent
    assert audit_ops() == []


def test_an_org_automation_cannot_move_to_a_personal_environment(ada, make):
    a = make()
    data = form_data(name=a.name, environment=ADA_WEB)
    data.pop("scope")
    response = ada.post(f"/automations/{a.id}/edit/", data)
    assert "can't run in a personal environment" in text(response)
    assert audit_ops() == []
