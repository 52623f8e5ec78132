"""Review tools: a reviewer's draft (comments on diff lines, files, canvas items, and
general ones), the reviews they sent, and the files they marked viewed.

Everything here is strictly per user and replica: no view ever lists another user's rows.
A replica lives in the Replica API, so it is referred to by its id only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Review(models.Model):
    """One reviewer's review of one replica: a draft until sent, then kept read-only with
    the message it became and a snapshot of the diff it was written against."""

    DRAFT = "draft"
    SENT = "sent"
    STATES = ((DRAFT, "Draft"), (SENT, "Sent"))

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    replica_id = models.UUIDField(db_index=True)
    state = models.CharField(max_length=8, choices=STATES, default=DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    chat_id = models.CharField(max_length=128, blank=True)
    message = models.TextField(blank=True)  # the chat message it became
    outcome = models.CharField(max_length=200, blank=True)  # "Sent." / "Queued (position 2)."
    # {"<repository>\n<path>": sha256 of that file's diff} when it was sent; None if unknown.
    diff_snapshot = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "replica_id"],
                condition=models.Q(state="draft"),
                name="reviews_one_draft_per_user_and_replica",
            )
        ]

    def __str__(self) -> str:
        return f"{self.state} review of {self.replica_id} by {self.user_id}"


class Comment(models.Model):
    GENERAL = "general"
    FILE = "file"
    LINES = "lines"
    CANVAS = "canvas"
    KINDS = ((GENERAL, "General"), (FILE, "File"), (LINES, "Lines"), (CANVAS, "Canvas item"))
    SIDES = (("new", "New"), ("old", "Old"))

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    kind = models.CharField(max_length=8, choices=KINDS)
    body = models.TextField()
    # Diff anchors: the file, the side its line numbers count on, the range, the code quoted.
    repository = models.CharField(max_length=255, blank=True)
    path = models.CharField(max_length=1024, blank=True)
    side = models.CharField(max_length=3, choices=SIDES, blank=True)
    start_line = models.PositiveIntegerField(null=True, blank=True)
    end_line = models.PositiveIntegerField(null=True, blank=True)
    quote = models.TextField(blank=True)
    # Canvas anchors: the item, the Markdown block (0-based, None: the whole item), and a
    # media timestamp in seconds.
    canvas_item = models.CharField(max_length=255, blank=True)
    paragraph = models.PositiveIntegerField(null=True, blank=True)
    timestamp = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} comment {self.pk}"


class ViewedFile(models.Model):
    """A file marked viewed, with the hash of its diff then: a different diff unmarks it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    replica_id = models.UUIDField()
    repository = models.CharField(max_length=255)
    path = models.CharField(max_length=1024)
    digest = models.CharField(max_length=64)
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "replica_id", "repository", "path"],
                name="reviews_viewed_file_once",
            )
        ]
        indexes = [models.Index(fields=["user", "replica_id"])]

    def __str__(self) -> str:
        return f"{self.repository}:{self.path} viewed by {self.user_id}"
