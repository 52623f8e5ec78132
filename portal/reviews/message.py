"""A review as one chat message, compact and easy for an agent to act on.

    Review: 3 comments. Please address each one.

    General:
    Looks right overall; see the notes below.

    app/orders.py:12-14
    ```diff
    -    value = payload["x"]
    +    value = payload.get("x")
    ```
    A missing key must still fail loudly.

    app/orders.py (whole file)
    Split this module.

    Canvas report.md, heading 2:
    > ## Results
    These numbers don't add up.

General comments come first, then diff comments by repository, file and line, then canvas
comments by item and position. The repository is named only when comments span several.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

QUOTE_CHARS = 300  # of a canvas paragraph quoted back


class CommentLike(Protocol):
    kind: str
    body: str
    repository: str
    path: str
    side: str
    start_line: int | None
    end_line: int | None
    quote: str
    canvas_item: str
    paragraph: int | None
    timestamp: float | None


def clock(seconds: float) -> str:
    """A media timestamp: "0:42", "12:05", "1:02:03"."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def lines_label(start: int | None, end: int | None) -> str:
    if start is None:
        return ""
    if end is None or end == start:
        return str(start)
    return f"{min(start, end)}-{max(start, end)}"


def anchor(comment: CommentLike, *, with_repository: bool = False) -> str:
    """Where a comment applies, in the message's words (also shown on its card)."""
    if comment.kind == "general":
        return "General"
    if comment.kind == "canvas":
        where = f"Canvas {comment.canvas_item}"
        if comment.paragraph is not None:
            what = "heading" if comment.quote.lstrip().startswith("#") else "paragraph"
            where += f", {what} {comment.paragraph + 1}"
        if comment.timestamp is not None:
            where += f", at {clock(comment.timestamp)}"
        return where
    path = comment.path
    if with_repository and comment.repository:
        path = f"[{comment.repository}] {path}"
    if comment.kind == "file":
        return f"{path} (whole file)"
    old = " (old side)" if comment.side == "old" else ""
    return f"{path}:{lines_label(comment.start_line, comment.end_line)}{old}"


def _fence(code: str) -> str:
    """A fence longer than any run of backticks in the code, so it can't be closed early."""
    longest = run = 0
    for char in code:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def _order(comment: CommentLike) -> tuple:
    group = {"general": 0, "file": 1, "lines": 1, "canvas": 2}.get(comment.kind, 3)
    if comment.kind == "canvas":
        return (
            group,
            comment.canvas_item,
            -1 if comment.paragraph is None else comment.paragraph,
            comment.timestamp or 0,
        )
    line = 0 if comment.kind == "file" else min(comment.start_line or 0, comment.end_line or 0)
    return (group, comment.repository, comment.path, line, comment.side == "new")


def _block(comment: CommentLike, with_repository: bool) -> str:
    body = comment.body.strip()
    if comment.kind == "general":
        return body
    head = anchor(comment, with_repository=with_repository)
    quote = comment.quote.rstrip("\n")
    if comment.kind == "lines" and quote:
        fence = _fence(quote)
        return f"{head}\n{fence}diff\n{quote}\n{fence}\n{body}"
    if comment.kind == "canvas" and comment.paragraph is not None and quote:
        cut = quote if len(quote) <= QUOTE_CHARS else quote[: QUOTE_CHARS - 1] + "…"
        quoted = "\n".join(f"> {line}" for line in cut.splitlines())
        return f"{head}:\n{quoted}\n{body}"
    return f"{head}\n{body}"


def compose(comments: Iterable[CommentLike]) -> str:
    """The review message for these comments ("" when there are none)."""
    ordered = sorted(comments, key=_order)
    if not ordered:
        return ""
    repositories = {c.repository for c in ordered if c.kind in ("file", "lines")}
    with_repository = len(repositories) > 1
    count = len(ordered)
    header = f"Review: {count} comment{'s' if count != 1 else ''}. Please address each one."
    blocks = [header]
    general = [c for c in ordered if c.kind == "general"]
    if general:
        blocks.append("General:\n" + "\n\n".join(c.body.strip() for c in general))
    blocks += [_block(c, with_repository) for c in ordered if c.kind != "general"]
    return "\n\n".join(blocks) + "\n"
