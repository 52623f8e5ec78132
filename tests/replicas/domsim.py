"""A tiny DOM and the subset of htmx out-of-band swapping `ChatStream` uses, to check that a
transcript built live from fragments matches the history rendering of the same events."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class Node:
    def __init__(self, tag, attrs=None, parent=None):
        self.tag, self.attrs, self.children, self.parent = tag, dict(attrs or {}), [], parent

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_id(self, id_):
        for n in self.iter():
            if n.attrs.get("id") == id_:
                return n
        return None


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(html):
    b = _Builder()
    b.feed(html)
    b.close()
    return b.root


def apply_oob(doc, html):
    """Apply htmx out-of-band swaps (the subset ChatStream emits) to `doc`."""
    for el in [c for c in parse(html).children if isinstance(c, Node)]:
        spec = el.attrs.pop("hx-swap-oob", None)
        assert spec, f"top-level element without hx-swap-oob: {el.tag}"
        if spec in ("true", "outerHTML"):
            target = doc.find_id(el.attrs["id"])
            assert target is not None, f"no target #{el.attrs['id']}"
            siblings = target.parent.children
            siblings[siblings.index(target)] = el
            el.parent = target.parent
        else:
            style, selector = spec.split(":", 1)
            assert style in ("beforeend", "innerHTML") and selector.startswith("#"), spec
            target = doc.find_id(selector[1:])
            if target is None:
                continue  # htmx ignores a missing target
            if style == "innerHTML":
                target.children = []
            for c in el.children:
                if isinstance(c, Node):
                    c.parent = target
                target.children.append(c)


def squash(text):
    return re.sub(r"\s+", " ", text).strip()
