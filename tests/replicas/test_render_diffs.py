from __future__ import annotations

import pytest

from portal.replica_api import models
from portal.replicas.rendering import diffs
from portal.replicas.rendering.diffs import (
    DiffBudget,
    parse_diff,
    render_diff,
    render_repository_diffs,
    repository_diffs,
)

from . import domsim
from .xss import PAYLOADS, assert_inert

MODIFIED = """\
diff --git a/src/app.py b/src/app.py
index 83db48f..bf269f4 100644
--- a/src/app.py
+++ b/src/app.py
@@ -1,5 +1,6 @@ def main():
 import os
-x = 1
-y = 2
+x = 10
+s = \"\"\"multi
+line\"\"\"
 print(x)
 print(os)
@@ -20,3 +21,2 @@ class App:
 a = 1
-b = 2
 c = 3
"""

RENAMED = """\
diff --git a/old/name.txt b/new/name.txt
similarity index 90%
rename from old/name.txt
rename to new/name.txt
index 1111111..2222222 100644
--- a/old/name.txt
+++ b/new/name.txt
@@ -1,2 +1,2 @@
 keep
-old
+new
"""

PURE_RENAME = """\
diff --git a/a.md b/b.md
similarity index 100%
rename from a.md
rename to b.md
"""

BINARY = """\
diff --git a/logo.png b/logo.png
new file mode 100644
index 0000000..1111111
Binary files /dev/null and b/logo.png differ
"""

ADDED = """\
diff --git a/NEW.md b/NEW.md
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/NEW.md
@@ -0,0 +1,2 @@
+# New
+file
"""

DELETED = """\
diff --git a/gone.js b/gone.js
deleted file mode 100644
index 1111111..0000000
--- a/gone.js
+++ /dev/null
@@ -1,2 +0,0 @@
-const a = 1;
-export default a;
"""

NO_NEWLINE = """\
diff --git a/x.txt b/x.txt
index 1..2 100644
--- a/x.txt
+++ b/x.txt
@@ -1 +1 @@
-old
\\ No newline at end of file
+new
\\ No newline at end of file
"""


def big_diff(path: str, added: int) -> str:
    body = "".join(f"+line {i}\n" for i in range(added))
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
        f"@@ -0,0 +1,{added} @@\n{body}"
    )


def test_counts_hunks_and_line_numbers():
    repo = parse_diff(MODIFIED, "acme/api")
    assert repo.error is None and len(repo.files) == 1
    f = repo.files[0]
    assert (f.status, f.old_path, f.new_path, f.path) == (
        "modified",
        "src/app.py",
        "src/app.py",
        "src/app.py",
    )
    assert (f.added, f.removed, f.changed_lines) == (3, 3, 6)
    assert (repo.added, repo.removed) == (3, 3)
    assert [h.header for h in f.hunks] == ["@@ -1,5 +1,6 @@", "@@ -20,3 +21,2 @@"]
    assert f.hunks[0].section == "def main():"
    lines = f.hunks[0].lines
    assert [(ln.kind, ln.old_no, ln.new_no) for ln in lines] == [
        ("context", 1, 1),
        ("removed", 2, None),
        ("removed", 3, None),
        ("added", None, 2),
        ("added", None, 3),
        ("added", None, 4),
        ("context", 4, 5),
        ("context", 5, 6),
    ]  # fmt: skip
    assert not f.big and not f.too_large and not f.collapsed
    assert f.language == "Python"


def test_lines_are_highlighted_per_side_with_classes():
    f = parse_diff(MODIFIED).files[0]
    added = [ln for ln in f.hunks[0].lines if ln.kind == "added"]
    assert (
        added[0].html
        == '<span class="n">x</span> <span class="o">=</span> <span class="mi">10</span>'
    )
    # the multi-line string stays a string on its second line: the new side is lexed as a whole
    assert added[2].html.startswith('<span class="s2">line')
    html = render_diff(MODIFIED)
    assert "style=" not in html and 'class="diff-table diff-table--unified highlight"' in html


def test_unknown_file_types_are_plain_escaped():
    text = "--- a/data.unknownext\n+++ b/data.unknownext\n@@ -1 +1 @@\n-<a>\n+<b>\n"
    f = parse_diff(text).files[0]
    assert f.language == ""
    assert [ln.html for ln in f.hunks[0].lines] == ["&lt;a&gt;", "&lt;b&gt;"]


def test_rename_with_changes_and_pure_rename():
    f = parse_diff(RENAMED).files[0]
    assert f.status == "renamed" and f.is_rename and f.similarity == 90
    assert (f.old_path, f.new_path) == ("old/name.txt", "new/name.txt")
    html = render_diff(RENAMED)
    assert '<span class="diff-old-path">old/name.txt</span> → new/name.txt' in html
    assert "90% similar" in html
    pure = parse_diff(PURE_RENAME).files[0]
    assert pure.status == "renamed" and pure.similarity == 100 and not pure.hunks and pure.collapsed
    assert "File renamed without changes." in render_diff(PURE_RENAME)


