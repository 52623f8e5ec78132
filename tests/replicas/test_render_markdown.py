from __future__ import annotations

from pathlib import Path

import pytest

from portal.replicas.rendering import markdown
from portal.replicas.rendering.highlight import highlight_lines, lexer_for, stylesheet
from portal.replicas.rendering.markdown import (
    MarkdownStream,
    complete_streaming_markdown,
    finished_blocks_end,
    highlight_code,
    is_safe_image,
    is_safe_link,
    render_markdown,
    render_streaming_markdown,
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


def test_strikethrough_is_on():
    html = render_markdown("~~gone~~ see this")
    assert "<s>gone</s>" in html


def test_bare_urls_are_linked_with_the_link_policy():
    html = render_markdown("see https://example.com/a?b=1, www.example.org and docs.python.org/3")
    assert (
        '<a href="https://example.com/a?b=1" target="_blank" rel="noopener noreferrer nofollow">'
        "https://example.com/a?b=1</a>," in html
    )
    assert '<a href="http://www.example.org"' in html
    assert '<a href="http://docs.python.org/3"' in html
    assert html.count("<a ") == 3


def test_file_names_and_code_are_not_taken_for_links():
    html = render_markdown(
        "Edit README.md, views.py and run.sh; push to git@github.com:o/r.git.\n\n"
        "`https://in.code/x` and\n\n```\nhttps://in.fence/y\n```\n"
    )
    assert "<a " not in html


def test_linkify_does_not_link_unsafe_schemes():
    html = render_markdown("javascript:alert(1) vbscript:x data:text/html,x file:///etc/passwd")
    assert "<a " not in html


def test_task_lists_render_as_disabled_checkboxes():
    html = render_markdown("- [x] done\n- [ ] to do\n- plain\n\n1. [X] numbered\n")
    assert '<li><input checked="checked" disabled="disabled" type="checkbox"> done</li>' in html
    assert '<li><input disabled="disabled" type="checkbox"> to do</li>' in html
    assert "<li>plain</li>" in html
    assert html.count("<input") == 3
    assert "[x]" not in html and "[ ]" not in html
    assert "class=" not in html  # the plugin's classes are not on the allowlist


def test_checkbox_is_the_only_input_markdown_output_keeps():
    hostile = (
        '<input type="text" name="q" value="v" class="c" id="i" onclick="x" form="f" '
        'formaction="https://evil.example" autofocus checked>'
        '<input type="hidden"><input type="submit"><button>b</button><select></select>'
    )
    assert sanitize_html(hostile, checkboxes=True) == (
        '<input type="checkbox" checked="" disabled="disabled">'
        '<input type="checkbox" disabled="disabled">'
        '<input type="checkbox" disabled="disabled">b'
    )
    assert sanitize_html(hostile) == "b"  # other HTML keeps no input at all
    # raw HTML in Markdown is text, so only the task list plugin makes checkboxes
    assert "<input" not in render_markdown('<input type="checkbox"> [x] not a task')


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


def test_images_inline_only_raster_data_urls():
    html = render_markdown(
        "![a](https://example.com/a.png) ![b](data:image/png;base64,iVBORw0KGgo=) "
        "![c](data:image/svg+xml;base64,PHN2Zz4=) ![d](javascript:alert(1))"
    )
    assert '<img src="data:image/png;base64,iVBORw0KGgo=" alt="b">' in html
    assert "svg+xml" not in html.split("![c]")[0]
    assert html.count("<img") == 1


def test_remote_images_become_a_placeholder_naming_the_blocked_host():
    """The site CSP blocks remote images (img-src 'self' data: blob:): an <img> would show
    broken, so the Markdown says which host was blocked and links the image instead."""
    html = render_markdown("Chart: ![Q3 <sales>](https://cdn.example.com:8443/q3.png?s=1&t=2)")
    assert "<img" not in html
    assert (
        '<span class="md-image-blocked">Image \u201cQ3 &lt;sales&gt;\u201d from cdn.example.com '
        "not shown (external images are blocked): "
        '<a href="https://cdn.example.com:8443/q3.png?s=1&amp;t=2" target="_blank" '
        'rel="noopener noreferrer nofollow">https://cdn.example.com:8443/q3.png?s=1&amp;t=2</a>'
        "</span>" in html
    )
    plain = render_markdown("![](http://example.com/a.png)")
    assert "Image from example.com not shown (external images are blocked)" in plain


def test_image_placeholder_inside_a_link_does_not_nest_links():
    html = render_markdown("[![badge](https://img.example/b.svg)](https://ci.example/build)")
    assert html.count("<a ") == 1 and '<a href="https://ci.example/build"' in html
    assert "Image \u201cbadge\u201d from img.example not shown" in html
    assert "<code>https://img.example/b.svg</code>" in html


def test_relative_images_are_a_placeholder_without_a_link():
    html = render_markdown('![diagram](plots/fig1.png "Figure")')
    assert "<img" not in html and "<a " not in html
    assert (
        '<span class="md-image-blocked">Image \u201cdiagram\u201d not shown (only embedded PNG, '
        "JPEG, GIF or WebP images are): <code>plots/fig1.png</code></span>" in html
    )


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


# --- text still streaming ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("so_far", "rendered_as"),
    [
        ("**Hel", "**Hel**"),
        ("**bold *it", "**bold *it***"),
        ("**timeout*", "**timeout**"),  # the closing run is half there
        ("~~gone~", "~~gone~~"),
        ("a __b", "a __b__"),
        ("see _private", "see _private_"),
        ("Use `make te", "Use `make te`"),
        ("Run ``a `b` c`", "Run ``a `b` c``"),
        ("Run ``a `b`", "Run ``a `b``"),  # the last ` may be the closer starting
        ("Hello **", "Hello"),  # a marker with nothing after it yet is held back
        ("Hello `", "Hello"),
        ("see [", "see"),
        ("see [the do", "see the do"),
        ("see [the docs]", "see the docs"),
        ("see [the docs](https://exa", "see the docs"),
        ("[![badge](https://ci.example/b", "badge"),
        ("- [x]", "-"),
        ("- [ ] **Fix", "- [ ] **Fix**"),
        ("text\n1", "text"),
        ("text\n-", "text"),  # not a setext heading underline
        ("| a | b", "| a | b\n| --- | --- |"),
        ("| a | b |\n|:-", "| a | b |\n| --- | --- |"),
        ("| a | b |\n|:-|-:|", "| a | b |\n|:-|-:|"),
        ("**Hel\n", "**Hel**\n"),
        ("```py\nx = '**'", "```py\nx = '**'"),  # inside a fence: code already
        ("```py\nx = 1\n``", "```py\nx = 1"),  # the closing fence still arriving
        ("    code *x", "    code *x"),
        ("my_var and snake_case", "my_var and snake_case"),
        ("x = 2*3 and a * b", "x = 2*3 and a * b"),
        ("**done** and `x`", "**done** and `x`"),
        ("done.\n\n", "done.\n\n"),
        ("", ""),
    ],
)
def test_streaming_text_is_completed_for_rendering(so_far, rendered_as):
    assert complete_streaming_markdown(so_far) == rendered_as


