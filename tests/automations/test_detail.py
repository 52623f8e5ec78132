"""An automation's page: what it is, its runs (paged, followed), the enabled switch, run now
(schedule and pull request), the webhook shown once and its test event, delete; who may do
what, refusals in words, failures in their box, and the audit entries."""

from __future__ import annotations

import json
import re
import time
import uuid

from portal.accounts.models import AuditEntry

from .conftest import (
    ADA_STANDUP,
    DEPLOY_NOTES,
    DOCS_SYNC,
    FLAKY,
    GRACE_CLEANUP,
    NIGHTLY,
    PR_COMMAND,
    WEB_REPO,
    audit_ops,
    text,
    unique,
)

HX = {"HX-Request": "true"}
CUSTOM = {"type": "custom", "config": {}}


def hx(target: str) -> dict:
    return {**HX, "HX-Target": target}


def _box(body: str, box: str) -> str:
    match = re.search(rf'<section id="{box}".*?</section>', body, flags=re.S)
    assert match, f"no #{box}"
    return match.group(0)


# --- the page ---------------------------------------------------------------------------------
def test_the_page_says_what_it_is_and_when_it_runs(ada):
    response = ada.get(f"/automations/{NIGHTLY}/")
    assert response.status_code == 200
    words = text(response)
    assert "nightly-dependency-audit" in words and "the organisation's" in words
    assert "At 03:00 every day, UTC" in words
    assert re.search(r"Next run [A-Z][a-z]{2} \d+ [A-Z][a-z]{2} \d{4}, 03:00 \(in \d+ h", words)
    assert "Claude Code · sonnet · thinking high" in words
    assert "Edit" in words and "Delete" in words and "Run now" in words
    runs = text(_box(response.content.decode(), "executions"))
    assert "completed" in runs and "failed" in runs and "running" in runs
    assert "Could not create the workspace: warm pool exhausted" in runs
    assert "manual" not in runs and "cron" in runs


def test_runs_link_their_replica_and_show_their_payload(ada):
    body = ada.get(f"/automations/{NIGHTLY}/").content.decode()
    runs = _box(body, "executions")
    assert re.search(r'href="/replicas/[0-9a-f-]{36}/"', runs)
    assert "Trigger payload" in runs and "&quot;scheduled_for&quot;" in runs
    assert 'data-poll-url="/automations/' in runs  # it follows new runs


def test_runs_are_paged(ada):
    first = ada.get(f"/automations/{NIGHTLY}/executions/?page=1", headers=hx("executions"))
    body = first.content.decode()
    assert body.strip().startswith('<section id="executions"') and "<html" not in body
    tiny = ada.get(f"/automations/{NIGHTLY}/executions/?page=9")
    assert "No runs on this page" in text(tiny)


def test_a_personal_automation_shows_as_yours(ada):
    words = text(ada.get(f"/automations/{ADA_STANDUP}/"))
    assert "personal · yours" in words and "At 09:00 on weekdays, America/New_York" in words


def test_someone_elses_personal_automation_is_not_found(ada):
    response = ada.get(f"/automations/{GRACE_CLEANUP}/")
    assert response.status_code == 404
    words = text(response)
    assert "There is no automation here" in words and "someone else's personal automation" in words
    assert "Back to the automations" in words


def test_the_org_key_cannot_open_a_personal_automation(ada_as_org):
    response = ada_as_org.get(f"/automations/{ADA_STANDUP}/")
    assert response.status_code == 404
    assert "only its owner can see it, with their own key" in text(response)


def test_an_unknown_automation_is_not_found(ada):
    assert ada.get(f"/automations/{uuid.uuid4()}/").status_code == 404


def test_the_failure_streak_is_on_the_page(ada):
    assert "The last 3 runs failed in a row" in text(ada.get(f"/automations/{FLAKY}/"))
    docs = text(ada.get(f"/automations/{DOCS_SYNC}/"))
    assert "Switched off after 5 failed runs in a row" in docs
    assert "It is switched off: the API doesn't run a switched-off automation" in docs


