"""What fires an automation, in words, and the API's rules about triggers.

    words(trigger)            # "At 09:00 on weekdays, America/New_York", "GitHub: pull request opened"
    duplicate_key(trigger)    # two triggers with the same key are refused by the API

Event names come from the spec's enums (`GitHubTriggerConfig.event`, `GitLabTriggerConfig.event`,
`SlackTriggerConfig.event`, `SentryTriggerConfig.event`, `SentryTriggerConfig.min_level`).
"""

from __future__ import annotations

from typing import Any

from portal.replica_api import models

from . import cron

CRON, GITHUB, GITLAB, SLACK, SENTRY, CUSTOM = (
    "cron",
    "github",
    "gitlab",
    "slack",
    "sentry",
    "custom",
)
TYPES: tuple[str, ...] = tuple(t.value for t in models.Type1)
TYPE_LABELS = {
    CRON: "Schedule",
    GITHUB: "GitHub",
    GITLAB: "GitLab",
    SLACK: "Slack",
    SENTRY: "Sentry",
    CUSTOM: "Custom webhook",
}
ADD_LABELS = {
    CRON: "A schedule (cron)",
    GITHUB: "A GitHub event",
    GITLAB: "A GitLab event",
    SLACK: "A Slack message",
    SENTRY: "A Sentry event",
    CUSTOM: "A custom webhook",
}

EVENTS: dict[str, tuple[str, ...]] = {
    GITHUB: tuple(e.value for e in models.Event),
    GITLAB: tuple(e.value for e in models.Event1),
    SLACK: tuple(e.value for e in models.Event2),
    SENTRY: tuple(e.value for e in models.Event3),
}
EVENT_LABELS = {
    "pull_request.opened": "pull request opened",
    "pull_request.synchronize": "pull request updated (new commits pushed)",
    "pull_request.merged": "pull request merged",
    "pull_request.closed": "pull request closed",
    "pull_request.command": "a /replicas command on a pull request",
    "merge_request.opened": "merge request opened",
    "merge_request.updated": "merge request updated",
    "merge_request.merged": "merge request merged",
    "merge_request.closed": "merge request closed",
    "message": "a message in a channel",
    "event_alert.triggered": "an alert rule triggered",
    "issue.created": "a new issue",
    "error.created": "a new error event",
}
SENTRY_LEVELS: tuple[str, ...] = tuple(level.value for level in models.MinLevel)
# The events group_pr_events applies to (the spec's descriptions of the two configs).
GROUPABLE = {
    GITHUB: ("pull_request.opened", "pull_request.synchronize", "pull_request.command"),
    GITLAB: ("merge_request.opened", "merge_request.updated"),
}
GROUP_HELP = {
    GITHUB: "Later opened, updated or /replicas-command events for a pull request that already "
    "has a workspace from this automation go to that workspace as a follow-up message, "
    "instead of starting a new one.",
    GITLAB: "Later opened or updated events for a merge request that already has a workspace "
    "from this automation go to that workspace as a follow-up message, instead of starting "
    "a new one.",
}


def event_choices(trigger_type: str) -> list[tuple[str, str]]:
    return [(e, EVENT_LABELS.get(e, e)) for e in EVENTS.get(trigger_type, ())]


def type_of(trigger: Any) -> str:
    value = trigger.get("type") if isinstance(trigger, dict) else getattr(trigger, "type", "")
    return str(getattr(value, "value", value) or "")


def config_of(trigger: Any) -> dict[str, Any]:
    """A trigger's config as a plain dict (the generated model's union, or a dict)."""
    config = (
        trigger.get("config") if isinstance(trigger, dict) else getattr(trigger, "config", None)
    )
    if config is None:
        return {}
    if isinstance(config, dict):
        return dict(config)
    dumped = config.model_dump(mode="json", exclude_none=True)
    return dumped


def duplicate_key(trigger: dict) -> tuple[str, str]:
    """The API's rule: at most one cron trigger, one custom webhook, and one trigger per event."""
    kind = type_of(trigger)
    if kind in (CRON, CUSTOM):
        return (kind, "")
    return ("event", str(config_of(trigger).get("event") or ""))


def words(trigger: Any, repositories: dict[str, str] | None = None) -> str:
    """One trigger in words."""
    kind = type_of(trigger)
    config = config_of(trigger)
    if kind == CRON:
        schedule = str(config.get("schedule") or "")
        zone = config.get("timezone") or "UTC"
        try:
            described = cron.describe(schedule)
        except cron.CronError:
            described = f"Schedule “{schedule}”"
        return f"{described}, {zone}"
    if kind == CUSTOM:
        return "Custom webhook"
    event = str(config.get("event") or "")
    text = f"{TYPE_LABELS.get(kind, kind)}: {EVENT_LABELS.get(event, event)}"
    extras = []
    repos = config.get("repository_ids") or []
    if repos:
        names = [(repositories or {}).get(str(r), "a repository") for r in repos]
        extras.append("in " + ", ".join(names))
    if config.get("channel_ids"):
        extras.append("in " + ", ".join(config["channel_ids"]))
    if config.get("project_slugs"):
        extras.append("in " + ", ".join(config["project_slugs"]))
    if config.get("min_level"):
        extras.append(f"{config['min_level']} or worse")
    if config.get("excluded_actors"):
        extras.append("not from " + ", ".join(config["excluded_actors"]))
    return text + (f" ({'; '.join(extras)})" if extras else "")


def has_cron(triggers) -> bool:
    return any(type_of(t) == CRON for t in triggers)


def command_trigger(triggers) -> dict | None:
    """The GitHub `pull_request.command` trigger's config, if there is one."""
    for t in triggers:
        if type_of(t) == GITHUB and config_of(t).get("event") == "pull_request.command":
            return config_of(t)
    return None


def has_custom(triggers) -> bool:
    return any(type_of(t) == CUSTOM for t in triggers)


def split_tags(text: str) -> list[str]:
    """A tag list typed as text: commas, spaces or new lines between tags; duplicates dropped."""
    seen: list[str] = []
    for raw in (text or "").replace(",", " ").split():
        tag = raw.strip()
        if tag and tag not in seen:
            seen.append(tag)
    return seen
