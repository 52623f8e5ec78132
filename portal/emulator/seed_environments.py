"""The demo organisation's environments (loaded when the emulator is seeded).

Ids are deterministic (uuid5 of a readable name) so other areas and tests can refer to
them: `environment_uuid("web")`, `environment_uuid("platform")`, and so on.

- Global: variables, files, skills, a skill registry, a stdio and an http MCP, warm hook
  history (v1 inactive, v2 active); no start hook and no warm pool (the null cases).
- web (team, bound to repository acme/web): variables, a file, skills, MCPs, warm hook
  history (v1 failing, v2, v3 active), an active start hook, a warm pool (target 3) with
  workspaces ready, warming, assigned, expired and failed.
- platform (team, bound to repository set acme/platform): variables, skills, an http MCP,
  warm hook, a warm pool with a workspace snapshotting and one ready.
- scratch (team, unbound): warm pool disabled.
- ada-web (Ada's personal environment, source-backed on web) and grace-scratch (Grace's
  standalone personal environment).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from .http import now
from .state import DEMO_USERS

if TYPE_CHECKING:
    from .environments import EnvironmentsArea

ADA = DEMO_USERS[0]["id"]
GRACE = DEMO_USERS[1]["id"]


def sid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "replica-emulator/" + "/".join(parts)))


GLOBAL_WARM_V1 = """#!/usr/bin/env bash
set -euo pipefail
npm install -g pnpm
"""
GLOBAL_WARM_V2 = """#!/usr/bin/env bash
set -euo pipefail
echo "Installing global tooling"
npm install -g pnpm
echo "Global tooling ready"
"""
WEB_WARM_V1 = """#!/usr/bin/env bash
set -euo pipefail
pnpm install
pnpm build
exit 1
"""
WEB_WARM_V2 = """#!/usr/bin/env bash
set -euo pipefail
echo "Installing dependencies"
pnpm install --frozen-lockfile
"""
WEB_WARM_V3 = """#!/usr/bin/env bash
set -euo pipefail
echo "Installing dependencies"
pnpm install --frozen-lockfile
echo "Installing Playwright browsers"
npx playwright install --with-deps chromium
echo "Warm hook finished"
"""
WEB_START = """#!/usr/bin/env bash
pnpm dev > /tmp/dev.log 2>&1 &
echo "Dev server starting on :3000"
"""
PLATFORM_WARM = """#!/usr/bin/env bash
set -euo pipefail
echo "Fetching Go modules"
go mod download
echo "Initialising Terraform"
terraform -chdir=infra init -backend=false
echo "Platform warm hook done"
"""
AGENTS_MD = """# Acme conventions

