"""The Variables tab against the emulator: values masked, a reveal audited as a read of a
secret, add/edit/delete with their audit entries, the override toggle, the .env paste
(preview, apply, partial failure keeps what failed), export for admins; members refused."""

from __future__ import annotations

import logging
import re
from html import unescape

import pytest
from django.urls import reverse

from portal.accounts.models import AuditEntry

from .conftest import ADA_WEB, GLOBAL, HX, WEB, audit_ops, text

pytestmark = pytest.mark.emulator

SECRET = "s3cr3t-value-9f8e7d"
DOTENV_BOX = {"HX-Request": "true", "HX-Target": "dotenv-box"}


def url(name, env_id, *args):
    return reverse(f"environments:{name}", args=[env_id, *args])


def var_id(upstream, env_id, key) -> str:
    listing = upstream.list_environment_variables(str(env_id)).environment_variables
    return str(next(v.id for v in listing if v.key == key))


def values(upstream, env_id) -> dict[str, str]:
    listing = upstream.list_environment_variables(str(env_id)).environment_variables
    return {v.key: v.value for v in listing}


@pytest.fixture
def with_secret(team_env, upstream):
    upstream.create_environment_variable(str(team_env.id), {"key": "API_TOKEN", "value": SECRET})
    return team_env


def test_values_are_masked(ada, upstream):
    response = ada.get(url("variables", WEB))
    body = response.content.decode()
    for value in values(upstream, WEB).values():
        assert value not in body
    assert "DATABASE_URL" in body and "••••••••" in body and ">Reveal</button>" in body


