"""Unified diffs (`include=diffs`: `RepositoryStatus.git_diff.full_diff`) → HTML.

`parse_diff(text)` turns one repository's diff into `RepoDiff` → `DiffFile` → `DiffHunk` →
`DiffLine` (with unidiff); both views are rendered from that same data:

- unified: one table, old and new line numbers, `+`/`-` lines in order;
- split: `DiffHunk.split_rows` pairs each run of removed lines with the run of added lines that
  follows it, side by side; context lines sit on both sides.

Lines are highlighted with the Pygments lexer guessed from the file name (CSS classes only).
Each hunk's old side and new side are lexed as a whole, so multi-line strings stay coloured.

Size limits keep big diffs responsive:
- a file with more than `BIG_FILE_LINES` changed lines or `BIG_FILE_BYTES` of diff text is
  `big`: rendered collapsed (`<details>` without `open`) with a notice;
- above `MAX_FILE_LINES` / `MAX_FILE_BYTES` its lines are not rendered at all ("diff too large to
  display"), and so is every file once `MAX_TOTAL_LINES` lines have been rendered in one call.

Text unidiff cannot parse is shown escaped in a `<pre>` (capped at `MAX_RAW_CHARS`).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from functools import cached_property
from html import escape
from itertools import zip_longest
from typing import Any, Literal

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from .highlight import highlight_lines, lexer_for
from .util import as_data, dom_id, get_str, human_size

log = logging.getLogger("portal.replicas.rendering")

TEMPLATE = "replicas/diffs/diff.html"
BIG_FILE_LINES = 400
BIG_FILE_BYTES = 200 * 1024
MAX_FILE_LINES = 5_000
MAX_FILE_BYTES = 1024 * 1024
MAX_TOTAL_LINES = 20_000
MAX_RAW_CHARS = 500_000

LineKind = Literal["context", "added", "removed", "marker"]
View = Literal["unified", "split"]


@dataclass(eq=False)
class DiffLine:
    kind: LineKind
    old_no: int | None
    new_no: int | None
    text: str
    html: str = ""  # escaped, highlighted

    @property
    def sign(self) -> str:
        return {"added": "+", "removed": "-", "marker": "\\"}.get(self.kind, " ")

    @property
    def code(self) -> SafeString:
        return mark_safe(self.html or escape(self.text, quote=False))


@dataclass(eq=False)
class SplitRow:
    left: DiffLine | None
    right: DiffLine | None

    @property
    def kind(self) -> str:
        if self.left is not None and self.left is self.right:
            return self.left.kind
        return "change"


def _num_cell(number: int | None, extra: str = "") -> str:
    n = f' data-n="{number}"' if number else ""
    return f'<td class="diff-num{extra}"{n}></td>'


def _code_cell(line: DiffLine, extra: str = "") -> str:
    return f'<td class="diff-code{extra}" data-sign="{escape(line.sign)}">{line.code}</td>'


_EMPTY_SIDE = '<td class="diff-num diff-empty"></td><td class="diff-code diff-empty"></td>'


@dataclass(eq=False)
class DiffHunk:
    header: str
    section: str
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    lines: list[DiffLine] = field(default_factory=list)

    # Rows are rendered here rather than in the template: a template loop costs ~50 µs a row,
    # which is most of the time of a page with thousands of diff lines.
    @property
    def unified_html(self) -> SafeString:
        rows = [
            f'<tr class="diff-line diff-line--{line.kind}">{_num_cell(line.old_no)}'
            f"{_num_cell(line.new_no)}{_code_cell(line)}</tr>"
            for line in self.lines
        ]
        return mark_safe("\n".join(rows))

    @property
    def split_html(self) -> SafeString:
        rows = []
        for row in self.split_rows:
            cells = []
            for line, number in ((row.left, "old_no"), (row.right, "new_no")):
                if line is None:
                    cells.append(_EMPTY_SIDE)
                else:
                    extra = f" diff-line--{line.kind}"
                    cells.append(_num_cell(getattr(line, number), extra) + _code_cell(line, extra))
            rows.append(f'<tr class="diff-row diff-row--{row.kind}">{"".join(cells)}</tr>')
        return mark_safe("\n".join(rows))

    @cached_property
    def split_rows(self) -> list[SplitRow]:
        """Side-by-side rows: context on both sides, each run of removals paired line by line
        with the additions that follow it; a "no newline" marker stays on its own side."""
        rows: list[SplitRow] = []
        removed: list[DiffLine] = []
        added: list[DiffLine] = []

        def flush() -> None:
            for left, right in zip_longest(removed, added):
                rows.append(SplitRow(left, right))
            removed.clear()
            added.clear()

        for line in self.lines:
            if line.kind == "removed":
                if added:
                    flush()
                removed.append(line)
            elif line.kind == "added":
                added.append(line)
            elif line.kind == "marker":
                # Belongs to the line before it: the removed side if that was a removal.
                (added if added else removed if removed else []).append(line)
                if not added and not removed:
                    rows.append(SplitRow(line, line))
            else:
                flush()
                rows.append(SplitRow(line, line))
        flush()
        return rows


@dataclass(eq=False)
class DiffFile:
    old_path: str | None
    new_path: str | None
    status: Literal["added", "deleted", "renamed", "modified"]
    is_binary: bool = False
    similarity: int | None = None
    added: int = 0
    removed: int = 0
    size_bytes: int = 0
    hunks: list[DiffHunk] = field(default_factory=list)
    big: bool = False
    too_large: bool = False
    language: str = ""
    dom_id: str = ""
    digest: str = ""  # sha256 of the file's diff text: tells a changed diff (reviews)

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or "(unknown file)"

    @property
    def is_rename(self) -> bool:
        return self.status == "renamed"

    @property
    def changed_lines(self) -> int:
        return self.added + self.removed

    @property
    def collapsed(self) -> bool:
        """Start closed: big files, files too large to show, and files with nothing to show."""
        return self.big or self.too_large or not self.hunks

    @property
    def size_label(self) -> str:
        return human_size(self.size_bytes)

    @property
    def empty_reason(self) -> str:
        if self.is_binary:
            return "Binary file not shown."
        if self.is_rename:
            return "File renamed without changes."
        if self.status == "added":
            return "Empty file added."
        if self.status == "deleted":
            return "Empty file deleted."
        return "No content changes (mode or metadata only)."


@dataclass(eq=False)
class RepoDiff:
    repository: str = ""
    files: list[DiffFile] = field(default_factory=list)
    raw: str | None = None  # set when the text could not be parsed
    raw_cut: int = 0
    error: str | None = None
    dom_id: str = ""

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def removed(self) -> int:
        return sum(f.removed for f in self.files)

    @property
    def is_empty(self) -> bool:
        return not self.files and not self.raw


@dataclass
class DiffBudget:
    """Lines left to render across one page (several repositories)."""

    lines: int = MAX_TOTAL_LINES


_SIMILARITY = re.compile(r"^similarity index (\d+)%", re.M)


def _strip_prefix(path: str | None) -> str | None:
    if not path or path == "/dev/null":
        return None
    if path.startswith(("a/", "b/")):
        return path[2:]
    return path


def _line_text(value: str) -> str:
    if value.endswith("\n"):
        value = value[:-1]
    if value.endswith("\r"):
        value = value[:-1]
    return value


def parse_diff(
    text: str | None, repository: str = "", budget: DiffBudget | None = None
) -> RepoDiff:
    """Parse one repository's unified diff; never raises (malformed text → `raw`)."""
    budget = budget or DiffBudget()
    repo = RepoDiff(repository=repository, dom_id=dom_id("diff", repository or "repo"))
    text = text or ""
    if not text.strip():
        return repo
    try:
        patch = PatchSet(text)
    except (UnidiffParseError, ValueError, IndexError, TypeError) as exc:
        return _raw(repo, text, f"Could not parse this diff ({str(exc).strip()}).")
    except Exception as exc:
        log.warning("unexpected error parsing a diff: %s", exc)
        return _raw(repo, text, "Could not parse this diff.")
    if not len(patch):
        return _raw(repo, text, "No file changes found in this diff.")
    for index, patched in enumerate(patch):
        try:
            repo.files.append(_file(patched, index, repo.dom_id, budget))
        except Exception as exc:  # one odd file must not hide the others
            log.warning("could not read a file of a diff: %s", exc)
            return _raw(repo, text, "Could not read this diff.")
    return repo


