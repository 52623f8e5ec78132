"""The automations list: whose, search, filters and pages in the URL; rows in words; the
viewer's time zone; failure streaks; personal automations hidden (and why) for the org key;
failures kept in their box."""

from __future__ import annotations

import re

import httpx
import respx

from portal.accounts.models import AuditEntry

from .conftest import (
    ADA_STANDUP,
    DOCS_SYNC,
    FLAKY,
    GRACE_CLEANUP,
    NIGHTLY,
    SENTRY,
    text,
    unique,
)

HX = {"HX-Request": "true", "HX-Target": "automation-results"}


def _row(body: str, automation_id: str) -> str:
    match = re.search(rf'<tr id="automation-{automation_id}".*?</tr>', body, flags=re.S)
    assert match, f"no row for {automation_id}"
    return match.group(0)


def test_the_list_shows_each_automation_in_words(ada):
    response = ada.get("/automations/")
    assert response.status_code == 200
    body = response.content.decode()
    nightly = text(_row(body, NIGHTLY))
    assert "nightly-dependency-audit" in nightly
    assert "At 03:00 every day, UTC" in nightly
    assert "Claude Code · sonnet · thinking high" in nightly
    assert "web" in nightly and "running" in nightly
    assert re.search(r"in \d+ h \d+ min", nightly)  # relative, the exact time on hover
    assert re.search(
        r'<time datetime="[^"]+" title="[A-Z][a-z]{2} \d+ [A-Z][a-z]{2} \d{4}', _row(body, NIGHTLY)
    )
    standup = text(_row(body, ADA_STANDUP))
    assert "mine" in standup and "At 09:00 on weekdays, America/New_York" in standup
    assert "GitHub: pull request opened (not from dependabot[bot])" in text(body)
    assert "Sentry: a new issue (in api; error or worse)" in text(body)
    assert "Custom webhook" in text(body)
    assert GRACE_CLEANUP not in body  # someone else's personal automation


def test_times_are_in_the_viewers_zone(ada):
    ada.cookies["portal_tz"] = "Asia/Tokyo"
    body = ada.get("/automations/").content.decode()
    assert "Times are in your time zone, Asia/Tokyo." in text(body)
    assert re.search(r'title="[^"]+ JST \(Asia/Tokyo\)"', _row(body, NIGHTLY))
    ada.cookies["portal_tz"] = "Not/AZone"
    assert "Times are in your time zone, UTC." in text(ada.get("/automations/"))


def test_whose_filter_is_in_the_url(ada):
    org = ada.get("/automations/?scope=org").content.decode()
    assert NIGHTLY in org and ADA_STANDUP not in org
    mine = ada.get("/automations/?scope=mine").content.decode()
    assert ADA_STANDUP in mine and NIGHTLY not in mine
    everything = ada.get("/automations/?scope=all").content.decode()
    assert ADA_STANDUP in everything and NIGHTLY in everything


def test_search_trigger_and_state_filters(ada, make):
    tag = unique("find")
    made = make(name=f"{tag}-cron")
    make(name=f"{tag}-hook", triggers=[{"type": "custom", "config": {}}], enabled=False)
    found = text(ada.get(f"/automations/?q={tag.upper()}"))
    assert "2 automations match the filters" in found
    customs = ada.get(f"/automations/?q={tag}&trigger=custom").content.decode()
    assert f"{tag}-hook" in customs and f"{tag}-cron" not in customs
    on = ada.get(f"/automations/?q={tag}&state=on").content.decode()
    assert str(made.id) in on and f"{tag}-hook" not in on
    off = ada.get("/automations/?state=off").content.decode()
    assert SENTRY in off and DOCS_SYNC in off and NIGHTLY not in off
    nothing = text(ada.get("/automations/?q=no-such-automation-xyz"))
    assert "No automation's name contains “no-such-automation-xyz”" in nothing


def test_pages_follow_the_api(ada, make):
    tag = unique("page")
    for n in range(3):
        make(name=f"{tag}-{n}")
    first = ada.get(f"/automations/?q={tag}&limit=2").content.decode()
    assert "Page 1 of 2" in text(first) and f"{tag}-2" in first and f"{tag}-0" not in first
    assert "page=2" in first
    second = ada.get(f"/automations/?q={tag}&limit=2&page=2").content.decode()
    assert f"{tag}-0" in second and "Page 2 of 2" in text(second)
    past = text(ada.get(f"/automations/?q={tag}&limit=2&page=9"))
    assert "There is no page 9" in past


