from __future__ import annotations

from django.apps import AppConfig


class ReplicasConfig(AppConfig):
    name = "portal.replicas"
    label = "replicas"
