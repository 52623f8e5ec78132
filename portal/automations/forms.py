"""Every POST of the Automations pages comes from one of these forms; `request_body()` turns a
valid form into the spec's request (a plain dict, checked against the generated model).

- `AutomationForm` + `TriggerFormSet`: create and edit (CreateAutomationRequest /
  UpdateAutomationRequest). Agents, models, thinking levels, sizes and lifecycle labels come
  from `portal.replicas.choices`, so the two create forms offer the same combinations.
- `TriggerForm`: one trigger card; a cron card's schedule is checked by `cron.check()`, the
  validator the builder's preview uses too. The formset checks the API's duplicate rules.
- `RunNowForm`, `RunPullRequestForm`, `TestFireForm`, `ToggleForm`, `ListFilterForm`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pydantic
from django import forms
from django.forms import BaseFormSet, formset_factory
from django.urls import reverse_lazy

from portal.replica_api import models
from portal.replicas import choices

from . import cron, triggers

log = logging.getLogger("portal.automations")

INHERIT = ""  # "inherit the org's default" for the agent, "the agent's default" for the rest
LIFECYCLES: tuple[str, ...] = tuple(p.value for p in models.WorkspaceLifecyclePolicy)
AUTO_STOP_POLICIES = ("default", "delete_after_inactivity")
INHERIT_THINKING = ("low", "medium", "high", "max")  # valid whatever the org's default agent
TRISTATE = [("", "The agent's default"), ("on", "On"), ("off", "Off")]
DEFAULT_SCHEDULE = "0 9 * * *"
DEFAULT_RUN_MINUTES = 15
MAX_TRIGGERS = 20
WEBHOOK_MAX_BYTES = 256 * 1024  # the spec: bodies over 256KB are refused


def _area(rows: int, **attrs) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


def _tristate(value) -> str:
    return "" if value is None else ("on" if value else "off")


def _from_tristate(value: str) -> bool | None:
    return {"on": True, "off": False}.get(value)


# --- one trigger ------------------------------------------------------------------------------


class TriggerForm(forms.Form):
    """One trigger card. Its `type` is fixed when the card is added; the template shows the
    fields of that type only."""

    type = forms.ChoiceField(choices=[(t, t) for t in triggers.TYPES], widget=forms.HiddenInput)
    schedule = forms.CharField(
        required=False,
        label="Cron expression",
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "off",
                "class": "mono cron-raw",
                "data-cron-raw": "",
                "placeholder": "0 9 * * 1-5",
            }
        ),
        help_text="Five fields: minute, hour, day of month, month, day of week.",
    )
    timezone = forms.CharField(
        required=False,
        label="Time zone",
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "list": "tz-names",
                "autocomplete": "off",
                "spellcheck": "false",
                "data-cron-zone": "",
                "placeholder": "Search, e.g. New York",
            }
        ),
        help_text="Type to search the IANA zones. The schedule runs in this zone, daylight "
        "saving included.",
    )
    event = forms.ChoiceField(required=False)
    repository_ids = forms.MultipleChoiceField(
        required=False,
        label="Only these repositories",
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: events from every repository fire it.",
    )
    group_pr_events = forms.BooleanField(required=False, label="Group events of the same PR")
    excluded_actors = forms.CharField(
        required=False,
        label="Ignore events from",
        max_length=2000,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "data-tag-list": ""}
        ),
        help_text="Usernames whose events never fire it, separated by commas or spaces, e.g. "
        "dependabot[bot]. Case doesn't matter; a leading @ is ignored.",
    )
    channel_ids = forms.CharField(
        required=False,
        label="Only these channels",
        max_length=2000,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "data-tag-list": ""}
        ),
        help_text="Slack channel ids (like C0123ABCD), separated by commas or spaces. Empty: "
        "every channel the Replicas app is in.",
    )
    group_thread_replies = forms.BooleanField(
        required=False,
        initial=True,
        label="Group thread replies",
        help_text="Replies in a thread go to the workspace its first message started, instead "
        "of starting new ones.",
    )
    project_slugs = forms.CharField(
        required=False,
        label="Only these projects",
        max_length=2000,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "data-tag-list": ""}
        ),
        help_text="Sentry project slugs, separated by commas or spaces. Empty: every project.",
    )
    min_level = forms.ChoiceField(
        required=False,
        label="Minimum level",
        choices=[("", "Any level"), *[(lvl, lvl) for lvl in triggers.SENTRY_LEVELS]],
        help_text="Fires for this level and above.",
    )

    def __init__(self, *args, repositories: list[tuple[str, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind = self._kind()
        self.fields["event"].choices = triggers.event_choices(self.kind)
        self.fields["repository_ids"].choices = list(repositories)
        if self.kind in triggers.GROUP_HELP:
            self.fields["group_pr_events"].help_text = triggers.GROUP_HELP[self.kind]
        self.type_label = triggers.TYPE_LABELS.get(self.kind, self.kind)

    def _kind(self) -> str:
        if self.is_bound:
            value = self.data.get(self.add_prefix("type"))
        else:
            value = self.initial.get("type")
        return value if value in triggers.TYPES else triggers.CRON

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = self.kind
        if kind == triggers.CRON:
            schedule = cron.check(
                data.get("schedule") or "", data.get("timezone") or "", details=False
            )
            if schedule.error_field == "timezone":
                self.add_error("timezone", schedule.error)
            elif schedule.problem:
                self.add_error("schedule", schedule.problem)
        elif kind in triggers.EVENTS and not data.get("event"):
            self.add_error("event", "Choose the event that fires it.")
        return data

    def trigger(self) -> dict[str, Any]:
        """The AutomationTrigger for the API."""
        d = self.cleaned_data
        kind = self.kind
        config: dict[str, Any] = {}
        if kind == triggers.CRON:
            config = {
                "schedule": " ".join(d["schedule"].split()),
                "timezone": d["timezone"].strip(),
            }
        elif kind in triggers.EVENTS:
            config["event"] = d["event"]
            if kind in (triggers.GITHUB, triggers.GITLAB):
                if d.get("repository_ids"):
                    config["repository_ids"] = list(d["repository_ids"])
                if d["event"] in triggers.GROUPABLE[kind]:
                    config["group_pr_events"] = bool(d.get("group_pr_events"))
                actors = triggers.split_tags(d.get("excluded_actors", ""))
                if actors:
                    config["excluded_actors"] = actors
            elif kind == triggers.SLACK:
                channels = triggers.split_tags(d.get("channel_ids", ""))
                if channels:
                    config["channel_ids"] = channels
                config["group_thread_replies"] = bool(d.get("group_thread_replies"))
            elif kind == triggers.SENTRY:
                projects = triggers.split_tags(d.get("project_slugs", ""))
                if projects:
                    config["project_slugs"] = projects
                if d.get("min_level"):
                    config["min_level"] = d["min_level"]
        return {"type": kind, "config": config}

    @property
    def tags(self) -> list[str]:
        """The tag-list field's tags as typed (for the chips under it)."""
        name = {
            triggers.GITHUB: "excluded_actors",
            triggers.GITLAB: "excluded_actors",
            triggers.SLACK: "channel_ids",
            triggers.SENTRY: "project_slugs",
        }.get(self.kind)
        return triggers.split_tags(self[name].value() or "") if name else []


