"""Webhooks from the Replica API, and the notifications they become.

- `ReplicaHook`: the portal's webhook for one replica it created: a random token in the URL
  the API POSTs to, and the replica's own HMAC secret (encrypted like API keys). A replica
  created with the user's own webhook is recorded too (kind OWN, no secret): the portal gets
  no events for it.
- `Delivery`: every POST the receiver got, with its verdict (the admin page lists them).
- `Event`: every event the portal accepted (from a webhook, from polling the API, or a test),
  stored before it is processed; its id is the replay guard.
- `KnownReplica`: what the portal knows of a replica's state, and as of when, so events
  arriving out of order never move it backwards.
- `Follow`, `Notification`, `Preferences`: who is told what, and how.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.lib import crypto

READY = "replica.ready"
TURN_COMPLETED = "replica.turn_completed"
DELETED = "replica.deleted"
ERROR = "replica.error"
TEST = "portal.test"
EVENT_TYPES = (READY, TURN_COMPLETED, ERROR, DELETED)


class HookKind(models.TextChoices):
    PORTAL = "portal", "the portal's webhook"
    OWN = "own", "the creator's own webhook"
    TEST = "test", "test events"


class ReplicaHook(models.Model):
    token = models.CharField(max_length=64, unique=True)
    # Set once the create answered (or by the first verified delivery, if that came first).
    replica_id = models.UUIDField(null=True, blank=True)
    kind = models.CharField(max_length=8, choices=HookKind.choices, default=HookKind.PORTAL)
    secret_ciphertext = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["replica_id"],
                condition=Q(replica_id__isnull=False),
                name="webhooks_one_hook_per_replica",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} hook for {self.replica_id or '(not created yet)'}"

    def set_secret(self, plaintext: str) -> None:
        self.secret_ciphertext = crypto.encrypt(plaintext)

    def secret(self) -> str:
        """The plaintext secret. Raises crypto.DecryptionError, never returns ciphertext."""
        return crypto.decrypt(self.secret_ciphertext)


class Verdict(models.TextChoices):
    VALID = "valid", "valid"
    DUPLICATE = "duplicate", "duplicate"
    BAD_SIGNATURE = "bad_signature", "bad signature"
    UNSIGNED = "unsigned", "unsigned"
    UNKNOWN_REPLICA = "unknown_replica", "unknown replica"
    STALE = "stale", "stale"
    TOO_LARGE = "too_large", "too large"
    MALFORMED = "malformed", "not a JSON event"


class EventSource(models.TextChoices):
    WEBHOOK = "webhook", "webhook"
    POLL = "poll", "polling the API"
    TEST = "test", "test event"


class Event(models.Model):
    event_id = models.CharField(max_length=128, unique=True)
    type = models.CharField(max_length=64)
    replica_id = models.UUIDField(null=True, blank=True, db_index=True)
    replica_name = models.CharField(max_length=255, blank=True)
    # The event's own (signed) time: it decides the order of a replica's states.
    created_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=8, choices=EventSource.choices)
    payload = models.JSONField(default=dict)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    outcome = models.CharField(max_length=255, blank=True)  # what processing did, in words

    class Meta:
        indexes = [models.Index(fields=["processed_at", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class Delivery(models.Model):
    """One POST to the receiver (a retry of a delivery is another row with its id)."""

    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivery_id = models.CharField(max_length=128, blank=True, db_index=True)
    event_id = models.CharField(max_length=128, blank=True)
    event_type = models.CharField(max_length=64, blank=True)
    replica_id = models.CharField(max_length=64, blank=True, db_index=True)
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    status_code = models.PositiveSmallIntegerField()
    detail = models.CharField(max_length=255, blank=True)
    body_bytes = models.PositiveIntegerField(default=0)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    stored_event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id or '(no delivery id)'}: {self.verdict}"


class KnownReplica(models.Model):
    replica_id = models.UUIDField(unique=True)
    name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, blank=True)
    # The time of the event (or the poll) that set `status`: older news never overrides it.
    status_at = models.DateTimeField(null=True, blank=True)
    pr_urls = models.JSONField(default=list)
    chats = models.JSONField(default=dict)  # chat id -> its updated_at at the last poll
    polled_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)  # compare-and-set between processes

    def __str__(self) -> str:
        return f"{self.name or self.replica_id}: {self.status or '?'}"


class Follow(models.Model):
    """A user following a replica (or, `following` False, the creator muting their own)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="replica_follows"
    )
    replica_id = models.UUIDField()
    following = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "replica_id"], name="webhooks_one_follow")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {'follows' if self.following else 'mutes'} {self.replica_id}"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event_id = models.CharField(max_length=128)
    kind = models.CharField(max_length=64)
    replica_id = models.UUIDField(null=True, blank=True)
    replica_name = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    links = models.JSONField(default=list)  # pull request URLs
    chat_id = models.CharField(max_length=64, blank=True)
    desktop = models.BooleanField(default=False)  # the user wanted this one on the desktop too
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event_id"], name="webhooks_one_per_event")
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"to {self.user_id}: {self.title}"

    @property
    def unread(self) -> bool:
        return self.read_at is None

    @property
    def short_kind(self) -> str:
        """ "ready", "turn_completed", "error", "deleted": for CSS classes."""
        return self.kind.rsplit(".", 1)[-1]

    @property
    def pr_links(self) -> list[tuple[str, str]]:
        """(url, label): "o/r#482" for a GitHub-style pull request URL, else the URL."""
        out = []
        for url in self.links or []:
            parts = url.split("/")
            if len(parts) >= 7 and parts[5] in ("pull", "pulls", "merge_requests"):
                out.append((url, f"{parts[3]}/{parts[4]}#{parts[6]}"))
            else:
                out.append((url, url))
        return out


class How(models.TextChoices):
    """How a user is told of one kind of event."""

    OFF = "off", "Don't notify"
    PORTAL = "portal", "In the portal"
    DESKTOP = "desktop", "In the portal and on the desktop"


class Preferences(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    ready = models.CharField(max_length=8, choices=How.choices, default=How.DESKTOP)
    turn_completed = models.CharField(max_length=8, choices=How.choices, default=How.DESKTOP)
    error = models.CharField(max_length=8, choices=How.choices, default=How.DESKTOP)
    deleted = models.CharField(max_length=8, choices=How.choices, default=How.PORTAL)

    FIELD_BY_TYPE = {
        READY: "ready",
        TURN_COMPLETED: "turn_completed",
        ERROR: "error",
        DELETED: "deleted",
    }

    def __str__(self) -> str:
        return f"notification preferences of {self.user_id}"

    def how(self, event_type: str) -> str:
        field = self.FIELD_BY_TYPE.get(event_type)
        return getattr(self, field) if field else How.OFF
