"""In Chromium, over a real ASGI server: the warm-hook console.

- a test's output grows line by line before the run ends, then the exit code shows;
- a failing script keeps the editor's text (and across a reload) and shows the failure;
- restore an older version into the editor and save it.
"""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.accounts.models import KeyKind
from portal.emulator.config import DEMO_PERSONAL_KEYS
from portal.environments.models import HookAction, HookVersion, RunState
from tests.accounts.personas import PASSWORD, store_key
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def upstream(emulator, api_settings):
    from portal.replica_api import ReplicaAPI

    return ReplicaAPI(DEMO_PERSONAL_KEYS[0], settings=api_settings)


@pytest.fixture
def team_env(upstream):
    env = upstream.create_environment(
        {"name": f"console-{time.monotonic_ns() % 10**8}", "scope": "org"}
    ).environment
    yield env
    with contextlib.suppress(Exception):
        upstream.delete_environment(str(env.id))


@pytest.fixture
def ada_page(page, admin):
    store_key(admin, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[0])
    sign_in(page, "ada", PASSWORD)
    return page


def open_console(page, env_id: str):
    page.goto(f"/environments/{env_id}/warm-hook/")
    expect(page.locator("#hook-form textarea[name=content]")).to_be_visible()


def type_script(page, script: str):
    editor = page.locator("#hook-form textarea[name=content]")
    editor.fill(script)
    return editor


def test_output_grows_line_by_line_then_the_exit_code(ada_page, team_env, agent_pace):
    page = ada_page
    agent_pace(0.25)  # the emulator prints a line every 0.25 s
    open_console(page, str(team_env.id))
    script = "#!/usr/bin/env bash\n" + "".join(f"echo step {n}\n" for n in range(1, 9)) + "exit 3\n"
    type_script(page, script)
    page.get_by_role("button", name="Test", exact=True).click()
    lines = page.locator("#run-log .log-line")
    expect(lines.first).to_have_text(re.compile(r"step 1"), timeout=10_000)
    seen_while_running = lines.count()
    status = page.locator("#run-status")
    assert "Running" in status.inner_text() or "Starting" in status.inner_text()
    assert seen_while_running < 8, "the first lines showed before the run ended"
    expect(page.locator("#run-timeline li").first).to_contain_text("Provisioning")
    expect(status).to_contain_text("Failed with exit code 3", timeout=15_000)
    expect(status).to_contain_text("Not saved: this was a test only.")
    expect(status).to_contain_text("Exit code: 3")
    expect(lines).to_have_count(8)
    expect(lines.nth(7)).to_have_text(re.compile(r"step 8"))
    # Timestamps toggle.
    assert not page.locator("#run-log .log-ts").first.is_visible()
    page.get_by_label("Timestamps").check()
    expect(page.locator("#run-log .log-ts").first).to_be_visible()
    expect(page.locator("#run-log .log-ts").first).to_have_text(re.compile(r"\+\d+\.\d\ds"))
    # Download and copy the whole log (with the timestamps shown, they come along).
    with page.expect_download() as caught:
        page.get_by_role("link", name="Download log").click()
    downloaded = Path(caught.value.path()).read_text()
    assert downloaded.splitlines()[0].endswith("step 1") and "step 8" in downloaded
    assert downloaded.startswith("+")
    copy = page.get_by_role("button", name="Copy log")
    copy.click()
    expect(page.locator(".console-tools button").first).to_have_text(re.compile("Copied|Selected"))
    # The run is in the portal's history, and the Stop button is gone.
    expect(page.locator("#versions .version-row")).to_have_count(1)
    expect(page.locator("#versions .version-row").first).to_contain_text("Failed with exit code 3")
    expect(page.locator("#run-stop")).to_have_count(0)
    assert page.console_problems == []


def test_a_failing_script_keeps_the_editors_text_and_shows_the_failure(
    ada_page, team_env, upstream
):
    page = ada_page
    env_id = str(team_env.id)
    open_console(page, env_id)
    script = "#!/usr/bin/env bash\necho 'compiling'\necho 'error: missing dependency'\nexit 2\n"
    editor = type_script(page, script)
    page.get_by_role("button", name="Save & test").click()
    status = page.locator("#run-status")
    expect(status).to_contain_text("Failed with exit code 2", timeout=15_000)
    expect(status).to_contain_text("Not saved: it didn't pass")
    expect(page.locator("#run-log")).to_contain_text("error: missing dependency")
    assert editor.input_value() == script
    assert upstream.get_environment_warm_hooks(env_id).warm_hook is None
    # A reload keeps the unsaved script (the browser's storage) and says so.
    page.reload()
    expect(page.locator("#hook-form textarea[name=content]")).to_have_value(script)
    expect(page.locator("[data-draft-note]")).to_be_visible()
    # A refused save keeps it too.
    page.route(
        re.compile(r".*/warm-hook/run/$"),
        lambda route: route.fulfill(
            status=200, body='<section id="console-run"><p role="alert">Refused</p></section>'
        ),
    )
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Save…").click()
    expect(page.locator("#console-run")).to_contain_text("Refused")
    assert page.locator("#hook-form textarea[name=content]").input_value() == script
    assert page.console_problems == []