def _raw(repo: RepoDiff, text: str, error: str) -> RepoDiff:
    repo.files = []
    repo.raw = text[:MAX_RAW_CHARS]
    repo.raw_cut = max(0, len(text) - MAX_RAW_CHARS)
    repo.error = error
    return repo


def _file(patched: Any, index: int, repo_id: str, budget: DiffBudget) -> DiffFile:
    old_path = _strip_prefix(patched.source_file)
    new_path = _strip_prefix(patched.target_file)
    if patched.is_added_file:
        status = "added"
    elif patched.is_removed_file:
        status = "deleted"
    elif patched.is_rename or (old_path and new_path and old_path != new_path):
        status = "renamed"
    else:
        status = "modified"
    info = "".join(str(line) for line in (patched.patch_info or []))
    similarity = _SIMILARITY.search(info)
    diff_file = DiffFile(
        old_path=old_path,
        new_path=new_path,
        status=status,  # type: ignore[arg-type]
        is_binary=bool(patched.is_binary_file),
        similarity=int(similarity.group(1)) if similarity else None,
        added=patched.added,
        removed=patched.removed,
        dom_id=f"{repo_id}-f{index}",
        digest=hashlib.sha256(str(patched).encode("utf-8", "replace")).hexdigest(),
    )
    diff_file.size_bytes = sum(len(line.value) for hunk in patched for line in hunk)
    changed = diff_file.changed_lines
    diff_file.big = changed > BIG_FILE_LINES or diff_file.size_bytes > BIG_FILE_BYTES
    total_lines = sum(len(hunk) for hunk in patched)
    diff_file.too_large = (
        changed > MAX_FILE_LINES
        or diff_file.size_bytes > MAX_FILE_BYTES
        or total_lines > budget.lines
    )
    if diff_file.too_large or diff_file.is_binary:
        return diff_file
    budget.lines -= total_lines
    # Big files start collapsed and are shown without colours: lexing thousands of lines is
    # the slowest part of a diff page, and they are rarely read closely.
    lexer = None if diff_file.big else lexer_for(filename=diff_file.path)
    diff_file.language = lexer.name if lexer is not None else ""
    for hunk in patched:
        diff_file.hunks.append(_hunk(hunk, lexer))
    return diff_file


