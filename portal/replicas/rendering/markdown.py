"""Markdown from agents and canvas files → safe HTML.

Pipeline: markdown-it-py (CommonMark, raw HTML **off**, tables and strikethrough on, bare URLs
linked by `linkify-it-py`, GitHub task lists from `mdit-py-plugins`) → nh3 with an explicit
allowlist. Raw HTML in the source is escaped by markdown-it, so nh3 is the second fence, not the
only one.

Task list items (`- [x] done`) become disabled checkboxes: for Markdown output (where raw HTML
is off, so only the plugin makes them) nh3 lets `<input>` through with `type`, `checked` and
`disabled` only, and forces `type="checkbox" disabled` on every one. `sanitize_html` of other
HTML still drops every `<input>`.

URL policy (enforced by nh3's attribute filter, after entity decoding):
- links (`a[href]`): `http:`, `https:`, `mailto:` only. Relative and fragment-only links are
  dropped: agent output has no meaningful base URL inside the portal. Every link gets
  `rel="noopener noreferrer nofollow"` and `target="_blank"`.
- images (`img[src]`): `data:image/{png,jpeg,gif,webp};base64,` only. No SVG data URLs (SVG can
  carry script). Any other image (`![x](https://example.com/a.png)`) is rendered, at Markdown
  time, as a placeholder naming its host with the URL as a link: the site CSP
  (`img-src 'self' data: blob:`) blocks remote images on purpose (no tracking pixels from agent
  output), so an `<img>` would only show broken. `sanitize_html` on its own still accepts
  http(s) image URLs (the CSP is the fence there).

Code fences are highlighted by Pygments with CSS classes (see `highlight.py`); table column
alignment becomes `align-*` classes because the CSP forbids the inline styles markdown-it emits.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urlsplit

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments.token import STANDARD_TYPES

from .highlight import highlight_block, lexer_for

MAX_MARKDOWN_CHARS = 200_000

LINK_SCHEMES = ("http:", "https:", "mailto:")
FUZZY_LINK_TLDS = ("com", "org", "net", "edu", "gov", "dev", "io")
IMAGE_SCHEMES = ("http:", "https:")
IMAGE_DATA_URL = re.compile(r"^data:image/(png|jpeg|jpg|gif|webp);base64,[A-Za-z0-9+/=\s]*$", re.I)

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
    "strong", "em", "b", "i", "s", "del", "ins", "sup", "sub", "kbd", "mark",
    "code", "pre", "blockquote", "ul", "ol", "li", "dl", "dt", "dd",
    "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "span", "div", "details", "summary",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}
# Set on every tag of that name whatever the source said (nh3 overwrites the value).
FORCED_ATTRIBUTES = {"a": {"target": "_blank"}}
# Markdown output only (never `sanitize_html` of arbitrary HTML): the task list plugin's
# checkboxes, with nothing but these attributes, and always an inert, disabled checkbox.
CHECKBOX_ATTRIBUTES = {"type", "checked", "disabled"}
FORCED_CHECKBOX = {"type": "checkbox", "disabled": "disabled"}
BLOCKED_IMAGE_CLASS = "md-image-blocked"
ALIGN_CLASSES = {"align-left", "align-center", "align-right"}
# `class` is allowed only on these tags and only with these values.
ALLOWED_CLASSES = {
    "span": {cls for cls in STANDARD_TYPES.values() if cls} | {BLOCKED_IMAGE_CLASS},
    "div": {"highlight"},
    "th": ALIGN_CLASSES,
    "td": ALIGN_CLASSES,
}
LINK_REL = "noopener noreferrer nofollow"

# Characters browsers ignore inside a URL scheme (`java\tscript:`), plus whitespace and NUL.
_URL_JUNK = re.compile(r"[\x00-\x20\x7f]+")


def _normalized(url: str) -> str:
    return _URL_JUNK.sub("", url).lower()


def is_safe_link(url: str) -> bool:
    """Whether `url` may be a link target: an absolute http(s) or mailto URL."""
    return _normalized(url).startswith(LINK_SCHEMES)


def is_safe_image(url: str) -> bool:
    """Whether `url` may be an `<img src>`: http(s), or a base64 PNG/JPEG/GIF/WebP data URL."""
    norm = _normalized(url)
    return norm.startswith(IMAGE_SCHEMES) or bool(IMAGE_DATA_URL.match(url.strip()))


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "href":
        return value if is_safe_link(value) else None
    if attr == "src":
        return value if tag == "img" and is_safe_image(value) else None
    return value


def sanitize_html(html: str, *, checkboxes: bool = False) -> str:
    """Clean an HTML fragment with the portal's allowlist (see the module docstring).

    `checkboxes` keeps `<input>` as a disabled checkbox (task lists in Markdown output).
    If the sanitizer itself fails (nh3 raises a Rust panic, a BaseException), the whole fragment
    is escaped instead: shown as text, never passed through.
    """
    try:
        return _clean(html, checkboxes=checkboxes)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:
        if type(exc).__name__ == "CancelledError":
            raise
        return escape(html, quote=False)


def _clean(html: str, *, checkboxes: bool = False) -> str:
    tags, attributes, forced = ALLOWED_TAGS, ALLOWED_ATTRIBUTES, FORCED_ATTRIBUTES
    if checkboxes:
        tags = tags | {"input"}
        attributes = {**attributes, "input": CHECKBOX_ATTRIBUTES}
        forced = {**forced, "input": FORCED_CHECKBOX}
    return nh3.clean(
        html,
        tags=tags,
        clean_content_tags={"script", "style", "template", "noscript", "textarea", "title"},
        attributes=attributes,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto", "data"},
        url_relative="deny",
        link_rel=LINK_REL,
        set_tag_attribute_values=forced,
        attribute_filter=_attribute_filter,
        strip_comments=True,
    )


def _render_fence(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    language = token.info.strip().split()[0] if token.info.strip() else ""
    lexer = lexer_for(language) if language else None
    code = token.content[:-1] if token.content.endswith("\n") else token.content
    return highlight_block(code, lexer) + "\n"


def _inside_link(tokens, idx: int) -> bool:
    depth = 0
    for token in tokens[:idx]:
        if token.type == "link_open":
            depth += 1
        elif token.type == "link_close":
            depth -= 1
    return depth > 0


def _render_image(self, tokens, idx, options, env) -> str:
    """An image: inline only as a raster `data:` URL; anything else (a remote URL the CSP would
    block, a relative path, another scheme) becomes a placeholder that says so."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env)
    if IMAGE_DATA_URL.match(src.strip()):
        token.attrSet("alt", alt)
        return self.renderToken(tokens, idx, options, env)
    named = f"Image \u201c{alt}\u201d" if alt.strip() else "Image"
    norm = _normalized(src)
    if norm.startswith(IMAGE_SCHEMES):
        host = urlsplit(src.strip()).hostname or "another site"
        text = f"{named} from {host} not shown (external images are blocked)"
    else:
        text = f"{named} not shown (only embedded PNG, JPEG, GIF or WebP images are)"
    if not src.strip():
        where = ""
    elif is_safe_link(src) and not _inside_link(tokens, idx):
        where = f': <a href="{escape(src.strip())}">{escape(src.strip(), quote=False)}</a>'
    else:  # a link can't hold another link; an unsafe URL is shown as text only
        where = f": <code>{escape(src.strip(), quote=False)}</code>"
    return f'<span class="{BLOCKED_IMAGE_CLASS}">{escape(text, quote=False)}{where}</span>'


