"""ANSI colours in hook output (portal/environments/ansi.py): escaped first, then SGR → spans."""

from __future__ import annotations

import re

import pytest

from portal.environments.ansi import AnsiLines, strip_ansi, to_html

ESC = "\x1b"


def line(text: str) -> str:
    return AnsiLines().line(text)


def test_plain_text_is_escaped():
    assert line('<script>alert("x")</script> & more') == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more"
    )


def test_foreground_colour_and_reset():
    assert line(f"{ESC}[32mok{ESC}[0m done") == '<span class="ansi-fg-2">ok</span> done'


def test_bright_colours_background_and_flags():
    html = line(f"{ESC}[1;91;44mALERT{ESC}[22m calm")
    assert html == (
        '<span class="ansi-bold ansi-fg-9 ansi-bg-4">ALERT</span>'
        '<span class="ansi-fg-9 ansi-bg-4"> calm</span>'
    )


def test_256_colours_keep_the_standard_sixteen_only_and_24_bit_is_dropped():
    assert line(f"{ESC}[38;5;3mx") == '<span class="ansi-fg-3">x</span>'
    assert line(f"{ESC}[38;5;200mx") == "x"
    assert line(f"{ESC}[38;2;255;0;0mred{ESC}[1m!") == 'red<span class="ansi-bold">!</span>'


def test_style_carries_over_to_the_next_line_and_every_line_is_closed():
    ansi = AnsiLines()
    first = ansi.line(f"{ESC}[31merror: one")
    second = ansi.line("two")
    third = ansi.line(f"{ESC}[0mthree")
    assert first == '<span class="ansi-fg-1">error: one</span>'
    assert second == '<span class="ansi-fg-1">two</span>'
    assert third == "three"


def test_other_control_sequences_are_removed():
    text = (
        f"{ESC}[2K{ESC}[1Aprogress {ESC}]0;title\x07done\x07\x08 {ESC}]8;;http://x?a&b{ESC}\\link"
    )
    assert line(text) == "progress done link"


def test_carriage_returns_keep_what_was_written_last():
    assert line("10%\r50%\r100%") == "100%"
    assert line("done\r") == "done"


@pytest.mark.parametrize(
    "attack",
    [
        f'{ESC}[31m"><img src=x onerror=alert(1)>',
        f"{ESC}[<script>m",
        f'{ESC}[31;"onmouseover="x"m',
    ],
)
def test_no_markup_can_come_through(attack):
    html = line(attack)
    assert "<img" not in html and "<script" not in html and 'onmouseover="' not in html
    for tag in re.findall(r"<[^>]*>", html):
        assert re.fullmatch(r'<span class="[a-z0-9 -]+">|</span>', tag), tag


def test_strip_ansi_and_to_html():
    assert strip_ansi(f"{ESC}[1mbold{ESC}[0m\x07 text") == "bold text"
    assert to_html(f"{ESC}[33ma\nb{ESC}[0m\nc") == (
        '<span class="ansi-fg-3">a</span>\n<span class="ansi-fg-3">b</span>\nc'
    )
