"""A pasted .env block: parsed with python-dotenv's line parser, compared with what the
environment already holds, and applied key by key.

    lines = parse(text)                       # every binding, with its line number
    items = plan(lines, existing, locked)     # new / changed / unchanged / invalid / ...
    leftover(items_that_failed)               # the text to keep in the box

python-dotenv (`dotenv.parser.parse_stream`) handles comments, blank lines, the `export`
prefix, single and double quotes (`\\n` escapes in double quotes), multi-line quoted values;
it reports a line it can't read as an error instead of guessing. On top of it this module adds
the API's rules (key names, value size), duplicate keys (the last one wins, as in a shell),
and keys a source-backed personal environment may not override.

Values never leave these objects as text for a page: templates show them masked.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from dotenv.parser import parse_stream

from .validators import check_value_size, check_variable_key

NEW, CHANGED, UNCHANGED, INVALID, DUPLICATE, LOCKED = (
    "new",
    "changed",
    "unchanged",
    "invalid",
    "duplicate",
    "locked",
)
# What applying does with each status.
APPLIED = frozenset({NEW, CHANGED})


@dataclass(frozen=True)
class Line:
    """One binding of the block: `key`/`value` when it reads, `error` when it doesn't."""

    number: int  # 1-based line of the key (or of the unreadable text)
    text: str  # the original text of the binding, as pasted (without the final newline)
    key: str | None
    value: str | None
    error: str = ""

    @property
    def last(self) -> int:
        """The last line it spans (a multi-line value; or an unclosed quote, which python-dotenv
        reads up to the next matching quote, however many lines on)."""
        return self.number + self.text.count("\n")

    @property
    def lines(self) -> str:
        """The line numbers it covers: 7, or 7–9 for a binding over several lines."""
        return str(self.number) if self.last == self.number else f"{self.number}–{self.last}"


@dataclass(frozen=True)
class Item:
    """One line of the preview: what applying will do with it."""

    line: Line
    status: str
    note: str = ""
    variable_id: str | None = None  # the existing variable, for a change

    @property
    def key(self) -> str | None:
        return self.line.key

    @property
    def number(self) -> int:
        return self.line.number

    @property
    def lines(self) -> str:
        return self.line.lines

    @property
    def applies(self) -> bool:
        return self.status in APPLIED


def _first_line(original_string: str, original_line: int) -> int:
    """The line the binding's text starts on: python-dotenv marks a binding from the end of
    the previous one, so blank lines before it are part of it."""
    stripped = original_string.lstrip()
    skipped = original_string[: len(original_string) - len(stripped)]
    return original_line + skipped.count("\n") + skipped.count("\r") - skipped.count("\r\n")


def parse(text: str) -> list[Line]:
    """Every binding of `text` (comments and blank lines left out), in order."""
    out = []
    for binding in parse_stream(io.StringIO(text or "")):
        original = binding.original.string
        body = original.strip()
        if not body:
            continue  # blank lines at the end
        number = _first_line(original, binding.original.line)
        if binding.error:
            out.append(
                Line(
                    number,
                    body,
                    None,
                    None,
                    "This line isn't KEY=value (an unclosed quote, or text that is no key).",
                )
            )
        elif binding.key is None:
            continue  # a comment
        elif binding.value is None:
            out.append(
                Line(
                    number,
                    body,
                    binding.key,
                    None,
                    f"{binding.key} has no value: write {binding.key}= for an empty one.",
                )
            )
        else:
            out.append(Line(number, body, binding.key, binding.value))
    return out


def _rule_problem(line: Line) -> str:
    try:
        check_variable_key(line.key or "")
        check_value_size(line.value or "")
    except ValidationError as exc:
        return f"{line.key}: {exc.messages[0]}"
    return ""


def plan(
    lines: list[Line],
    existing: dict[str, tuple[str, str]],
    locked: dict[str, str] | None = None,
) -> list[Item]:
    """What applying `lines` does to an environment holding `existing` (key -> (id, value)).
    `locked`: keys inherited from a source that may not be overridden (key -> source name)."""
    locked = locked or {}
    last_of = {line.key: line.number for line in lines if line.key and not line.error}
    items = []
    for line in lines:
        if line.error:
            items.append(Item(line, INVALID, line.error))
            continue
        problem = _rule_problem(line)
        if problem:
            items.append(Item(line, INVALID, problem))
        elif last_of[line.key] != line.number:
            items.append(
                Item(line, DUPLICATE, f"Set again on line {last_of[line.key]}, which wins.")
            )
        elif line.key in locked and line.key not in existing:
            items.append(
                Item(
                    line,
                    LOCKED,
                    f"Inherited from {locked[line.key]}, which doesn't allow overriding it.",
                )
            )
        elif line.key in existing:
            variable_id, value = existing[line.key]
            status = UNCHANGED if value == line.value else CHANGED
            items.append(Item(line, status, variable_id=variable_id))
        else:
            items.append(Item(line, NEW))
    return items


def counts(items: list[Item]) -> dict[str, int]:
    out = dict.fromkeys((NEW, CHANGED, UNCHANGED, INVALID, DUPLICATE, LOCKED), 0)
    for item in items:
        out[item.status] += 1
    return out


def leftover(items: list[Item]) -> str:
    """The pasted text of these items, to keep in the box (a failure loses nothing)."""
    return "\n".join(item.line.text for item in items)


def failed(item: Item, note: str) -> Item:
    return replace(item, note=note)


# --- export: the other way round ----------------------------------------------------------


def dotenv_quote(value: str) -> str:
    """A value as a double-quoted .env value that python-dotenv reads back unchanged."""
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def dotenv_text(pairs: list[tuple[str, str]], *, header: str = "") -> str:
    lines = [f"# {line}" for line in header.splitlines()] if header else []
    lines += [f"{key}={dotenv_quote(value)}" for key, value in pairs]
    return "\n".join(lines) + "\n"
