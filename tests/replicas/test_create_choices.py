"""The choices module agrees with the spec (openapi.json) and the guide it cites."""

from __future__ import annotations

import json
import re

import pytest

from portal.replicas import choices
from tests.conftest import SPEC_PATH


@pytest.fixture(scope="module")
def create_schema() -> dict:
    spec = json.loads(SPEC_PATH.read_text())
    return spec["components"]["schemas"]["CreateReplicaRequest"]["properties"]


def test_agents_are_the_specs_enum(create_schema):
    assert list(choices.AGENTS) == create_schema["coding_agent"]["enum"]
    assert create_schema["coding_agent"]["default"] == choices.DEFAULT_AGENT
    assert set(choices.MODELS) == set(choices.THINKING_LEVELS) == set(choices.AGENTS)


def test_openrouter_models_are_the_ones_the_spec_names(create_schema):
    description = create_schema["model"]["description"]
    for agent in ("opencode", "pi"):
        for model in choices.MODELS[agent]:
            assert model in description


def test_thinking_levels_are_in_the_spec_and_respect_its_restrictions(create_schema):
    allowed = set(create_schema["thinking_level"]["enum"])
    for agent, levels in choices.THINKING_LEVELS.items():
        assert set(levels) <= allowed, agent
        assert ("ultra" in levels) == (agent == "codex")  # "`ultra` is Codex-only"
        assert ("ultracode" in levels) == (agent == "claude")  # "Claude Code-only"
    for agent, default in choices.DEFAULT_THINKING.items():
        if agent != "pi":
            assert (
                f"{agent.capitalize()} default: {default}"
                in create_schema["thinking_level"]["description"]
            )


def test_sizes_and_prices_match_the_spec(create_schema):
    assert list(choices.SIZES) == create_schema["size"]["enum"]
    description = create_schema["size"]["description"]
    for name, size in choices.SIZES.items():
        assert (
            f"`{name}` ({size.vcpu} vCPU, {size.memory_gb} GB memory, {size.disk_gb} GB disk) bills at {size.price_label}"
            in description
        )
    assert choices.SIZES["small"].price_per_hour == 60 * choices.SIZES["small"].price_per_minute


def test_lifecycle_policies_cover_the_spec_and_the_guide(create_schema):
    assert set(create_schema["lifecycle_policy"]["enum"]) <= set(choices.LIFECYCLE_POLICIES)
    assert set(choices.LIFECYCLE_POLICIES) - set(create_schema["lifecycle_policy"]["enum"]) == {
        "delete_when_done"
    }


def test_image_types_are_the_specs():
    spec = json.loads(SPEC_PATH.read_text())
    source = spec["components"]["schemas"]["ImageContent"]["properties"]["source"]["oneOf"][0]
    assert list(choices.IMAGE_MEDIA_TYPES) == source["properties"]["media_type"]["enum"]


def test_choice_helpers():
    assert choices.model_choices("codex")[0] == ("", "Agent default")
    assert choices.thinking_choices("claude")[0] == ("", "Agent default (high)")
    assert choices.known_agent("gemini") == "claude"
    assert choices.supports_goal_mode("codex") and not choices.supports_goal_mode("claude")
    assert re.fullmatch(
        r"Small: .* \$0\.008/min \(\$0\.48/hour\)", dict(choices.size_choices())["small"]
    )