def test_restore_an_older_version_and_save_it(ada_page, team_env, admin, upstream):
    page = ada_page
    env_id = str(team_env.id)
    older = "#!/usr/bin/env bash\necho 'the older version'\n"
    newer = "#!/usr/bin/env bash\necho 'the newer version'\nexit 1\n"
    for content in (older, newer):
        HookVersion.objects.create(
            environment_id=env_id,
            kind="warm",
            action=HookAction.TEST,
            content=content,
            user=admin,
            username="ada",
            state=RunState.FINISHED,
            exit_code=0 if content == older else 1,
            timed_out=False,
            saved=False,
        )
    old_pk = HookVersion.objects.get(content=older).pk
    open_console(page, env_id)
    rows = page.locator("#versions .version-row")
    expect(rows).to_have_count(2)
    # Compare the two as a diff.
    page.locator(f"#cmp-a-{old_pk}").check()
    page.locator(f"#cmp-b-{HookVersion.objects.get(content=newer).pk}").check()
    page.get_by_role("button", name="Compare the two chosen").click()
    expect(page.locator("#version-diff .diff-line--removed")).to_contain_text("the older version")
    expect(page.locator("#version-diff .diff-line--added").first).to_contain_text("newer")
    # Restore the older one, then save it.
    page.locator(f'#versions .version-row[data-version="{old_pk}"]').get_by_role(
        "link", name="Restore"
    ).click()
    expect(page.locator("#hook-form textarea[name=content]")).to_have_value(older)
    expect(page.locator(".restored-note")).to_contain_text(f"#{old_pk}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Save…").click()
    status = page.locator("#run-status")
    expect(status).to_contain_text("Saved: this is now the active warm hook", timeout=10_000)
    expect(page.locator("#active-hook")).to_contain_text("Active: version 1")
    assert upstream.get_environment_warm_hooks(env_id).warm_hook.content == older
    expect(rows).to_have_count(3)
    # Saved: the draft is forgotten, a reload shows the active hook without the draft note.
    page.reload()
    expect(page.locator("#hook-form textarea[name=content]")).to_have_value(older)
    expect(page.locator("[data-draft-note]")).to_be_hidden()
    # With its history, a run and a diff on it, the console still fits a phone.
    page.goto(f"/environments/{env_id}/warm-hook/?run={old_pk}&a={old_pk}&b={old_pk + 1}")
    for width in (390, 800):
        page.set_viewport_size({"width": width, "height": 900})
        scroll, inner = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll <= inner, f"{width} px: {scroll} > {inner}"
    assert page.console_problems == []


def test_stop_ends_the_run_and_closes_its_stream(ada_page, team_env, agent_pace, upstream, admin):
    page = ada_page
    agent_pace(0.25)
    env_id = str(team_env.id)
    open_console(page, env_id)
    type_script(page, "".join(f"echo line {n}\n" for n in range(30)))
    page.get_by_role("button", name="Save & test").click()
    expect(page.locator("#run-log .log-line").first).to_contain_text("line 0", timeout=10_000)
    page.locator("#run-stop").get_by_role("button", name="Stop").click()
    status = page.locator("#run-status")
    expect(status).to_contain_text("Stopped before it finished")
    expect(page.locator("#run-stop")).to_have_count(0)
    expect(page.locator("#run-live")).to_have_count(0)
    version = HookVersion.objects.get(environment_id=env_id)
    deadline = time.monotonic() + 5
    while not version.output and time.monotonic() < deadline:  # the stream's own record
        time.sleep(0.1)
        version.refresh_from_db()
    assert version.state == RunState.STOPPED and "Stopped by ada" in version.note
    assert "line 0" in version.output and "line 29" not in version.output
    time.sleep(1.0)
    assert upstream.get_environment_warm_hooks(env_id).warm_hook is None, "never saved"
    expect(page.locator("#versions .version-row").first).to_contain_text("Stopped")
    from portal.accounts.models import AuditEntry

    assert AuditEntry.objects.filter(
        user=admin, operation="saveAndTestEnvironmentWarmHookStream"
    ).exists(), "the streamed Save & test is in the audit log"
    assert page.console_problems == []
