"""Every POST of the Environments pages comes from one of these forms; `request_body()` turns
a valid form into the spec's request (a plain dict). Checks shared with validate-as-you-type
live in `validators.py`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import URLValidator

from . import validators

NO_CHOICE = ("", "—")


def _area(rows: int, *, mono: bool = False, **attrs) -> forms.Textarea:
    classes = "mono" if mono else ""
    return forms.Textarea(attrs={"rows": rows, "class": classes, "spellcheck": "false", **attrs})


# --- environment settings --------------------------------------------------------------------

BINDING_CHOICES = [
    ("none", "No repository (repo-less workspaces)"),
    ("repository", "A repository"),
    ("repository_set", "A repository set"),
]
SCOPE_CHOICES = [("org", "Team (for everyone in the organisation)"), ("user", "Personal (mine)")]
PLAN_UPGRADE = (
    "Mobile testing needs the Team or Enterprise plan, and this organisation's plan doesn't "
    "include it. Untick it to save, or upgrade the plan in the Replicas dashboard."
)


class EnvironmentForm(forms.Form):
    """Create (mode="create") or edit (mode="edit") an environment's settings."""

    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(required=False, widget=_area(2))
    scope = forms.ChoiceField(
        choices=SCOPE_CHOICES,
        initial="org",
        widget=forms.RadioSelect,
        help_text="A personal environment is visible only to you.",
    )
    source_environment = forms.ChoiceField(
        required=False,
        label="Start from",
        help_text="Optional, a team environment. A personal environment <strong>inherits</strong> "
        "from it: its repository, system prompt and values stay locked (only the variables it "
        "allows can be overridden). A team environment <strong>copies</strong> it.",
    )
    binding = forms.ChoiceField(
        required=False,
        choices=BINDING_CHOICES,
        initial="none",
        widget=forms.RadioSelect,
        label="Checks out",
        help_text="A repository or a repository set, never both.",
    )
    repository = forms.ChoiceField(required=False)
    repository_set = forms.ChoiceField(required=False, label="Repository set")
    system_prompt = forms.CharField(
        required=False,
        label="System prompt",
        widget=_area(6, **{"data-preview": "prompt"}),
        help_text="Prepended to every workspace's coding agent. Markdown; the preview shows "
        "how it reads.",
    )
    personal_preferences = forms.CharField(
        required=False,
        label="Personal preferences",
        widget=_area(4),
        help_text="Your instructions, appended after the (inherited) system prompt.",
    )
    mobile_testing_enabled = forms.BooleanField(
        required=False,
        label="Mobile testing",
        help_text="Workspaces get mobile simulator access (team environments, on the Team and "
        "Enterprise plans).",
    )

    def __init__(
        self,
        *args,
        mode: str = "create",
        kind: str = "team",
        may_create_team: bool = True,
        may_create_personal: bool = True,
        source_backed: bool = False,
        sources: list[tuple[str, str]] = (),
        repositories: list[tuple[str, str]] = (),
        repository_sets: list[tuple[str, str]] = (),
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode
        self.kind = kind
        self.source_backed = source_backed
        self.fields["repository"].choices = [NO_CHOICE, *repositories]
        self.fields["repository_set"].choices = [NO_CHOICE, *repository_sets]
        self.fields["source_environment"].choices = [("", "Nothing: start empty"), *sources]
        self.fields["system_prompt"].widget.attrs["aria-describedby"] = "prompt-preview"
        if mode == "create":
            del self.fields["personal_preferences"]
            scopes = [
                c
                for c in SCOPE_CHOICES
                if (c[0] == "org" and may_create_team) or (c[0] == "user" and may_create_personal)
            ]
            self.fields["scope"].choices = scopes
            if len(scopes) == 1:
                self.fields["scope"].initial = scopes[0][0]
                self.fields["scope"].help_text = (
                    "Members create personal environments; team ones are for org admins."
                    if scopes[0][0] == "user"
                    else "Acting as the org: personal environments need your own key."
                )
        else:
            for name in ("scope", "source_environment"):
                del self.fields[name]
            if kind != "personal":
                del self.fields["personal_preferences"]
            if source_backed:
                for name in ("binding", "repository", "repository_set", "system_prompt"):
                    del self.fields[name]
        if mode == "edit" and kind == "personal":
            del self.fields["mobile_testing_enabled"]

    @property
    def chosen_scope(self) -> str:
        if self.mode != "create":
            return "user" if self.kind == "personal" else "org"
        value = self.data.get(self.add_prefix("scope")) if self.is_bound else None
        return value or self.fields["scope"].initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "binding" in self.fields:
            binding = data.get("binding") or "none"
            if binding == "repository" and not data.get("repository"):
                self.add_error("repository", "Choose the repository, or bind to none.")
            if binding == "repository_set" and not data.get("repository_set"):
                self.add_error("repository_set", "Choose the repository set, or bind to none.")
        scope = data.get("scope") if self.mode == "create" else self.chosen_scope
        inheriting = self.mode == "create" and scope == "user" and data.get("source_environment")
        if inheriting:
            if (data.get("binding") or "none") != "none":
                self.add_error(
                    "binding",
                    "A personal environment with a source inherits its repository: choose "
                    "“No repository” here.",
                )
            if data.get("system_prompt"):
                self.add_error(
                    "system_prompt",
                    "A personal environment with a source inherits its system prompt: leave this "
                    "empty (you can add personal preferences once it exists).",
                )
        if data.get("mobile_testing_enabled") and scope == "user":
            self.add_error(
                "mobile_testing_enabled", "Mobile testing is for team environments only."
            )
        return data

    def _binding(self, body: dict[str, Any]) -> None:
        d = self.cleaned_data
        binding = d.get("binding") or "none"
        body["repository_id"] = d.get("repository") if binding == "repository" else None
        body["repository_set_id"] = d.get("repository_set") if binding == "repository_set" else None

    def request_body(self) -> dict[str, Any]:
        """CreateEnvironmentRequest (create) or UpdateEnvironmentRequest (edit)."""
        d = self.cleaned_data
        body: dict[str, Any] = {"name": d["name"].strip(), "description": d["description"] or None}
        if self.mode == "create":
            body["scope"] = d["scope"]
            if d.get("source_environment"):
                body["source_environment_id"] = d["source_environment"]
            if "binding" in self.fields and (d.get("binding") or "none") != "none":
                self._binding(body)
            if d.get("system_prompt"):
                body["system_prompt"] = d["system_prompt"]
            if d["scope"] == "org":
                body["mobile_testing_enabled"] = bool(d.get("mobile_testing_enabled"))
            return body
        if "binding" in self.fields:
            self._binding(body)
            body["system_prompt"] = d.get("system_prompt") or None
        if "personal_preferences" in self.fields:
            body["personal_preferences"] = d.get("personal_preferences") or None
        if (
            "mobile_testing_enabled" in self.fields
            and "mobile_testing_enabled" in self.changed_data
        ):
            # Only when changed: enabling it may be refused by the plan.
            body["mobile_testing_enabled"] = bool(d.get("mobile_testing_enabled"))
        return body


def environment_initial(env: Any) -> dict[str, Any]:
    binding = "none"
    if env.repository_id:
        binding = "repository"
    elif env.repository_set_id:
        binding = "repository_set"
    return {
        "name": env.name,
        "description": env.description or "",
        "binding": binding,
        "repository": str(env.repository_id or ""),
        "repository_set": str(env.repository_set_id or ""),
        "system_prompt": env.system_prompt or "",
        "personal_preferences": env.personal_preferences or "",
        "mobile_testing_enabled": env.mobile_testing_enabled,
    }


class PromptPreviewForm(forms.Form):
    system_prompt = forms.CharField(required=False, strip=False)


class DeleteEnvironmentForm(forms.Form):
    confirm_name = forms.CharField(
        label="Type the environment's name to confirm",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, expected: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_confirm_name(self) -> str:
        typed = self.cleaned_data["confirm_name"].strip()
        if typed != self.expected:
            raise forms.ValidationError("That isn't the name: type it exactly to confirm.")
        return typed


# --- variables -------------------------------------------------------------------------------


class VariableForm(forms.Form):
    """Add a variable, or edit one (a blank value keeps the current one)."""

    key = forms.CharField(
        max_length=256,
        validators=[validators.check_variable_key],
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "mono"}
        ),
    )
    value = forms.CharField(
        required=False,
        strip=False,
        validators=[validators.check_value_size],
        widget=_area(1, mono=True, autocomplete="off"),
    )
    personal_override_allowed = forms.BooleanField(
        required=False,
        label="Personal environments may override it",
        help_text="Source-backed personal environments may set their own value for this key.",
    )

    def __init__(self, *args, editing: bool = False, override_field: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if not override_field:
            del self.fields["personal_override_allowed"]
        if editing:
            self.fields["value"].help_text = "Leave empty to keep the current value."
            self.fields["value"].widget.attrs["placeholder"] = "•••••• (unchanged)"

    def request_body(self) -> dict[str, Any]:
        d = self.cleaned_data
        body: dict[str, Any] = {"key": d["key"]}
        if not self.editing or d["value"]:
            body["value"] = d["value"]
        if "personal_override_allowed" in self.fields:
            body["personal_override_allowed"] = bool(d.get("personal_override_allowed"))
        return body


class OverrideForm(forms.Form):
    allowed = forms.BooleanField(required=False)

    def request_body(self) -> dict[str, Any]:
        return {"personal_override_allowed": bool(self.cleaned_data.get("allowed"))}


class DotenvForm(forms.Form):
    dotenv = forms.CharField(
        label="Paste a .env block",
        strip=False,
        max_length=512 * 1024,
        widget=_area(8, mono=True, autocomplete="off", placeholder="DATABASE_URL=postgres://…"),
        help_text="Comments, blank lines, export, quotes, \\n escapes and multi-line quoted "
        "values are understood. Nothing is saved until you apply the preview.",
    )


# --- files -----------------------------------------------------------------------------------


class FileForm(forms.Form):
    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    path = forms.CharField(
        max_length=1024,
        validators=[validators.check_file_path],
        help_text=validators.PATH_RULE,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "~/AGENTS.md"}
        ),
    )
    content = forms.CharField(
        required=False,
        strip=False,
        validators=[validators.check_file_size],
        help_text="At most 64 KB. In the editor, Tab inserts two spaces; press Escape, then "
        "Tab, to move on.",
        widget=_area(
            18,
            mono=True,
            wrap="off",
            **{"data-editor": "lines", "data-max-bytes": str(validators.MAX_FILE_BYTES)},
        ),
    )

    def request_body(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"name": d["name"].strip(), "path": d["path"], "content": d["content"]}


