"""What the portal keeps that the Replica API doesn't: the history of hook scripts.

The API keeps only saved versions (and shows only the active one). Every script tested or
saved from the portal's hook consoles is kept here, whatever happened to it: who, when, with
which key, which action, the result (exit code, timed out, saved or not), the output and the
progress timeline. The consoles list them, compare any two, and restore any into the editor.
This history is the portal's own: a script tested or saved elsewhere (the dashboard, the
CLI) is not in it.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class HookKind(models.TextChoices):
    WARM = "warm", "Warm hook"
    START = "start", "Start hook"


class HookAction(models.TextChoices):
    TEST = "test", "Test"
    SAVE = "save", "Save"
    SAVE_TEST = "save_test", "Save & test"


class RunState(models.TextChoices):
    PENDING = "pending", "Waiting to start"  # recorded, its stream not opened yet
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"  # the run ended with an exit code (or a save answered)
    FAILED = "failed", "Could not run"  # the sandbox or the API failed: no exit code
    STOPPED = "stopped", "Stopped"  # the viewer stopped it or went away


class HookVersion(models.Model):
    environment_id = models.CharField(max_length=64)
    environment_name = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=8, choices=HookKind.choices)
    action = models.CharField(max_length=16, choices=HookAction.choices)
    content = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hook_versions",
    )
    # Kept when the user is deleted, so the history still says who.
    username = models.CharField(max_length=150, blank=True)
    key_kind = models.CharField(max_length=16, blank=True)  # "personal" or "org"
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=RunState.choices, default=RunState.PENDING)
    exit_code = models.IntegerField(null=True, blank=True)
    timed_out = models.BooleanField(null=True, blank=True)
    # True: it is the active hook now; False: it was not saved; None: the portal can't tell.
    saved = models.BooleanField(null=True, blank=True)
    api_version = models.IntegerField(null=True, blank=True)  # the API's version number, if saved
    via = models.CharField(max_length=16, blank=True)  # "stream", "sync" (fallback) or ""
    note = models.TextField(blank=True)  # what the console said about it, in words
    output = models.TextField(blank=True)
    # The run as it happened: [{"t": seconds since start, "type": "progress"|"output"|"error",
    # "text": ...}], so a stored run's log can be shown again with its timestamps.
    events = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["environment_id", "kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} hook #{self.pk} ({self.action}, {self.state}) by {self.username}"

    @property
    def duration(self) -> timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def passed(self) -> bool:
        return self.state == RunState.FINISHED and self.exit_code == 0 and not self.timed_out

    @property
    def is_live(self) -> bool:
        return self.state in (RunState.PENDING, RunState.RUNNING)

    @property
    def tested(self) -> bool:
        return self.action in (HookAction.TEST, HookAction.SAVE_TEST)