def test_streaming_render_shows_no_raw_markers():
    assert render_streaming_markdown("Use **bold and `co") == (
        "<p>Use <strong>bold and <code>co</code></strong></p>\n"
    )
    assert render_streaming_markdown("- [x] **Done") == (
        '<ul>\n<li><input checked="checked" disabled="disabled" type="checkbox"> '
        "<strong>Done</strong></li>\n</ul>\n"
    )
    assert render_streaming_markdown(None) == ""


@pytest.mark.parametrize(
    ("text", "finished"),
    [
        ("Para one.\n\nPara two", "Para one.\n\n"),
        ("Para one.\n\nPara two.\n\nThree", "Para one.\n\nPara two.\n\n"),
        ("- a\n\n- b\n\nAfter", "- a\n\n- b\n\n"),  # a loose list stays whole
        ("1. a\n\n   more of a\n", ""),  # an indented continuation
        ("```\nx\n\ny\n```\n\nText", "```\nx\n\ny\n```\n\n"),  # blank lines in a fence
        ("```\nx\n\ny", ""),  # a fence still open
        ("Para\n\nNext line still growing", "Para\n\n"),
        ("Para\n\nNext", "Para\n\n"),
        ("Para\n\n", ""),  # the next block hasn't started
    ],
)
def test_finished_blocks_end_only_where_later_text_cannot_change_them(text, finished):
    assert text[: finished_blocks_end(text)] == finished


@pytest.mark.parametrize("step", [1, 5, 40])
def test_markdown_stream_renders_like_the_whole_text_and_parses_only_the_rest(step, monkeypatch):
    text = (
        "# Report\n\nSome **bold** text.\n\n- one\n\n- two\n  more\n\n1. a\n2. b\n\n"
        "```py\nx = 1\n\ny = 2\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nThe end.\n"
    ) * 3
    parsed: list[int] = []
    real = markdown.render_markdown
    monkeypatch.setattr(
        markdown, "render_markdown", lambda t, **kw: parsed.append(len(t)) or real(t, **kw)
    )
    stream = MarkdownStream()
    for end in range(step, len(text) + step, step):
        html = stream.render(text[:end])
    assert html == real(text)
    # each render parsed the unfinished rest only: never more than the largest block
    # plus one delta, far less than the whole text
    assert max(parsed) < 120 + step < len(text)


def test_markdown_stream_starts_over_when_the_text_is_rewritten():
    stream = MarkdownStream()
    stream.render("First *draft*.\n\nSecond")
    assert stream.render("Rewritten.\n\nAll of it") == render_markdown("Rewritten.\n\nAll of it")


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
