"""Response types for operations whose schema is inline in the spec (or absent from it)."""

from __future__ import annotations

from . import models
from .base import APIModel


class ListReplicaChatsResponse(APIModel):
    chats: list[models.ReplicaChat]
    waking: bool | None = None


class ListRepositoriesResponse(APIModel):
    repositories: list[models.Repository]


class ListRepositorySetsResponse(APIModel):
    repository_sets: list[models.RepositorySet]


class FireWebhookResponse(APIModel):
    accepted: bool


class WakeReplicaResponse(APIModel):
    """`POST /v1/replica/{id}/wake`: documented in the guide, absent from the spec."""

    success: bool
    waking: bool = False
    status: str | None = None
