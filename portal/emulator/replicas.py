"""Emulator area: replicas (placeholder until built)."""

from __future__ import annotations

routes: list = []


def init(store) -> None:
    pass


def seed(store) -> None:
    pass