def test_failure_streaks_warn_before_the_switch_off_and_explain_it_after(ada):
    body = ada.get("/automations/").content.decode()
    flaky = text(_row(body, FLAKY))
    assert "The last 3 runs failed in a row. After 5 failed runs in a row the API switches" in flaky
    assert "(2 more would)" in flaky
    docs = text(_row(body, DOCS_SYNC))
    assert "Switched off after 5 failed runs in a row" in docs
    assert "failed" in docs and "Off" in docs


def test_a_streak_reaching_five_in_the_emulator_switches_it_off(ada, make, emulator):
    a = make()
    emulator.control(f"automations/{a.id}/fail-run", {"times": 4})
    assert "The last 4 runs failed in a row" in text(
        _row(ada.get("/automations/").content.decode(), a.id)
    )
    emulator.control(f"automations/{a.id}/fail-run", {})
    row = text(_row(ada.get("/automations/").content.decode(), a.id))
    assert "Switched off after 5 failed runs in a row" in row


def test_the_org_key_hides_personal_automations_and_says_why(ada_as_org):
    everything = ada_as_org.get("/automations/")
    body = everything.content.decode()
    assert everything.status_code == 200
    assert "Personal automations are hidden while you act as the org" in text(body)
    assert NIGHTLY in body and ADA_STANDUP not in body
    mine = ada_as_org.get("/automations/?scope=mine")
    assert mine.status_code == 200
    words = text(mine)
    assert "the org key can't read, edit, run or delete anyone's personal automations" in words
    assert "The Replica API" not in words  # no error: nothing was asked
    assert "hidden" not in text(ada_as_org.get("/automations/?scope=org"))


def test_a_member_sees_org_automations_read_only_and_manages_their_own(grace):
    body = grace.get("/automations/").content.decode()
    org_toggle = re.search(rf'<form id="toggle-{NIGHTLY}".*?</form>', body, flags=re.S).group(0)
    assert "disabled" in org_toggle and "Only org admins" in org_toggle
    own = re.search(rf'<form id="toggle-{GRACE_CLEANUP}".*?</form>', body, flags=re.S).group(0)
    assert "disabled" not in own
    assert ADA_STANDUP not in body


def test_htmx_filter_answers_the_results_box_only(ada):
    response = ada.get("/automations/?scope=org", headers=HX)
    body = response.content.decode()
    assert body.strip().startswith('<section id="automation-results"')
    assert "<html" not in body
    assert "HX-Target" in response["Vary"]


def test_a_failing_list_keeps_the_page_and_says_so_in_its_box(ada, faults):
    faults("GET", r"^/v1/automations$", 500)
    response = ada.get("/automations/")
    assert response.status_code == 200
    body = response.content.decode()
    results = re.search(r'<section id="automation-results".*?</section>', body, flags=re.S).group(0)
    assert 'role="alert"' in results and "The Replica API had a problem" in text(results)
    assert "Try again" in results
    assert "New automation" in text(body)  # the page around it stays
    assert "/v1/" not in text(body)


def test_a_rows_failing_runs_cost_only_its_cell(ada, faults):
    faults("GET", rf"^/v1/automations/{NIGHTLY}/executions$", 500)
    body = ada.get("/automations/").content.decode()
    assert "The portal couldn't read its runs" in _row(body, NIGHTLY)
    assert "failed" in text(_row(body, FLAKY))


def test_the_list_reads_rows_concurrently_without_writing(ada, settings):
    with respx.mock(base_url=settings.REPLICAS_API_URL, assert_all_called=False) as mock:
        mock.route().pass_through()
        ada.get("/automations/")
        calls = [c.request for c in mock.calls]
    assert all(r.method == "GET" for r in calls)
    assert AuditEntry.objects.count() == 0  # reads aren't audited


def test_the_list_works_when_environment_names_fail(ada, settings):
    with respx.mock(base_url=settings.REPLICAS_API_URL, assert_all_called=False) as mock:
        mock.get("/v1/environments").mock(return_value=httpx.Response(500, json={"error": "x"}))
        mock.route().pass_through()
        body = ada.get("/automations/").content.decode()
    assert "an environment the portal can't name" in text(_row(body, NIGHTLY))


def test_the_list_asks_the_database_the_same_whatever_its_length(
    ada, django_assert_max_num_queries
):
    ada.get("/automations/")  # the session and the key, loaded once
    with django_assert_max_num_queries(4):
        response = ada.get("/automations/?limit=100")
    assert response.status_code == 200 and text(response).count("Save") >= 10
