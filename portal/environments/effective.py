"""What a workspace created from an environment really gets: Global → team → personal, merged.

Pure functions over what the API returned for each layer (no I/O): `merge()` lays keyed items
(variables by key, files by path, skills by slug, MCP servers by name) over each other, the
later layer winning, and keeps what each winner overrides; `hooks()` says which hook scripts
run (Global's always runs first; a personal environment's own hook replaces its source's).

Values are never carried here: a variable's entry says only that it has one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Layer:
    """One environment of the stack."""

    env_id: str
    name: str
    kind: str  # "global" | "team" | "personal"

    @property
    def label(self) -> str:
        if self.kind == "global":
            return "Global"
        return f"{self.name} ({self.kind})"


@dataclass(frozen=True)
class Entry:
    key: str  # what it is matched on (a variable's key, a file's path…)
    layer: Layer
    title: str = ""  # how to show it (a variable: its key; a file: its path)
    detail: str = ""  # a short description (never a secret value)
    secret: bool = False  # its value is a secret (shown masked)


@dataclass
class Row:
    """One key of the merged result: the entry a workspace gets, and what it replaced."""

    winner: Entry
    overridden: list[Entry] = field(default_factory=list)  # nearest first

    @property
    def key(self) -> str:
        return self.winner.key


def merge(layers: list[tuple[Layer, list[Entry]]], *, fold_case: bool = False) -> list[Row]:
    """Later layers win; each row keeps the entries it overrides (nearest first), sorted by
    key. `fold_case` matches keys regardless of case (MCP server names)."""
    rows: dict[str, Row] = {}
    for _layer, entries in layers:
        for entry in entries:
            match = entry.key.casefold() if fold_case else entry.key
            if match in rows:
                row = rows[match]
                row.overridden.insert(0, row.winner)
                row.winner = entry
            else:
                rows[match] = Row(entry)
    return sorted(rows.values(), key=lambda r: r.key.casefold())


@dataclass(frozen=True)
class Hook:
    layer: Layer
    content: str
    version: int | None = None


@dataclass
class HookPlan:
    """The hooks of one kind a workspace runs, in order, and the ones replaced."""

    runs: list[Hook] = field(default_factory=list)
    overridden: list[Hook] = field(default_factory=list)


def hooks(stack: list[tuple[Layer, Any]]) -> HookPlan:
    """`stack`: (layer, its active hook record or None), Global first. Global's runs first;
    of the other layers, the last one that has a hook wins (a personal environment's own
    hook replaces its source's)."""
    plan = HookPlan()
    rest: list[Hook] = []
    for layer, record in stack:
        if record is None:
            continue
        hook = Hook(layer, record.content, getattr(record, "version", None))
        if layer.kind == "global":
            plan.runs.append(hook)
        else:
            rest.append(hook)
    if rest:
        plan.runs.append(rest[-1])
        plan.overridden = list(reversed(rest[:-1]))
    return plan


@dataclass
class Prompt:
    """The system prompt a workspace's agent gets, with where each part comes from."""

    prompt: str | None = None
    prompt_from: Layer | None = None
    replaced: list[tuple[Layer, str]] = field(default_factory=list)
    preferences: str | None = None
    preferences_from: Layer | None = None


def prompt(stack: list[tuple[Layer, Any]], *, inherited_from: Layer | None = None) -> Prompt:
    """`stack`: (layer, its Environment). The nearest system prompt is used (a source-backed
    personal environment's is its source's: `inherited_from`); personal preferences are
    appended after it."""
    out = Prompt()
    found: list[tuple[Layer, str]] = []
    for layer, env in stack:
        preferences = getattr(env, "personal_preferences", None)
        if preferences and layer.kind == "personal":
            out.preferences, out.preferences_from = preferences, layer
        text = getattr(env, "system_prompt", None)
        if not text:
            continue
        origin = inherited_from if (inherited_from and layer.kind == "personal") else layer
        if not (found and found[-1] == (origin, text)):
            found.append((origin, text))
    if found:
        out.prompt_from, out.prompt = found[-1]
        out.replaced = list(reversed(found[:-1]))
    return out
