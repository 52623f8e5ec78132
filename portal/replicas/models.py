"""What the portal knows that the Replica API doesn't say: who created a replica.

The API's replica objects carry no creator (the spec's ReplicaListItem has none), so every
replica created through the portal is recorded here: the portal user and the kind of key
they acted with. Replicas made elsewhere (the dashboard, Slack, an automation) are described
from what the API does say (`ownership.py`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ReplicaRecord(models.Model):
    replica_id = models.UUIDField(unique=True)
    name = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replicas_created",
    )
    # Kept when the user is deleted, so the list still says who.
    created_by_username = models.CharField(max_length=150, blank=True)
    key_kind = models.CharField(max_length=16, blank=True)  # "personal" or "org"
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.replica_id}) by {self.created_by_username or '?'}"
