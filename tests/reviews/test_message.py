"""The review message: its exact form is what agents read, so it is fixed here."""

from __future__ import annotations

from types import SimpleNamespace

from portal.reviews.message import anchor, clock, compose


def comment(kind, body, **fields):
    base = {
        "repository": "", "path": "", "side": "", "start_line": None, "end_line": None,
        "quote": "", "canvas_item": "", "paragraph": None, "timestamp": None,
    }  # fmt: skip
    return SimpleNamespace(kind=kind, body=body, **{**base, **fields})


def test_a_review_is_one_compact_message_general_first_then_files_then_canvas():
    comments = [
        comment("canvas", "These numbers don't add up.", canvas_item="report.md",
                paragraph=1, quote="## Results"),
        comment("lines", "A missing key must still fail loudly.", repository="api",
                path="app/orders.py", side="new", start_line=12, end_line=14,
                quote='-    value = payload["x"]\n+    value = payload.get("x")\n     return value'),
        comment("general", "Looks right overall; see the notes below."),
        comment("file", "Split this module.", repository="api", path="app/orders.py"),
        comment("canvas", "The button is misaligned here.", canvas_item="demo.mp4", timestamp=62.4),
        comment("lines", "Why was this removed?", repository="api", path="app/a.py",
                side="old", start_line=3, end_line=3, quote="-import os"),
    ]  # fmt: skip
    assert compose(comments) == (
        "Review: 6 comments. Please address each one.\n"
        "\n"
        "General:\n"
        "Looks right overall; see the notes below.\n"
        "\n"
        "app/a.py:3 (old side)\n"
        "```diff\n"
        "-import os\n"
        "```\n"
        "Why was this removed?\n"
        "\n"
        "app/orders.py (whole file)\n"
        "Split this module.\n"
        "\n"
        "app/orders.py:12-14\n"
        "```diff\n"
        '-    value = payload["x"]\n'
        '+    value = payload.get("x")\n'
        "     return value\n"
        "```\n"
        "A missing key must still fail loudly.\n"
        "\n"
        "Canvas demo.mp4, at 1:02\n"
        "The button is misaligned here.\n"
        "\n"
        "Canvas report.md, heading 2:\n"
        "> ## Results\n"
        "These numbers don't add up.\n"
    )


def test_repositories_are_named_only_when_comments_span_several():
    comments = [
        comment("file", "a", repository="api", path="x.py"),
        comment("file", "b", repository="web", path="x.ts"),
    ]
    text = compose(comments)
    assert "[api] x.py (whole file)\na" in text
    assert "[web] x.ts (whole file)\nb" in text


def test_code_with_backticks_gets_a_longer_fence():
    quote = "+s = '```'"
    text = compose([comment("lines", "ok", path="f.md", side="new", start_line=1, quote=quote)])
    assert "````diff\n+s = '```'\n````\n" in text


def test_an_empty_review_is_no_message_and_labels_read_well():
    assert compose([]) == ""
    assert clock(3723) == "1:02:03"
    assert anchor(comment("canvas", "x", canvas_item="n.md", paragraph=0, quote="Intro")) == (
        "Canvas n.md, paragraph 1"
    )
    single = comment("lines", "x", path="p.py", side="new", start_line=7, end_line=7)
    assert anchor(single) == "p.py:7"
    assert compose([comment("general", "  only this  ")]) == (
        "Review: 1 comment. Please address each one.\n\nGeneral:\nonly this\n"
    )
