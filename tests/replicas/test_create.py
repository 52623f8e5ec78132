"""The create page against the emulator: every field, the as-you-type checks, choices per
agent, image checks, what is sent, redirect to the detail page, one replica per token, and a
failed create that keeps everything typed."""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.request
import uuid

import httpx
import pytest
import respx
from django.core.cache import cache

from portal.accounts.models import AuditEntry, KeyKind
from portal.emulator.config import DEMO_ORG_KEY
from portal.replica_api import ReplicaAPI, transport
from portal.replicas import choices
from portal.replicas.views import create as create_view
from tests.accounts.personas import store_key
from tests.replicas.conftest import wait_active

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
HX_FORM = {**HX, "HX-Target": "create-form"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
GIF = b"GIF89a" + b"\x00" * 32
DETAIL = re.compile(r"^/replicas/([0-9a-f-]{36})/$")


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sent(monkeypatch) -> list[dict]:
    """The createReplica bodies the portal sends (observed; the emulator still answers)."""
    bodies: list[dict] = []
    real = transport.send_async

    def spy(settings, api_key, call):
        if call.operation == "createReplica":
            bodies.append(call.json)
        return real(settings, api_key, call)

    monkeypatch.setattr(transport, "send_async", spy)
    return bodies


def _environments(upstream: ReplicaAPI) -> dict[str, str]:
    return {e.name: str(e.id) for e in upstream.list_environments(scope="all").environments}


def _token(body: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', body).group(1)


def _form_data(client, upstream, **overrides) -> dict:
    page = client.get("/replicas/new/").content.decode()
    data = {
        "token": _token(page),
        "name": f"create-{uuid.uuid4().hex[:8]}",
        "environment": _environments(upstream)["web"],
        "message": "Fix the login timeout",
        "coding_agent": "claude",
        "model": "",
        "thinking_level": "",
        "size": "small",
        "lifecycle_policy": "default",
        "pr_followups": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _status(upstream, rid) -> str:
    return upstream.get_replica(rid).replica.status.value


def _upload(name: str, content: bytes, content_type: str = "image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


# --- the page -------------------------------------------------------------------------------


def test_the_form_has_a_field_for_everything_in_create_replica_request(ada, emulator):
    response = ada.get("/replicas/new/")
    assert response.status_code == 200
    body = response.content.decode()
    for name in (
        "name", "environment", "message", "images", "coding_agent", "model", "thinking_level",
        "goal_mode", "plan_mode", "fast_mode", "size", "lifecycle_policy", "pr_followups",
        "keep_open_on_pr_merge", "keep_open_on_pr_close", "webhook_url", "webhook_secret",
        "token",
    ):  # fmt: skip
        assert f'name="{name}"' in body, name
    assert 'enctype="multipart/form-data"' in body
    assert 'hx-disabled-elt="find button[type=submit]"' in body
    # The environment picker names what each environment checks out.
    assert "web · acme/web</option>" in body
    assert "platform · repository set acme/platform (acme/api, acme/infra)</option>" in body
    assert "Global · no repository</option>" in body
    assert "ada-web (personal) · acme/web</option>" in body
    # Sizes with their per-minute price.
    assert "$0.008/min" in body and "$0.016/min" in body
    # Goal mode is Codex-only: disabled for the default agent (Claude).
    assert re.search(r'<input type="checkbox" name="goal_mode" disabled', body)
    assert "style=" not in body.split("<main", 1)[1]


def test_the_form_works_acting_as_the_org(admin, as_admin, emulator):
    store_key(admin, KeyKind.ORG, DEMO_ORG_KEY)
    session = as_admin.session
    session["acting_as"] = "org"
    session.save()
    body = as_admin.get("/replicas/new/").content.decode()
    assert "web · acme/web</option>" in body
    assert "(personal)" not in body


def test_each_render_gets_a_fresh_token(ada, emulator):
    first = _token(ada.get("/replicas/new/").content.decode())
    second = _token(ada.get("/replicas/new/").content.decode())
    assert first != second


# --- name checked as you type ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("fix auth", "must not contain spaces"),
        ("fix\tauth", "must not contain spaces"),
        ("fix-auth-bug", "“fix-auth-bug” is a valid name."),
        ("x" * 101, "at most 100 characters"),
    ],
)
def test_name_is_checked_as_you_type(ada, emulator, value, expected):
    response = ada.get("/replicas/new/check-name/", {"name": value}, headers=HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.strip().startswith('<div id="name-check"')
    assert expected in body
    assert "<html" not in body


def test_an_empty_name_says_nothing_yet(ada, emulator):
    body = ada.get("/replicas/new/check-name/", {"name": ""}, headers=HX).content.decode()
    assert re.fullmatch(
        r'\s*<div id="name-check" class="live-check" aria-live="polite"></div>\s*', body
    )


def test_name_with_whitespace_is_refused_on_submit_too(ada, upstream, sent):
    data = _form_data(ada, upstream, name="fix auth bug")
    response = ada.post("/replicas/new/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "The name must not contain spaces or other whitespace." in body
    assert 'value="fix auth bug"' in body
    assert sent == []


# --- agent, model, thinking level -----------------------------------------------------------


def _options(body: str, field: str) -> list[str]:
    select = re.search(rf'<select name="{field}".*?</select>', body, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"', select)


@pytest.mark.parametrize("agent", choices.AGENTS)
def test_changing_the_agent_updates_model_and_thinking_choices(ada, emulator, agent):
    response = ada.get("/replicas/new/agent-fields/", {"coding_agent": agent}, headers=HX)
    body = response.content.decode()
    assert body.strip().startswith('<div id="agent-fields"')
    assert _options(body, "model") == ["", *choices.MODELS[agent]]
    assert _options(body, "thinking_level") == ["", *choices.THINKING_LEVELS[agent]]
    goal_disabled = bool(re.search(r'name="goal_mode" disabled', body))
    assert goal_disabled == (agent != "codex")


def test_thinking_levels_per_agent_follow_the_guide_and_spec(ada, emulator):
    codex = ada.get("/replicas/new/agent-fields/", {"coding_agent": "codex"}, headers=HX)
    claude = ada.get("/replicas/new/agent-fields/", {"coding_agent": "claude"}, headers=HX)
    codex_levels = _options(codex.content.decode(), "thinking_level")
    claude_levels = _options(claude.content.decode(), "thinking_level")
    assert "ultra" in codex_levels and "ultracode" not in codex_levels
    assert "ultracode" in claude_levels and "ultra" not in claude_levels
    assert "Agent default (medium)" in codex.content.decode()
    assert "Agent default (high)" in claude.content.decode()


def test_agent_change_keeps_a_model_and_level_that_are_still_valid(ada, emulator):
    params = {"coding_agent": "pi", "model": "z-ai/glm-5.2", "thinking_level": "max"}
    body = ada.get("/replicas/new/agent-fields/", params, headers=HX).content.decode()
    assert '<option value="z-ai/glm-5.2" selected>' in body
    assert '<option value="max" selected>' in body
    params = {"coding_agent": "codex", "model": "sonnet", "thinking_level": "ultracode"}
    body = ada.get("/replicas/new/agent-fields/", params, headers=HX).content.decode()
    assert '<option value="" selected>Agent default</option>' in body
    assert "selected>Agent default (medium)" in body


def test_without_javascript_the_agent_choices_update_on_request(ada, upstream, sent):
    data = _form_data(ada, upstream, coding_agent="codex", model="sonnet", plan_mode="on")
    data["refresh_agent"] = "1"
    response = ada.post("/replicas/new/", data)
    body = response.content.decode()
    assert response.status_code == 200 and sent == []
    assert _options(body, "model") == ["", *choices.MODELS["codex"]]
    assert not re.search(r'name="goal_mode" disabled', body)
    assert "field-errors" not in body  # not a failed submit: no errors yet
    _assert_kept(body, {**data, "model": ""})
    assert re.search(r'name="plan_mode"[^>]*checked', body)


def test_a_model_of_another_agent_is_refused_on_submit(ada, upstream, sent):
    data = _form_data(ada, upstream, coding_agent="claude", model="gpt-5.5")
    body = ada.post("/replicas/new/", data).content.decode()
    assert "gpt-5.5 is not a Claude Code model" in body
    # Re-rendered with the choices of the agent that was posted.
    assert _options(body, "model") == ["", *choices.MODELS["claude"]]
    assert sent == []


def test_a_thinking_level_the_agent_lacks_is_refused(ada, upstream, sent):
    data = _form_data(ada, upstream, coding_agent="claude", thinking_level="ultra")
    body = ada.post("/replicas/new/", data).content.decode()
    assert "ultra is not a thinking level Claude Code supports" in body
    assert sent == []


# --- create ---------------------------------------------------------------------------------


def test_create_sends_every_field_and_goes_to_the_detail_page(ada, upstream, sent, emulator):
    data = _form_data(
        ada,
        upstream,
        coding_agent="codex",
        model="gpt-5.5",
        thinking_level="xhigh",
        goal_mode="on",
        plan_mode="on",
        fast_mode="on",
        size="large",
        lifecycle_policy="delete_after_inactivity",
        pr_followups=None,  # unticked
        keep_open_on_pr_merge="on",
        keep_open_on_pr_close="on",
        webhook_url="https://hooks.example.com/replicas",
        webhook_secret="whsec_shared",
        environment=_environments(upstream)["platform"],
    )
    data["images"] = [_upload("screen.png", PNG), _upload("anim.gif", GIF, "image/gif")]
    response = ada.post("/replicas/new/", data)
    assert response.status_code == 302
    rid = DETAIL.match(response["Location"]).group(1)

    (body,) = sent
    assert body["name"] == data["name"]
    assert body["message"] == "Fix the login timeout"
    assert body["environment_id"] == data["environment"]
    assert body["coding_agent"] == "codex" and body["model"] == "gpt-5.5"
    assert body["thinking_level"] == "xhigh"
    assert body["goal_mode"] is body["plan_mode"] is body["fast_mode"] is True
    assert body["size"] == "large" and body["lifecycle_policy"] == "delete_after_inactivity"
    assert body["config"] == {
        "capabilities": {"pr_followups": False},
        "preferences": {"keep_open_on_pr_merge": True, "keep_open_on_pr_close": True},
    }
    assert body["webhook_url"] == {
        "url": "https://hooks.example.com/replicas",
        "secret": "whsec_shared",
    }
    assert [i["source"]["media_type"] for i in body["images"]] == ["image/png", "image/gif"]
    assert base64.b64decode(body["images"][0]["source"]["data"]) == PNG
    assert all(i["type"] == "image" and i["source"]["type"] == "base64" for i in body["images"])

    # Upstream: the replica exists with what was asked for, and the webhook is registered.
    replica = upstream.get_replica(rid).replica
    assert replica.name == data["name"]
    assert replica.model_extra["size"] == "large"
    assert replica.model_extra["model"] == "gpt-5.5"
    assert {r.name for r in replica.repositories} == {"acme/api", "acme/infra"}
    control = emulator.control(f"replicas/{rid}")
    assert control["webhook"] == {
        "url": "https://hooks.example.com/replicas",
        "secret": "whsec_shared",
    }


def test_new_replica_is_preparing_then_active(ada, upstream, sent):
    response = ada.post("/replicas/new/", _form_data(ada, upstream))
    rid = DETAIL.match(response["Location"]).group(1)
    assert _status(upstream, rid) == "preparing"  # the non-blocking create
    wait_active(upstream, rid)
    # And the detail page it redirected to exists.
    assert ada.get(response["Location"]).status_code == 200


def test_defaults_send_only_what_was_chosen(ada, upstream, sent):
    ada.post("/replicas/new/", _form_data(ada, upstream))
    (body,) = sent
    assert set(body) == {
        "name", "message", "environment_id", "coding_agent", "lifecycle_policy", "size", "config",
    }  # fmt: skip
    assert body["config"]["capabilities"] == {"pr_followups": True}


def test_a_webhook_without_secret_is_sent_as_a_bare_url(ada, upstream, sent, emulator):
    data = _form_data(ada, upstream, webhook_url="https://hooks.example.com/r")
    response = ada.post("/replicas/new/", data)
    assert sent[0]["webhook_url"] == "https://hooks.example.com/r"
    rid = DETAIL.match(response["Location"]).group(1)
    assert emulator.control(f"replicas/{rid}")["webhook"]["url"] == "https://hooks.example.com/r"


def test_a_webhook_secret_needs_a_url(ada, upstream, sent):
    data = _form_data(ada, upstream, webhook_secret="whsec_alone")
    body = ada.post("/replicas/new/", data).content.decode()
    assert "Add the webhook URL, or clear the secret." in body
    assert '<details class="form-section webhook-section" open>' in body
    assert sent == []


def test_goal_mode_is_not_sent_for_other_agents(ada, upstream, sent):
    data = _form_data(ada, upstream, coding_agent="claude", goal_mode="on")
    response = ada.post("/replicas/new/", data)
    assert response.status_code == 302
    assert "goal_mode" not in sent[0]


def test_the_create_is_in_the_audit_log(ada, upstream, sent, admin):
    response = ada.post("/replicas/new/", _form_data(ada, upstream))
    rid = DETAIL.match(response["Location"]).group(1)
    entry = AuditEntry.objects.get(operation="createReplica")
    assert entry.user == admin and entry.key_kind == "personal"
    assert rid in entry.target_id and entry.result == "ok"


def test_an_htmx_link_to_the_page_gets_the_whole_page(ada, emulator):
    body = ada.get("/replicas/new/", headers={**HX, "HX-Target": "main"}).content.decode()
    assert '<main id="main"' in body


def test_htmx_submit_redirects_the_whole_page(ada, upstream, sent):
    response = ada.post("/replicas/new/", _form_data(ada, upstream), headers=HX_FORM)
    assert response.status_code == 200
    assert DETAIL.match(response["HX-Redirect"])


# --- double submit --------------------------------------------------------------------------


def _replicas_named(upstream, name) -> list[str]:
    found, page = [], 1
    while True:
        listed = upstream.list_replicas(limit=100, page=page)
        found += [str(r.id) for r in listed.replicas if r.name == name]
        if page >= listed.total_pages:
            return found
        page += 1


def test_double_submit_creates_one_replica(ada, upstream, sent):
    data = _form_data(ada, upstream)
    first = ada.post("/replicas/new/", data)
    second = ada.post("/replicas/new/", data, headers=HX_FORM)
    assert first.status_code == 302
    assert second["HX-Redirect"] == first["Location"]
    assert len(sent) == 1
    assert _replicas_named(upstream, data["name"]) == [DETAIL.match(first["Location"]).group(1)]


def test_a_second_submit_waits_for_the_first_in_flight(ada, upstream, sent, admin):
    data = _form_data(ada, upstream)
    key = create_view._token_key(admin.pk, data["token"])
    cache.set(key, create_view.PENDING, 60)  # the first submit is still running
    replica_id = str(uuid.uuid4())
    threading.Timer(0.5, lambda: cache.set(key, replica_id, 60)).start()
    response = ada.post("/replicas/new/", data)
    assert response["Location"] == f"/replicas/{replica_id}/"
    assert sent == []


def test_a_first_submit_that_never_finishes_is_reported(ada, upstream, sent, admin, monkeypatch):
    monkeypatch.setattr(create_view, "WAIT_FOR_FIRST_S", 0.3)
    data = _form_data(ada, upstream)
    cache.set(create_view._token_key(admin.pk, data["token"]), create_view.PENDING, 60)
    response = ada.post("/replicas/new/", data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "This form is already being submitted" in body
    assert sent == []


def test_tokens_are_per_user(ada, upstream, sent, admin):
    data = _form_data(ada, upstream)
    cache.set(create_view._token_key(admin.pk + 1000, data["token"]), str(uuid.uuid4()), 60)
    response = ada.post("/replicas/new/", data)
    assert response.status_code == 302 and len(sent) == 1


def test_a_missing_or_forged_token_still_creates(ada, upstream, sent):
    data = _form_data(ada, upstream, token="../../etc")
    response = ada.post("/replicas/new/", data)
    assert response.status_code == 302 and len(sent) == 1


# --- failed create --------------------------------------------------------------------------


def _assert_kept(body: str, data: dict) -> None:
    assert f'value="{data["name"]}"' in body
    assert f">\n{data['message']}</textarea>" in body
    assert f'<option value="{data["environment"]}" selected>' in body
    assert f'<option value="{data["coding_agent"]}" selected>' in body
    if data.get("model"):
        assert f'<option value="{data["model"]}" selected>' in body
    if data.get("webhook_url"):
        assert f'value="{data["webhook_url"]}"' in body
    if data.get("webhook_secret"):
        assert f'value="{data["webhook_secret"]}"' in body
    assert f'name="token" value="{data["token"]}"' in body


def test_an_upstream_400_keeps_everything_typed(ada, upstream, sent):
    # "/plan" alone is an empty message once the mode prefix is stripped: the API refuses it.
    data = _form_data(
        ada,
        upstream,
        message="/plan",
        coding_agent="cursor",
        model="composer-2.5",
        size="large",
        webhook_url="https://hooks.example.com/x",
        webhook_secret="s3cret",
        keep_open_on_pr_merge="on",
    )
    data["images"] = [_upload("screen.png", PNG)]
    response = ada.post("/replicas/new/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert len(sent) == 1
    assert 'class="banner banner-error create-problem" role="alert"' in body
    assert "The Replica API refused the request" in body and "message must not be empty" in body
    assert body.index("create-problem") < body.index('name="name"')  # above the form fields
    _assert_kept(body, data)
    assert re.search(r'value="large"[^>]*checked', body)
    assert re.search(r'name="keep_open_on_pr_merge"[^>]*checked', body)
    # The image is kept server-side and offered again, ticked.
    assert "your images are kept below" in body
    kept = re.search(
        r'<input type="checkbox" name="keep_images" value="([0-9a-f]+)"[^>]*checked', body
    )
    assert kept and "screen.png (PNG" in body

    # Fix the message and submit again without re-attaching: the kept image goes along.
    data.pop("images")
    data.update(message="Fix it", keep_images=[kept.group(1)])
    again = ada.post("/replicas/new/", data)
    assert again.status_code == 302
    assert base64.b64decode(sent[1]["images"][0]["source"]["data"]) == PNG


def test_an_unticked_kept_image_is_left_out(ada, upstream, sent):
    data = _form_data(ada, upstream, message="/fast")
    data["images"] = [_upload("a.png", PNG)]
    ada.post("/replicas/new/", data)
    data.pop("images")
    data["message"] = "Go"
    ada.post("/replicas/new/", data)  # keep_images not sent: unticked
    assert "images" not in sent[-1]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (httpx.Response(503, json={"error": "Service unavailable", "details": "Try later."}),
         "The Replica API had a problem"),
        (httpx.Response(409, json={"error": "Name taken", "details": None}),
         "That conflicts with the current state"),
        # Refused before anything was sent: it can't have been created.
        (httpx.ConnectError("refused"), "The Replica API is unreachable"),
        # Dropped after it was sent (and nothing found in the list): it may have been.
        (httpx.RemoteProtocolError("dropped"), "may still have been created"),
    ],
)  # fmt: skip
def test_server_errors_and_unreachable_keep_the_form(ada, upstream, settings, reply, expected):
    data = _form_data(ada, upstream, webhook_url="https://hooks.example.com/y")
    with respx.mock(base_url=settings.REPLICAS_API_URL, assert_all_called=False) as mock:
        route = mock.post("/v1/replica")
        if isinstance(reply, Exception):
            route.mock(side_effect=reply)
        else:
            route.mock(return_value=reply)
        mock.route().pass_through()
        response = ada.post("/replicas/new/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert expected in body
    _assert_kept(body, data)
    # The token was freed: trying again with the same form creates the replica.
    again = ada.post("/replicas/new/", data)
    assert again.status_code == 302


def test_htmx_failed_create_answers_the_form_partial(ada, upstream, sent):
    data = _form_data(ada, upstream, message="/goal")
    response = ada.post("/replicas/new/", data, headers=HX_FORM)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.strip().startswith('<form id="create-form"')
    assert "<html" not in body
    _assert_kept(body, data)


def test_environment_lookup_failing_on_submit_still_creates_with_the_chosen_one(
    ada, upstream, settings, sent
):
    """The list of environments is only the picker's: the one chosen is sent (the API checks
    it), so a failing list doesn't stop a filled-in form."""
    data = _form_data(ada, upstream)
    with respx.mock(base_url=settings.REPLICAS_API_URL, assert_all_called=False) as mock:
        mock.get("/v1/environments").mock(return_value=httpx.Response(500, json={"error": "boom"}))
        mock.route().pass_through()
        response = ada.post("/replicas/new/", data)
    assert response.status_code == 302
    assert sent[-1]["environment_id"] == data["environment"]


def test_environment_lookup_failing_with_a_form_error_keeps_the_choice(
    ada, upstream, settings, sent
):
    data = _form_data(ada, upstream, message="")
    with respx.mock(base_url=settings.REPLICAS_API_URL, assert_all_called=False) as mock:
        mock.get("/v1/environments").mock(return_value=httpx.Response(500, json={"error": "boom"}))
        mock.route().pass_through()
        response = ada.post("/replicas/new/", data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "The environments can't be listed now." in body
    assert "The one you chose is kept." in body
    assert (
        f'<option value="{data["environment"]}" selected>The environment you chose</option>' in body
    )
    assert sent == []


# --- images ---------------------------------------------------------------------------------


def test_an_image_of_another_type_is_refused_with_its_name(ada, upstream, sent):
    data = _form_data(ada, upstream)
    data["images"] = [_upload("notes.png", b"just some text, not an image at all")]
    body = ada.post("/replicas/new/", data).content.decode()
    assert "notes.png is not a PNG, JPEG, GIF or WebP image" in body
    assert sent == []


def test_a_bmp_is_refused(ada, upstream, sent):
    data = _form_data(ada, upstream)
    data["images"] = [_upload("old.bmp", b"BM" + b"\x00" * 40, "image/bmp")]
    body = ada.post("/replicas/new/", data).content.decode()
    assert "old.bmp is not a PNG, JPEG, GIF or WebP image" in body


def test_an_image_over_the_size_limit_is_refused(ada, upstream, sent, monkeypatch):
    monkeypatch.setattr(choices, "MAX_IMAGE_BYTES", 1024)
    data = _form_data(ada, upstream)
    data["images"] = [_upload("huge.png", PNG + b"\x00" * 2048), _upload("ok.png", PNG)]
    body = ada.post("/replicas/new/", data).content.decode()
    assert re.search(r"huge.png is 2.0\xa0KB; the limit is 1.0\xa0KB per image.", body)
    assert sent == []
    # The valid one is kept for the next try.
    assert "ok.png (PNG" in body and "huge.png (PNG" not in body


def test_too_many_images_are_refused(ada, upstream, sent):
    data = _form_data(ada, upstream)
    data["images"] = [_upload(f"{i}.png", PNG) for i in range(choices.MAX_IMAGES + 1)]
    body = ada.post("/replicas/new/", data).content.decode()
    assert f"At most {choices.MAX_IMAGES} images" in body
    assert sent == []


def test_images_are_sniffed_not_trusted_by_content_type(ada, upstream, sent):
    data = _form_data(ada, upstream)
    data["images"] = [_upload("photo.png", b"\xff\xd8\xff\xe0" + b"\x00" * 30, "image/png")]
    ada.post("/replicas/new/", data)
    assert sent[0]["images"][0]["source"]["media_type"] == "image/jpeg"


# --- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/replicas/new/", "/replicas/new/check-name/?name=x",
                                 "/replicas/new/agent-fields/?coding_agent=codex"])  # fmt: skip
def test_member_without_a_key_is_sent_to_the_add_key_page(as_member, emulator, url):
    response = as_member.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/keys/needed/")


def test_member_without_a_key_posting_is_sent_to_the_add_key_page(as_member, emulator):
    response = as_member.post("/replicas/new/", {"name": "x", "message": "y"})
    assert response.status_code == 302
    assert response["Location"].startswith("/account/keys/needed/")


@pytest.mark.parametrize("url", ["/replicas/new/", "/replicas/new/check-name/?name=x"])
def test_anonymous_is_sent_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_a_create_whose_answer_was_lost_goes_to_the_replica_it_made(ada, upstream, settings):
    data = _form_data(ada, upstream, name="lost-answer-test")
    made = []

    def create_then_lose_the_answer(request):
        # Forward with urllib (respx patches httpx), then lose the answer.
        forward = urllib.request.Request(
            f"{settings.REPLICAS_API_URL}/v1/replica",
            data=request.content,
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            method="POST",
        )
        with urllib.request.urlopen(forward, timeout=10) as real:
            made.append(json.loads(real.read())["replica"]["id"])
        raise httpx.ReadTimeout("the answer never came")

    with respx.mock(base_url=settings.REPLICAS_API_URL, assert_all_called=False) as mock:
        mock.post("/v1/replica").mock(side_effect=create_then_lose_the_answer)
        mock.route().pass_through()
        response = ada.post("/replicas/new/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/replicas/{made[0]}/"
    assert ada.post("/replicas/new/", data)["Location"] == f"/replicas/{made[0]}/"  # no second one


def test_the_guide_s_delete_when_done_policy_is_sent_not_refused(ada, upstream):
    """The guide's `delete_when_done` is absent from the spec's enum; the portal's own
    contract check must not turn it into a server error (the guide and spec both hold)."""
    data = _form_data(ada, upstream, lifecycle_policy="delete_when_done")
    response = ada.post("/replicas/new/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    assert any(r.name == data["name"] for r in upstream.list_replicas(limit=100).replicas)