class BaseTriggerFormSet(BaseFormSet):
    """The API's rules, checked before sending: one trigger at least; at most one schedule,
    one custom webhook, and one trigger per event."""

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.forms:
            raise forms.ValidationError("Add at least one trigger: a schedule or an event.")
        seen: dict[tuple[str, str], int] = {}
        for number, form in enumerate(self.forms, start=1):
            key = triggers.duplicate_key(form.trigger())
            if key in seen:
                first = seen[key]
                if key[0] == triggers.CRON:
                    message = f"An automation has at most one schedule; trigger {first} is one."
                    form.add_error("schedule", message)
                elif key[0] == triggers.CUSTOM:
                    message = (
                        f"An automation has at most one custom webhook; trigger {first} is one."
                    )
                    raise forms.ValidationError(message)
                else:
                    label = triggers.EVENT_LABELS.get(key[1], key[1])
                    message = (
                        f"Trigger {first} already fires on “{label}”: the API allows one "
                        "trigger per event."
                    )
                    form.add_error("event", message)
            else:
                seen[key] = number

    def triggers(self) -> list[dict[str, Any]]:
        return [form.trigger() for form in self.forms]


TriggerFormSet = formset_factory(
    TriggerForm, formset=BaseTriggerFormSet, extra=0, max_num=MAX_TRIGGERS, validate_max=True
)
TRIGGERS_PREFIX = "triggers"


