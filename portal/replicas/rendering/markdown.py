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
