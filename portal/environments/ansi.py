"""ANSI colours in hook output, as safe HTML: escape first, then turn SGR codes into spans.

    ansi = AnsiLines()
    ansi.line("\x1b[32mok\x1b[0m done")   # '<span class="ansi-fg-2">ok</span> done'

Hook output is untrusted text. It is HTML-escaped before anything else (escaping leaves ESC
sequences untouched: they hold no `<>&"'`), then each SGR sequence (`ESC [ … m`) changes the
current style, written as CSS classes only (the CSP forbids style attributes, so 24-bit
colours are dropped and 256-colour ones kept only for the 16 standard colours). Every other
control sequence (cursor moves, erase line, OSC titles and links) is removed.

`AnsiLines` keeps the style from one line to the next, as a terminal does, and closes every
span at the end of each line: each line is a complete piece of HTML, so a console can append
lines one by one as they stream in. A carriage return inside a line (progress bars) keeps
only what was written after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.html import escape

# CSI sequences (ESC [ params final), OSC sequences (ESC ] … BEL or ESC \), other 2-byte escapes.
_ESCAPES = re.compile(
    r"\x1b\[(?P<params>[0-9;:?<=>]*)[ -/]*(?P<final>[@-~])"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-Z\\-_]?"
)
# C0 controls other than tab, newline and carriage return (and ESC, handled above).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]")
_EMPTY_SPAN = re.compile(r'<span class="[^"]*"></span>')


@dataclass
class Style:
    fg: int | None = None  # 0-15
    bg: int | None = None  # 0-15
    flags: set[str] = field(default_factory=set)  # bold, dim, italic, underline, strike, inverse

    def classes(self) -> str:
        names = [f"ansi-{flag}" for flag in sorted(self.flags)]
        if self.fg is not None:
            names.append(f"ansi-fg-{self.fg}")
        if self.bg is not None:
            names.append(f"ansi-bg-{self.bg}")
        return " ".join(names)

    def apply(self, params: str) -> None:
        codes = [int(p) if p.isdigit() else 0 for p in re.split(r"[;:]", params)] or [0]
        i = 0
        while i < len(codes):
            code = codes[i]
            i += 1
            if code == 0:
                self.fg = self.bg = None
                self.flags.clear()
            elif code in _FLAG_ON:
                self.flags.add(_FLAG_ON[code])
            elif code in _FLAG_OFF:
                self.flags.difference_update(_FLAG_OFF[code])
            elif 30 <= code <= 37:
                self.fg = code - 30
            elif 90 <= code <= 97:
                self.fg = code - 90 + 8
            elif code == 39:
                self.fg = None
            elif 40 <= code <= 47:
                self.bg = code - 40
            elif 100 <= code <= 107:
                self.bg = code - 100 + 8
            elif code == 49:
                self.bg = None
            elif code in (38, 48):
                # 38;5;n (256 colours) or 38;2;r;g;b (24-bit): only the 16 standard colours
                # have classes; the rest falls back to the default colour.
                mode = codes[i] if i < len(codes) else None
                if mode == 5:
                    n = codes[i + 1] if i + 1 < len(codes) else None
                    i += 2
                    colour = n if n is not None and 0 <= n <= 15 else None
                elif mode == 2:
                    i += 4
                    colour = None
                else:
                    colour = None
                if code == 38:
                    self.fg = colour
                else:
                    self.bg = colour


_FLAG_ON = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 7: "inverse", 9: "strike"}
_FLAG_OFF = {
    21: {"bold"},
    22: {"bold", "dim"},
    23: {"italic"},
    24: {"underline"},
    27: {"inverse"},
    29: {"strike"},
}


class AnsiLines:
    """Renders lines of terminal output to HTML, carrying the SGR style across lines."""

    def __init__(self) -> None:
        self.style = Style()

    def line(self, text: str) -> str:
        """One line (without its newline) as escaped HTML with style spans."""
        segments = text.split("\r")
        # What a terminal shows after carriage returns: the last segment that wrote something.
        shown = len(segments) - 1
        while shown > 0 and not segments[shown]:
            shown -= 1
        out: list[str] = []
        for index, segment in enumerate(segments):
            html = self._segment(escape(segment))
            if index == shown:
                out.append(html)
        return "".join(out)

    def _segment(self, escaped: str) -> str:
        """Escaped text → spans (the escaping left every ESC sequence as it was)."""
        out: list[str] = []
        pos = 0
        open_classes = self.style.classes()
        if open_classes:
            out.append(f'<span class="{open_classes}">')
        for match in _ESCAPES.finditer(escaped):
            out.append(_CONTROLS.sub("", escaped[pos : match.start()]))
            pos = match.end()
            if match.group("final") != "m":
                continue  # not SGR: dropped
            self.style.apply(match.group("params") or "0")
            classes = self.style.classes()
            if classes != open_classes:
                if open_classes:
                    out.append("</span>")
                if classes:
                    out.append(f'<span class="{classes}">')
                open_classes = classes
        out.append(_CONTROLS.sub("", escaped[pos:]))
        if open_classes:
            out.append("</span>")
        # Style changes with no text between them leave empty spans: drop them (the text is
        # escaped, so the only `<span` in it are ours).
        return _EMPTY_SPAN.sub("", "".join(out))


def strip_ansi(text: str) -> str:
    """Plain text without escape sequences or stray controls (for copy, download, diffs)."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def to_html(text: str) -> str:
    """A whole log, line by line (no trailing newline kept)."""
    lines = AnsiLines()
    return "\n".join(lines.line(line) for line in text.split("\n"))
