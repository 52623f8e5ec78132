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


class RepositoryWarmHook(APIModel):
    """One bound repository's warm hook from its `replicas.json` / `replicas.yaml`."""

    repository_id: str
    repository_name: str
    file: str | None = None  # the config file that defines it (None: it defines none)
    script: str | None = None


class RepositoryWarmHooksResponse(APIModel):
    """`GET /v1/environments/{id}/warm-hooks/repository-hooks`: in the guide, not the spec."""

    repository_hooks: list[RepositoryWarmHook]


class RepositoryStartHook(APIModel):
    """One bound repository's start hook commands from its `replicas.json` / `.yaml`."""

    repository_id: str
    repository_name: str
    file: str | None = None
    commands: list[str] = []


class RepositoryStartHooksResponse(APIModel):
    """`GET /v1/environments/{id}/start-hooks/repository-hooks`: in the guide, not the spec."""

    repository_hooks: list[RepositoryStartHook]
