"""The demo organisation's automations and their execution history (seeded emulator).

Ids are deterministic: `automation_uuid(name)` for the automations below; seeded executions
point at workspaces `uuid5("replica-emulator/replica/<automation>-<n>")`.

| name                     | scope          | trigger(s)                        | enabled |
|--------------------------|----------------|-----------------------------------|---------|
| nightly-dependency-audit | org            | cron `0 3 * * *` UTC              | yes     |
| pr-review                | org            | github opened + synchronize       | yes     |
| pr-command               | org            | github pull_request.command       | yes     |
| mr-review                | org            | gitlab merge_request.opened       | yes     |
| slack-triage             | org            | slack message (channel filter)    | yes     |
| sentry-autofix           | org            | sentry issue.created (>= error)   | no      |
| deploy-notes             | org            | custom webhook                    | yes     |
| ada-daily-standup        | Ada (personal) | cron `0 9 * * 1-5` New York       | yes     |
| grace-weekly-cleanup     | Grace (personal)| cron `0 17 * * 5` + custom       | yes     |
| flaky-e2e-suite          | org            | cron `0 6 * * 1-5` UTC            | yes     |
| docs-sync                | org            | cron `0 2 * * 0` UTC              | no      |

flaky-e2e-suite's last 3 runs failed (a warning: 2 more and it is switched off); docs-sync
was switched off after 5 failed runs in a row (the docs' rule, which the emulator applies).

Executions cover every status: pending, creating, running, completed and failed. The
oldest nightly-dependency-audit run points at the replicas area's seeded
`dependency-upgrades-may` replica; the other workspace ids are not seeded replicas.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .http import now
from .state import DEMO_USERS

if TYPE_CHECKING:
    from .automations import AutomationsArea

ADA = DEMO_USERS[0]["id"]
GRACE = DEMO_USERS[1]["id"]
DEPLOY_NOTES_TOKEN = "whk_demo_deploy_notes_0123456789abcdef"
GRACE_TOKEN = "whk_demo_grace_cleanup_0123456789abcd"


def automation_uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"replica-emulator/automation/{name}"))


def workspace_uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"replica-emulator/replica/{name}"))


def seed_automations(area: AutomationsArea) -> None:
    from .automations import DEFAULT_CONFIG
    from .environments import environment_uuid, repository_uuid

    web = environment_uuid("web")
    platform = environment_uuid("platform")
    ada_web = environment_uuid("ada-web")
    scratch = environment_uuid("scratch")

    def automation(
        name: str,
        env: str,
        triggers: list[dict],
        prompt: str,
        *,
        description: str | None = None,
        user_id: str | None = None,
        created_by: str | None = None,
        enabled: bool = True,
        token: str | None = None,
        age_days: int = 14,
        **settings: Any,
    ) -> dict:
        created = now() - timedelta(days=age_days)
        record = {
            "id": automation_uuid(name),
            "name": name,
            "description": description,
            "triggers": triggers,
            "prompt": prompt,
            "debounce_seconds": None,
            "environment_id": env,
            "enabled": enabled,
            "user_id": user_id,
            "created_by": created_by if created_by is not None else user_id,
            "webhook_token": token,
            "cron_next_fire_at": None,
            "workspace_lifecycle_policy": "default",
            "workspace_auto_stop_minutes": None,
            "workspace_size": "small",
            "config": json.loads(json.dumps(DEFAULT_CONFIG)),
            "agent_provider": None,
            "model": None,
            "thinking_level": None,
            "plan_mode": False,
            "goal_mode": None,
            "fast_mode": None,
            "created_at": created,
            "updated_at": created + timedelta(days=1),
        }
        record.update(settings)
        area.refresh_next_fire(record)
        area.automations[record["id"]] = record
        return record

    def runs(
        record: dict,
        history: list[tuple[str, float, dict | None, str | None]],
        workspaces: dict[int, str] | None = None,
    ) -> None:
        """history: (status, hours ago, payload, error), oldest first; `workspaces` names
        seeded replicas (by index) that an execution created."""
        for index, (status, hours_ago, payload, error) in enumerate(history, start=1):
            triggered = now() - timedelta(hours=hours_ago)
            has_workspace = status in ("running", "completed") or (
                status == "failed" and error and "agent" in error
            )
            name = (workspaces or {}).get(index, f"{record['name']}-{index}")
            area.executions.setdefault(record["id"], []).append(
                {
                    "id": str(
                        uuid.uuid5(
                            uuid.NAMESPACE_URL,
                            f"replica-emulator/automation-execution/{record['name']}/{index}",
                        )
                    ),
                    "automation_id": record["id"],
                    "workspace_id": (workspace_uuid(name) if has_workspace else None),
                    "triggered_at": triggered,
                    "trigger_payload": payload or {"trigger": "cron"},
                    "status": status,
                    "config": json.loads(json.dumps(record["config"])),
                    "error": error,
                    "completed_at": (
                        triggered + timedelta(minutes=12)
                        if status in ("completed", "failed")
                        else None
                    ),
                    "debounce_until": None,
                }
            )

    def cron(schedule: str, timezone: str = "UTC") -> dict:
        return {"type": "cron", "config": {"schedule": schedule, "timezone": timezone}}

    def cron_payload(hours_ago: float) -> dict:
        return {"trigger": "cron", "scheduled_for": _iso_hours_ago(hours_ago)}

    audit = automation(
        "nightly-dependency-audit",
        web,
        [cron("0 3 * * *")],
        "Audit dependencies for known vulnerabilities and open a PR with safe upgrades.",
        description="Runs every night at 03:00 UTC",
        workspace_lifecycle_policy="archive_when_done",
        agent_provider="claude",
        model="sonnet",
        thinking_level="high",
        age_days=30,
    )
    runs(
        audit,
        [
            # The replicas area seeds this run's workspace: "dependency-upgrades-may".
            ("completed", 9 * 24, cron_payload(9 * 24), None),
            ("completed", 72, cron_payload(72), None),
            ("failed", 48, cron_payload(48), "Could not create the workspace: warm pool exhausted"),
            ("completed", 24, cron_payload(24), None),
            ("running", 0.2, cron_payload(0.2), None),
        ],
        workspaces={1: "dependency-upgrades-may"},
    )

    pr_review = automation(
        "pr-review",
        web,
        [
            {
                "type": "github",
                "config": {
                    "event": "pull_request.opened",
                    "group_pr_events": True,
                    "excluded_actors": ["dependabot[bot]"],
                },
            },
            {
                "type": "github",
                "config": {"event": "pull_request.synchronize", "group_pr_events": True},
            },
        ],  # fmt: skip
        "Review this PR for bugs and suggest improvements.",
        description="Reviews every pull request on acme/web",
        workspace_lifecycle_policy="sleep_when_done",
        agent_provider="codex",
        model="gpt-5.5",
        thinking_level="high",
        config={"capabilities": {"pr_followups": True}, "preferences": {}},
        debounce_seconds=120,
    )
    pr_payload = {
        "trigger": "github",
        "event": "pull_request.opened",
        "repository_id": repository_uuid("acme/web"),
        "payload": {"number": 482, "title": "Fix login timeout", "author": "grace"},
    }
    runs(
        pr_review,
        [
            ("completed", 30, pr_payload, None),
            ("failed", 20, pr_payload, "The agent stopped: GitHub API rate limit exceeded."),
            ("creating", 0.05, pr_payload, None),
        ],
    )

    automation(
        "pr-command",
        web,
        [{"type": "github", "config": {"event": "pull_request.command"}}],
        "Follow the instructions in the /replicas command on this pull request.",
        description="Runs when someone comments /replicas on a PR",
        workspace_size="large",
    )

    mr_review = automation(
        "mr-review",
        platform,
        [{"type": "gitlab", "config": {"event": "merge_request.opened",
                                       "repository_ids": [repository_uuid("acme/infra")]}}],
        "Review this merge request for bugs and suggest improvements.",
        workspace_lifecycle_policy="delete_after_inactivity",
        workspace_auto_stop_minutes=30,
    )  # fmt: skip
    runs(
        mr_review,
        [
            ("completed", 50, {"trigger": "gitlab", "event": "merge_request.opened"}, None),
            ("pending", 0.01, {"trigger": "gitlab", "event": "merge_request.opened"}, None),
        ],
    )

    slack = automation(
        "slack-triage",
        platform,
        [{"type": "slack", "config": {"event": "message", "channel_ids": ["C0INCIDENTS"],
                                      "group_thread_replies": True}}],
        "Triage the reported problem, find the likely cause and reply in the thread.",
        agent_provider="opencode",
        model="z-ai/glm-5.2",
    )  # fmt: skip
    runs(slack, [("completed", 6, {"trigger": "slack", "event": "message"}, None)])

    sentry = automation(
        "sentry-autofix",
        platform,
        [{"type": "sentry", "config": {"event": "issue.created", "project_slugs": ["api"],
                                       "min_level": "error"}}],
        "Investigate this Sentry issue and open a PR with a fix and a regression test.",
        description="Paused while the Sentry project is migrated",
        enabled=False,
        fast_mode=True,
    )  # fmt: skip
    runs(
        sentry,
        [
            ("failed", 200, {"trigger": "sentry", "event": "issue.created"},
             "Could not create the workspace: environment has no repository binding"),
        ],
    )  # fmt: skip

    deploy = automation(
        "deploy-notes",
        scratch,
        [{"type": "custom", "config": {}}],
        "Write release notes for the deployment described in the payload.",
        description="Called by the deploy pipeline",
        token=DEPLOY_NOTES_TOKEN,
        plan_mode=True,
    )
    deploy_payload = {"trigger": "custom", "payload": {"service": "api", "version": "1.42.0"}}
    runs(deploy, [("completed", 10, deploy_payload, None), ("running", 0.1, deploy_payload, None)])

    ada = automation(
        "ada-daily-standup",
        ada_web,
        [cron("0 9 * * 1-5", "America/New_York")],
        "Summarise yesterday's merged PRs and open issues assigned to me.",
        description="Ada's personal standup digest",
        user_id=ADA,
        age_days=9,
    )
    runs(ada, [("completed", 26, cron_payload(26), None), ("completed", 2, cron_payload(2), None)])

    grace = automation(
        "grace-weekly-cleanup",
        scratch,
        [cron("0 17 * * 5", "Europe/London"), {"type": "custom", "config": {}}],
        "Close stale branches I own.",
        user_id=GRACE,
        token=GRACE_TOKEN,
        age_days=4,
    )
    runs(grace, [("completed", 70, cron_payload(70), None)])

    flaky = automation(
        "flaky-e2e-suite",
        platform,
        [cron("0 6 * * 1-5")],
        "Run the end-to-end suite against staging and open an issue for each new failure.",
        description="Weekday mornings before stand-up",
        age_days=20,
    )
    timeout = "The agent stopped: the end-to-end suite timed out after 45 minutes."
    runs(
        flaky,
        [
            ("completed", 5 * 24, cron_payload(5 * 24), None),
            ("failed", 4 * 24, cron_payload(4 * 24), timeout),
            ("failed", 3 * 24, cron_payload(3 * 24), timeout),
            ("failed", 2 * 24, cron_payload(2 * 24), timeout),
        ],
    )

    docs = automation(
        "docs-sync",
        platform,
        [cron("0 2 * * 0")],
        "Regenerate the API docs from the OpenAPI spec and open a PR when they changed.",
        enabled=False,
        age_days=60,
    )
    missing = "Could not create the workspace: the repository's docs/ folder was removed"
    runs(
        docs,
        [("completed", 6 * 7 * 24, cron_payload(6 * 7 * 24), None)]
        + [("failed", w * 7 * 24, cron_payload(w * 7 * 24), missing) for w in (5, 4, 3, 2, 1)],
    )


def _iso_hours_ago(hours: float) -> str:
    from .http import iso

    return iso(now() - timedelta(hours=hours)) or ""