def test_reveal_shows_one_value_and_audits_the_read(ada, admin, with_secret, upstream):
    vid = var_id(upstream, with_secret.id, "API_TOKEN")
    response = ada.post(
        url("variable_reveal", with_secret.id, vid),
        headers={"HX-Request": "true", "HX-Target": f"var-{vid}-value"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith(f'<div id="var-{vid}-value"')
    assert SECRET in body and ">Copy</button>" in body and ">Hide</a>" in body
    entry = AuditEntry.objects.get(operation="portal.revealSecret")
    assert entry.user == admin and entry.key_kind == "personal"
    assert entry.target_id == f"{with_secret.id}/{vid}"
    assert "API_TOKEN" in entry.detail and SECRET not in entry.detail
    hidden = ada.get(
        url("variable_hide", with_secret.id, vid),
        headers={"HX-Request": "true", "HX-Target": f"var-{vid}-value"},
    )
    assert SECRET not in hidden.content.decode() and "Reveal" in hidden.content.decode()


def test_a_member_sees_team_values_masked_and_cannot_reveal_them(grace, upstream):
    body = grace.get(url("variables", WEB)).content.decode()
    assert ">Reveal</button>" not in body and "Add a variable" not in body
    assert "only who may change this environment can reveal them" in text(body)
    vid = var_id(upstream, WEB, "DATABASE_URL")
    assert grace.post(url("variable_reveal", WEB, vid)).status_code == 403
    boxed = grace.post(url("variable_reveal", WEB, vid), headers=HX)
    assert "postgres://" not in boxed.content.decode()
    assert "Only org admins can change team environments" in text(boxed)
    assert not AuditEntry.objects.exists()


def test_a_member_reveals_values_of_their_own_environment(grace, grace_env, grace_upstream):
    grace_upstream.create_environment_variable(str(grace_env.id), {"key": "MINE", "value": SECRET})
    vid = var_id(grace_upstream, grace_env.id, "MINE")
    response = grace.post(url("variable_reveal", grace_env.id, vid))  # without JS: the page
    assert response.status_code == 200 and SECRET in response.content.decode()
    assert audit_ops(operation="portal.revealSecret") == ["portal.revealSecret"]


def test_add_edit_and_delete_are_audited(ada, team_env, upstream):
    env = str(team_env.id)
    added = ada.post(url("variable_add", env), {"key": "NEW_KEY", "value": SECRET}, headers=HX)
    assert "NEW_KEY added." in text(added) and SECRET not in added.content.decode()
    vid = var_id(upstream, env, "NEW_KEY")
    form = ada.get(url("variable_edit", env, vid), headers=HX).content.decode()
    assert 'placeholder="•••••• (unchanged)"' in form and SECRET not in form
    # A blank value keeps the current one; the key can change.
    kept = ada.post(url("variable_edit", env, vid), {"key": "RENAMED", "value": ""}, headers=HX)
    assert "RENAMED saved." in text(kept)
    assert values(upstream, env) == {"RENAMED": SECRET}
    ada.post(url("variable_edit", env, vid), {"key": "RENAMED", "value": "other"}, headers=HX)
    assert values(upstream, env) == {"RENAMED": "other"}
    deleted = ada.post(url("variable_delete", env, vid), headers=HX)
    assert "RENAMED deleted." in text(deleted)
    assert values(upstream, env) == {}
    assert audit_ops(username="ada") == [
        "deleteEnvironmentVariable",
        "updateEnvironmentVariable",
        "updateEnvironmentVariable",
        "createEnvironmentVariable",
    ]


def test_a_bad_key_is_refused_before_sending(ada, team_env):
    response = ada.post(url("variable_add", team_env.id), {"key": "1BAD", "value": "x"}, headers=HX)
    assert "not starting with a digit" in text(response)
    assert not AuditEntry.objects.exists()


def test_a_duplicate_key_409_is_said_on_the_key(ada, with_secret):
    response = ada.post(
        url("variable_add", with_secret.id), {"key": "API_TOKEN", "value": "x"}, headers=HX
    )
    assert "API_TOKEN already exists in this environment" in text(response)
    assert 'value="API_TOKEN"' in response.content.decode()  # the form is kept as typed
    entry = AuditEntry.objects.get(operation="createEnvironmentVariable")
    assert entry.status_code == 409


def test_the_override_toggle(ada, with_secret, upstream):
    vid = var_id(upstream, with_secret.id, "API_TOKEN")
    response = ada.post(
        url("variable_override", with_secret.id, vid), {"allowed": "on"}, headers=HX
    )
    assert "Personal environments may now override API_TOKEN." in text(response)
    listing = upstream.list_environment_variables(str(with_secret.id)).environment_variables
    assert listing[0].personal_override_allowed is True


def test_a_source_backed_personal_environment_shows_inherited_keys_locked(ada):
    response = ada.get(url("variables", ADA_WEB))
    body = text(response)
    assert "Inherited from web" in body
    assert "FEATURE_FLAGS overrides web" in body
    inherited = re.search(
        r'<section class="env-section inherited".*?</section>', response.content.decode(), re.S
    )[0]
    assert "<del" in inherited and "locked" in text(inherited)


def test_overriding_a_locked_inherited_key_is_refused_in_words(ada):
    response = ada.post(
        url("variable_add", ADA_WEB), {"key": "DATABASE_URL", "value": "x"}, headers=HX
    )
    assert "may not be overridden" in text(response)
    entry = AuditEntry.objects.get(operation="createEnvironmentVariable")
    assert entry.status_code == 409


# --- paste a .env block --------------------------------------------------------------------------

BLOCK = """\
# staging
export API_TOKEN=s3cr3t-value-9f8e7d
NEW_ONE="multi
line"
CHANGED=after
not a line
DUP=first
DUP=second
"""


def test_paste_previews_each_key_with_line_numbers_and_masked_values(ada, with_secret, upstream):
    upstream.create_environment_variable(str(with_secret.id), {"key": "CHANGED", "value": "before"})
    response = ada.post(url("paste_preview", with_secret.id), {"dotenv": BLOCK}, headers=DOTENV_BOX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="dotenv-box"')
    rows = [text(r) for r in re.findall(r"<tr class=\"preview-[a-z]+\">.*?</tr>", body, re.S)]
    assert rows == [
        "2 API_TOKEN unchanged leave it (same value)",
        "3–4 NEW_ONE new add it",
        "5 CHANGED changed replace its value",
        "6 not a line invalid skip it: This line isn't KEY=value (an unclosed quote, or text that is no key).",
        "7 DUP duplicate skip it: Set again on line 8, which wins.",
        "8 DUP new add it",
    ]
    assert "Apply 3 changes" in text(body)
    assert SECRET in body  # only inside the textarea, as typed
    assert SECRET not in re.sub(r"<textarea.*?</textarea>", "", body, flags=re.S)
    assert not audit_ops(operation="createEnvironmentVariable")  # nothing saved yet


def test_apply_reports_per_key_and_keeps_what_failed(ada, with_secret, upstream, faults):
    env = str(with_secret.id)
    upstream.create_environment_variable(env, {"key": "CHANGED", "value": "before"})
    # The API fails on the first new key (a re-read finds it wasn't saved); the rest are.
    faults("POST", rf"^/v1/environments/{env}/variables$", 500, times=1)
    response = ada.post(url("paste_apply", env), {"dotenv": BLOCK}, headers=HX)
    body = text(response)
    assert "2 variables saved, 1 failed." in body
    report = re.search(
        r'<table class="table dotenv-report">.*?</table>', response.content.decode(), re.S
    )[0]
    lines = [text(r) for r in re.findall(r"<tr class=\"result-.*?</tr>", report, re.S)]
    assert lines[0] == "2 API_TOKEN unchanged"
    assert lines[1].startswith("3–4 NEW_ONE failed : The Replica API had a problem.")
    assert "Injected" not in report
    assert lines[2] == "5 CHANGED updated"
    assert lines[3].startswith("6 — invalid")
    assert lines[5] == "8 DUP added"
    assert values(upstream, env) == {"API_TOKEN": SECRET, "CHANGED": "after", "DUP": "second"}
    textarea = re.search(
        r"<textarea name=\"dotenv\"[^>]*>(.*?)</textarea>", response.content.decode(), re.S
    )[1]
    assert unescape(textarea).strip() == 'NEW_ONE="multi\nline"\nnot a line'
    assert sorted(audit_ops(operation__startswith="createEnvironmentVariable")) == [
        "createEnvironmentVariable",
        "createEnvironmentVariable",
    ]


def test_apply_when_the_answer_is_lost_checks_and_reports_it_done(ada, team_env, upstream, faults):
    env = str(team_env.id)
    faults("POST", rf"^/v1/environments/{env}/variables$", "drop-after", times=1)
    response = ada.post(url("paste_apply", env), {"dotenv": "LOST=1\n"}, headers=HX)
    assert "1 variable saved." in text(response)
    assert values(upstream, env) == {"LOST": "1"}


def test_a_member_cannot_paste_into_a_team_environment(grace):
    response = grace.post(url("paste_apply", WEB), {"dotenv": "X=1"}, headers=HX)
    assert "Only org admins can change team environments" in text(response)
    assert grace.post(url("paste_apply", WEB), {"dotenv": "X=1"}).status_code == 403
    assert not AuditEntry.objects.exists()


# --- export -------------------------------------------------------------------------------------


def test_admin_exports_a_dotenv_file_and_the_read_is_audited(ada, with_secret):
    response = ada.post(url("export_variables", with_secret.id))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Cache-Control"] == "no-store"
    assert f'API_TOKEN="{SECRET}"' in response.content.decode()
    entry = AuditEntry.objects.get(operation="portal.exportVariables")
    assert entry.target_id == str(with_secret.id) and "1 variables" in entry.detail


def test_members_cannot_export(grace, grace_env):
    assert grace.post(url("export_variables", WEB)).status_code == 403
    assert grace.post(url("export_variables", grace_env.id)).status_code == 403
    assert not AuditEntry.objects.exists()


def test_global_variables_are_managed_by_admins(ada, grace):
    assert "Add a variable" in text(ada.get(url("variables", GLOBAL)))
    assert "Add a variable" not in text(grace.get(url("variables", GLOBAL)))


def test_values_never_reach_the_logs(ada, with_secret, upstream, caplog, faults):
    caplog.set_level(logging.DEBUG)
    env = str(with_secret.id)
    vid = var_id(upstream, env, "API_TOKEN")
    ada.post(url("variable_reveal", env, vid), headers=HX)
    ada.post(url("variable_add", env), {"key": "OTHER", "value": SECRET + "x"}, headers=HX)
    faults("PATCH", r"/variables/", 500)
    ada.post(
        url("variable_edit", env, vid), {"key": "API_TOKEN", "value": SECRET + "y"}, headers=HX
    )
    ada.post(url("paste_apply", env), {"dotenv": f"API_TOKEN={SECRET}z\n"}, headers=HX)
    ada.post(url("export_variables", env))
    assert SECRET not in caplog.text
