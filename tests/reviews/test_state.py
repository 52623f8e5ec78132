"""What a reviewer's state says about each file of a diff: Viewed (unmarked when the file's
diff changed) and new / changed / unchanged since the last sent review."""

from __future__ import annotations

from portal.replicas.rendering.diffs import parse_diff
from portal.reviews.models import Review
from portal.reviews.state import ReviewState, annotate, digests, file_key


def diff(*files: tuple[str, str]) -> str:
    out = []
    for path, line in files:
        out.append(
            f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
            f"@@ -1,1 +1,1 @@\n-old\n+{line}\n"
        )
    return "".join(out)


def repos(*files):
    return [parse_diff(diff(*files), "acme/api")]


def test_a_file_marked_viewed_stays_viewed_until_its_diff_changes():
    before = repos(("a.py", "one"), ("b.py", "two"))
    marks = digests(before)
    state = ReviewState("r", viewed=dict(marks))
    annotate(before, state)
    assert [f.review.viewed for f in before[0].files] == [True, True]

    after = repos(("a.py", "one"), ("b.py", "TWO"))
    annotate(after, state)
    a, b = after[0].files
    assert a.review.viewed and not a.review.changed_since_viewed
    assert not b.review.viewed and b.review.changed_since_viewed
    assert a.review.since is None  # no review sent yet


def test_changes_since_the_last_sent_review_and_the_filter():
    sent = Review(state=Review.SENT, diff_snapshot=digests(repos(("a.py", "1"), ("b.py", "2"))))
    older = Review(state=Review.SENT, diff_snapshot={file_key("acme/api", "a.py"): "x"})
    state = ReviewState("r", sent=[Review(state=Review.SENT), sent, older])  # newest first
    now = repos(("a.py", "1"), ("c.py", "3"))
    summary = annotate(now, state)
    assert summary.review is sent  # the newest review that kept its diff
    assert [f.review.since for f in now[0].files] == ["unchanged", "new"]
    assert (summary.new, summary.changed, summary.unchanged) == (1, 0, 1)
    assert summary.gone == ["acme/api: b.py"]

    now = repos(("a.py", "1*"), ("b.py", "2"), ("c.py", "3"))
    summary = annotate(now, state, only_changed=True)
    assert [f.path for f in now[0].files] == ["a.py", "c.py"]
    assert [f.review.since for f in now[0].files] == ["changed", "new"]
    assert summary.hidden == 1