def _alignment_to_class(state) -> None:
    # markdown-it writes `style="text-align:right"` on aligned table cells; the CSP would block
    # it, so turn it into a class the stylesheet knows.
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and token.attrs.get("style"):
            match = re.search(r"text-align:\s*(left|center|right)", str(token.attrs["style"]))
            del token.attrs["style"]
            if match:
                token.attrSet("class", f"align-{match.group(1)}")


def _build_parser() -> MarkdownIt:
    md = (
        MarkdownIt(
            "commonmark",
            {"html": False, "linkify": True, "typographer": False, "breaks": False},
        )
        .enable(["table", "strikethrough", "linkify"])
        .use(tasklists_plugin)
    )
    # Links without a scheme ("example.com", "www.x.org") are found only for a few generic
    # top-level domains: with linkify-it's default list every two-letter country code counts,
    # and agent text is full of file names like README.md, views.py or run.sh. Bare e-mail
    # addresses stay text too (`git@github.com:org/repo.git` is no mail address).
    md.linkify.set({"fuzzy_email": False}).tlds(list(FUZZY_LINK_TLDS), False)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("code_block", _render_fence)
    md.core.ruler.push("table_align_classes", _alignment_to_class)
    return md


_md = _build_parser()


def render_markdown(text: str | None, *, max_chars: int = MAX_MARKDOWN_CHARS) -> SafeString:
    """Markdown → sanitized HTML, safe to drop into a page.

    Text longer than `max_chars` is not parsed as Markdown: it is shown escaped in a `<pre>`.
    """
    if not text:
        return mark_safe("")
    if not isinstance(text, str):
        text = str(text)
    if len(text) > max_chars:
        return mark_safe(
            f'<pre class="md-plain">{escape(text[:max_chars], quote=False)}</pre>'
            f'<p class="md-truncated">Truncated: {len(text) - max_chars:,} more characters.</p>'
        )
    try:
        html = _md.render(text)
    except Exception:  # markdown-it is robust, but a page must never die on agent output
        return mark_safe(f'<pre class="md-plain">{escape(text, quote=False)}</pre>')
    return mark_safe(sanitize_html(html, checkboxes=True))