# --- skills ----------------------------------------------------------------------------------


class EnableSkillForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.CharField(max_length=200)
    source = forms.CharField(max_length=2000)

    def request_body(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k].strip() for k in ("name", "slug", "source")}


def _github_repo(value: str) -> str:
    URLValidator(schemes=["https", "http"])(value)
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    segments = [s for s in parts.path.split("/") if s]
    if parts.netloc.lower() not in ("github.com", "www.github.com") or len(segments) < 2:
        raise forms.ValidationError(
            "Give a GitHub repository URL, e.g. https://github.com/acme/agent-skills."
        )
    return value


class RegistryForm(forms.Form):
    url = forms.CharField(
        label="GitHub repository URL",
        max_length=500,
        validators=[_github_repo],
        widget=forms.TextInput(
            attrs={"placeholder": "https://github.com/acme/agent-skills", "autocomplete": "off"}
        ),
        help_text="Its skills install into workspaces when they are provisioned.",
    )

    def request_body(self) -> dict[str, Any]:
        return {"url": self.cleaned_data["url"].strip()}


# --- MCP servers -----------------------------------------------------------------------------

TRANSPORT_CHOICES = [
    ("stdio", "stdio: a command the workspace runs"),
    ("http", "http: a server at a URL"),
    ("sse", "sse: a server at a URL (server-sent events)"),
]