def _hunk(hunk: Any, lexer: Any) -> DiffHunk:
    header = (
        f"@@ -{hunk.source_start},{hunk.source_length} +{hunk.target_start},{hunk.target_length} @@"
    )
    out = DiffHunk(
        header=header,
        section=(hunk.section_header or "").strip(),
        old_start=hunk.source_start,
        old_len=hunk.source_length,
        new_start=hunk.target_start,
        new_len=hunk.target_length,
    )
    old_side: list[DiffLine] = []
    new_side: list[DiffLine] = []
    for line in hunk:
        text = _line_text(line.value)
        if line.line_type == "+":
            item = DiffLine("added", None, line.target_line_no, text)
            new_side.append(item)
        elif line.line_type == "-":
            item = DiffLine("removed", line.source_line_no, None, text)
            old_side.append(item)
        elif line.line_type == "\\":
            item = DiffLine("marker", None, None, text.lstrip("\\ ").strip() or text)
        else:
            item = DiffLine("context", line.source_line_no, line.target_line_no, text)
            old_side.append(item)
            new_side.append(item)
        out.lines.append(item)
    # Lex each side as a whole; a context line takes its colours from the new side.
    for side in (old_side, new_side):
        for item, html in zip(side, highlight_lines([i.text for i in side], lexer), strict=True):
            item.html = html
    return out


# --- sources -------------------------------------------------------------------------------


def repository_diffs(source: Any, budget: DiffBudget | None = None) -> list[RepoDiff]:
    """Parsed diffs of every repository in `source`, which may be: a `ReplicaDetails` /
    `GetReplicaResponse` / `WorkspaceStatusResponse` (dict or model), a list of
    `RepositoryStatus` or `EngineRepoState`, a `{name: diff_text}` dict, or a list of
    `(name, diff_text)` pairs. Repositories without a diff are skipped."""
    budget = budget or DiffBudget()
    data = as_data(source)
    if isinstance(data, dict) and "replica" in data and isinstance(data["replica"], dict):
        data = data["replica"]
    if isinstance(data, dict):
        for key in ("repository_statuses", "repoStatuses", "repos"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            data = [(str(k), v) for k, v in data.items() if isinstance(v, str)]
    out = []
    for item in data if isinstance(data, list) else []:
        entry = item if isinstance(item, (tuple, list)) else as_data(item)
        if isinstance(entry, (tuple, list)) and len(entry) == 2:
            name, text = str(entry[0]), entry[1]
        elif isinstance(entry, dict):
            name = get_str(entry, "repository", "name", default="repository")
            diff = entry.get("git_diff") or entry.get("gitDiff") or {}
            text = get_str(diff, "full_diff", "fullDiff") if isinstance(diff, dict) else ""
        else:
            continue
        if isinstance(text, str) and text.strip():
            out.append(parse_diff(text, name, budget))
    return out


# --- rendering -----------------------------------------------------------------------------


def render_diff(
    diff: str | RepoDiff, *, view: View = "unified", repository: str = ""
) -> SafeString:
    """One repository's diff as HTML (`view`: "unified" or "split")."""
    repo = diff if isinstance(diff, RepoDiff) else parse_diff(diff, repository)
    view = "split" if view == "split" else "unified"
    try:
        return mark_safe(render_to_string(f"{TEMPLATE}#repository", {"repo": repo, "view": view}))
    except Exception as exc:
        log.exception("could not render a diff: %s", exc)
        raw = repo.raw if repo.raw is not None else ""
        return mark_safe(f'<pre class="diff-raw">{escape(raw, quote=False)}</pre>')


def render_repository_diffs(source: Any, *, view: View = "unified") -> SafeString:
    """Every repository's diff in `source` (see `repository_diffs`), one section each."""
    repos = repository_diffs(source)
    if not repos:
        return mark_safe('<p class="diff-none muted">No changes.</p>')
    return mark_safe("".join(render_diff(repo, view=view) for repo in repos))