def test_binary_new_and_deleted_files():
    repo = parse_diff(BINARY + ADDED + DELETED)
    binary, added, deleted = repo.files
    assert (
        binary.is_binary
        and binary.status == "added"
        and binary.path == "logo.png"
        and not binary.hunks
    )
    assert (
        added.status == "added"
        and added.old_path is None
        and (added.added, added.removed) == (2, 0)
    )
    assert deleted.status == "deleted" and deleted.new_path is None and deleted.path == "gone.js"
    assert (deleted.added, deleted.removed) == (0, 2)
    html = render_diff(repo)
    assert "Binary file not shown." in html
    assert 'diff-status--added">added' in html and 'diff-status--deleted">deleted' in html
    assert html.count('<details class="diff-file') == 3


def test_no_newline_marker():
    f = parse_diff(NO_NEWLINE).files[0]
    kinds = [ln.kind for ln in f.hunks[0].lines]
    assert kinds == ["removed", "marker", "added", "marker"]
    assert f.hunks[0].lines[1].text == "No newline at end of file"
    rows = f.hunks[0].split_rows
    assert [(r.left and r.left.kind, r.right and r.right.kind) for r in rows] == [
        ("removed", "added"),
        ("marker", "marker"),
    ]


def test_crlf_lines_lose_their_carriage_return():
    text = "--- a/w.txt\r\n+++ b/w.txt\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n"
    f = parse_diff(text).files[0]
    assert [ln.text for ln in f.hunks[0].lines] == ["a", "b"]


def test_big_files_are_collapsed_with_a_notice():
    repo = parse_diff(big_diff("big.txt", diffs.BIG_FILE_LINES + 1) + ADDED)
    big, small = repo.files
    assert big.big and big.collapsed and not big.too_large and big.hunks
    assert not small.big and not small.collapsed
    html = render_diff(repo)
    doc = domsim.parse(html)
    details = [n for n in doc.iter() if n.tag == "details"]
    assert "open" not in details[0].attrs and "open" in details[1].attrs
    assert f"Large diff ({diffs.BIG_FILE_LINES + 1} changed lines" in html
    assert "collapsed by default" in html


def test_big_files_are_not_highlighted():
    big = parse_diff(big_diff("big.py", diffs.BIG_FILE_LINES + 1)).files[0]
    small = parse_diff(big_diff("small.py", 3)).files[0]
    assert big.language == "" and all("<span" not in ln.html for ln in big.hunks[0].lines)
    assert small.language == "Python" and "<span" in small.hunks[0].lines[0].html


def test_big_by_bytes():
    long_line = "x" * (diffs.BIG_FILE_BYTES + 10)
    f = parse_diff(f"--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+{long_line}\n").files[0]
    assert f.big and f.changed_lines == 2


def test_too_large_files_render_no_lines():
    repo = parse_diff(big_diff("huge.txt", diffs.MAX_FILE_LINES + 1))
    f = repo.files[0]
    assert f.too_large and not f.hunks and f.collapsed and f.added == diffs.MAX_FILE_LINES + 1
    html = render_diff(repo)
    assert "Diff too large to display" in html
    assert "line 1</td>" not in html and "diff-table" not in html


def test_total_budget_across_files_and_repositories():
    budget = DiffBudget(lines=30)
    first = parse_diff(big_diff("a.txt", 20), "one", budget)
    second = parse_diff(big_diff("b.txt", 20), "two", budget)
    assert not first.files[0].too_large and second.files[0].too_large
    assert budget.lines == 10  # the second file did not fit, so it used nothing


def test_malformed_input_falls_back_to_escaped_pre():
    for text in (
        "not a diff at all <script>alert(1)</script>",
        "@@ -1,3 +1,3 @@\n-only one line\n",
        "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n",
        "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n garbage \x00\n",
    ):
        repo = parse_diff(text)
        html = render_diff(repo)
        if repo.raw is not None:
            assert repo.error and not repo.files
            assert '<pre class="diff-raw">' in html
            assert "<script>" not in html
        assert_inert(html)


def test_raw_fallback_is_capped(monkeypatch):
    monkeypatch.setattr(diffs, "MAX_RAW_CHARS", 10)
    repo = parse_diff("x" * 25)
    assert repo.raw == "x" * 10 and repo.raw_cut == 15
    assert "Truncated: 15 more characters." in render_diff(repo)


def test_empty_diff():
    repo = parse_diff("")
    assert repo.is_empty
    assert "No changes." in render_diff(repo)