def trigger_initial(trigger: Any) -> dict[str, Any]:
    """A card's initial values from an API trigger (or a dict)."""
    kind = triggers.type_of(trigger)
    config = triggers.config_of(trigger)
    initial: dict[str, Any] = {"type": kind}
    if kind == triggers.CRON:
        initial.update(
            schedule=config.get("schedule", ""), timezone=config.get("timezone") or "UTC"
        )
    elif kind in triggers.EVENTS:
        initial["event"] = config.get("event", "")
        initial["repository_ids"] = [str(r) for r in config.get("repository_ids") or []]
        initial["group_pr_events"] = bool(config.get("group_pr_events"))
        initial["excluded_actors"] = ", ".join(config.get("excluded_actors") or [])
        initial["channel_ids"] = ", ".join(config.get("channel_ids") or [])
        initial["group_thread_replies"] = config.get("group_thread_replies", True) is not False
        initial["project_slugs"] = ", ".join(config.get("project_slugs") or [])
        initial["min_level"] = config.get("min_level") or ""
    return initial


def new_trigger_initial(kind: str, zone: str) -> dict[str, Any]:
    """A fresh card: a schedule starts at 09:00 every day in the viewer's zone."""
    if kind == triggers.CRON:
        return {"type": kind, "schedule": DEFAULT_SCHEDULE, "timezone": zone}
    initial: dict[str, Any] = {"type": kind, "group_thread_replies": True}
    if kind in triggers.EVENTS:
        initial["event"] = triggers.EVENTS[kind][0]
    return initial


# --- the automation ----------------------------------------------------------------------------


def agent_choices() -> list[tuple[str, str]]:
    return [(INHERIT, "Inherit the org's default agent"), *choices.agent_choices()]


def model_choices(agent: str) -> list[tuple[str, str]]:
    if agent not in choices.AGENTS:
        return [("", "The agent's default")]
    return [("", "The agent's default"), *choices.model_choices(agent)[1:]]


def thinking_choices(agent: str) -> list[tuple[str, str]]:
    if agent not in choices.AGENTS:
        return [
            ("", "The agent's default"),
            *[(t, choices.THINKING_LABELS[t]) for t in INHERIT_THINKING],
        ]
    return choices.thinking_choices(agent)


def lifecycle_choices() -> list[tuple[str, str]]:
    return [(p, choices.LIFECYCLE_POLICIES.get(p, p)) for p in LIFECYCLES]


