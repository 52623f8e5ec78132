"""What a replica can be created (or messaged) with: agents, models, thinking levels, sizes,
lifecycle policies, image types, and the list filters. Plain data, shared by the create form
and the chat composer.

    from portal.replicas import choices
    choices.agent_choices()                 # [("claude", "Claude Code"), ...]
    choices.model_choices("codex")          # [("", "Agent default (gpt-5.4…)"), ("gpt-5.5", ...)]
    choices.thinking_choices("codex")       # [("", "Agent default (medium)"), ("low", ...)]
    choices.supports_goal_mode("codex")     # True
    choices.SIZES["small"].price_label      # "$0.008/min"

Where each table comes from (the spec is openapi.json; the guide is docs-api-guide.md):
- agents: the spec's `CreateReplicaRequest.coding_agent` enum (generated `models.CodingAgent1`),
  default `claude`; the guide adds that Cursor needs a Cursor API key and Opencode an
  OpenRouter key in the Coding Agents settings.
- models: the spec only enumerates the OpenRouter models (`CreateReplicaRequest.model`'s
  description: Pi and Opencode accept z-ai/glm-5.2, minimax/minimax-m3, xiaomi/mimo-v2.5-pro,
  moonshotai/kimi-k2.6); Claude, Codex and Cursor models come from the guide's automations
  section ("model must be one of the models supported by the chosen provider ..."). The
  model field is a free string in the spec, so an empty choice means "the agent's default".
- thinking levels: the spec's `thinking_level` enum (`models.ThinkingLevel`) with its notes
  (`ultra` is Codex-only, `ultracode` Claude Code-only, defaults per agent) and the guide's
  "Thinking Level" table (low/medium/high/max for every agent; Codex's max is `xhigh`).
- sizes and prices: `CreateReplicaRequest.size` (`models.Size`) and the guide's size table.
- lifecycle policies: the spec's `lifecycle_policy` enum (`models.LifecyclePolicy`) plus the
  guide's `delete_when_done` (the guide and the spec differ; both are supported).
- goal mode: the spec's `goal_mode` ("the active Codex goal") and the guide ("goal_mode is
  only available for Codex").
- image types: `ImageContent.source.media_type` (`models.MediaType`).
- statuses and sources (list filters): `ReplicaListItem.status` / `.source`
  (`models.Status`, `models.Source`), the same enums as `listReplicas`' query parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from portal.replica_api import models

# --- agents ---------------------------------------------------------------------------------

DEFAULT_AGENT = "claude"
AGENT_LABELS = {
    "claude": "Claude Code",
    "codex": "Codex",
    "cursor": "Cursor",
    "opencode": "Opencode",
    "pi": "Pi",
}
AGENT_NOTES = {
    "cursor": "Needs a Cursor API key in the Replicas Coding Agents settings.",
    "opencode": "Needs an OpenRouter API key in the Replicas Coding Agents settings.",
    "pi": "Runs OpenRouter models; needs an OpenRouter API key in the Coding Agents settings.",
}
AGENTS: tuple[str, ...] = tuple(a.value for a in models.CodingAgent1)

# --- models ---------------------------------------------------------------------------------

_OPENROUTER_MODELS = (
    "z-ai/glm-5.2",
    "minimax/minimax-m3",
    "xiaomi/mimo-v2.5-pro",
    "moonshotai/kimi-k2.6",
)
MODELS: dict[str, tuple[str, ...]] = {
    "claude": ("opus[1m]", "sonnet", "haiku"),
    "codex": ("gpt-5.5", "gpt-5.4", "gpt-5.4-mini", "gpt-5.3-codex", "gpt-5.2"),
    "cursor": ("composer-2", "composer-2.5"),
    "opencode": _OPENROUTER_MODELS,
    "pi": _OPENROUTER_MODELS,
}
MODEL_LABELS = {"opus[1m]": "opus[1m] (Opus, 1M context)"}

# --- thinking levels ------------------------------------------------------------------------

THINKING_LABELS = {
    "low": "Low: minimal thinking, fastest",
    "medium": "Medium: moderate reasoning",
    "high": "High: deep reasoning",
    "xhigh": "Extra high (Codex's maximum)",
    "max": "Max: maximum effort",
    "ultra": "Ultra (Codex only)",
    "ultracode": "Ultracode (Claude Code only)",
}
THINKING_LEVELS: dict[str, tuple[str, ...]] = {
    "claude": ("low", "medium", "high", "max", "ultracode"),
    # The guide's table maps `max` to Codex's `xhigh`: offer the native name once.
    "codex": ("low", "medium", "high", "xhigh", "ultra"),
    "cursor": ("low", "medium", "high", "max"),
    # Opencode: the model's native variant when it has one, else the model's default.
    "opencode": ("low", "medium", "high", "max"),
    # Pi is not in the guide's table; the spec restricts only ultra/ultracode.
    "pi": ("low", "medium", "high", "max"),
}
# What the API uses when thinking_level is omitted (the spec's thinking_level description).
DEFAULT_THINKING: dict[str, str] = {
    "claude": "high",
    "codex": "medium",
    "cursor": "medium",
    "opencode": "medium",
    "pi": "the model's default",
}

# --- modes ----------------------------------------------------------------------------------

GOAL_MODE_AGENTS = frozenset({"codex"})

# --- sizes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    name: str
    vcpu: int
    memory_gb: int
    disk_gb: int
    price_per_minute: Decimal  # US dollars

    @property
    def price_label(self) -> str:
        return f"${self.price_per_minute}/min"

    @property
    def price_per_hour(self) -> Decimal:
        return self.price_per_minute * 60

    @property
    def label(self) -> str:
        return (
            f"{self.name.capitalize()}: {self.vcpu} vCPU, {self.memory_gb} GB memory, "
            f"{self.disk_gb} GB disk · {self.price_label} (${self.price_per_hour:.2f}/hour)"
        )


SIZES: dict[str, Size] = {
    "small": Size("small", 2, 8, 20, Decimal("0.008")),
    "large": Size("large", 4, 16, 32, Decimal("0.016")),
}
DEFAULT_SIZE = "small"  # the spec: "Defaults to `small` when omitted"

# --- lifecycle ------------------------------------------------------------------------------

LIFECYCLE_POLICIES: dict[str, str] = {
    "default": "Default: sleeps after inactivity, deleted after 7 days asleep",
    "archive_when_done": "Archive when the agent is done",
    "sleep_when_done": "Sleep when the agent is done",
    "delete_after_inactivity": "Delete after a period of inactivity",
    # The guide's; the current spec lists the two *_when_done policies above instead.
    "delete_when_done": "Delete when the agent is done (e.g. CI jobs)",
}
DEFAULT_LIFECYCLE = "default"
# The guide's policies that the spec's enum lacks (sent as they are; see forms.py).
GUIDE_ONLY_LIFECYCLES = frozenset(LIFECYCLE_POLICIES) - {p.value for p in models.LifecyclePolicy}

# --- images ---------------------------------------------------------------------------------

IMAGE_MEDIA_TYPES: tuple[str, ...] = tuple(t.value for t in models.MediaType)
IMAGE_TYPE_NAMES = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WebP",
}
# The spec sets no limit; these keep a create request a sensible size (base64 adds a third).
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGES = 5

# --- list filters ---------------------------------------------------------------------------

STATUSES: tuple[str, ...] = tuple(s.value for s in models.Status)
SOURCES: tuple[str, ...] = tuple(s.value for s in models.Source)
# Statuses that change by themselves soon: the list polls faster while one is shown.
TRANSIENT_STATUSES = frozenset({"preparing"})


# --- helpers --------------------------------------------------------------------------------


def known_agent(agent: str | None) -> str:
    """`agent` if the spec knows it, else the default agent."""
    return agent if agent in AGENTS else DEFAULT_AGENT


def agent_choices() -> list[tuple[str, str]]:
    return [(a, AGENT_LABELS.get(a, a)) for a in AGENTS]


def model_choices(agent: str) -> list[tuple[str, str]]:
    """The models the agent accepts, after an empty "agent default" choice."""
    agent = known_agent(agent)
    return [("", "Agent default")] + [(m, MODEL_LABELS.get(m, m)) for m in MODELS[agent]]


def thinking_choices(agent: str) -> list[tuple[str, str]]:
    """The thinking levels valid for the agent, after an empty "agent default" choice."""
    agent = known_agent(agent)
    default = f"Agent default ({DEFAULT_THINKING[agent]})"
    return [("", default)] + [(t, THINKING_LABELS[t]) for t in THINKING_LEVELS[agent]]


def supports_goal_mode(agent: str) -> bool:
    return agent in GOAL_MODE_AGENTS


def size_choices() -> list[tuple[str, str]]:
    return [(name, size.label) for name, size in SIZES.items()]


def lifecycle_choices() -> list[tuple[str, str]]:
    return list(LIFECYCLE_POLICIES.items())


def status_choices() -> list[tuple[str, str]]:
    return [(s, s) for s in STATUSES]


def source_choices() -> list[tuple[str, str]]:
    return [(s, s) for s in SOURCES]
