"""The two hook consoles' shared logic: what differs between warm and start hooks (`KINDS`),
the editor's form, and how each action calls the API.

Warm hooks have three actions, as the API has them: Test (run without saving), Save
(activate without testing) and Save & test (persist only when the test passes). Start hooks
have Test and Save (an empty script clears the start hook). Test and Save & test stream
(`stream_save_and_test_environment_warm_hook` with `mode: test_only | save_test`,
`stream_test_environment_start_hook`); when a stream can't be had, the synchronous calls do
the same job (`run_sync`): for Save & test that is test, then save only if it passed, so a
failing script is never activated whichever way it ran.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from django import forms

from portal.replica_api import AsyncReplicaAPI, errors

from .models import HookAction, HookKind

MAX_SCRIPT_BYTES = 256 * 1024  # what the API accepts (the emulator checks the same)
TAB_SPACES = 2


@dataclass(frozen=True)
class Kind:
    slug: str  # HookKind value
    label: str  # "Warm hook"
    panel: str  # the tab's slug in common.TABS
    url_name: str  # the console page
    actions: tuple[str, ...]
    help: str
    repo_help: str

    @property
    def noun(self) -> str:
        return self.label.lower()

    # URL names of the console's other views (hook_urls.py), for `{% url kind.x env_id … %}`.
    @property
    def run_url_name(self) -> str:
        return f"environments:{self.slug}_hook_run"

    @property
    def stream_url_name(self) -> str:
        return f"environments:{self.slug}_hook_stream"

    @property
    def stop_url_name(self) -> str:
        return f"environments:{self.slug}_hook_stop"

    @property
    def log_url_name(self) -> str:
        return f"environments:{self.slug}_hook_log"

    # --- reads --------------------------------------------------------------------------
    def read(self, api: AsyncReplicaAPI, env_id: str):
        if self.slug == HookKind.WARM:
            return api.get_environment_warm_hooks(env_id)
        return api.get_environment_start_hooks(env_id)

    def read_repository_hooks(self, api: AsyncReplicaAPI, env_id: str):
        if self.slug == HookKind.WARM:
            return api.get_environment_repository_warm_hooks(env_id)
        return api.get_environment_repository_start_hooks(env_id)

    def active(self, state: Any) -> Any:
        """The active hook record (WarmHookRecord / StartHookRecord) of a read, or None."""
        if state is None:
            return None
        return getattr(state, "warm_hook" if self.slug == HookKind.WARM else "start_hook", None)

    async def active_content(self, api: AsyncReplicaAPI, env_id: str) -> str | None:
        record = self.active(await self.read(api, env_id))
        return None if record is None else record.content

    # --- changes ------------------------------------------------------------------------
    def stream(
        self, api: AsyncReplicaAPI, env_id: str, content: str, action: str
    ) -> AsyncIterator[Any]:
        body = {"content": content}
        if self.slug == HookKind.START:
            return api.stream_test_environment_start_hook(env_id, body)
        mode = "save_test" if action == HookAction.SAVE_TEST else "test_only"
        return api.stream_save_and_test_environment_warm_hook(env_id, body, mode=mode)

    async def test_sync(self, api: AsyncReplicaAPI, env_id: str, content: str):
        """The synchronous test: a WarmHookTestResult / StartHookTestResult."""
        body = {"content": content}
        if self.slug == HookKind.WARM:
            return (await api.test_environment_warm_hook(env_id, body)).test
        return (await api.test_environment_start_hook(env_id, body)).test

    async def save(self, api: AsyncReplicaAPI, env_id: str, content: str) -> Any:
        """Save (activate) without testing; the saved record (None: a start hook cleared)."""
        body = {"content": content}
        if self.slug == HookKind.WARM:
            return (await api.save_environment_warm_hook(env_id, body)).warm_hook
        return (await api.save_environment_start_hook(env_id, body)).start_hook


WARM = Kind(
    slug=HookKind.WARM,
    label="Warm hook",
    panel="warm_hook",
    url_name="environments:warm_hook",
    actions=(HookAction.TEST, HookAction.SAVE_TEST, HookAction.SAVE),
    help="A shell script that runs while workspaces are pre-warmed for this environment's "
    "warm pool (after the Global environment's). Saving one rebuilds the pool.",
    repo_help="From each bound repository's replicas.json / replicas.yaml; they run after the "
    "environment's warm hook. Change them in the repository.",
)
START = Kind(
    slug=HookKind.START,
    label="Start hook",
    panel="start_hook",
    url_name="environments:start_hook",
    actions=(HookAction.TEST, HookAction.SAVE),
    help="A shell script that runs when a workspace from this environment starts, before the "
    "repositories' own start hooks. Saving an empty script removes it.",
    repo_help="From each bound repository's replicas.json / replicas.yaml; they run after the "
    "environment's start hook. Change them in the repository.",
)
KINDS = {WARM.slug: WARM, START.slug: START}


@dataclass
class SyncResult:
    """What the synchronous fallback got: the test (None for a plain save) and the saved
    record (None when nothing was saved)."""

    exit_code: int | None
    timed_out: bool | None
    output: str
    saved: bool
    record: Any = None


async def run_sync(
    kind: Kind, api: AsyncReplicaAPI, env_id: str, content: str, action: str
) -> SyncResult:
    """Test (and for Save & test, save only if it passed) without streaming."""
    test = await kind.test_sync(api, env_id, content)
    passed = test.exit_code == 0 and not test.timed_out
    record = None
    if action == HookAction.SAVE_TEST and passed:
        record = await kind.save(api, env_id, content)
    return SyncResult(
        exit_code=test.exit_code,
        timed_out=test.timed_out,
        output=test.output or "",
        saved=record is not None,
        record=record,
    )


def may_fall_back(error: errors.ReplicaAPIError) -> bool:
    """A stream that failed this way may be replaced by the synchronous call: the API or the
    way to it failed (or has no such stream), not a refusal of the script or the key."""
    if isinstance(error, errors.Unreachable | errors.ServerError | errors.InvalidResponse):
        return True
    if isinstance(error, errors.NotFound):  # the stream is in the guide, not the spec
        return True
    return error.status in (405, 501)


# --- the editor's form ------------------------------------------------------------------------


class CodeEditor(forms.Textarea):
    """A monospace textarea with line numbers (static/js/console.js adds the numbers and
    makes Tab insert spaces; without it, a plain textarea)."""

    template_name = "environments/hooks/code_editor.html"

    def __init__(self, attrs: dict | None = None) -> None:
        base = {
            "rows": 16,
            "class": "code-input",
            "spellcheck": "false",
            "autocapitalize": "off",
            "autocomplete": "off",
            "wrap": "off",
            "data-tab-spaces": str(TAB_SPACES),
        }
        super().__init__({**base, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        text = value or ""
        context["widget"]["line_numbers"] = range(1, text.count("\n") + 2)
        return context


class HookScriptForm(forms.Form):
    content = forms.CharField(
        required=False,
        strip=False,
        label="Script",
        widget=CodeEditor(),
        help_text="Tab inserts spaces; press Esc, then Tab, to move on from the editor. "
        "What you type is kept in this browser until it is saved.",
    )
    action = forms.ChoiceField(choices=HookAction.choices, initial=HookAction.TEST)

    def __init__(self, *args, kind: Kind, **kwargs) -> None:
        self.kind = kind
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [
            (value, label) for value, label in HookAction.choices if value in kind.actions
        ]

    def clean_content(self) -> str:
        # Browsers send CRLF from a textarea; the script runs on Linux.
        content = (self.cleaned_data.get("content") or "").replace("\r\n", "\n")
        if len(content.encode()) > MAX_SCRIPT_BYTES:
            raise forms.ValidationError(
                f"The script is {len(content.encode()):,} bytes; the API accepts at most "
                f"{MAX_SCRIPT_BYTES // 1024} KB."
            )
        return content

    def clean(self):
        data = super().clean()
        action = data.get("action")
        content = data.get("content", "")
        if action and not content.strip():
            if action == HookAction.SAVE and self.kind.slug == HookKind.START:
                return data  # an empty start hook clears it
            what = "test" if action != HookAction.SAVE else "save"
            self.add_error("content", f"Write a script to {what} first: the editor is empty.")
        return data

    def request_body(self) -> dict[str, str]:
        """SaveWarmHookRequest / TestWarmHookRequest / SaveStartHookRequest … (all alike)."""
        return {"content": self.cleaned_data["content"]}

    @property
    def clears(self) -> bool:
        """A Save of an empty start hook: it removes the active one."""
        return (
            self.kind.slug == HookKind.START
            and self.cleaned_data.get("action") == HookAction.SAVE
            and not self.cleaned_data.get("content", "").strip()
        )


class WarmPoolForm(forms.Form):
    """The warm pool's on/off switch (`PUT …/warm-pools`)."""

    enabled = forms.TypedChoiceField(
        choices=[("on", "On"), ("off", "Off")], coerce=lambda value: value == "on"
    )

    def request_body(self) -> dict[str, bool]:
        """UpsertWarmPoolConfigRequest."""
        return {"enabled": bool(self.cleaned_data["enabled"])}
