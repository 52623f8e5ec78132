"""What a workspace gets: the merge (pure) and the Effective tab against the emulator."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from portal.environments import effective

from .conftest import ADA_WEB, GLOBAL, HX, WEB, text

G = effective.Layer("g", "Global", "global")
T = effective.Layer("t", "web", "team")
P = effective.Layer("p", "ada-web", "personal")


def entries(layer, *keys):
    return [effective.Entry(k, layer, k) for k in keys]


# --- the merge ----------------------------------------------------------------------------------


def test_later_layers_win_and_keep_what_they_override_nearest_first():
    rows = effective.merge(
        [(G, entries(G, "LOG", "A")), (T, entries(T, "LOG", "B")), (P, entries(P, "LOG"))]
    )
    by_key = {r.key: r for r in rows}
    assert [r.key for r in rows] == ["A", "B", "LOG"]
    assert by_key["LOG"].winner.layer == P
    assert [e.layer for e in by_key["LOG"].overridden] == [T, G]
    assert by_key["A"].overridden == []


def test_mcp_names_match_regardless_of_case():
    rows = effective.merge([(G, entries(G, "Linear")), (T, entries(T, "linear"))], fold_case=True)
    assert len(rows) == 1 and rows[0].winner.layer == T


def test_globals_hook_always_runs_and_a_personal_hook_replaces_its_sources():
    hook = lambda content: SimpleNamespace(content=content, version=1)  # noqa: E731
    plan = effective.hooks([(G, hook("g")), (T, hook("t")), (P, hook("p"))])
    assert [h.content for h in plan.runs] == ["g", "p"]
    assert [h.layer for h in plan.overridden] == [T]
    inherited = effective.hooks([(G, None), (T, hook("t")), (P, None)])
    assert [h.layer for h in inherited.runs] == [T] and inherited.overridden == []


def test_the_prompt_is_inherited_and_preferences_are_appended():
    team = SimpleNamespace(system_prompt="Use pnpm.", personal_preferences=None)
    personal = SimpleNamespace(system_prompt="Use pnpm.", personal_preferences="Be terse.")
    result = effective.prompt(
        [
            (G, SimpleNamespace(system_prompt=None, personal_preferences=None)),
            (T, team),
            (P, personal),
        ],
        inherited_from=T,
    )
    assert (result.prompt, result.prompt_from, result.replaced) == ("Use pnpm.", T, [])
    assert (result.preferences, result.preferences_from) == ("Be terse.", P)


# --- the tab ------------------------------------------------------------------------------------


@pytest.mark.emulator
def test_a_personal_environment_shows_global_team_and_its_own_merged(ada):
    response = ada.get(reverse("environments:effective", args=[ADA_WEB]))
    assert response.status_code == 200
    body = response.content.decode()
    stack = text(re.search(r'<ol class="layer-stack">.*?</ol>', body, re.S)[0])
    assert stack == "Global web (team) ada-web (personal)"
    rows = {
        text(r).split()[0]: (text(r), r)
        for r in re.findall(r'<tr class="eff-row.*?</tr>', body, re.S)
    }
    flags, html = rows["FEATURE_FLAGS"]
    assert "ada-web (personal)" in flags and "from web (team)" in flags
    assert '<del class="overridden"' in html  # the overridden value, struck through
    assert "checkout-v2" not in body  # values stay masked
    assert "from Global" not in rows["DATABASE_URL"][0] and "web (team)" in rows["DATABASE_URL"][0]
    assert "Global" in rows["LOG_LEVEL"][0]
    assert "~/AGENTS.md" in rows and "~/web/.env.local" in rows
    assert "linear" in rows and "internal-docs" in rows
    page = text(body)
    assert "Runs first while the workspace is pre-warmed: from Global" in page
    assert "Then while the workspace is pre-warmed: from web (team)" in page
    assert "from web (team)" in page and "Use pnpm." in page
    assert "appended: personal preferences from ada-web (personal)" in page


@pytest.mark.emulator
def test_a_team_environment_over_global(grace):
    body = text(grace.get(reverse("environments:effective", args=[WEB])))
    assert "Global web (team)" in body
    assert "Code Review" in body and "Next.js" in body
    assert (
        "Runs first when the workspace starts, before the repository's own start hooks: from web (team)"
        in body
    )


@pytest.mark.emulator
def test_an_override_of_a_global_value_in_a_team_environment(ada, team_env, upstream):
    upstream.create_environment_variable(str(team_env.id), {"key": "LOG_LEVEL", "value": "debug"})
    response = ada.get(reverse("environments:effective", args=[team_env.id]), headers=HX)
    row = next(
        r
        for r in re.findall(r'<tr class="eff-row.*?</tr>', response.content.decode(), re.S)
        if "LOG_LEVEL" in r
    )
    assert "has-override" in row and "<del" in row and "from Global" in text(row)
    assert "debug" not in response.content.decode()


@pytest.mark.emulator
def test_global_alone(ada):
    body = text(ada.get(reverse("environments:effective", args=[GLOBAL])))
    assert "GITHUB_PACKAGES_TOKEN" in body and "Runs first" in body


@pytest.mark.emulator
def test_a_layer_that_cannot_be_read_is_named(ada, faults):
    faults("GET", r"^/v1/environments/global/mcps$", 500)
    body = text(ada.get(reverse("environments:effective", args=[WEB])))
    assert "This may be incomplete: the portal couldn't read everything of Global." in body
