"""The warm-hook and start-hook consoles, their versions and the warm pool (included by
`urls.py` under the `environments` namespace)."""

from __future__ import annotations

urlpatterns: list = []
