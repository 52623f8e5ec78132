"""A pasted .env block: python-dotenv's line parser plus the API's rules, over a corpus of
tricky lines; the preview's classification; the export reads back unchanged."""

from __future__ import annotations

import pytest

from portal.environments import dotenv_paste as d

CORPUS = """\
# a comment, then a blank line

export EXPORTED=yes
SINGLE='literal \\n here'
DOUBLE="line one\\nline two"
MULTI="first
second
third"
TRAILING=value # a comment after a value
HASH=#not-a-comment
EMPTY=
SPACED = around the equals
NO_VALUE
=orphan
AFTER=still read
1DIGIT=bad key
DOUBLE="second wins"
UNCLOSED="never closed
LAST=read again
"""


@pytest.fixture(scope="module")
def lines():
    return d.parse(CORPUS)


def by_key(lines, key):
    return [line for line in lines if line.key == key]


def test_comments_and_blank_lines_are_left_out(lines):
    assert lines[0].key == "EXPORTED"
    assert all(not line.text.startswith("#") for line in lines)


def test_each_binding_knows_the_line_its_key_is_on(lines):
    numbers = {line.key: line.number for line in lines if line.key}
    assert numbers["EXPORTED"] == 3  # after the comment and the blank line
    assert numbers["SINGLE"] == 4
    assert numbers["MULTI"] == 6
    assert numbers["TRAILING"] == 9  # the multi-line value took lines 6-8
    assert numbers["AFTER"] == 15


def test_export_prefix_is_dropped(lines):
    assert by_key(lines, "EXPORTED")[0].value == "yes"


def test_single_quotes_are_literal_and_double_quotes_decode_escapes(lines):
    assert by_key(lines, "DOUBLE")[0].value == "line one\nline two"
    assert by_key(lines, "SINGLE")[0].value == "literal \\n here"


def test_a_multi_line_double_quoted_value_is_one_value(lines):
    assert by_key(lines, "MULTI")[0].value == "first\nsecond\nthird"


def test_comments_after_values_and_hashes_inside_them(lines):
    assert by_key(lines, "TRAILING")[0].value == "value"
    assert by_key(lines, "HASH")[0].value == "#not-a-comment"


def test_empty_values_and_spaces_around_the_equals(lines):
    assert by_key(lines, "EMPTY")[0].value == ""
    assert by_key(lines, "SPACED")[0].value == "around the equals"


def test_a_key_without_equals_is_invalid_and_says_how_to_write_it(lines):
    line = by_key(lines, "NO_VALUE")[0]
    assert line.error and "NO_VALUE=" in line.error


def test_unreadable_lines_are_errors_with_their_line_number(lines):
    errors = [line for line in lines if line.key is None]
    numbers = [line.number for line in errors]
    assert 14 in numbers  # "=orphan"
    assert 18 in numbers  # the unclosed quote
    assert all("KEY=value" in line.error for line in errors)


def test_an_unclosed_quote_with_no_quote_after_it_costs_only_its_line(lines):
    unclosed = next(line for line in lines if line.number == 18)
    assert unclosed.key is None and unclosed.lines == "18"
    assert by_key(lines, "LAST")[0].value == "read again"


def test_an_unclosed_quote_reads_up_to_the_next_quote_and_says_which_lines():
    lines = d.parse('A=1\nB="open\nC=2\nD="closed"\nE=5\n')
    bad = [line for line in lines if line.error]
    assert len(bad) == 1 and bad[0].lines == "2–4"
    assert [line.key for line in lines if line.key] == ["A", "E"]


def test_the_parser_recovers_after_an_unreadable_line(lines):
    assert by_key(lines, "AFTER")[0].value == "still read"


def test_plan_classifies_every_line():
    lines = d.parse(
        "NEW=1\nSAME=x\nCHANGED=new\nDUP=first\nDUP=second\nbad line\n1ABC=v\nLOCKED=mine\n"
    )
    existing = {"SAME": ("id-same", "x"), "CHANGED": ("id-changed", "old")}
    items = d.plan(lines, existing, {"LOCKED": "web"})
    statuses = [(item.number, item.key, item.status) for item in items]
    assert statuses == [
        (1, "NEW", d.NEW),
        (2, "SAME", d.UNCHANGED),
        (3, "CHANGED", d.CHANGED),
        (4, "DUP", d.DUPLICATE),
        (5, "DUP", d.NEW),
        (6, None, d.INVALID),
        (7, "1ABC", d.INVALID),
        (8, "LOCKED", d.LOCKED),
    ]
    assert items[2].variable_id == "id-changed"
    assert "line 5" in items[3].note  # the duplicate names the line that wins
    assert "web" in items[7].note
    assert "digit" in items[6].note
    assert d.counts(items)[d.NEW] == 2


def test_a_locked_key_the_environment_already_overrides_can_change():
    items = d.plan(d.parse("LOCKED=new\n"), {"LOCKED": ("id", "old")}, {"LOCKED": "web"})
    assert items[0].status == d.CHANGED


def test_values_over_the_api_limit_are_invalid():
    items = d.plan(d.parse(f"BIG={'x' * 70_000}\n"), {})
    assert items[0].status == d.INVALID and "bytes" in items[0].note


def test_leftover_keeps_the_pasted_text_of_what_did_not_apply():
    lines = d.parse('OK=1\nMULTI="a\nb"\nbad line\n')
    items = d.plan(lines, {})
    kept = d.leftover([items[1], items[2]])
    assert kept == 'MULTI="a\nb"\nbad line'
    assert [line.value for line in d.parse(kept) if line.key] == ["a\nb"]


def test_crlf_line_endings():
    lines = d.parse("A=1\r\nB=2\r\n")
    assert [(line.number, line.key, line.value) for line in lines] == [(1, "A", "1"), (2, "B", "2")]


def test_an_empty_block_has_no_lines():
    assert d.parse("") == [] and d.parse("\n\n# only comments\n") == []


@pytest.mark.parametrize(
    "value",
    ["plain", "", 'quote " inside', "back\\slash", "new\nline", "tab\there", "$HOME #x", "it's"],
)
def test_export_reads_back_unchanged(value):
    text = d.dotenv_text([("KEY", value)], header="exported")
    [line] = d.parse(text)
    assert (line.key, line.value, line.error) == ("KEY", value, "")