def test_a_failing_header_keeps_the_runs(ada, faults):
    faults("GET", rf"^/v1/automations/{NIGHTLY}$", 503)
    response = ada.get(f"/automations/{NIGHTLY}/")
    assert response.status_code == 200
    body = response.content.decode()
    header = _box(body, "automation-header")
    assert 'role="alert"' in header and "Try again" in header
    assert "completed" in text(_box(body, "executions"))


def test_failing_runs_stay_in_their_box(ada, faults):
    faults("GET", rf"^/v1/automations/{NIGHTLY}/executions$", 500)
    body = ada.get(f"/automations/{NIGHTLY}/").content.decode()
    assert "The Replica API had a problem" in text(_box(body, "executions"))
    assert "At 03:00 every day" in text(_box(body, "automation-header"))
    poll = ada.get(f"/automations/{NIGHTLY}/executions/")
    assert "The Replica API had a problem" in text(poll) and poll.status_code == 200


def test_runs_of_a_deleted_automation_say_it_is_gone(ada, make, org_upstream):
    a = make()
    org_upstream.delete_automation(str(a.id))
    assert "This automation is gone" in text(ada.get(f"/automations/{a.id}/executions/"))


def test_a_member_sees_an_org_automation_read_only(grace):
    words = text(grace.get(f"/automations/{NIGHTLY}/"))
    assert "Only org admins can change the organisation's automations; you can run it now" in words
    assert "Run now" in words
    body = grace.get(f"/automations/{NIGHTLY}/").content.decode()
    assert f'href="/automations/{NIGHTLY}/edit/"' not in body


