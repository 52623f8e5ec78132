"""Emulator area: automations, their executions and the public custom-webhook endpoint.

Visibility follows the guide's key table: org keys see and manage org automations only;
personal keys see org automations plus their own personal (`scope: "user"`) ones; another
user's personal automation is a 404 for everyone else.

Firing an automation (manual trigger, custom webhook, the cron scheduler, or a simulated
GitHub/GitLab/Slack/Sentry event through `POST /_emulator/automation-events`) records an
execution that moves `pending -> creating -> running -> completed` (or `failed`), creating a
replica through `replicas.create_replica_internal` when the replicas area provides it.

The docs' rules: a cron schedule may fire at most once every 60 minutes (a more frequent one
is a 400), and an automation is switched off after 5 consecutive failed runs (a completed run
breaks the run of failures). `POST /_emulator/automations/{id}/fail-run` records failed runs
for tests and demos.

Other areas use `store.automations` (an `AutomationsArea`): `referencing(environment_id)`
lists the automations bound to an environment (any scope).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .env_validation import (
    MISSING,
    Fields,
    bad,
    body_object,
    endpoint,
    is_uuid,
    principal,
    string_list,
)
from .http import ApiError, iso, new_id, now, ok, paginate
from .state import DEMO_ORG_ID, Principal, Store

log = logging.getLogger("portal.emulator.automations")

TRIGGER_TYPES = ("cron", "github", "gitlab", "slack", "sentry", "custom")
EVENTS = {
    "github": (
        "pull_request.opened",
        "pull_request.synchronize",
        "pull_request.merged",
        "pull_request.closed",
        "pull_request.command",
    ),
    "gitlab": (
        "merge_request.opened",
        "merge_request.updated",
        "merge_request.merged",
        "merge_request.closed",
    ),
    "slack": ("message",),
    "sentry": ("event_alert.triggered", "issue.created", "error.created"),
}
SENTRY_LEVELS = ("debug", "info", "warning", "error", "fatal")
LIFECYCLE = ("default", "archive_when_done", "sleep_when_done", "delete_after_inactivity")
SIZES = ("small", "large")
PROVIDERS = ("claude", "codex", "cursor", "opencode", "pi")
THINKING = ("low", "medium", "high", "xhigh", "max", "ultra", "ultracode")
EXECUTION_STATUSES = ("pending", "creating", "running", "completed", "failed")
MODEL_PATTERNS = {
    "claude": re.compile(r"^((opus|sonnet|haiku)(-[\d.]+)?(\[1m\])?|claude-[\w.\-\[\]]+)$"),
    "codex": re.compile(r"^(gpt-[\w.\-]+|o\d[\w.\-]*|codex[\w.\-]*)$"),
    "cursor": re.compile(
        r"^(auto|composer-[\w.\-]+|gpt-[\w.\-]+|claude-[\w.\-]+|(opus|sonnet)[\w.\-]*|"
        r"gemini-[\w.\-]+|grok-[\w.\-]+)$"
    ),
    "opencode": re.compile(r"^[\w.\-]+/[\w.\-:\[\]]+$"),
    "pi": re.compile(r"^\S+$"),
}
CRON_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# The vendor's automation docs: a cron schedule may fire at most once every 60 minutes.
MIN_CRON_INTERVAL_MINUTES = 60
# The vendor's automation docs: an automation is switched off after this many failed runs in a row.
MAX_CONSECUTIVE_FAILURES = 5
WEBHOOK_MAX_BYTES = 256 * 1024
AUTOMATION_LIMIT = 500
# Options replicas.create_replica_internal documents for its **options.
REPLICA_OPTIONS = frozenset(
    {"coding_agent", "model", "thinking_level", "lifecycle_policy", "size", "config",
     "plan_mode", "goal_mode", "fast_mode"}
)  # fmt: skip
DEFAULT_CONFIG = {
    "capabilities": {"pr_followups": False},
    "preferences": {"keep_open_on_pr_merge": False, "keep_open_on_pr_close": False},
}


# =========================================================================================
# Cron
# =========================================================================================
def parse_cron(schedule: str, timezone: str) -> tuple[str, ZoneInfo]:
    expression = CRON_MACROS.get(schedule.strip().lower(), schedule.strip())
    if len(expression.split()) != 5:
        raise bad(
            f"Invalid cron expression {schedule!r}: expected 5 fields "
            "(minute hour day-of-month month day-of-week)."
        )
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise bad(f"Unknown timezone {timezone!r}: use an IANA name like Europe/Paris.") from None
    try:
        CronSim(expression, datetime.now(zone))
    except CronSimError as exc:
        raise bad(f"Invalid cron expression {schedule!r}: {exc}.") from None
    return expression, zone


def shortest_interval(expression: str) -> int | None:
    """The fewest minutes between two runs of a (valid, 5-field) expression, or None when it
    runs at most once a day: the day's times are minute x hour, and the step across midnight
    counts when two consecutive days can both match."""
    sim = CronSim(expression, datetime(2000, 1, 1))
    times = sorted(h * 60 + m for h in sim.hours for m in sim.minutes)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    wrap = 1440 - times[-1] + times[0]
    if wrap < 1440:
        day, previous = datetime(2001, 1, 1).date(), False
        for _ in range(4 * 366):  # four years cover every weekday and leap-year pattern
            matches = day.month in sim.months and sim.match_day(day)
            if matches and previous:
                gaps.append(wrap)
                break
            previous = matches
            day += timedelta(days=1)
    return min(gaps) if gaps else None


def check_interval(schedule: str, expression: str) -> None:
    gap = shortest_interval(expression)
    if gap is not None and gap < MIN_CRON_INTERVAL_MINUTES:
        raise bad(
            f"Cron schedule {schedule!r} runs every {gap} minute(s) at times; automations may "
            f"run at most once every {MIN_CRON_INTERVAL_MINUTES} minutes."
        )


def next_fire(schedule: str, timezone: str, after: datetime | None = None) -> datetime | None:
    try:
        expression, zone = parse_cron(schedule, timezone)
    except ApiError:
        return None
    start = (after or now()).astimezone(zone)
    try:
        return next(CronSim(expression, start)).astimezone(UTC)
    except (StopIteration, CronSimError):
        return None


# =========================================================================================
# Validation
# =========================================================================================
def _known_repository(store: Store, repo_id: str) -> bool:
    envs = store.environments
    return envs is None or envs.find_repository(repo_id) is not None


def _uuid_list(store: Store, value: Any, name: str) -> list[str]:
    items = string_list(value, name, item_check=is_uuid)
    for item in items:
        if not _known_repository(store, item):
            raise bad(f"`{name}` names an unknown repository: {item}.")
    return [str(uuid.UUID(i)) for i in items]


def validate_triggers(store: Store, raw: Any) -> list[dict]:
    if not isinstance(raw, list):
        raise bad("`triggers` must be an array.")
    if not raw:
        raise bad("`triggers` needs at least one trigger.")
    triggers: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(raw):
        where = f"triggers[{index}]"
        if not isinstance(item, dict):
            raise bad(f"`{where}` must be an object.")
        ttype = item.get("type")
        if ttype not in TRIGGER_TYPES:
            raise bad(f"`{where}.type` must be one of: {', '.join(TRIGGER_TYPES)}.")
        if "config" not in item:
            raise bad(f"`{where}.config` is required.")
        raw_config = item["config"]
        if not isinstance(raw_config, dict):
            raise bad(f"`{where}.config` must be an object.")
        cfg = Fields(raw_config)
        config: dict[str, Any] = {}
        if ttype == "cron":
            schedule = cfg.string("schedule", required=True, non_empty=True)
            timezone = cfg.string("timezone", non_empty=True)
            timezone = "UTC" if timezone is MISSING else timezone.strip()
            expression, _zone = parse_cron(schedule, timezone)
            check_interval(schedule, expression)
            config = {"schedule": schedule.strip(), "timezone": timezone}
            key = ("cron", "")
        elif ttype == "custom":
            key = ("custom", "")
        else:
            event = cfg.enum("event", EVENTS[ttype], required=True)
            config = {"event": event}
            key = ("event", event)
            if ttype in ("github", "gitlab"):
                if cfg.has("repository_ids"):
                    config["repository_ids"] = _uuid_list(
                        store, raw_config["repository_ids"], f"{where}.config.repository_ids"
                    )
                group = cfg.boolean("group_pr_events")
                if group is not MISSING:
                    config["group_pr_events"] = group
                if cfg.has("excluded_actors"):
                    config["excluded_actors"] = string_list(
                        raw_config["excluded_actors"], f"{where}.config.excluded_actors"
                    )
            elif ttype == "slack":
                if cfg.has("channel_ids"):
                    config["channel_ids"] = string_list(
                        raw_config["channel_ids"], f"{where}.config.channel_ids"
                    )
                group = cfg.boolean("group_thread_replies")
                config["group_thread_replies"] = True if group is MISSING else group
            elif ttype == "sentry":
                if cfg.has("project_slugs"):
                    config["project_slugs"] = string_list(
                        raw_config["project_slugs"], f"{where}.config.project_slugs"
                    )
                level = cfg.enum("min_level", SENTRY_LEVELS)
                if level is not MISSING:
                    config["min_level"] = level
        if key in seen:
            what = "cron trigger" if key[0] == "cron" else f"trigger for {key[1] or ttype}"
            raise bad(f"Duplicate triggers: at most one {what} is allowed.")
        seen.add(key)
        triggers.append({"type": ttype, "config": config})
    return triggers


def _check_environment(
    store: Store, who: Principal, env_id: str, *, personal: bool, triggers: list[dict]
) -> dict:
    envs = store.environments
    env = envs.get(env_id) if envs is not None else None
    if env is None or not envs.visible(env, who):
        raise bad(f"Environment {env_id} not found.")
    if env["user_id"] is not None and not personal:
        raise bad("Org automations cannot run in a personal environment.")
    needs_repo = any(t["type"] in ("github", "gitlab") for t in triggers)
    if needs_repo and not envs.repositories_for(env["id"]):
        raise bad("GitHub and GitLab triggers need an environment bound to a repository.")
    return env


def _check_agent(provider: Any, model: Any, thinking: Any) -> None:
    if model not in (None, MISSING) and provider in (None, MISSING):
        raise bad("`model` requires `agent_provider`.")
    if model not in (None, MISSING) and not MODEL_PATTERNS[provider].match(model):
        raise bad(f"Model {model!r} is not supported by the {provider} agent.")
    if thinking == "ultra" and provider not in (None, MISSING, "codex"):
        raise bad("Thinking level `ultra` is only available for Codex.")
    if thinking == "ultracode" and provider not in (None, MISSING, "claude"):
        raise bad("Thinking level `ultracode` is only available for Claude Code.")


# =========================================================================================
# State
# =========================================================================================
class AutomationsArea:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.automations: dict[str, dict] = {}
        self.executions: dict[str, list[dict]] = {}
        self.tasks: dict[str, set[asyncio.Task]] = {}
        self.scheduler: asyncio.Task | None = None

    # --- queries ---------------------------------------------------------------------------
    @staticmethod
    def visible(automation: dict, who: Principal) -> bool:
        if automation["user_id"] is None:
            return True
        return not who.is_org and who.user_id == automation["user_id"]

    def referencing(self, env_id: str) -> list[dict]:
        return [self.public(a) for a in self.automations.values() if a["environment_id"] == env_id]

    def by_token(self, token: str) -> dict | None:
        if not token:
            return None
        return next(
            (
                a
                for a in self.automations.values()
                if a["webhook_token"] and secrets.compare_digest(a["webhook_token"], token)
            ),
            None,
        )

    def cron(self, automation: dict) -> dict | None:
        return next((t["config"] for t in automation["triggers"] if t["type"] == "cron"), None)

    def refresh_next_fire(self, automation: dict) -> None:
        cron = self.cron(automation)
        if cron is None or not automation["enabled"]:
            automation["cron_next_fire_at"] = None
        else:
            automation["cron_next_fire_at"] = next_fire(cron["schedule"], cron["timezone"])

    def public(self, a: dict) -> dict[str, Any]:
        cron = self.cron(a)
        return {
            "id": a["id"],
            "organization_id": DEMO_ORG_ID,
            "name": a["name"],
            "description": a["description"],
            "triggers": [{"type": t["type"], "config": dict(t["config"])} for t in a["triggers"]],
            "prompt": a["prompt"],
            "debounce_seconds": a["debounce_seconds"],
            "environment_id": a["environment_id"],
            "enabled": a["enabled"],
            "webhook_token": a["webhook_token"],
            "cron_expression": cron["schedule"] if cron else None,
            "cron_timezone": cron["timezone"] if cron else None,
            "cron_next_fire_at": iso(a["cron_next_fire_at"]),
            "user_id": a["user_id"],
            "created_by": a["created_by"],
            "workspace_lifecycle_policy": a["workspace_lifecycle_policy"],
            "workspace_auto_stop_minutes": a["workspace_auto_stop_minutes"],
            "workspace_size": a["workspace_size"],
            "config": json.loads(json.dumps(a["config"])),
            "agent_provider": a["agent_provider"],
            "model": a["model"],
            "thinking_level": a["thinking_level"],
            "plan_mode": a["plan_mode"],
            "goal_mode": a["goal_mode"],
            "fast_mode": a["fast_mode"],
            "created_at": iso(a["created_at"]),
            "updated_at": iso(a["updated_at"]),
        }

    @staticmethod
    def execution_public(e: dict) -> dict[str, Any]:
        return {
            "id": e["id"],
            "automation_id": e["automation_id"],
            "organization_id": DEMO_ORG_ID,
            "workspace_id": e["workspace_id"],
            "triggered_at": iso(e["triggered_at"]),
            "trigger_payload": e["trigger_payload"],
            "status": e["status"],
            "config": json.loads(json.dumps(e["config"])),
            "error": e["error"],
            "completed_at": iso(e["completed_at"]),
        }

    # --- execution lifecycle -------------------------------------------------------------------
    @property
    def run_s(self) -> float:
        return max(1.0, 4 * self.store.config.prepare_s)

    @property
    def queue_s(self) -> float:
        return min(0.5, 0.2 * self.store.config.prepare_s)

    def new_execution(self, automation: dict, payload: dict, status: str = "pending") -> dict:
        execution = {
            "id": new_id(),
            "automation_id": automation["id"],
            "workspace_id": None,
            "triggered_at": now(),
            "trigger_payload": payload,
            "status": status,
            "config": json.loads(json.dumps(automation["config"])),
            "error": None,
            "completed_at": None,
            "debounce_until": None,
        }
        self.executions.setdefault(automation["id"], []).append(execution)
        return execution

    def message(self, automation: dict, payload: dict) -> str:
        text = automation["prompt"]
        pr = payload.get("pr")
        if pr:
            text += (
                f"\n\n## Pull Request\nRepository {pr['repository_id']}, "
                f"pull request #{pr['number']}."
            )
        body = payload.get("payload")
        if body not in (None, {}):
            text += "\n\n## Trigger Payload\n```json\n" + json.dumps(body, indent=2) + "\n```"
        return text

    def spawn(self, automation_id: str, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        bucket = self.tasks.setdefault(automation_id, set())
        bucket.add(task)
        task.add_done_callback(bucket.discard)

    def fire(self, automation: dict, payload: dict, *, debounce: bool = True) -> dict:
        """Queue an execution (webhook, event, cron): pending now, a replica shortly."""
        window = automation["debounce_seconds"] or 0
        if debounce and window > 0:
            pending = next(
                (
                    e
                    for e in self.executions.get(automation["id"], [])
                    if e["status"] == "pending" and e["debounce_until"] is not None
                ),
                None,
            )
            if pending is not None:
                pending["trigger_payload"] = payload
                pending["triggered_at"] = now()
                pending["debounce_until"] = now() + timedelta(seconds=window)
                return pending
        execution = self.new_execution(automation, payload)
        if debounce and window > 0:
            execution["debounce_until"] = now() + timedelta(seconds=window)
        self.spawn(automation["id"], self._run(automation, execution))
        return execution

    async def start_now(self, automation: dict, payload: dict) -> dict:
        """A manual trigger: the replica is created before the response goes out."""
        execution = self.new_execution(automation, payload, status="creating")
        await self._create(automation, execution)
        if execution["status"] == "running":
            self.spawn(automation["id"], self._finish(execution))
        return execution

    async def _run(self, automation: dict, execution: dict) -> None:
        try:
            await asyncio.sleep(self.queue_s)
            while execution["debounce_until"] is not None and now() < execution["debounce_until"]:
                remaining = (execution["debounce_until"] - now()).total_seconds()
                await asyncio.sleep(max(0.05, min(remaining, 1.0)))
            execution["debounce_until"] = None
            if execution["status"] != "pending":
                return
            execution["status"] = "creating"
            await self._create(automation, execution)
            if execution["status"] == "running":
                await self._finish(execution)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # pragma: no cover - defensive
            log.exception("automation execution crashed")
            self._fail(execution, f"Internal error: {exc}")

    async def _create(self, automation: dict, execution: dict) -> None:
        try:
            execution["workspace_id"] = await self._create_replica(
                automation, self.message(automation, execution["trigger_payload"])
            )
        except ApiError as exc:
            self._fail(execution, f"Could not create the workspace: {exc.details or exc.error}")
            return
        except Exception as exc:
            log.exception("create_replica_internal failed")
            self._fail(execution, f"Could not create the workspace: {exc}")
            return
        execution["status"] = "running"

    async def _finish(self, execution: dict) -> None:
        await asyncio.sleep(self.run_s)
        if execution["status"] != "running":
            return
        replica = self._replica(execution["workspace_id"])
        status = replica.get("status") if isinstance(replica, dict) else None
        if status == "error":
            self._fail(execution, "The workspace failed while the agent was working.")
            return
        execution["status"] = "completed"
        execution["completed_at"] = now()

    def _fail(self, execution: dict, error: str) -> None:
        execution["status"] = "failed"
        execution["error"] = error
        execution["completed_at"] = now()
        self._switch_off_after_failures(execution["automation_id"])

    def consecutive_failures(self, automation_id: str) -> int:
        """Failed runs in a row, newest first (runs still in progress don't break the run)."""
        finished = [
            e
            for e in self.executions.get(automation_id, [])
            if e["status"] in ("completed", "failed")
        ]
        finished.sort(key=lambda e: e["completed_at"] or e["triggered_at"], reverse=True)
        count = 0
        for e in finished:
            if e["status"] != "failed":
                break
            count += 1
        return count

    def _switch_off_after_failures(self, automation_id: str) -> None:
        """The docs: an automation is switched off after 5 consecutive failed runs."""
        automation = self.automations.get(automation_id)
        if automation is None or not automation["enabled"]:
            return
        if self.consecutive_failures(automation_id) >= MAX_CONSECUTIVE_FAILURES:
            log.info("automation %s switched off after failed runs", automation_id)
            automation["enabled"] = False
            automation["updated_at"] = now()
            self.refresh_next_fire(automation)

    def record_failure(self, automation: dict, error: str, payload: dict | None = None) -> dict:
        """A run that failed at once (the control route's simulated failure)."""
        execution = self.new_execution(automation, payload or {"trigger": "cron"}, "creating")
        self._fail(execution, error)
        return execution

    def _replica(self, replica_id: str | None) -> Any:
        getter = getattr(self.store.replicas, "get", None)
        if not replica_id or not callable(getter):
            return None
        try:
            return getter(replica_id)
        except Exception:  # pragma: no cover - defensive
            return None

    async def _create_replica(self, automation: dict, message: str) -> str | None:
        from . import replicas

        create = getattr(replicas, "create_replica_internal", None)
        if create is None:
            return None
        slug = re.sub(r"[^a-z0-9]+", "-", automation["name"].lower()).strip("-")[:40] or "auto"
        kwargs: dict[str, Any] = {
            "name": f"{slug}-{secrets.token_hex(3)}",
            "environment_id": automation["environment_id"],
            "source": "automation",
            "user_id": automation["user_id"],
            "message": message,
        }
        optional = {
            "size": automation["workspace_size"],
            "coding_agent": automation["agent_provider"],
            "model": automation["model"],
            "thinking_level": automation["thinking_level"],
            "config": json.loads(json.dumps(automation["config"])),
            "plan_mode": automation["plan_mode"] or None,
            "goal_mode": automation["goal_mode"],
            "fast_mode": automation["fast_mode"],
            "automation_id": automation["id"],
        }
        lifecycle = {"default": "default", "delete_after_inactivity": "delete_after_inactivity"}
        optional["lifecycle_policy"] = lifecycle.get(automation["workspace_lifecycle_policy"])
        try:
            params = inspect.signature(create).parameters
        except (TypeError, ValueError):  # pragma: no cover
            params = {}
        open_ended = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        for name, value in optional.items():
            if value is not None and (name in params or (open_ended and name in REPLICA_OPTIONS)):
                kwargs[name] = value
        result = create(self.store, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, dict):
            return result.get("id")
        if isinstance(result, str):
            return result
        return getattr(result, "id", None)

    # --- cron scheduler --------------------------------------------------------------------
    def fire_cron(self, automation: dict, scheduled: datetime | None = None) -> dict:
        payload = {"trigger": "cron", "scheduled_for": iso(scheduled or now())}
        execution = self.fire(automation, payload, debounce=False)
        self.refresh_next_fire(automation)
        return execution

    async def run_scheduler(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            t = now()
            for automation in list(self.automations.values()):
                due = automation["cron_next_fire_at"]
                if automation["enabled"] and due is not None and due <= t:
                    self.fire_cron(automation, due)

    def cancel(self, automation_id: str) -> None:
        for task in self.tasks.pop(automation_id, set()):
            task.cancel()


# =========================================================================================
# Routes
# =========================================================================================
def _area(request: Request) -> AutomationsArea:
    return request.app.state.store.automations


def _automation(request: Request) -> dict:
    raw = request.path_params["id"]
    automation = _area(request).automations.get(str(uuid.UUID(raw))) if is_uuid(raw) else None
    if automation is None or not _area(request).visible(automation, principal(request)):
        raise ApiError(404, "Automation not found", f"No automation {raw}.")
    return automation


def _page(request: Request, name: str, default: int, maximum: int | None, strict: bool) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < 1 or (maximum is not None and value > maximum):
        if strict:
            bound = f"between 1 and {maximum}" if maximum else "at least 1"
            raise ApiError(400, "Invalid query parameter", f"{name} must be an integer {bound}.")
        return default if value is None or value < 1 else maximum  # type: ignore[return-value]
    return value


@endpoint(200, 400, 500)
async def list_automations(request: Request) -> Response:
    area = _area(request)
    who = principal(request)
    q = request.query_params
    page = _page(request, "page", 1, None, strict=True)
    limit = _page(request, "limit", 20, 100, strict=True)
    trigger_type = q.get("trigger_type") or "all"
    if trigger_type not in ("all", *TRIGGER_TYPES):
        raise ApiError(400, "Invalid query parameter", f"Unknown trigger_type {trigger_type!r}.")
    enabled_raw = q.get("enabled")
    enabled = None
    if enabled_raw not in (None, ""):
        if enabled_raw.lower() not in ("true", "false"):
            raise ApiError(400, "Invalid query parameter", "enabled must be true or false.")
        enabled = enabled_raw.lower() == "true"
    search = (q.get("search") or "").strip().casefold()
    scope = q.get("scope") or "org"
    if scope not in ("org", "user", "all"):
        raise ApiError(400, "Invalid query parameter", "scope must be org, user or all.")
    items = []
    for a in area.automations.values():
        if not area.visible(a, who):
            continue
        personal = a["user_id"] is not None
        if (scope == "org" and personal) or (scope == "user" and not personal):
            continue
        if trigger_type != "all" and not any(t["type"] == trigger_type for t in a["triggers"]):
            continue
        if enabled is not None and a["enabled"] != enabled:
            continue
        if search and search not in a["name"].casefold():
            continue
        items.append(a)
    items.sort(key=lambda a: a["created_at"], reverse=True)
    page_items, meta = paginate(items, page, limit)
    return ok({"automations": [area.public(a) for a in page_items], **meta})


def _read_settings(body: Fields, *, creating: bool) -> dict[str, Any]:
    """The optional fields shared by create and update (MISSING when absent)."""
    return {
        "description": body.string("description", max_len=2000),
        "prompt": body.string("prompt", required=creating, non_empty=True, max_len=100_000),
        "debounce_seconds": body.integer(
            "debounce_seconds", nullable=True, minimum=0, maximum=86400
        ),
        "enabled": body.boolean("enabled"),
        "workspace_lifecycle_policy": body.enum("workspace_lifecycle_policy", LIFECYCLE),
        "workspace_auto_stop_minutes": body.integer(
            "workspace_auto_stop_minutes", nullable=not creating, minimum=3, maximum=1440
        ),
        "workspace_size": body.enum("workspace_size", SIZES),
        "config": body.obj("config"),
        "agent_provider": body.enum("agent_provider", PROVIDERS, nullable=True),
        "model": body.string("model", nullable=True, non_empty=True),
        "thinking_level": body.enum("thinking_level", THINKING, nullable=True),
        "plan_mode": body.boolean("plan_mode"),
        "goal_mode": body.boolean("goal_mode", nullable=True),
        "fast_mode": body.boolean("fast_mode", nullable=True),
    }


@endpoint(201, 400, 403, 500)
async def create_automation(request: Request) -> Response:
    area = _area(request)
    store = request.app.state.store
    who = principal(request)
    body = await body_object(request)
    name = body.string("name", required=True, non_empty=True, max_len=200).strip()
    scope = body.enum("scope", ("org", "user"))
    scope = "org" if scope is MISSING else scope
    if "triggers" not in body.data:
        raise bad("`triggers` is required.")
    env_id = body.uuid("environment_id", required=True)
    settings = _read_settings(body, creating=True)
    triggers = validate_triggers(store, body.data["triggers"])
    if scope == "user" and who.is_org:
        raise bad("Org API keys cannot create personal automations; use a personal API key.")
    personal = scope == "user"
    _check_environment(store, who, env_id, personal=personal, triggers=triggers)
    provider = settings["agent_provider"]
    _check_agent(provider, settings["model"], settings["thinking_level"])
    if len(area.automations) >= AUTOMATION_LIMIT:
        raise ApiError(403, "Forbidden", "Automation limit reached for the current plan.")
    t = now()

    def value(key: str, default: Any) -> Any:
        return default if settings[key] is MISSING else settings[key]

    automation = {
        "id": new_id(),
        "name": name,
        "description": value("description", None),
        "triggers": triggers,
        "prompt": settings["prompt"],
        "debounce_seconds": value("debounce_seconds", None),
        "environment_id": env_id,
        "enabled": value("enabled", True),
        "user_id": who.user_id if personal else None,
        "created_by": who.user_id,
        "webhook_token": _token() if any(t["type"] == "custom" for t in triggers) else None,
        "cron_next_fire_at": None,
        "workspace_lifecycle_policy": value("workspace_lifecycle_policy", "default"),
        "workspace_auto_stop_minutes": value("workspace_auto_stop_minutes", None),
        "workspace_size": value("workspace_size", "small"),
        "config": value("config", json.loads(json.dumps(DEFAULT_CONFIG))),
        "agent_provider": value("agent_provider", None),
        "model": value("model", None),
        "thinking_level": value("thinking_level", None),
        "plan_mode": value("plan_mode", False),
        "goal_mode": value("goal_mode", None),
        "fast_mode": value("fast_mode", None),
        "created_at": t,
        "updated_at": t,
    }
    area.refresh_next_fire(automation)
    area.automations[automation["id"]] = automation
    return ok({"automation": area.public(automation)}, 201)


def _token() -> str:
    return "whk_" + secrets.token_urlsafe(24)


@endpoint(200, 404, 500)
async def get_automation(request: Request) -> Response:
    return ok({"automation": _area(request).public(_automation(request))})


@endpoint(200, 400, 404, 500)
async def update_automation(request: Request) -> Response:
    area = _area(request)
    store = request.app.state.store
    who = principal(request)
    automation = _automation(request)
    body = await body_object(request)
    name = body.string("name", non_empty=True, max_len=200)
    env_id = body.uuid("environment_id")
    settings = _read_settings(body, creating=False)
    triggers = validate_triggers(store, body.data["triggers"]) if body.has("triggers") else MISSING
    new_triggers = automation["triggers"] if triggers is MISSING else triggers
    new_env = automation["environment_id"] if env_id is MISSING else env_id
    if env_id is not MISSING or triggers is not MISSING:
        _check_environment(
            store, who, new_env, personal=automation["user_id"] is not None, triggers=new_triggers
        )
    provider = automation["agent_provider"]
    model = automation["model"]
    if settings["agent_provider"] is not MISSING:
        if settings["agent_provider"] != provider and settings["model"] is MISSING:
            model = None  # the old model may not exist for the new provider
        provider = settings["agent_provider"]
    if settings["model"] is not MISSING:
        model = settings["model"]
    thinking = (
        automation["thinking_level"]
        if settings["thinking_level"] is MISSING
        else settings["thinking_level"]
    )
    _check_agent(provider, model, thinking)
    if name is not MISSING:
        automation["name"] = name.strip()
    automation["environment_id"] = new_env
    if triggers is not MISSING:
        has_custom = any(t["type"] == "custom" for t in triggers)
        if not has_custom:
            automation["webhook_token"] = None
        elif automation["webhook_token"] is None:
            automation["webhook_token"] = _token()
        automation["triggers"] = triggers
    for key, value in settings.items():
        if key in ("agent_provider", "model", "thinking_level") or value is MISSING:
            continue
        automation[key] = value
    automation["agent_provider"], automation["model"] = provider, model
    automation["thinking_level"] = thinking
    automation["updated_at"] = now()
    area.refresh_next_fire(automation)
    return ok({"automation": area.public(automation)})


@endpoint(200, 404, 500)
async def delete_automation(request: Request) -> Response:
    area = _area(request)
    automation = _automation(request)
    area.cancel(automation["id"])
    del area.automations[automation["id"]]
    area.executions.pop(automation["id"], None)
    return ok({"success": True})


@endpoint(200, 400, 404, 500)
async def trigger_automation(request: Request) -> Response:
    area = _area(request)
    store = request.app.state.store
    automation = _automation(request)
    body = await body_object(request, required=False)
    payload = body.obj("payload")
    pr = body.obj("pr")
    if not automation["enabled"]:
        raise bad("The automation is disabled; enable it before triggering it.")
    trigger_payload: dict[str, Any] = {"trigger": "manual"}
    if payload is not MISSING:
        trigger_payload["payload"] = payload
    if pr is not MISSING:
        fields = Fields(pr)
        repository_id = fields.uuid("repository_id", required=True)
        number = fields.integer("number", required=True, minimum=1)
        command = next(
            (
                t
                for t in automation["triggers"]
                if t["type"] == "github" and t["config"].get("event") == "pull_request.command"
            ),
            None,
        )
        if command is None:
            raise bad("`pr` needs a GitHub `pull_request.command` trigger on this automation.")
        allowed = command["config"].get("repository_ids") or [
            str(r.get("id"))
            for r in store.environments.repositories_for(automation["environment_id"])
        ]
        if repository_id not in allowed:
            raise bad(f"Repository {repository_id} doesn't match this automation's trigger.")
        trigger_payload["pr"] = {"repository_id": repository_id, "number": number}
    elif area.cron(automation) is None:
        raise bad(
            "Only automations with a cron trigger can be triggered manually (or pass `pr` for "
            "a `pull_request.command` trigger)."
        )
    execution = await area.start_now(automation, trigger_payload)
    return ok({"execution_id": execution["id"], "workspace_id": execution["workspace_id"]})


@endpoint(200, 404, 500)
async def list_executions(request: Request) -> Response:
    area = _area(request)
    automation = _automation(request)
    page = _page(request, "page", 1, None, strict=False)
    limit = _page(request, "limit", 20, 100, strict=False)
    items = sorted(
        area.executions.get(automation["id"], []), key=lambda e: e["triggered_at"], reverse=True
    )
    page_items, meta = paginate(items, page, limit)
    return ok({"executions": [area.execution_public(e) for e in page_items], **meta})


@endpoint(202, 404, 413, 500)
async def fire_webhook(request: Request) -> Response:
    """Unauthenticated: the token in the URL is the credential."""
    area = _area(request)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > WEBHOOK_MAX_BYTES:
        raise ApiError(413, "Payload too large", "Webhook bodies are limited to 256KB.")
    raw = await request.body()
    if len(raw) > WEBHOOK_MAX_BYTES:
        raise ApiError(413, "Payload too large", "Webhook bodies are limited to 256KB.")
    automation = area.by_token(request.path_params["token"])
    if (
        automation is None
        or not automation["enabled"]
        or not any(t["type"] == "custom" for t in automation["triggers"])
    ):
        raise ApiError(404, "Not found", "Webhook not found.")
    if not raw.strip():
        body: Any = {}
    else:
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"raw": raw.decode("utf-8", "replace")}
    area.fire(automation, {"trigger": "custom", "payload": body})
    return ok({"accepted": True}, 202)


# =========================================================================================
# Control routes (no auth): simulated provider events and cron fires, for tests and demos
# =========================================================================================
def _matches(trigger: dict, event: dict) -> bool:
    config = trigger["config"]
    if trigger["type"] != event.get("type") or config.get("event") != event.get("event"):
        return False
    if trigger["type"] in ("github", "gitlab"):
        repos = config.get("repository_ids")
        if repos and event.get("repository_id") not in repos:
            return False
        actor = str(event.get("actor") or "").lstrip("@").casefold()
        excluded = {a.lstrip("@").casefold() for a in config.get("excluded_actors", [])}
        if actor and actor in excluded:
            return False
    if trigger["type"] == "slack":
        channels = config.get("channel_ids")
        if channels and event.get("channel_id") not in channels:
            return False
    if trigger["type"] == "sentry":
        projects = config.get("project_slugs")
        if projects and event.get("project_slug") not in projects:
            return False
        floor = config.get("min_level")
        level = event.get("level")
        if (
            floor
            and level in SENTRY_LEVELS
            and (SENTRY_LEVELS.index(level) < SENTRY_LEVELS.index(floor))
        ):
            return False
    return True


async def control_events(request: Request) -> JSONResponse:
    """`{type, event, repository_id?, actor?, channel_id?, project_slug?, level?, payload?}`:
    fire every enabled automation with a matching trigger."""
    area: AutomationsArea = request.app.state.store.automations
    try:
        event = json.loads(await request.body() or b"{}")
    except ValueError:
        return JSONResponse({"error": "Invalid JSON", "details": None}, status_code=400)
    if not isinstance(event, dict) or event.get("type") not in EVENTS:
        return JSONResponse(
            {"error": "Invalid event", "details": "type: github, gitlab, slack or sentry"},
            status_code=400,
        )
    fired = []
    for automation in list(area.automations.values()):
        if automation["enabled"] and any(_matches(t, event) for t in automation["triggers"]):
            payload = {
                "trigger": event["type"],
                "event": event.get("event"),
                "payload": event.get("payload") or {},
            }
            for key in ("repository_id", "actor", "channel_id", "project_slug", "level"):
                if event.get(key) is not None:
                    payload[key] = event[key]
            execution = area.fire(automation, payload)
            fired.append({"automation_id": automation["id"], "execution_id": execution["id"]})
    return JSONResponse({"fired": fired})


async def control_fire_cron(request: Request) -> JSONResponse:
    area: AutomationsArea = request.app.state.store.automations
    automation = area.automations.get(request.path_params["id"])
    if automation is None or area.cron(automation) is None:
        return JSONResponse(
            {"error": "Not found", "details": "No cron automation with that id."}, status_code=404
        )
    execution = area.fire_cron(automation)
    return JSONResponse({"execution": area.execution_public(execution)})


# =========================================================================================
# Area wiring
# =========================================================================================
async def control_fail_run(request: Request) -> JSONResponse:
    """`{error?, times?}`: record failed runs of an automation (any trigger), as if its
    workspaces couldn't be created; the 5-in-a-row rule applies."""
    area: AutomationsArea = request.app.state.store.automations
    automation = area.automations.get(request.path_params["id"])
    if automation is None:
        return JSONResponse(
            {"error": "Not found", "details": "No automation with that id."}, status_code=404
        )
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JSONResponse({"error": "Invalid JSON", "details": None}, status_code=400)
    error = str(body.get("error") or "Could not create the workspace: simulated failure")
    times = body.get("times", 1)
    if not isinstance(times, int) or not 1 <= times <= 50:
        return JSONResponse({"error": "Invalid times", "details": "1 to 50"}, status_code=400)
    made = [area.execution_public(area.record_failure(automation, error)) for _ in range(times)]
    return JSONResponse(
        {
            "executions": made,
            "enabled": automation["enabled"],
            "consecutive_failures": area.consecutive_failures(automation["id"]),
        }
    )


routes = [
    Route("/v1/automations", list_automations, methods=["GET"]),
    Route("/v1/automations", create_automation, methods=["POST"]),
    Route("/v1/automations/webhook/{token}", fire_webhook, methods=["POST"]),
    Route("/v1/automations/{id}", get_automation, methods=["GET"]),
    Route("/v1/automations/{id}", update_automation, methods=["PATCH"]),
    Route("/v1/automations/{id}", delete_automation, methods=["DELETE"]),
    Route("/v1/automations/{id}/trigger", trigger_automation, methods=["POST"]),
    Route("/v1/automations/{id}/executions", list_executions, methods=["GET"]),
]

control_routes = [
    Route("/_emulator/automation-events", control_events, methods=["POST"]),
    Route("/_emulator/automations/{id}/fire-cron", control_fire_cron, methods=["POST"]),
    Route("/_emulator/automations/{id}/fail-run", control_fail_run, methods=["POST"]),
]


def init(store: Store) -> None:
    store.automations = AutomationsArea(store)


def seed(store: Store) -> None:
    from .seed_automations import seed_automations

    seed_automations(store.automations)


async def startup(store: Store) -> None:
    area: AutomationsArea = store.automations
    if area.scheduler is None:
        area.scheduler = asyncio.get_running_loop().create_task(area.run_scheduler())


async def shutdown(store: Store) -> None:
    area: AutomationsArea = store.automations
    tasks = [t for bucket in area.tasks.values() for t in bucket]
    if area.scheduler is not None:
        tasks.append(area.scheduler)
        area.scheduler = None
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    area.tasks.clear()
