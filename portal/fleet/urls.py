from __future__ import annotations

from django.urls import path

from .views import board, usage

app_name = "fleet"

urlpatterns = [
    path("board/", board.board, name="board"),
    path("board/lanes/", board.lanes, name="lanes"),
    path("board/bulk/", board.bulk_action, name="bulk"),
    path("usage/", usage.usage, name="usage"),
    path("usage/<slug:chart>.csv", usage.usage_csv, name="usage_csv"),
]