# --- the enabled switch -----------------------------------------------------------------------
def test_an_admin_switches_an_org_automation_off_and_on(ada, make, org_upstream):
    a = make()
    response = ada.post(f"/automations/{a.id}/toggle/", {"next": "/automations/"}, headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and body.strip().startswith(f'<form id="toggle-{a.id}"')
    assert "Switched off." in text(body) and " checked" not in body
    assert org_upstream.get_automation(str(a.id)).automation.enabled is False
    entry = AuditEntry.objects.get(operation="updateAutomation")
    assert entry.target_id == str(a.id) and entry.result == "ok"
    on = ada.post(f"/automations/{a.id}/toggle/", {"enabled": "on"}, headers=HX)
    assert "Switched on." in text(on) and org_upstream.get_automation(str(a.id)).automation.enabled


def test_a_member_cannot_switch_an_org_automation(grace, make, org_upstream):
    a = make()
    response = grace.post(f"/automations/{a.id}/toggle/", {}, headers=HX)
    body = response.content.decode()
    assert "Not switched off: not allowed" in text(body)
    assert " checked" in body  # put back as it is
    assert org_upstream.get_automation(str(a.id)).automation.enabled is True
    assert audit_ops() == []  # nothing was sent


def test_a_member_switches_their_own(grace, make, grace_upstream):
    mine = make(as_="grace")
    response = grace.post(f"/automations/{mine.id}/toggle/", {}, headers=HX)
    assert "Switched off." in text(response)
    assert grace_upstream.get_automation(str(mine.id)).automation.enabled is False


def test_a_refused_switch_rolls_back_with_the_reason(ada, make, faults, org_upstream):
    a = make()
    faults("PATCH", rf"^/v1/automations/{a.id}$", 400)
    response = ada.post(f"/automations/{a.id}/toggle/", {}, headers=HX)
    body = response.content.decode()
    assert "not switched off: the replica api refused the request" in text(body).lower()
    assert " checked" in body and 'role="alert"' in body
    assert org_upstream.get_automation(str(a.id)).automation.enabled is True
    assert AuditEntry.objects.get(operation="updateAutomation").result == "error"


def test_a_lost_answer_is_checked(ada, make, faults, org_upstream):
    a = make()
    faults("PATCH", rf"^/v1/automations/{a.id}$", "drop-after", times=1)
    response = ada.post(f"/automations/{a.id}/toggle/", {}, headers=HX)
    assert "Switched off." in text(response)
    assert org_upstream.get_automation(str(a.id)).automation.enabled is False


def test_the_switch_without_javascript_redirects_with_a_message(ada, make):
    a = make()
    response = ada.post(f"/automations/{a.id}/toggle/", {"next": "/automations/?scope=org"})
    assert response.status_code == 302 and response["Location"] == "/automations/?scope=org"
    assert "Switched off." in text(ada.get("/automations/?scope=org"))
    evil = ada.post(f"/automations/{a.id}/toggle/", {"next": "https://evil.example/"})
    assert evil["Location"] == f"/automations/{a.id}/"


# --- run now ----------------------------------------------------------------------------------
def test_run_now_starts_a_run_that_appears_at_once(ada, make):
    a = make()
    response = ada.post(
        f"/automations/{a.id}/run/", {"run_kind": "cron", "payload": '{"reason": "test"}'},
        headers=hx("run-now"),
    )  # fmt: skip
    body = response.content.decode()
    assert body.strip().startswith('<section id="run-now"')
    assert "Started" in text(_box(body, "run-now"))
    runs = re.search(r'<section id="executions"[^>]*hx-swap-oob="true".*?</section>', body, re.S)
    assert runs and "manual" in text(runs.group(0)) and "&quot;reason&quot;" in runs.group(0)
    entry = AuditEntry.objects.get(operation="triggerAutomation")
    assert entry.target_id.startswith(str(a.id)) and entry.result == "ok"


def test_run_now_links_the_replica_it_started(ada, make):
    a = make()
    body = ada.post(f"/automations/{a.id}/run/", {"run_kind": "cron"}, headers=hx("run-now"))
    run_box = _box(body.content.decode(), "run-now")
    assert re.search(r'<a href="/replicas/[0-9a-f-]{36}/">its replica</a>', run_box)


def test_a_bad_payload_is_refused_before_sending(ada, make):
    a = make()
    response = ada.post(f"/automations/{a.id}/run/", {"payload": "[1, 2"}, headers=hx("run-now"))
    assert "This isn't valid JSON" in text(response)
    not_object = ada.post(f"/automations/{a.id}/run/", {"payload": "[1]"}, headers=hx("run-now"))
    assert "must be a JSON object" in text(not_object)
    assert audit_ops() == []


def test_run_against_a_pull_request(ada):
    page = text(ada.get(f"/automations/{PR_COMMAND}/"))
    assert "Run against this pull request" in page and "acme/web" in page
    response = ada.post(
        f"/automations/{PR_COMMAND}/run/",
        {"run_kind": "pr", "repository": WEB_REPO, "number": "482"},
        headers=hx("run-now"),
    )
    assert "Started" in text(_box(response.content.decode(), "run-now"))
    assert AuditEntry.objects.filter(operation="triggerAutomation", result="ok").exists()
    missing = ada.post(f"/automations/{PR_COMMAND}/run/", {"run_kind": "pr"}, headers=hx("run-now"))
    assert "This field is required" in text(missing)


def test_run_now_says_why_it_is_unavailable(ada):
    words = text(ada.get(f"/automations/{DEPLOY_NOTES}/"))
    assert "Not available for this automation" in words and "Custom webhook" in words
    assert "send a test event" in words


def test_the_apis_refusal_to_run_is_shown(ada, make):
    a = make(enabled=False)
    response = ada.post(f"/automations/{a.id}/run/", {"run_kind": "cron"}, headers=hx("run-now"))
    words = text(_box(response.content.decode(), "run-now"))
    assert "The Replica API refused the request" in words and "disabled" in words
    assert AuditEntry.objects.get(operation="triggerAutomation").result == "error"


def test_a_member_may_run_an_org_automation_now(grace, make):
    a = make()
    response = grace.post(f"/automations/{a.id}/run/", {"run_kind": "cron"}, headers=hx("run-now"))
    assert "Started" in text(_box(response.content.decode(), "run-now"))


def test_run_now_without_javascript(ada, make):
    a = make()
    response = ada.post(f"/automations/{a.id}/run/", {"run_kind": "cron"})
    assert response.status_code == 302 and response["Location"] == f"/automations/{a.id}/"
    assert "Started: execution" in text(ada.get(response["Location"]))


# --- the custom webhook -----------------------------------------------------------------------
def test_the_webhook_url_is_masked(ada):
    body = ada.get(f"/automations/{DEPLOY_NOTES}/").content.decode()
    box = _box(body, "webhook")
    assert "whk_demo…••••" in box and "whk_demo_deploy_notes_0123456789abcdef" not in body
    assert "shown once, when the trigger was saved" in text(box)


def test_a_test_event_fires_the_webhook_and_shows_its_run(ada, make):
    a = make(triggers=[CUSTOM])
    sent = {"event": "deploy", "version": "2.0"}
    response = ada.post(
        f"/automations/{a.id}/test-event/", {"body": json.dumps(sent)}, headers=hx("webhook")
    )
    body = response.content.decode()
    box = text(_box(body, "webhook"))
    assert "Accepted: it made execution" in box
    runs = re.search(r'<section id="executions"[^>]*hx-swap-oob="true".*?</section>', body, re.S)
    assert runs and "custom" in text(runs.group(0)) and "&quot;version&quot;" in runs.group(0)
    entry = AuditEntry.objects.get(operation="fireCustomWebhookAutomation")
    assert entry.target_id == "(webhook token)" and entry.result == "ok"
    assert a.webhook_token not in body


def test_a_test_event_must_be_json(ada, make):
    a = make(triggers=[CUSTOM])
    response = ada.post(
        f"/automations/{a.id}/test-event/", {"body": "{nope"}, headers=hx("webhook")
    )
    assert "This isn't valid JSON" in text(response)
    assert audit_ops() == []


def test_a_switched_off_webhook_refuses_the_test_event_in_words(ada, make):
    a = make(triggers=[CUSTOM], enabled=False)
    response = ada.post(f"/automations/{a.id}/test-event/", {"body": "{}"}, headers=hx("webhook"))
    words = text(_box(response.content.decode(), "webhook"))
    assert "The webhook didn't accept it" in words and "switched-off automation" in words


# --- delete -----------------------------------------------------------------------------------
def test_an_admin_deletes_an_org_automation(ada, make, org_upstream):
    a = make()
    confirm = ada.get(f"/automations/{a.id}/delete/")
    assert "its run history is deleted with it" in text(confirm)
    unticked = ada.post(f"/automations/{a.id}/delete/", {})
    assert "This field is required" in text(unticked) and audit_ops() == []
    response = ada.post(f"/automations/{a.id}/delete/", {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == "/automations/"
    assert f"Automation {a.name} deleted." in text(ada.get("/automations/"))
    assert ada.get(f"/automations/{a.id}/").status_code == 404
    assert AuditEntry.objects.get(operation="deleteAutomation").target_id == str(a.id)


def test_a_member_cannot_delete_an_org_automation(grace, make, org_upstream):
    a = make()
    page = text(grace.get(f"/automations/{a.id}/delete/"))
    assert "Only org admins can change the organisation's automations" in page
    grace.post(f"/automations/{a.id}/delete/", {"confirm": "on"})
    assert org_upstream.get_automation(str(a.id)).automation.name == a.name
    assert audit_ops() == []


def test_a_member_deletes_their_own(grace, make):
    mine = make(as_="grace", name=unique("mine"))
    response = grace.post(f"/automations/{mine.id}/delete/", {"confirm": "on"}, headers=HX)
    assert response.status_code == 200 and response["HX-Location"]
    deadline = time.monotonic() + 5
    while grace.get(f"/automations/{mine.id}/").status_code != 404:
        assert time.monotonic() < deadline


def test_switching_on_the_page_refreshes_run_now(ada, make):
    a = make(enabled=False)
    page = ada.get(f"/automations/{a.id}/").content.decode()
    assert "It is switched off" in text(_box(page, "run-now"))
    response = ada.post(
        f"/automations/{a.id}/toggle/", {"enabled": "on", "on_page": "1"}, headers=HX
    )
    body = response.content.decode()
    assert body.strip().startswith(f'<form id="toggle-{a.id}"') and "Switched on." in text(body)
    run_now = re.search(r'<section id="run-now"[^>]*hx-swap-oob="true".*?</section>', body, re.S)
    assert run_now and "It is switched off" not in text(run_now.group(0))
    assert "disabled" not in re.search(r"<button[^>]*>Run now", run_now.group(0)).group(0)


def test_run_now_is_a_disabled_button_with_the_reason_when_unavailable(ada):
    body = ada.get(f"/automations/{DEPLOY_NOTES}/").content.decode()
    assert re.search(
        r'<button type="button" disabled aria-describedby="run-unavailable">Run now', body
    )
