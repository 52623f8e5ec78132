"""Simulated warm pools: per-environment pools of pre-warmed workspaces.

A pool workspace's status is derived from the clock, so no background task is needed:
`warming` for `warm_s` seconds (the warm hook's output appears line by line), then
`snapshotting` for `snap_s`, then `ready` (or `failed` at the end of warming when the
simulated warm hook fails). `assigned` and `expired` are set explicitly (a replica claimed
it, the pool was disabled or the workspace went stale). Every read reconciles the pool:
failures are counted with exponential backoff, stale workspaces are trimmed and missing
ones spawned up to `target_size`.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import hooks
from .http import iso, new_id, now
from .state import DEMO_ORG_ID

if TYPE_CHECKING:
    from .environments import EnvironmentsArea

TARGET_SIZE = 2
MAX_KEPT = 40
LIST_LIMIT = 10
LIVE = ("warming", "snapshotting", "ready")
TERMINAL = ("ready", "failed", "expired", "assigned")


class WarmPools:
    def __init__(self, area: EnvironmentsArea) -> None:
        self.area = area
        self.configs: dict[str, dict] = {}
        self.by_env: dict[str, str] = {}
        self.workspaces: dict[str, dict] = {}

    # --- timings ------------------------------------------------------------------------
    @property
    def warm_s(self) -> float:
        return max(1.0, 2 * self.area.store.config.prepare_s)

    @property
    def snap_s(self) -> float:
        return max(0.5, self.area.store.config.prepare_s)

    # --- configs --------------------------------------------------------------------------
    def for_env(self, env_id: str) -> dict | None:
        config_id = self.by_env.get(env_id)
        return self.configs.get(config_id) if config_id else None

    def upsert(
        self, env_id: str, enabled: bool, *, target_size: int = TARGET_SIZE, reconcile: bool = True
    ) -> dict:
        config = self.for_env(env_id)
        t = now()
        if config is None:
            config = {
                "id": new_id(),
                "environment_id": env_id,
                "enabled": enabled,
                "target_size": target_size,
                "generation": 1,
                "error_count": 0,
                "next_retry_at": None,
                "last_error_at": None,
                "last_error_message": None,
                "has_base_snapshot": False,
                "updated_at": t,
                "last_failure_at": None,
                "last_failure_reason": None,
            }
            self.configs[config["id"]] = config
            self.by_env[env_id] = config["id"]
        elif config["enabled"] != enabled:
            config["enabled"] = enabled
            config["updated_at"] = t
            if enabled:
                config["error_count"] = 0
                config["next_retry_at"] = None
        if reconcile:
            self.reconcile(config)
        return config

    def invalidate(self, env_id: str | None) -> None:
        """A warm hook changed: bump the generation (all pools for the Global env)."""
        targets = (
            list(self.configs.values())
            if env_id is None or env_id == self.area.global_id
            else [c for c in (self.for_env(env_id),) if c is not None]
        )
        for config in targets:
            config["generation"] += 1
            config["has_base_snapshot"] = False
            config["error_count"] = 0
            config["next_retry_at"] = None
            config["updated_at"] = now()
            self.reconcile(config)

    def remove_env(self, env_id: str) -> None:
        config_id = self.by_env.pop(env_id, None)
        if config_id is None:
            return
        self.configs.pop(config_id, None)
        for ws_id in [w["id"] for w in self.workspaces.values() if w["config_id"] == config_id]:
            del self.workspaces[ws_id]

    # --- workspaces -------------------------------------------------------------------------
    def spawn(
        self,
        config: dict,
        *,
        created_at: datetime | None = None,
        generation: int | None = None,
        forced: str | None = None,
        script: str | None = None,
    ) -> dict:
        if script is None:
            script = self.area.effective_warm_script(config["environment_id"])
        run = hooks.simulate(script)
        if run.sandbox_error:
            error = run.sandbox_error
        elif run.timed_out:
            error = f"Warm hook timed out after {hooks.TIMEOUT_SECONDS}s"
        elif run.exit_code:
            error = f"Warm hook exited with code {run.exit_code}"
        else:
            error = None
        ws = {
            "id": new_id(),
            "config_id": config["id"],
            "sandbox_id": "sbx_" + secrets.token_hex(8),
            "generation": config["generation"] if generation is None else generation,
            "created_at": created_at or now(),
            "warm_s": self.warm_s,
            "snap_s": self.snap_s,
            "failed": error is not None,
            "error_message": error,
            "lines": run.lines,
            "forced": forced,
            "accounted": forced is not None,
        }
        self.workspaces[ws["id"]] = ws
        return ws

    def status(self, ws: dict, t: datetime | None = None) -> str:
        if ws["forced"]:
            return ws["forced"]
        elapsed = ((t or now()) - ws["created_at"]).total_seconds()
        if elapsed < ws["warm_s"]:
            return "warming"
        if ws["failed"]:
            return "failed"
        if elapsed < ws["warm_s"] + ws["snap_s"]:
            return "snapshotting"
        return "ready"

    def _of(self, config: dict) -> list[dict]:
        items = [w for w in self.workspaces.values() if w["config_id"] == config["id"]]
        return sorted(items, key=lambda w: w["created_at"])

    def reconcile(self, config: dict) -> None:
        t = now()
        items = self._of(config)
        for ws in items:
            if ws["accounted"]:
                continue
            status = self.status(ws, t)
            ended = ws["created_at"] + timedelta(seconds=ws["warm_s"])
            if status == "failed":
                ws["accounted"] = True
                config["error_count"] += 1
                backoff = min(60.0, self.warm_s * 2 ** min(config["error_count"], 6))
                config["next_retry_at"] = ended + timedelta(seconds=backoff)
                config["last_error_at"] = ended
                config["last_error_message"] = f"Warm-up failed: {ws['error_message']}"
                config["last_failure_at"] = ended
                config["last_failure_reason"] = ws["error_message"]
            elif status in ("ready", "assigned"):
                ws["accounted"] = True
                if ws["generation"] == config["generation"]:
                    config["has_base_snapshot"] = True
                config["error_count"] = 0
                config["next_retry_at"] = None
                config["last_error_at"] = None
                config["last_error_message"] = None
        if not config["enabled"]:
            for ws in items:
                if self.status(ws, t) in LIVE:
                    ws["forced"] = "expired"
            return
        for ws in items:
            if ws["generation"] < config["generation"] and self.status(ws, t) in (
                "warming",
                "snapshotting",
            ):
                ws["forced"] = "expired"
        current = [
            w
            for w in items
            if w["generation"] == config["generation"] and self.status(w, t) in LIVE
        ]
        current_ready = [w for w in current if self.status(w, t) == "ready"]
        stale = [
            w
            for w in items
            if w["generation"] < config["generation"] and self.status(w, t) == "ready"
        ]
        excess = len(current_ready) + len(stale) - config["target_size"]
        for ws in stale[: max(0, excess)]:
            ws["forced"] = "expired"
        retry_at = config["next_retry_at"]
        if len(current) < config["target_size"] and (retry_at is None or t >= retry_at):
            for _ in range(config["target_size"] - len(current)):
                self.spawn(config)
        items = self._of(config)
        if len(items) > MAX_KEPT:
            for ws in items[: len(items) - MAX_KEPT]:
                if self.status(ws, t) in ("failed", "expired", "assigned"):
                    del self.workspaces[ws["id"]]

    def claim(self, env_id: str) -> dict | None:
        """A replica takes a ready workspace (current generation first, then stale)."""
        config = self.for_env(env_id)
        if config is None or not config["enabled"]:
            return None
        self.reconcile(config)
        t = now()
        ready = [w for w in self._of(config) if self.status(w, t) == "ready"]
        ready.sort(key=lambda w: (w["generation"] != config["generation"], w["created_at"]))
        if not ready:
            return None
        ready[0]["forced"] = "assigned"
        self.reconcile(config)
        return self.workspace_public(ready[0])

    # --- public shapes ---------------------------------------------------------------------
    def config_public(self, config: dict) -> dict[str, Any]:
        t = now()
        counts = {"ready": 0, "stale": 0, "warming": 0, "snapshotting": 0}
        for ws in self._of(config):
            status = self.status(ws, t)
            if ws["generation"] == config["generation"]:
                if status in ("ready", "warming", "snapshotting"):
                    counts[status] += 1
            elif status == "ready":
                counts["stale"] += 1
        return {
            "id": config["id"],
            "organization_id": DEMO_ORG_ID,
            "environment_id": config["environment_id"],
            "enabled": config["enabled"],
            "target_size": config["target_size"],
            "generation": config["generation"],
            "error_count": config["error_count"],
            "next_retry_at": iso(config["next_retry_at"]),
            "last_error_at": iso(config["last_error_at"]),
            "last_error_message": config["last_error_message"],
            "has_base_snapshot": config["has_base_snapshot"],
            "updated_at": iso(config["updated_at"]),
            "ready_count": counts["ready"],
            "stale_count": counts["stale"],
            "warming_count": counts["warming"],
            "snapshotting_count": counts["snapshotting"],
            "last_failure_at": iso(config["last_failure_at"]),
            "last_failure_reason": config["last_failure_reason"],
        }

    def workspace_public(self, ws: dict) -> dict[str, Any]:
        status = self.status(ws)
        return {
            "id": ws["id"],
            "organization_id": DEMO_ORG_ID,
            "warm_pool_config_id": ws["config_id"],
            "sandbox_id": ws["sandbox_id"],
            "status": status,
            "generation": ws["generation"],
            "error_message": ws["error_message"] if status == "failed" else None,
            "created_at": iso(ws["created_at"]),
        }

    def list_public(self, config_id: str) -> list[dict]:
        config = self.configs.get(config_id)
        if config is None:
            return []
        self.reconcile(config)
        items = sorted(self._of(config), key=lambda w: w["created_at"], reverse=True)
        return [self.workspace_public(w) for w in items[:LIST_LIMIT]]

    # --- the live stream ------------------------------------------------------------------
    @staticmethod
    def _output(ws: dict, sent: int, horizon: float) -> list[dict]:
        """Output lines after index `sent` printed by `horizon` seconds into warming."""
        lines = ws["lines"]
        events = []
        for index in range(sent + 1, len(lines)):
            due = ws["warm_s"] * (index + 1) / (len(lines) + 1)
            if due > horizon:
                break
            events.append({"type": "output", "id": f"o:{index}", "output": lines[index] + "\n"})
        return events

    async def stream(self, ws_id: str, last_event_id: str | None) -> AsyncIterator[dict]:
        sent = -1
        if last_event_id and last_event_id.startswith("o:"):
            try:
                sent = int(last_event_id[2:])
            except ValueError:
                sent = -1
        last_status: str | None = None
        tick = min(0.1, self.warm_s / 20)
        while True:
            ws = self.workspaces.get(ws_id)
            if ws is None:
                yield {"type": "error", "message": "The warm pool workspace no longer exists."}
                return
            config = self.configs.get(ws["config_id"])
            if config is not None:
                self.reconcile(config)
            t = now()
            status = self.status(ws, t)
            elapsed = (t - ws["created_at"]).total_seconds()
            if last_status == "warming" and status != "warming":
                # The sandbox stopped: flush what it printed before it was suspended.
                for event in self._output(ws, sent, ws["warm_s"]):
                    sent += 1
                    yield event
            if status != last_status and status in ("warming", "snapshotting"):
                yield {"type": "status", "id": f"s:{status}", "status": status}
            if status == "warming":
                for event in self._output(ws, sent, elapsed):
                    sent += 1
                    yield event
            last_status = status
            if status in TERMINAL:
                yield {"type": "complete", "id": "c", "workspace": self.workspace_public(ws)}
                return
            await asyncio.sleep(tick)