def test_split_and_unified_come_from_the_same_lines():
    f = parse_diff(MODIFIED).files[0]
    rows = f.hunks[0].split_rows
    pairs = [
        (r.left and (r.left.old_no, r.left.text), r.right and (r.right.new_no, r.right.text))
        for r in rows
    ]
    assert pairs == [
        ((1, "import os"), (1, "import os")),
        ((2, "x = 1"), (2, "x = 10")),
        ((3, "y = 2"), (3, 's = """multi')),
        (None, (4, 'line"""')),
        ((4, "print(x)"), (5, "print(x)")),
        ((5, "print(os)"), (6, "print(os)")),
    ]
    # every line of the hunk appears in the split view exactly once per side
    left = [r.left for r in rows if r.left is not None]
    right = [r.right for r in rows if r.right is not None]
    assert [ln for ln in f.hunks[0].lines if ln.kind in ("context", "removed")] == left
    assert [ln for ln in f.hunks[0].lines if ln.kind in ("context", "added")] == right
    # the second hunk: a lone removal
    rows2 = f.hunks[1].split_rows
    assert [(r.left and r.left.kind, r.right and r.right.kind) for r in rows2] == [
        ("context", "context"),
        ("removed", None),
        ("context", "context"),
    ]


def test_split_pairs_a_change_block_and_keeps_order():
    text = "--- a/t.txt\n+++ b/t.txt\n@@ -1,4 +1,4 @@\n-a\n-b\n+A\n c\n-d\n+D\n+E\n"
    rows = parse_diff(text).files[0].hunks[0].split_rows
    assert [(r.left and r.left.text, r.right and r.right.text) for r in rows] == [
        ("a", "A"),
        ("b", None),
        ("c", "c"),
        ("d", "D"),
        (None, "E"),
    ]


def test_rendered_views_have_matching_rows():
    unified = domsim.parse(render_diff(MODIFIED, view="unified"))
    split = domsim.parse(render_diff(MODIFIED, view="split"))
    u_rows = [
        n for n in unified.iter() if n.tag == "tr" and "diff-line" in n.attrs.get("class", "")
    ]
    s_rows = [n for n in split.iter() if n.tag == "tr" and "diff-row" in n.attrs.get("class", "")]
    assert len(u_rows) == 8 + 3 and len(s_rows) == 6 + 3
    # unified: old/new numbers in the first two cells; split: old number left, new right
    nums = [
        [td.attrs.get("data-n") for td in row.children if getattr(td, "tag", "") == "td"][:2]
        for row in u_rows
    ]
    assert nums[:4] == [["1", "1"], ["2", None], ["3", None], [None, "2"]]
    cells = [[td for td in row.children if getattr(td, "tag", "") == "td"] for row in s_rows]
    assert [(c[0].attrs.get("data-n"), c[2].attrs.get("data-n")) for c in cells[:4]] == [
        ("1", "1"),
        ("2", "2"),
        ("3", "3"),
        (None, "4"),
    ]
    assert 'data-view="split"' in render_diff(MODIFIED, view="split")
    assert 'data-view="unified"' in render_diff(MODIFIED, view="nonsense")  # type: ignore[arg-type]


def test_repository_diffs_from_api_shapes():
    statuses = [
        {"repository": "api", "branch": "fix", "default_branch": "main", "pr_urls": [],
         "start_hooks_completed": True, "git_diff": {"added": 3, "removed": 3, "full_diff": MODIFIED}},
        {"repository": "web", "branch": "main", "default_branch": "main", "pr_urls": [],
         "start_hooks_completed": True, "git_diff": None},
    ]  # fmt: skip
    details = {"replica": {"repository_statuses": statuses}}
    for source in (
        details,
        statuses,
        [models.RepositoryStatus.model_validate(s) for s in statuses],
        [{"name": "api", "gitDiff": {"added": 3, "removed": 3, "fullDiff": MODIFIED}}],
        {"api": MODIFIED},
        [("api", MODIFIED)],
    ):
        repos = repository_diffs(source)
        assert [r.repository for r in repos] == ["api"], source
        assert repos[0].files[0].added == 3
    html = render_repository_diffs(details, view="split")
    assert "diff-repo--split" in html and ">api<" in html
    assert "No changes." in render_repository_diffs(
        {"replica": {"repository_statuses": statuses[1:]}}
    )
    assert "No changes." in render_repository_diffs(None)


def test_file_ids_are_unique_and_css_safe():
    repo = parse_diff(MODIFIED + ADDED + DELETED, "acme/api with spaces")
    ids = [repo.dom_id] + [f.dom_id for f in repo.files]
    assert len(set(ids)) == len(ids)
    assert all(all(c.isalnum() or c in "-_" for c in i) for i in ids)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_diff_rendering_is_inert(payload):
    line = payload.replace("\n", " ")
    text = (
        f"diff --git a/{line}.html b/{line}.html\n--- a/{line}.html\n+++ b/{line}.html\n"
        f"@@ -1,2 +1,2 @@ {line}\n {line}\n-{line}\n+{line}\n"
        "--- a/page.html\n+++ b/page.html\n@@ -1 +1 @@\n"
        f"-{line}\n+{line}\n"
    )
    for view in ("unified", "split"):
        assert_inert(render_diff(text, view=view, repository=line), context=f"diff {payload!r}")
    assert_inert(render_diff(f"broken {payload}"), context=f"raw {payload!r}")