class AutomationForm(forms.Form):
    """Create (mode="create") or edit (mode="edit") an automation (its triggers are the
    `TriggerFormSet` beside it)."""

    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(
        required=False, max_length=2000, widget=_area(2), help_text="Optional, for people."
    )
    scope = forms.ChoiceField(
        widget=forms.RadioSelect,
        label="Whose",
        help_text="Set when it is created; it can't be changed later.",
    )
    environment = forms.ChoiceField(
        help_text="Decides the repository (or repository set) each run works on, and the "
        "variables, files, skills and MCP servers it gets."
    )
    prompt = forms.CharField(
        label="Prompt",
        max_length=100_000,
        strip=False,
        widget=_area(
            8,
            **{
                "hx-post": reverse_lazy("automations:prompt_preview"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#prompt-preview",
                "hx-swap": "outerHTML",
                "hx-sync": "this:replace",
                "aria-describedby": "id_prompt_helptext prompt-preview",
            },
        ),
        help_text="What the agent is asked to do each time it runs (Markdown). An event's or a "
        "webhook's payload is added below it.",
    )
    debounce_seconds = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=86400,
        label="Debounce (seconds)",
        widget=forms.NumberInput(attrs={"placeholder": "off", "inputmode": "numeric"}),
        help_text="Empty or 0: every event starts its own run. Above 0: a burst of events "
        "makes one run, with the latest payload, once no event has come for this many seconds "
        "(at most 86400, a day).",
    )
    workspace_size = forms.ChoiceField(
        label="Workspace size",
        choices=choices.size_choices(),
        initial=choices.DEFAULT_SIZE,
        widget=forms.RadioSelect,
        help_text="Every run's workspace is billed per minute at this size.",
    )
    workspace_lifecycle_policy = forms.ChoiceField(
        label="When a run is done", choices=lifecycle_choices(), initial="default"
    )
    workspace_auto_stop_minutes = forms.IntegerField(
        required=False,
        min_value=3,
        max_value=1440,
        label="Stop after inactivity (minutes)",
        widget=forms.NumberInput(attrs={"placeholder": "the default", "inputmode": "numeric"}),
        help_text="3 to 1440. Applies to the Default and Delete-after-inactivity policies.",
    )
    agent_provider = forms.ChoiceField(
        required=False,
        label="Coding agent",
        choices=agent_choices(),
        widget=forms.Select(
            attrs={
                "hx-get": reverse_lazy("automations:agent_fields"),
                "hx-trigger": "change",
                "hx-target": "#agent-fields",
                "hx-swap": "outerHTML",
                "hx-include": "#agent-fields",
                "hx-sync": "this:replace",
            }
        ),
        help_text="Changing the agent resets the model: a model belongs to one agent.",
    )
    model = forms.ChoiceField(required=False)
    thinking_level = forms.ChoiceField(required=False, label="Thinking level")
    goal_mode = forms.ChoiceField(
        required=False,
        label="Goal mode",
        choices=TRISTATE,
        help_text="Sets each run's message as the agent's goal (Codex only).",
    )
    plan_mode = forms.BooleanField(
        required=False, label="Plan mode", help_text="The agent plans before it changes code."
    )
    fast_mode = forms.ChoiceField(required=False, label="Fast mode", choices=TRISTATE)
    pr_followups = forms.BooleanField(
        required=False,
        label="PR follow-ups",
        help_text="Replicas replies to CI failures and review comments on pull requests a "
        "run's workspace opened or touched (off by default for automations).",
    )
    keep_open_on_pr_merge = forms.BooleanField(
        required=False, label="Keep the workspace open when its pull request is merged"
    )
    keep_open_on_pr_close = forms.BooleanField(
        required=False, label="Keep the workspace open when its pull request is closed unmerged"
    )
    enabled = forms.BooleanField(
        required=False, initial=True, label="Enabled", help_text="Off: nothing fires it."
    )
    # Not sent: how long a run is assumed to take, for the schedule's cost estimate.
    estimate_minutes = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=1440,
        initial=DEFAULT_RUN_MINUTES,
        label="Minutes per run (for the estimate)",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "data-cron-input": ""}),
    )

    def __init__(
        self,
        *args,
        mode: str = "create",
        environments: list[dict[str, Any]] = (),
        may_org: bool = True,
        may_personal: bool = True,
        scope_notes: dict[str, str] | None = None,
        personal: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode
        self.personal = personal  # edit: whether the automation is a personal one
        self.environments = {e["id"]: e for e in environments}
        env_choices = [(e["id"], e["label"]) for e in environments]
        self.fields["environment"].choices = [("", "Choose an environment…"), *env_choices]
        scope_choices = []
        if may_org:
            scope_choices.append(("org", "The organisation's (everyone sees it; admins manage it)"))
        if may_personal:
            scope_choices.append(("user", "Mine (personal: only you see and manage it)"))
        self.fields["scope"].choices = scope_choices
        self.scope_notes = scope_notes or {}
        if scope_choices:  # admins: the organisation's; members: theirs
            self.fields["scope"].initial = scope_choices[0][0]
        if mode == "edit":
            del self.fields["scope"]
        self.agent = self._chosen("agent_provider")
        self.fields["model"].choices = model_choices(self.agent)
        self.fields["thinking_level"].choices = thinking_choices(self.agent)
        label = choices.AGENT_LABELS.get(self.agent, "the org's default agent")
        self.fields["model"].error_messages["invalid_choice"] = (
            f"%(value)s is not a {label} model: choose one of the list."
        )
        self.fields["thinking_level"].error_messages["invalid_choice"] = (
            f"%(value)s is not a thinking level {label} supports: choose one of the list."
        )
        if self.agent not in choices.AGENTS:
            self.fields["model"].disabled = True
            self.fields["model"].help_text = "Choose an agent to choose its model."
        if not choices.supports_goal_mode(self.agent):
            self.fields["goal_mode"].disabled = True
            self.fields["goal_mode"].help_text = "Only for Codex."
        self.agent_note = choices.AGENT_NOTES.get(self.agent, "")

    def _chosen(self, name: str) -> str:
        if self.is_bound:
            value = self.data.get(self.add_prefix(name), "")
        else:
            value = self.initial.get(name) or ""
        return value if value in choices.AGENTS else INHERIT

    @property
    def scope_value(self) -> str:
        if "scope" not in self.fields:
            return ""
        return self["scope"].value() or ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        env = self.environments.get(data.get("environment") or "")
        scope = data.get("scope") or ("user" if self.personal else "org")
        if env is not None and env.get("personal") and scope == "org":
            self.add_error(
                "environment",
                "An organisation's automation can't run in a personal environment: choose a "
                "team environment, or make the automation yours.",
            )
        if data.get("goal_mode") and not choices.supports_goal_mode(self.agent):
            data["goal_mode"] = ""
        estimate = data.get("estimate_minutes")
        data["estimate_minutes"] = estimate or DEFAULT_RUN_MINUTES
        return data

    def check_triggers(self, trigger_list: list[dict[str, Any]]) -> str | None:
        """What the environment can't do for these triggers, in words (None when fine)."""
        env = self.environments.get(self.cleaned_data.get("environment") or "")
        needs_repo = any(t["type"] in (triggers.GITHUB, triggers.GITLAB) for t in trigger_list)
        if env is not None and needs_repo and env.get("bound") is False:
            return (
                "GitHub and GitLab triggers need an environment that checks out a repository, "
                f"and {env['name']} checks out none: choose another environment."
            )
        return None

    def request_body(
        self, trigger_list: list[dict[str, Any]], original: Any = None
    ) -> dict[str, Any]:
        """CreateAutomationRequest (mode="create") or UpdateAutomationRequest (edit)."""
        d = self.cleaned_data
        creating = self.mode == "create"
        body: dict[str, Any] = {
            "name": d["name"].strip(),
            "prompt": d["prompt"],
            "environment_id": d["environment"],
            "triggers": trigger_list,
            "enabled": bool(d.get("enabled")),
            "workspace_size": d["workspace_size"],
            "workspace_lifecycle_policy": d["workspace_lifecycle_policy"],
            "plan_mode": bool(d.get("plan_mode")),
            "config": {
                "capabilities": {"pr_followups": bool(d.get("pr_followups"))},
                "preferences": {
                    "keep_open_on_pr_merge": bool(d.get("keep_open_on_pr_merge")),
                    "keep_open_on_pr_close": bool(d.get("keep_open_on_pr_close")),
                },
            },
        }
        if creating:
            body["scope"] = d["scope"]
        description = (d.get("description") or "").strip()
        if description or (not creating and getattr(original, "description", None)):
            body["description"] = description
        debounce = d.get("debounce_seconds")
        if debounce or not creating:
            body["debounce_seconds"] = debounce or None
        stop = d.get("workspace_auto_stop_minutes")
        if d["workspace_lifecycle_policy"] not in AUTO_STOP_POLICIES:
            stop = None
        if stop is not None or not creating:
            body["workspace_auto_stop_minutes"] = stop
        agent = self.agent if self.agent in choices.AGENTS else None
        model = d.get("model") or None
        thinking = d.get("thinking_level") or None
        for key, value in (
            ("agent_provider", agent),
            ("model", model),
            ("thinking_level", thinking),
        ):
            if value is not None or not creating:
                body[key] = value
        for key in ("fast_mode", "goal_mode"):
            value = _from_tristate(d.get(key) or "")
            if value is not None or not creating:
                body[key] = value
        schema = models.CreateAutomationRequest if creating else models.UpdateAutomationRequest
        try:
            schema.model_validate(body)
        except pydantic.ValidationError as exc:
            log.warning("automation body fails the spec's %s: %s", schema.__name__, exc)
            raise forms.ValidationError(
                "The portal could not build a valid request from this form; nothing was sent."
            ) from None
        return body


def automation_initial(a: Any) -> dict[str, Any]:
    """The edit form's initial values from an AutomationRecord."""
    config = a.config.model_dump(mode="json", exclude_none=True) if a.config else {}
    capabilities = config.get("capabilities") or {}
    preferences = config.get("preferences") or {}

    def value(v):
        return getattr(v, "value", v)

    return {
        "name": a.name,
        "description": a.description or "",
        "environment": str(a.environment_id),
        "prompt": a.prompt,
        "debounce_seconds": a.debounce_seconds or None,
        "workspace_size": value(a.workspace_size) or choices.DEFAULT_SIZE,
        "workspace_lifecycle_policy": value(a.workspace_lifecycle_policy),
        "workspace_auto_stop_minutes": a.workspace_auto_stop_minutes,
        "agent_provider": value(a.agent_provider) or "",
        "model": a.model or "",
        "thinking_level": value(a.thinking_level) or "",
        "goal_mode": _tristate(a.goal_mode),
        "plan_mode": bool(a.plan_mode),
        "fast_mode": _tristate(a.fast_mode),
        "pr_followups": bool(capabilities.get("pr_followups")),
        "keep_open_on_pr_merge": bool(preferences.get("keep_open_on_pr_merge")),
        "keep_open_on_pr_close": bool(preferences.get("keep_open_on_pr_close")),
        "enabled": bool(a.enabled),
        "estimate_minutes": DEFAULT_RUN_MINUTES,
    }


class PromptPreviewForm(forms.Form):
    prompt = forms.CharField(required=False, strip=False, max_length=100_000)


# --- run now, test-fire, the enabled switch, list filters --------------------------------------


def _json(text: str, *, want_object: bool) -> Any:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise forms.ValidationError(
            f"This isn't valid JSON (line {getattr(exc, 'lineno', '?')}, column "
            f"{getattr(exc, 'colno', '?')}): {getattr(exc, 'msg', exc)}."
        ) from None
    if want_object and not isinstance(value, dict):
        raise forms.ValidationError('The payload must be a JSON object, like {"reason": "test"}.')
    return value


class RunNowForm(forms.Form):
    payload = forms.CharField(
        required=False,
        label="Payload (optional JSON object)",
        strip=False,
        max_length=WEBHOOK_MAX_BYTES,
        widget=_area(
            3, **{"class": "mono", "spellcheck": "false", "placeholder": '{"reason": "manual run"}'}
        ),
        help_text="Passed to this run; the agent sees it under the prompt.",
    )

    def clean_payload(self) -> dict | None:
        text = (self.cleaned_data.get("payload") or "").strip()
        return _json(text, want_object=True) if text else None

    def request_body(self) -> dict[str, Any]:
        payload = self.cleaned_data.get("payload")
        return {"payload": payload} if payload is not None else {}


class RunPullRequestForm(forms.Form):
    repository = forms.ChoiceField(label="Repository")
    number = forms.IntegerField(
        label="Pull request number",
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "482"}),
    )

    def __init__(self, *args, repositories: list[tuple[str, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["repository"].choices = [("", "Choose a repository…"), *repositories]

    def request_body(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"pr": {"repository_id": d["repository"], "number": d["number"]}}


SAMPLE_WEBHOOK_BODY = '{\n  "event": "test",\n  "sent_from": "the Replicas Portal"\n}'


class TestFireForm(forms.Form):
    body = forms.CharField(
        label="Test event (JSON)",
        strip=False,
        initial=SAMPLE_WEBHOOK_BODY,
        widget=_area(5, **{"class": "mono", "spellcheck": "false"}),
        help_text="Posted to the webhook URL as the caller would; up to 256 KB.",
    )

    def clean_body(self) -> Any:
        text = self.cleaned_data["body"]
        if len(text.encode()) > WEBHOOK_MAX_BYTES:
            raise forms.ValidationError("The webhook accepts at most 256 KB.")
        return _json(text, want_object=False)


class ToggleForm(forms.Form):
    enabled = forms.BooleanField(required=False)

    def request_body(self) -> dict[str, Any]:
        return {"enabled": bool(self.cleaned_data.get("enabled"))}


SCOPES = [("all", "All I can see"), ("org", "The organisation's"), ("mine", "Mine")]
TRIGGER_FILTERS = [("", "Any trigger"), *[(t, triggers.TYPE_LABELS[t]) for t in triggers.TYPES]]
STATE_FILTERS = [("", "On and off"), ("on", "On"), ("off", "Off")]


class ListFilterForm(forms.Form):
    """The list page's filters; they live in the URL (a GET form)."""

    scope = forms.ChoiceField(required=False, choices=SCOPES, label="Whose")
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Name",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "contains…"}),
    )
    trigger = forms.ChoiceField(required=False, choices=TRIGGER_FILTERS, label="Trigger")
    state = forms.ChoiceField(required=False, choices=STATE_FILTERS, label="State")


class DeleteAutomationForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, delete it and its run history")
