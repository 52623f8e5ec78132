"""A reviewer's state on one replica, loaded once per panel: the draft and its comments,
the reviews sent, the files marked viewed; and what it says about each file of a diff.

`annotate(repos, state)` gives each parsed `DiffFile` a `review` (`FileReview`): viewed or
not (a file whose diff changed since it was marked is unmarked and says so), and, against the
diff kept with the last sent review, whether it is new, changed or unchanged since then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Comment, Review, ViewedFile

SENT_SHOWN = 5  # sent reviews listed in the box


def file_key(repository: str, path: str) -> str:
    # Not NUL: PostgreSQL's jsonb refuses \u0000 (a path has no newline: git quotes those).
    return f"{repository}\n{path}"


@dataclass
class FileReview:
    key: str
    repository: str
    path: str
    digest: str
    viewed: bool = False
    changed_since_viewed: bool = False
    since: str | None = None  # "new", "changed", "unchanged" (since the last sent review)
    url: str = ""  # where the Viewed checkbox posts


@dataclass
class ReviewState:
    replica_id: str
    draft: Review | None = None
    comments: list[Comment] = field(default_factory=list)
    sent: list[Review] = field(default_factory=list)
    viewed: dict[str, str] = field(default_factory=dict)  # file key -> digest when marked

    @property
    def last_snapshot(self) -> tuple[Review, dict[str, str]] | None:
        """The newest sent review that kept its diff, with that diff's per-file digests."""
        for review in self.sent:
            if review.diff_snapshot is not None:
                return review, review.diff_snapshot
        return None


async def load_state(user, replica_id: str) -> ReviewState:
    state = ReviewState(replica_id=str(replica_id))
    async for review in Review.objects.filter(user=user, replica_id=replica_id).order_by(
        "-created_at"
    ):
        if review.state == Review.DRAFT:
            state.draft = review
        elif len(state.sent) < SENT_SHOWN:
            state.sent.append(review)
    if state.draft is not None:
        state.comments = [c async for c in state.draft.comments.all()]
    async for mark in ViewedFile.objects.filter(user=user, replica_id=replica_id):
        state.viewed[file_key(mark.repository, mark.path)] = mark.digest
    return state


def digests(repos: list[Any]) -> dict[str, str]:
    """Per-file digests of parsed diffs (`RepoDiff`s): what a sent review keeps."""
    return {
        file_key(repo.repository, f.path): f.digest
        for repo in repos
        for f in repo.files
        if f.digest
    }


@dataclass
class SinceSummary:
    review: Review
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    gone: list[str] = field(default_factory=list)  # files changed then, not any more
    hidden: int = 0  # unchanged files left out by the filter


def annotate(
    repos: list[Any], state: ReviewState, *, only_changed: bool = False, viewed_url: str = ""
):
    """Give every file of `repos` its `review`; with `only_changed`, drop the files unchanged
    since the last sent review. Returns the `SinceSummary` (None before any sent review)."""
    last = state.last_snapshot
    summary = SinceSummary(review=last[0]) if last else None
    snapshot = last[1] if last else {}
    seen = set()
    for repo in repos:
        kept = []
        for diff_file in repo.files:
            key = file_key(repo.repository, diff_file.path)
            seen.add(key)
            info = FileReview(key, repo.repository, diff_file.path, diff_file.digest)
            info.url = viewed_url
            marked = state.viewed.get(key)
            info.viewed = marked is not None and marked == diff_file.digest
            info.changed_since_viewed = marked is not None and not info.viewed
            if summary is not None:
                before = snapshot.get(key)
                info.since = (
                    "new" if before is None else "unchanged" if before == diff_file.digest
                    else "changed"
                )  # fmt: skip
                setattr(summary, info.since, getattr(summary, info.since) + 1)
            diff_file.review = info
            if only_changed and info.since == "unchanged":
                summary.hidden += 1
                continue
            kept.append(diff_file)
        repo.files = kept
    if summary is not None:
        summary.gone = sorted(k.replace("\n", ": ", 1) for k in snapshot if k not in seen)
    return summary


# --- changes ----------------------------------------------------------------------------


def draft_for(user, replica_id: str) -> Review:
    """The user's draft on this replica, made on first use (one per user and replica)."""
    review = Review.objects.filter(user=user, replica_id=replica_id, state=Review.DRAFT).first()
    if review is not None:
        return review
    try:
        with transaction.atomic():
            return Review.objects.create(user=user, replica_id=replica_id)
    except IntegrityError:  # made meanwhile by another request of the same user
        return Review.objects.get(user=user, replica_id=replica_id, state=Review.DRAFT)


def own_comment(user, replica_id: str, comment_id: int) -> Comment | None:
    """One of the user's draft comments on this replica (never anyone else's; never a sent
    review's, which is read-only)."""
    return (
        Comment.objects.filter(
            pk=comment_id,
            review__user=user,
            review__replica_id=replica_id,
            review__state=Review.DRAFT,
        )
        .select_related("review")
        .first()
    )


def mark_viewed(user, replica_id: str, repository: str, path: str, digest: str, viewed: bool):
    if not viewed:
        ViewedFile.objects.filter(
            user=user, replica_id=replica_id, repository=repository, path=path
        ).delete()
        return
    ViewedFile.objects.update_or_create(
        user=user,
        replica_id=replica_id,
        repository=repository,
        path=path,
        defaults={"digest": digest, "marked_at": timezone.now()},
    )


def draft_comments(review: Review) -> list[Comment] | None:
    """The comments of `review` as they are now, or None when it is no longer a draft (sent
    by another request meanwhile)."""
    if not Review.objects.filter(pk=review.pk, state=Review.DRAFT).exists():
        return None
    return list(review.comments.all())


def mark_sent(
    review: Review, *, message: str, chat_id: str, outcome: str, snapshot, comment_ids
) -> None:
    """The draft becomes a sent review with the comments its message quoted (`comment_ids`);
    any added meanwhile (another tab, while the message was on its way) start the next draft."""
    with transaction.atomic():
        review.state = Review.SENT
        review.sent_at = timezone.now()
        review.message = message
        review.chat_id = chat_id
        review.outcome = outcome
        review.diff_snapshot = snapshot
        review.save()
        late = review.comments.exclude(pk__in=list(comment_ids))
        if late.exists():
            late.update(review=draft_for(review.user, review.replica_id))
