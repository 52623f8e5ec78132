"""The simulated skills.sh catalog and the skill files "discovered" in GitHub repositories.

Discovery is deterministic: the same repository always yields the same skills, derived
from a hash of its full name, so registries and repo-skills look real without GitHub.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

# (slug, name, installs, description) — the catalog `GET /v1/environment-skills/search` serves.
CATALOG: tuple[tuple[str, str, int, str], ...] = (
    ("docker", "Docker", 48210, "Build, run and debug containers and compose stacks"),
    ("kubernetes", "Kubernetes", 30512, "Inspect clusters, write manifests, debug pods"),
    ("terraform", "Terraform", 27340, "Plan and apply infrastructure as code safely"),
    ("postgres", "PostgreSQL", 39877, "Query tuning, migrations and schema design for Postgres"),
    ("playwright", "Playwright", 35120, "End-to-end browser testing with Playwright"),
    ("pytest", "Pytest", 29004, "Write and fix Python tests with pytest fixtures"),
    ("react", "React", 52311, "Components, hooks and state management in React"),
    ("nextjs", "Next.js", 41876, "App router, server components and deployment for Next.js"),
    ("tailwind", "Tailwind CSS", 33650, "Utility-first styling with Tailwind"),
    ("django", "Django", 22918, "Models, views, migrations and the Django ORM"),
    ("fastapi", "FastAPI", 20417, "Typed Python APIs with FastAPI and pydantic"),
    ("rust", "Rust", 24760, "Ownership, lifetimes and cargo workflows"),
    ("go", "Go", 21933, "Idiomatic Go services, modules and testing"),
    ("github-actions", "GitHub Actions", 31002, "Write and debug CI workflows on GitHub Actions"),
    ("aws-cli", "AWS CLI", 18755, "Operate AWS resources from the command line"),
    ("stripe", "Stripe", 15640, "Payments, webhooks and billing with Stripe"),
    ("sentry", "Sentry", 12903, "Triage errors and performance issues from Sentry"),
    ("security-review", "Security Review", 26485, "Find injection, authz and secrets issues"),
    ("code-review", "Code Review", 44120, "Careful, actionable reviews of pull requests"),
    ("sql-migrations", "SQL Migrations", 14377, "Safe, reversible schema migrations"),
    ("openapi", "OpenAPI", 16032, "Design and validate OpenAPI specifications"),
    ("graphql", "GraphQL", 13288, "Schemas, resolvers and query performance"),
    ("redis", "Redis", 11845, "Caching, queues and data structures with Redis"),
    ("bash", "Bash Scripting", 19954, "Robust shell scripts with strict mode"),
    ("accessibility", "Accessibility", 9870, "WCAG audits and accessible UI fixes"),
    ("i18n", "Internationalization", 7421, "Translations, plural rules and locale formats"),
    ("technical-writing", "Technical Writing", 17311, "Clear docs, READMEs and changelogs"),
    ("data-analysis", "Data Analysis", 14966, "Explore datasets with pandas and SQL"),
)


def catalog_source(slug: str) -> str:
    return f"https://skills.sh/skill/{slug}"


def search(query: str | None, limit: int = 25) -> list[dict[str, Any]]:
    terms = [t for t in re.split(r"\s+", (query or "").strip().lower()) if t]
    hits = []
    for slug, name, installs, description in CATALOG:
        text = f"{slug} {name} {description}".lower()
        if all(term in text for term in terms):
            hits.append((installs, slug, name))
    hits.sort(reverse=True)
    return [
        {"name": name, "slug": slug, "source": catalog_source(slug), "installs": installs}
        for installs, slug, name in hits[:limit]
    ]


# --- discovery in repositories ------------------------------------------------------------
_GITHUB_URL = re.compile(
    r"^https?://(?:www\.)?github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$"
)

# (framework, kind, path template, name, description or None)
_REPO_FILES: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("claude", "skill", ".claude/skills/release-notes/SKILL.md", "release-notes",
     "Draft release notes from merged pull requests"),
    ("claude", "agent", ".claude/agents/code-reviewer.md", "code-reviewer",
     "Reviews diffs for correctness and style"),
    ("claude", "command", ".claude/commands/fix-issue.md", "fix-issue", None),
    ("cursor", "command", ".cursor/commands/deploy-preview.md", "deploy-preview",
     "Build and deploy a preview environment"),
    ("codex", "prompt", ".codex/prompts/triage.md", "triage", "Triage a bug report"),
    ("agents", "skill", ".agents/skills/db-migrations/SKILL.md", "db-migrations",
     "Write safe, reversible database migrations"),
    ("claude", "plugin", ".claude-plugin/plugin.json", "team-plugin", None),
    ("agents", "prompt", ".github/prompts/write-tests.prompt.md", "write-tests",
     "Add missing unit tests for a module"),
)  # fmt: skip

_REGISTRY_SKILLS: tuple[tuple[str, str], ...] = (
    ("incident-response", "Run an incident: timeline, comms and follow-ups"),
    ("api-design", "Design consistent REST endpoints and error envelopes"),
    ("test-writer", "Write focused tests for changed code"),
    ("perf-profiler", "Profile and fix hot paths"),
    ("dependency-upgrades", "Upgrade dependencies and fix breaking changes"),
    ("changelog", "Keep CHANGELOG.md in Keep a Changelog format"),
    ("onboarding-guide", "Explain the codebase to a new teammate"),
)


def parse_github_url(url: str) -> tuple[str, str] | None:
    match = _GITHUB_URL.match(url.strip())
    if not match:
        return None
    return match.group(1), match.group(2)


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def _skill(
    repository_id: str,
    full_name: str,
    branch: str,
    path: str,
    name: str,
    description: str | None,
    framework: str,
    kind: str,
) -> dict[str, Any]:
    return {
        "id": f"{repository_id}:{path}",
        "repository_id": repository_id,
        "repository_full_name": full_name,
        "branch": branch,
        "path": path,
        "name": name,
        "description": description,
        "framework": framework,
        "kind": kind,
        "html_url": f"https://github.com/{full_name}/blob/{branch}/{path}",
    }


def registry_skills(full_name: str, branch: str) -> tuple[list[dict], str | None]:
    """Skills in a registry repository (`skills/<name>/SKILL.md`), or an error."""
    if "private" in full_name.lower():
        return [], f"The Replicas GitHub App is not installed on {full_name}."
    repository_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://github.com/{full_name}"))
    n = _digest(full_name)
    count = 2 + n % 4
    start = n % len(_REGISTRY_SKILLS)
    skills = []
    for i in range(count):
        name, description = _REGISTRY_SKILLS[(start + i) % len(_REGISTRY_SKILLS)]
        path = f"skills/{name}/SKILL.md"
        skills.append(
            _skill(repository_id, full_name, branch, path, name, description, "agents", "skill")
        )
    return skills, None


def repository_full_name(repo: dict) -> tuple[str | None, str]:
    """(`owner/name` when the repository is on GitHub, else None; a display name)."""
    url = str(repo.get("url") or "")
    parsed = parse_github_url(url)
    if parsed:
        return f"{parsed[0]}/{parsed[1]}", f"{parsed[0]}/{parsed[1]}"
    return None, str(repo.get("name") or url)


def repo_skills(repositories: list[dict]) -> tuple[list[dict], str | None]:
    """Skill files committed to the bound repositories, with a partial-failure message."""
    skills: list[dict] = []
    problems: list[str] = []
    for repo in repositories:
        full_name, display = repository_full_name(repo)
        if full_name is None:
            problems.append(f"{display} is not hosted on GitHub; skill discovery skipped.")
            continue
        branch = str(repo.get("default_branch") or "main")
        n = _digest(full_name)
        count = 3 + n % 3
        start = n % len(_REPO_FILES)
        for i in range(count):
            framework, kind, path, name, description = _REPO_FILES[(start + i) % len(_REPO_FILES)]
            skills.append(
                _skill(str(repo["id"]), full_name, branch, path, name, description, framework, kind)
            )
    return skills, (" ".join(problems) or None)