def highlight_code(
    code: str, language: str | None = None, filename: str | None = None
) -> SafeString:
    """A highlighted `<div class="highlight"><pre><code>` block for `code` (escaped)."""
    return mark_safe(highlight_block(code or "", lexer_for(language, filename)))


# --- text still streaming ------------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")
_FENCE_SO_FAR = re.compile(r"^ {0,3}(`{1,2}|~{1,2})$")
# A marker at the end of the text with nothing after it yet (`Hello **`, `see [`, `1 `` `).
_BARE_MARKER = re.compile(r"(?:^|(?<=\s))(?:\*{1,3}|_{1,3}|~{1,2}|`+|!?\[)$")
_LINK_URL_SO_FAR = re.compile(r"!?\[([^\[\]]*)\]\([^()]*$")
_LINK_TEXT_SO_FAR = re.compile(r"!?\[([^\[\]]*)$")
_LINK_LABEL_SO_FAR = re.compile(r"!?\[([^\[\]]*)\]$")
_TASK_MARKER = re.compile(r"^(\s*(?:[-*+]|\d{1,9}[.)]))\s+\[[ xX]?\]?$")
_TRAILING_RUN = re.compile(r"(?<=\S)(?:\*+|_+|~+)$")
_LIST_MARKER_SO_FAR = re.compile(r"^ {0,3}(?:-{1,2}|\+|\d{1,9}[.)]?)\s*$")
_DELIMITER_CELL = re.compile(r"^\s*:?-+:?\s*$")
_EMPHASIS = re.compile(r"\*\*|\*|__|_|~~")
_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def complete_streaming_markdown(text: str) -> str:
    """Text that is still arriving, made to render now as it will once complete.

    Only the end of the text is touched. On the last line (emphasis rarely spans lines; a list
    item or table row ends with its line): a code span, `**`, `*`, `__`, `_` or `~~` left open
    is closed; a link whose text or URL is still arriving shows as its text; a marker with
    nothing after it yet (`**`, `` ` ``, `[`, `- [x]`, a list number) is held back. A table
    whose delimiter row hasn't arrived gets one. Inside an unclosed code fence markdown-it
    already shows the rest as code; only a closing fence still arriving is held back. The
    result is only ever rendered, never stored: the finished part is rendered from its text.
    """
    body = text.rstrip("\n")
    if body != text:  # a line just ended: finish it like any last line
        return complete_streaming_markdown(body) + text[len(body) :] if body else text
    lines = text.split("\n")
    fence: str | None = None
    block_start = 0
    for index, line in enumerate(lines):
        if fence:
            match = _FENCE_CLOSE.match(line)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            continue
        match = _FENCE.match(line)
        if match and not (match.group(1)[0] == "`" and "`" in line[match.end() :]):
            fence = match.group(1)
        elif not line.strip():
            block_start = index + 1
    last = lines[-1]
    if fence:
        closing = _FENCE_SO_FAR.match(last)
        if closing and closing.group(1)[0] == fence[0]:  # the closing fence, still arriving
            return "\n".join(lines[:-1])
        return text
    if not last.strip():
        return text
    block = lines[block_start:]
    if block[0].startswith(("    ", "\t")) and last.startswith(("    ", "\t")):
        return text  # an indented code block
    if _LIST_MARKER_SO_FAR.match(last):
        return "\n".join(lines[:-1])
    if block[0].lstrip().startswith("|") and len(block) <= 2:
        return "\n".join(lines[:block_start] + _table_so_far(block))
    return "\n".join(lines[:-1] + [_close_line(last)])


def _cells(row: str) -> list[str]:
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return re.split(r"(?<!\\)\|", row)


def _table_so_far(block: list[str]) -> list[str]:
    """A table's header (and delimiter row) still arriving: the header, closed like any last
    line, over a delimiter row as wide (the real one once it is complete)."""
    header = block[0] if len(block) == 2 else _close_line(block[0])
    if not header.strip(" |"):
        return []  # not even a header cell yet
    width = len(_cells(header))
    if len(block) == 2:
        cells = _cells(block[1])
        if len(cells) == width and all(_DELIMITER_CELL.match(c) for c in cells):
            return block
    return [header, "|" + " --- |" * width]


def _code_spans(line: str) -> tuple[list[tuple[int, int]], str | None]:
    """The code spans of `line` as (start, end), and the backtick run of one left open."""
    spans, opener = [], None
    for run in re.finditer(r"`+", line):
        if opener is None:
            opener = run
        elif len(run.group()) == len(opener.group()):
            spans.append((opener.start(), run.end()))
            opener = None
    if opener is not None:
        spans.append((opener.start(), len(line)))
        return spans, opener.group()
    return spans, None


