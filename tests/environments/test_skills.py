"""The Skills tab against the emulator: enabled skills, the catalog searched as you type,
enable (a 409 explained) and disable, registries added and removed, the repository's skills
read-only; members refused."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portal.accounts.models import AuditEntry

from .conftest import ADA_WEB, HX, WEB, audit_ops, text

pytestmark = pytest.mark.emulator

RESULTS = {"HX-Request": "true", "HX-Target": "skill-results"}


def url(name, env_id, *args):
    return reverse(f"environments:{name}", args=[env_id, *args])


def slugs(upstream, env_id) -> list[str]:
    return sorted(s.slug for s in upstream.list_environment_skills(str(env_id)).environment_skills)


def test_the_tab_shows_enabled_skills_popular_ones_registries_and_repo_skills(ada):
    body = text(ada.get(url("skills", WEB)))
    assert "Next.js nextjs" in body and "Playwright playwright" in body
    assert "Popular skills" in body
    assert "From the repository" in body and "acme/web/" in body


def test_the_search_box_is_debounced_and_a_newer_search_replaces_an_older_one(ada):
    body = ada.get(url("skills", WEB)).content.decode()
    form = re.search(r'<form [^>]*class="filters skill-search"[^>]*>', body)[0]
    assert 'hx-sync="this:replace"' in form
    assert "input changed delay:300ms" in form and 'hx-target="#skill-results"' in form


def test_search_answers_only_the_results_marking_enabled_ones(ada):
    response = ada.get(url("skill_search", WEB) + "?q=play", headers=RESULTS)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="skill-results"')
    assert "Playwright" in text(body) and "enabled" in text(body)
    assert "Enable Playwright" not in body  # already on: no button
    docker = ada.get(url("skill_search", WEB) + "?q=docker", headers=RESULTS)
    assert 'aria-label="Enable Docker"' in docker.content.decode()
    assert "48210 installs" in text(docker) or "48,210 installs" in text(docker)
    none = ada.get(url("skill_search", WEB) + "?q=zzzz-nothing", headers=RESULTS)
    assert "No skills match “zzzz-nothing”" in text(none)


def test_enable_and_disable_are_audited(ada, team_env, upstream):
    env = str(team_env.id)
    enabled = ada.post(
        url("skill_enable", env),
        {
            "name": "Docker",
            "slug": "docker",
            "source": "https://skills.sh/skill/docker",
            "q": "dock",
        },
        headers=HX,
    )
    assert "Docker enabled." in text(enabled)
    assert 'value="dock"' in enabled.content.decode()  # the search is kept
    assert slugs(upstream, env) == ["docker"]
    skill_id = str(upstream.list_environment_skills(env).environment_skills[0].id)
    disabled = ada.post(url("skill_disable", env, skill_id), headers=HX)
    assert "Docker disabled." in text(disabled)
    assert slugs(upstream, env) == []
    assert audit_ops(username="ada") == ["deleteEnvironmentSkill", "createEnvironmentSkill"]


def test_enabling_an_enabled_skill_explains_the_409(ada):
    response = ada.post(
        url("skill_enable", WEB),
        {"name": "Next.js", "slug": "nextjs", "source": "https://skills.sh/skill/nextjs"},
        headers=HX,
    )
    body = text(response)
    assert "Already enabled" in body and "already enabled on this environment" in body
    assert AuditEntry.objects.get(operation="createEnvironmentSkill").status_code == 409


def test_registries_are_added_and_removed(ada, team_env, upstream):
    env = str(team_env.id)
    added = ada.post(
        url("registry_add", env), {"url": "https://github.com/acme/more-skills"}, headers=HX
    )
    assert "acme/more-skills added:" in text(added) and "skills found" in text(added)
    registry = upstream.list_environment_skills_registries(env).registries[0]
    again = ada.post(
        url("registry_add", env), {"url": "https://github.com/acme/more-skills"}, headers=HX
    )
    assert "already a registry of this environment" in text(again)
    removed = ada.post(url("registry_remove", env, registry.id), headers=HX)
    assert "acme/more-skills removed." in text(removed)
    assert upstream.list_environment_skills_registries(env).registries == []
    assert audit_ops(username="ada") == [
        "deleteEnvironmentSkillsRegistry",
        "createEnvironmentSkillsRegistry",
        "createEnvironmentSkillsRegistry",
    ]


def test_a_registry_must_be_a_github_repository(ada, team_env):
    response = ada.post(
        url("registry_add", team_env.id), {"url": "https://gitlab.com/a/b"}, headers=HX
    )
    assert "Give a GitHub repository URL" in text(response)
    assert not AuditEntry.objects.exists()


def test_a_member_searches_but_cannot_enable_on_a_team_environment(grace, upstream):
    body = grace.get(url("skill_search", WEB) + "?q=docker", headers=RESULTS).content.decode()
    assert "Docker" in text(body) and "Enable Docker" not in body
    refused = grace.post(
        url("skill_enable", WEB),
        {"name": "Docker", "slug": "docker", "source": "https://skills.sh/skill/docker"},
        headers=HX,
    )
    assert "Only org admins can change team environments" in text(refused)
    assert "docker" not in slugs(upstream, WEB)
    assert not AuditEntry.objects.exists()


def test_a_member_enables_skills_on_their_own_environment(grace, grace_env, grace_upstream):
    response = grace.post(
        url("skill_enable", grace_env.id),
        {"name": "Pytest", "slug": "pytest", "source": "https://skills.sh/skill/pytest"},
        headers=HX,
    )
    assert "Pytest enabled." in text(response)
    assert slugs(grace_upstream, grace_env.id) == ["pytest"]


def test_a_source_backed_environment_names_its_inherited_skills(ada):
    assert "Inherited from web: Next.js" in text(ada.get(url("skills", ADA_WEB)))