- Small pull requests with a clear description.
- Never commit secrets; use environment variables.
- Run the test suite before asking for review.
"""


def seed_environments(area: EnvironmentsArea) -> None:
    from .environments import environment_uuid, repository_uuid

    t0 = now() - timedelta(days=30)

    def env(
        name: str,
        *,
        user_id: str | None = None,
        description: str | None = None,
        repository_id: str | None = None,
        repository_set_id: str | None = None,
        system_prompt: str | None = None,
        mobile: bool = False,
        preferences: str | None = None,
        source: str | None = None,
        age_days: int = 20,
    ) -> dict:
        created = now() - timedelta(days=age_days)
        record = {
            "id": environment_uuid(name),
            "user_id": user_id,
            "name": name,
            "description": description,
            "is_global": False,
            "repository_id": repository_id,
            "repository_set_id": repository_set_id,
            "system_prompt": system_prompt,
            "mobile_testing_enabled": mobile,
            "personal_preferences": preferences,
            "source_environment_id": source,
            "created_at": created,
            "updated_at": created + timedelta(days=1),
        }
        area.envs[record["id"]] = record
        return record

    def add(collection: str, env_id: str, ident: str, **fields) -> dict:
        created = t0 + timedelta(hours=len(getattr(area, collection)))
        item = {
            "id": sid(collection, env_id, ident),
            "environment_id": env_id,
            **fields,
            "created_at": created,
            "updated_at": created,
        }
        getattr(area, collection)[item["id"]] = item
        return item

    def var(env_id: str, key: str, value: str, override: bool = False) -> None:
        add("variables", env_id, key, key=key, value=value, personal_override_allowed=override)

    def file(env_id: str, name: str, path: str, content: str) -> None:
        add("files", env_id, path, name=name, path=path, content=content)

    def skill(env_id: str, slug: str, name: str) -> None:
        add("skills", env_id, slug, name=name, slug=slug, source=f"https://skills.sh/skill/{slug}")

    def mcp(env_id: str, name: str, transport: str, config: dict) -> None:
        add("mcps", env_id, name, name=name, transport=transport, config=config)

    def registry(env_id: str, full_name: str) -> None:
        add(
            "registries",
            env_id,
            full_name,
            name=full_name.split("/")[1],
            url=f"https://github.com/{full_name}",
            repository_full_name=full_name,
            default_branch="main",
        )

    def hook(kind: str, env_id: str, versions: list[str], active: int | None) -> None:
        records = area.hooks[kind].setdefault(env_id, [])
        for number, content in enumerate(versions, start=1):
            records.append(
                {
                    "id": sid(f"{kind}-hook", env_id, str(number)),
                    "environment_id": env_id,
                    "version": number,
                    "content": content,
                    "is_active": number == active,
                    "created_at": t0 + timedelta(days=3 * number),
                }
            )

    g = area.global_id
    area.envs[g]["created_at"] = t0 - timedelta(days=60)
    area.envs[g]["updated_at"] = t0

    # --- Global --------------------------------------------------------------------------
    var(g, "GITHUB_PACKAGES_TOKEN", "ghp_demoPackagesToken0123456789abcdef")
    var(g, "LOG_LEVEL", "info", override=True)
    var(g, "SENTRY_DSN", "https://public@o0.ingest.sentry.io/0")
    file(g, "AGENTS", "~/AGENTS.md", AGENTS_MD)
    file(g, "npmrc", "~/.npmrc", "@acme:registry=https://npm.pkg.github.com\n")
    skill(g, "code-review", "Code Review")
    skill(g, "security-review", "Security Review")
    registry(g, "acme/agent-skills")
    mcp(
        g,
        "linear",
        "stdio",
        {"command": "npx", "args": ["-y", "@linear/mcp"], "env": {"LINEAR_API_KEY": "lin_demo"}},
    )
    mcp(
        g,
        "sentry",
        "http",
        {"url": "https://mcp.sentry.dev/mcp", "headers": {"Authorization": "Bearer sntrys_demo"}},
    )
    hook("warm", g, [GLOBAL_WARM_V1, GLOBAL_WARM_V2], active=2)

    # --- web -----------------------------------------------------------------------------
    web = env(
        "web",
        description="Customer-facing Next.js app",
        repository_id=repository_uuid("acme/web"),
        system_prompt="Use pnpm. Run `pnpm test` before opening a pull request.",
        mobile=True,
        age_days=25,
    )["id"]
    var(web, "DATABASE_URL", "postgres://web:s3cret@db.internal:5432/web")
    var(web, "STRIPE_SECRET_KEY", "sk_test_demo0123456789")
    var(web, "NEXT_PUBLIC_API_URL", "https://api.acme.test")
    var(web, "FEATURE_FLAGS", "checkout-v2", override=True)
    file(web, "env.local", "~/web/.env.local", "NEXT_TELEMETRY_DISABLED=1\n")
    skill(web, "nextjs", "Next.js")
    skill(web, "playwright", "Playwright")
    skill(web, "tailwind", "Tailwind CSS")
    mcp(
        web,
        "playwright",
        "stdio",
        {"command": "npx", "args": ["@playwright/mcp@latest"], "env": {}},
    )
    mcp(
        web,
        "internal-docs",
        "sse",
        {"url": "https://docs.acme.test/mcp/sse", "headers": {"X-Team": "web"}},
    )
    hook("warm", web, [WEB_WARM_V1, WEB_WARM_V2, WEB_WARM_V3], active=3)
    hook("start", web, [WEB_START], active=1)

    # --- platform ------------------------------------------------------------------------
    platform = env(
        "platform",
        description="Backend API and infrastructure (repository set)",
        repository_set_id=repository_uuid("acme/platform"),
        system_prompt="Never apply Terraform; plans only.",
        age_days=18,
    )["id"]
    var(platform, "AWS_REGION", "eu-west-1")
    var(platform, "TF_VAR_environment", "staging")
    skill(platform, "terraform", "Terraform")
    skill(platform, "kubernetes", "Kubernetes")
    mcp(
        platform,
        "grafana",
        "http",
        {"url": "https://grafana.acme.test/mcp", "headers": {"Authorization": "Bearer glsa_demo"}},
    )
    hook("warm", platform, [PLATFORM_WARM], active=1)

    # --- scratch (unbound) and personal environments ---------------------------------------
    scratch = env("scratch", description="Repo-less workspaces for quick experiments")["id"]
    var(scratch, "PYTHONUNBUFFERED", "1")
    ada_web = env(
        "ada-web",
        user_id=ADA,
        description="Ada's take on web",
        preferences="Prefer small commits and explain trade-offs.",
        source=web,
        age_days=10,
    )["id"]
    var(ada_web, "FEATURE_FLAGS", "checkout-v2,new-nav")
    grace = env("grace-scratch", user_id=GRACE, description="Grace's sandbox", age_days=5)["id"]
    file(grace, "notes", "~/notes.md", "# Scratch notes\n")

    # --- warm pools ------------------------------------------------------------------------
    pools = area.pools
    long_ago = now() - timedelta(hours=2)

    web_pool = pools.upsert(web, True, target_size=3, reconcile=False)
    web_pool["generation"] = 3
    # Seeded history: a gen-1 failure (the failing v1 hook), an expired gen-2 workspace,
    # one assigned to a replica, two ready and one warming right now.
    failed = pools.spawn(web_pool, created_at=long_ago - timedelta(days=6), generation=1,
                         script=WEB_WARM_V1)  # fmt: skip
    failed["accounted"] = True
    pools.spawn(web_pool, created_at=long_ago - timedelta(days=3), generation=2, forced="expired")
    pools.spawn(web_pool, created_at=long_ago, generation=3, forced="assigned")
    for minutes in (40, 20):
        ready = pools.spawn(web_pool, created_at=now() - timedelta(minutes=minutes))
        ready["accounted"] = True
    pools.spawn(web_pool)  # warming now
    web_pool["has_base_snapshot"] = True
    web_pool["last_failure_at"] = failed["created_at"] + timedelta(seconds=failed["warm_s"])
    web_pool["last_failure_reason"] = failed["error_message"]
    web_pool["updated_at"] = now() - timedelta(days=2)

    platform_pool = pools.upsert(platform, True, reconcile=False)
    snapshotting = pools.spawn(platform_pool)
    snapshotting["created_at"] = now() - timedelta(seconds=snapshotting["warm_s"] + 0.05)
    ready = pools.spawn(platform_pool, created_at=now() - timedelta(minutes=15))
    ready["accounted"] = True
    platform_pool["has_base_snapshot"] = True

    pools.upsert(scratch, False, reconcile=False)