def _masked(line: str, spans: list[tuple[int, int]]) -> str:
    chars = list(line)
    for start, end in spans:
        chars[start:end] = "x" * (end - start)
    return "".join(chars)


def _close_line(line: str) -> str:
    line = line.rstrip()
    bare = _BARE_MARKER.search(line)
    if bare:
        line = line[: bare.start()].rstrip()
    task = _TASK_MARKER.match(line)
    if task:  # `- [x]` before its text: the plugin needs the text to make a checkbox
        return task.group(1)
    spans, _ = _code_spans(line)
    masked = _masked(line, spans)
    for _ in range(3):  # a link in a link's text: `[![badge](https://ci`
        link = (
            _LINK_URL_SO_FAR.search(masked)
            or _LINK_LABEL_SO_FAR.search(masked)
            or _LINK_TEXT_SO_FAR.search(masked)
        )
        if not link:
            break
        text_start = line.index("[", link.start()) + 1
        line = line[: link.start()] + line[text_start : text_start + len(link.group(1))]
        masked = masked[: link.start()] + masked[text_start : text_start + len(link.group(1))]
    line = line.rstrip()
    spans, open_code = _code_spans(line)
    code_closer = ""
    if open_code:
        opener_at = spans[-1][0]
        partial = re.search(r"`+$", line)
        if partial and partial.start() > opener_at and len(partial.group()) < len(open_code):
            line = line[: partial.start()]  # the start of the closing run
        if opener_at + len(open_code) >= len(line):
            line, open_code = line[:opener_at].rstrip(), None  # nothing in the span yet
        else:
            code_closer = (" " if line.endswith("`") else "") + open_code
        spans, _ = _code_spans(line)
    masked = _masked(line, spans)
    if not open_code:
        # `**bold*`: the closing run is still arriving; the full closer is added below
        run = _TRAILING_RUN.search(masked)
        if run:
            line, masked = line[: run.start()], masked[: run.start()]
    stack: list[str] = []
    for marker in _EMPHASIS.finditer(masked):
        token = marker.group()
        before = masked[marker.start() - 1] if marker.start() else " "
        after = masked[marker.end()] if marker.end() < len(masked) else " "
        # an opener starts a word (not `2*3`, `snake_case` or `a * b`), a closer ends one
        can_open = not after.isspace() and (before.isspace() or before in _PUNCTUATION)
        can_close = not before.isspace() and not (token[0] == "_" and after.isalnum())
        if can_close and token in stack:
            while stack and stack.pop() != token:
                pass
        elif can_open:
            stack.append(token)
    return line + code_closer + "".join(reversed(stack))


def render_streaming_markdown(text: str | None) -> SafeString:
    """`render_markdown` for text still arriving (see `complete_streaming_markdown`)."""
    return render_markdown(complete_streaming_markdown(text or ""))


_LIST_ITEM = re.compile(r"^(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")


def finished_blocks_end(text: str, start: int = 0) -> int:
    """Where the blocks of `text` (from `start`, a block boundary) that nothing later can change
    end: just before the last line that starts a new top-level block after a blank line, outside
    code fences, and isn't a list item or indented (those may continue a list above). `start`
    when there is none yet."""
    end = start
    fence: str | None = None
    after_blank = False
    position = start
    lines = text[start:].split("\n")
    for index, line in enumerate(lines):
        growing = index == len(lines) - 1  # "1" may yet become "1. item"
        if fence:
            match = _FENCE_CLOSE.match(line)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
        elif not line.strip():
            after_blank = True
        else:
            maybe_list = _LIST_ITEM.match(line) or (growing and line[0] in "-*+0123456789")
            if after_blank and not line[0].isspace() and not maybe_list:
                end = position
            after_blank = False
            match = _FENCE.match(line)
            if match and not (match.group(1)[0] == "`" and "`" in line[match.end() :]):
                fence = match.group(1)
        position += len(line) + 1
    return end


class MarkdownStream:
    """Renders one text as it grows, delta after delta, without parsing it all each time.

    Finished blocks (`finished_blocks_end`) are rendered once and kept; each call renders only
    the rest, completed for display (`complete_streaming_markdown`). markdown-it costs about
    5 ms per KB, so re-rendering a long answer on every delta would hold up the event loop.
    If the text changes other than by growing (a cumulative update rewrote it), it starts over.
    """

    def __init__(self) -> None:
        self._source = ""
        self._html = ""

    def render(self, text: str) -> SafeString:
        if not text.startswith(self._source):
            self._source, self._html = "", ""
        done = finished_blocks_end(text, len(self._source))
        if done > len(self._source):
            self._html += render_markdown(text[len(self._source) : done])
            self._source = text[:done]
        return mark_safe(self._html + render_streaming_markdown(text[len(self._source) :]))