class McpForm(forms.Form):
    """One MCP server. The list fields (args, env and header pairs) come as repeated inputs:
    `args`, `env_key`/`env_value`, `header_key`/`header_value`. On edit, a secret value
    left empty keeps the current one (`kept` holds them; they are never rendered)."""

    name = forms.CharField(
        max_length=64,
        validators=[validators.check_mcp_name],
        help_text=validators.MCP_NAME_RULE,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    transport = forms.ChoiceField(choices=TRANSPORT_CHOICES, initial="stdio")
    command = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.TextInput(
            attrs={"placeholder": "npx", "class": "mono", "autocomplete": "off"}
        ),
        help_text="The executable, e.g. npx, uvx, docker.",
    )
    url = forms.CharField(
        required=False,
        max_length=2000,
        label="URL",
        widget=forms.TextInput(
            attrs={"placeholder": "https://mcp.example.com/mcp", "autocomplete": "off"}
        ),
    )

    def __init__(
        self,
        *args,
        kept: dict[str, str] | None = None,
        kept_kind: str = "",
        check_url: str = "",
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        # On edit: the current env (stdio) or header (http/sse) values, by name, used for a
        # row whose value is left empty. Never rendered.
        self.kept = kept or {}
        self.kept_kind = kept_kind
        self.list_errors: dict[str, list[str]] = {}
        if check_url:
            self.fields["name"].widget.attrs.update(
                {
                    "hx-get": check_url,
                    "hx-trigger": "input changed delay:300ms",
                    "hx-target": "#mcp-name-check",
                    "hx-swap": "outerHTML",
                    "hx-sync": "this:replace",
                    "aria-describedby": "mcp-name-check id_name_helptext",
                }
            )

    # -- the repeated inputs --
    def _list(self, name: str) -> list[str]:
        if self.is_bound:
            return list(self.data.getlist(name)) if hasattr(self.data, "getlist") else []
        return list(self.initial.get(name, []))

    def args(self) -> list[str]:
        return [a for a in self._list("args") if a != ""]

    def pairs(self, prefix: str) -> list[tuple[str, str]]:
        keys, values = self._list(f"{prefix}_key"), self._list(f"{prefix}_value")
        values += [""] * (len(keys) - len(values))
        return [(k.strip(), v) for k, v in zip(keys, values, strict=False) if k.strip() or v]

    def _kept_for(self, prefix: str) -> dict[str, str]:
        return self.kept if prefix == self.kept_kind else {}

    def editor(self) -> dict[str, list[dict[str, Any]]]:
        """Rows for the list editors, each list with one empty row to type into. Kept secret
        values are never put back: their row says the value is unchanged."""
        out: dict[str, list[dict[str, Any]]] = {"args": [{"value": a} for a in self.args()]}
        out["args"].append({"value": ""})
        for prefix in ("env", "header"):
            kept = self._kept_for(prefix)
            rows = []
            for key, value in self.pairs(prefix):
                is_kept = key in kept and value == ""
                rows.append({"key": key, "value": "" if is_kept else value, "kept": key in kept})
            rows.append({"key": "", "value": "", "kept": False})
            out[prefix] = rows
        return out

    @property
    def chosen_transport(self) -> str:
        value = self.data.get("transport") if self.is_bound else self.initial.get("transport")
        return value if value in ("stdio", "http", "sse") else "stdio"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        transport = data.get("transport")
        if transport == "stdio":
            if not (data.get("command") or "").strip():
                self.add_error("command", "A stdio server needs the command to run.")
        elif transport in ("http", "sse"):
            url = (data.get("url") or "").strip()
            try:
                URLValidator(schemes=["http", "https"])(url)
            except forms.ValidationError:
                self.add_error("url", "Give the server's http(s) URL.")
        prefix = "env" if transport == "stdio" else "header"
        kept = self._kept_for(prefix)
        seen: set[str] = set()
        problems = []
        values: dict[str, str] = {}
        for key, value in self.pairs(prefix):
            if not key:
                problems.append("A value without a name: give each one its name.")
                continue
            if key in seen:
                problems.append(f"{key} is given twice.")
            seen.add(key)
            values[key] = kept[key] if value == "" and key in kept else value
        if problems:
            self.list_errors[prefix] = problems
            raise forms.ValidationError("Check the names and values below.")
        data["secrets"] = values
        data["arg_list"] = self.args()
        return data

    def request_body(self) -> dict[str, Any]:
        d = self.cleaned_data
        if d["transport"] == "stdio":
            config = {"command": d["command"].strip(), "args": d["arg_list"], "env": d["secrets"]}
        else:
            config = {"url": d["url"].strip(), "headers": d["secrets"]}
        return {"name": d["name"], "transport": d["transport"], "config": config}


def mcp_initial(mcp: Any) -> dict[str, Any]:
    """An existing server as the form's initial data (secret values left out)."""
    transport = str(getattr(mcp.transport, "value", mcp.transport))
    config = mcp.config.root if hasattr(mcp.config, "root") else mcp.config
    initial: dict[str, Any] = {"name": mcp.name, "transport": transport}
    if transport == "stdio":
        initial.update(
            command=config.command,
            args=list(config.args),
            env_key=list(config.env),
            env_value=[""] * len(config.env),
        )
    else:
        initial.update(
            url=str(config.url),
            header_key=list(config.headers),
            header_value=[""] * len(config.headers),
        )
    return initial


def mcp_secrets(mcp: Any) -> tuple[str, dict[str, str]]:
    """("env" | "header", the current secret values by name) of an existing server."""
    config = mcp.config.root if hasattr(mcp.config, "root") else mcp.config
    if hasattr(config, "env"):
        return "env", dict(config.env)
    return "header", dict(config.headers)


class McpNameCheckForm(forms.Form):
    name = forms.CharField(required=False, validators=[validators.check_mcp_name])


class McpImportForm(forms.Form):
    servers_json = forms.CharField(
        label="Paste an mcpServers block",
        strip=False,
        max_length=256 * 1024,
        widget=_area(
            10,
            mono=True,
            autocomplete="off",
            placeholder='{"mcpServers": {"linear": {"command": "npx", "args": ["-y", '
            '"@linear/mcp"]}}}',
        ),
        help_text="The JSON Claude Code (.mcp.json), Cursor (mcp.json) and similar tools use. "
        "Nothing is created until you confirm the preview.",
    )
