from __future__ import annotations

from pathlib import Path

import pytest

from portal.replicas.rendering.highlight import highlight_lines, lexer_for, stylesheet
from portal.replicas.rendering.markdown import (
    highlight_code,
    is_safe_image,
    is_safe_link,
    render_markdown,
    sanitize_html,
)

from .xss import PAYLOADS, assert_inert, problems, url_is_safe

ROOT = Path(__file__).resolve().parents[2]


def test_renders_commonmark_basics():
    html = render_markdown("# Title\n\nSome **bold** and *em* and `code`.\n\n- one\n- two\n")
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert "<code>code</code>" in html
    assert "<ul>" in html and "<li>one</li>" in html


def test_raw_html_is_escaped_not_interpreted():
    html = render_markdown("Hello <b>world</b> <script>alert(1)</script>")
    assert "&lt;b&gt;world&lt;/b&gt;" in html
    assert "<script" not in html and "<b>" not in html


def test_tables_use_alignment_classes_not_inline_styles():
    html = render_markdown("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n")
    assert "<table>" in html
    assert 'class="align-left"' in html
    assert 'class="align-center"' in html
    assert 'class="align-right"' in html
    assert "style=" not in html


def test_strikethrough_is_on_and_linkify_is_off():
    html = render_markdown("~~gone~~ see https://example.com")
    assert "<s>gone</s>" in html
    assert "<a " not in html  # bare URLs stay text: linkify-it-py is not installed


def test_links_get_rel_and_target_and_only_safe_schemes():
    html = render_markdown(
        "[web](https://example.com/a?b=1) [mail](mailto:a@example.com) [rel](docs/x.md) "
        "[frag](#top) [js](javascript:alert(1))"
    )
    assert (
        '<a href="https://example.com/a?b=1" target="_blank" rel="noopener noreferrer nofollow">web</a>'
        in html
    )
    assert 'href="mailto:a@example.com"' in html
    assert "docs/x.md" not in html and 'href="#top"' not in html  # relative links dropped
    assert "javascript:" not in html.replace("[js](javascript:alert(1))", "")


def test_autolinks_are_links_only_for_safe_schemes():
    html = render_markdown("<https://example.com> <mailto:a@example.com> <javascript:alert(1)>")
    assert 'href="https://example.com"' in html
    assert 'href="mailto:a@example.com"' in html
    assert 'href="javascript' not in html
    assert "&lt;javascript:alert(1)&gt;" in html


def test_images_allow_http_and_raster_data_urls_only():
    html = render_markdown(
        "![a](https://example.com/a.png) ![b](data:image/png;base64,iVBORw0KGgo=) "
        "![c](data:image/svg+xml;base64,PHN2Zz4=) ![d](javascript:alert(1))"
    )
    assert '<img src="https://example.com/a.png" alt="a">' in html
    assert '<img src="data:image/png;base64,iVBORw0KGgo=" alt="b">' in html
    assert "svg+xml" not in html.split("![c]")[0]
    assert html.count("<img") == 2


def test_code_fences_are_highlighted_with_classes():
    html = render_markdown('```python\ndef f():\n    return "<x>"\n```')
    assert '<div class="highlight" data-lang="python">' not in html  # data-* is not allowlisted
    assert '<div class="highlight"><pre><code>' in html
    assert '<span class="k">def</span>' in html
    assert "&lt;x&gt;" in html
    assert "style=" not in html


def test_code_fence_without_or_with_unknown_language_is_plain_escaped():
    for source in ("```\n<b>x</b>\n```", "```nosuchlang\n<b>x</b>\n```", "    <b>x</b>"):
        html = render_markdown(source)
        assert "&lt;b&gt;x&lt;/b&gt;" in html
        assert "<span" not in html


def test_huge_text_is_shown_plain_and_truncated():
    html = render_markdown("*a* " * 10, max_chars=12)
    assert html.startswith('<pre class="md-plain">')
    assert "<em>" not in html
    assert "Truncated: 28 more characters." in html


def test_empty_and_non_string_input():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
    assert "42" in render_markdown(42)  # type: ignore[arg-type]


def test_url_policy_helpers():
    assert is_safe_link("https://x.example") and is_safe_link("mailto:a@b.c")
    assert not is_safe_link("javascript:alert(1)")
    assert not is_safe_link("java\tscript:alert(1)")
    assert not is_safe_link(" JAVASCRIPT:x") and not is_safe_link("/relative")
    assert is_safe_image("data:image/webp;base64,AAAA")
    assert not is_safe_image("data:image/svg+xml;base64,AAAA")
    assert not is_safe_image("data:text/html,<script>")


def test_sanitize_html_allowlist():
    html = sanitize_html(
        '<p class="x">p</p><span class="k evil">k</span><div class="highlight other">d</div>'
        '<a href="https://x.example" title="t" id="i">a</a><img src="https://x.example/i.png" '
        'width="1"><details open><summary>s</summary>b</details><table><tr><td class="align-right">1'
        "</td></tr></table>"
    )
    assert "<p>p</p>" in html
    assert '<span class="k">k</span>' in html
    assert '<div class="highlight">d</div>' in html
    assert 'id="i"' not in html and 'width="1"' not in html
    assert (
        '<a href="https://x.example" title="t" target="_blank" rel="noopener noreferrer nofollow">'
        in html
    )
    assert "<details><summary>s</summary>b</details>" in html
    assert '<td class="align-right">1</td>' in html


def test_highlight_code_and_lines():
    html = highlight_code("x = 1", filename="a.py")
    assert '<span class="n">x</span>' in html
    lines = highlight_lines(['s = """a', 'b"""', "t = 2"], lexer_for(filename="a.py"))
    assert len(lines) == 3
    assert lines[1].startswith('<span class="s2">b')  # a string continued across lines
    assert highlight_lines(["<x>"], None) == ["&lt;x&gt;"]


def test_shipped_highlight_css_matches_the_generator():
    shipped = (ROOT / "static" / "css" / "highlight.css").read_text()
    assert shipped == stylesheet()
    assert ".highlight .k " in shipped
    assert "pre {" not in shipped  # no global rules leak into the site


# --- XSS corpus ----------------------------------------------------------------------------


def test_corpus_is_big_enough():
    assert len(PAYLOADS) >= 30


def test_checker_catches_active_content():
    """The checker itself must notice each class of problem, or the corpus proves nothing."""
    assert problems("<script>x</script>")
    assert problems('<img src="x" onerror="y">')
    assert problems('<a href="java&#x09;script:x">')
    assert problems('<a href="data:text/html,x">')
    assert problems('<div style="x">')
    assert problems('<div hx-get="/x">')
    assert problems("<iframe src='/x'></iframe>")
    assert not problems('<iframe src="/x" sandbox=""></iframe>', allow_iframe_src="/x")
    assert not problems('<img src="data:image/png;base64,AA"><a href="https://x" rel="noopener">')
    assert not url_is_safe("vbscript:x") and url_is_safe("/relative")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_output_is_inert(payload):
    assert_inert(render_markdown(payload), context=f"markdown {payload!r}")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitizer_output_is_inert_even_for_raw_html(payload):
    assert_inert(sanitize_html(payload), context=f"sanitize {payload!r}")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_inside_markdown_structures_is_inert(payload):
    source = (
        f"# {payload}\n\n> {payload}\n\n- {payload}\n\n| a |\n|---|\n| {payload} |\n\n**{payload}**"
    )
    assert_inert(render_markdown(source), context=f"structures {payload!r}")
