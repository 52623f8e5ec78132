"""The demo organisation's replicas (loaded when the emulator is seeded).

Ids are uuid5 of readable names (`replica_uuid("fix-session-timeout")`, `chat_uuid(replica,
title)`), so tests and docs can refer to them. What's here:

| name                        | status    | owner  | source     | chats (agents)            |
|-----------------------------|-----------|--------|------------|---------------------------|
| fix-session-timeout         | active    | Ada    | dashboard  | claude (2 turns), codex   |
| billing-csv-export          | active    | Grace  | api        | cursor (busy, queue of 3), opencode |
| mobile-push-notifications   | active    | Alan   | linear     | opencode, claude          |
| docs-refresh                | sleeping  | Alan   | slack      | pi                        |
| dependency-upgrades-may     | archived  | bot    | automation | claude (PR merged)        |
| flaky-e2e-investigation     | error     | Ada    | github     | codex (OOM)               |
| gitlab-ci-migration         | preparing | bot    | api        | codex (message held; stays preparing) |

fix-session-timeout also has canvas items of every kind (markdown, html, PNG, SVG, MP4, WAV,
CSV, and a 7 MB HAR over the 5 MB cap), multi-file diffs, an open PR, previews on ports 3000
and 6006, and warm/start hook logs (one truncated, one timed out). The cursor chat of
billing-csv-export is stuck in a long-running turn, so its queue stays visible.
"""

from __future__ import annotations

import base64
import io
import math
import struct
import uuid
import wave
import zlib
from datetime import datetime, timedelta

from . import agent
from .environments import environment_uuid
from .http import iso, now
from .replica_state import Chat, QueuedMessage, Replica, user_by_id
from .replicas import build_replica
from .state import DEMO_USERS, Store

ADA, GRACE, ALAN = (u["id"] for u in DEMO_USERS)


def replica_uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"replica-emulator/replica/{name}"))


def chat_uuid(replica_name: str, title: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"replica-emulator/chat/{replica_name}/{title}"))


def _env(store: Store, name: str) -> dict | None:
    """An environment by its seed name (`web`, `platform`, `global`...), if that area has it."""
    resolve = getattr(store.environments, "resolve", None)
    if not callable(resolve):
        return None
    try:
        return resolve("global" if name == "global" else environment_uuid(name))
    except Exception:  # noqa: BLE001 - seed on regardless of the other area
        return None


def _repos(store: Store, *names: str) -> list[dict]:
    by_name = {r["name"]: r for r in getattr(store.misc, "repositories", [])}
    return [by_name[n] for n in names if n in by_name]


def _sender(user_id: str | None) -> dict | None:
    user = user_by_id(user_id)
    if user is None:
        return {"displayName": "Replicas bot"}
    return {"userId": user["id"], "email": user["email"], "displayName": user["name"]}


def _msg(
    replica: str, n: int, text: str, at: datetime, user_id: str | None, **options
) -> QueuedMessage:
    return QueuedMessage(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"replica-emulator/message/{replica}/{n}")),
        message=text,
        queued_at=at,
        sender=_sender(user_id),
        options=options,
    )


def _chat(
    replica: Replica, provider: str, title: str, at: datetime, model: str | None = None
) -> Chat:
    chat = agent.new_chat(
        provider, title=title, chat_id=chat_uuid(replica.name, title), created_at=at, model=model
    )
    replica.chats[chat.id] = chat
    return chat


def _turns(
    replica: Replica, chat: Chat, start: datetime, turns: list[tuple[str, str | None, dict]]
) -> datetime:
    at = start
    for n, (text, user_id, options) in enumerate(turns):
        msg = _msg(replica.name, len(chat.history) + n, text, at, user_id, **options)
        at = agent.synthesize_turn(replica, chat, msg, at) + timedelta(minutes=7)
    replica.last_activity_at = max(replica.last_activity_at or at, at)
    return at


# --- binary fixtures ------------------------------------------------------------------------


def make_png(width: int = 160, height: int = 100) -> bytes:
    """A small real PNG: a login card on a blue gradient."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            r, g, b = 30 + y // 2, 80 + y, 160 + x // 3
            if 40 <= x < 120 and 20 <= y < 80:
                r, g, b = 250, 250, 252
                if 52 <= x < 108 and (34 <= y < 42 or 50 <= y < 58):
                    r, g, b = 220, 224, 230
                if 52 <= x < 108 and 66 <= y < 74:
                    r, g, b = 37, 99, 235
            row += bytes((min(r, 255), min(g, 255), min(b, 255)))
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def make_wav(seconds: float = 0.4, freq: float = 880.0, rate: int = 8000) -> bytes:
    """A short real WAV beep."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = bytearray()
        for i in range(int(seconds * rate)):
            fade = min(1.0, i / 400, (seconds * rate - i) / 400)
            frames += struct.pack("<h", int(12000 * fade * math.sin(2 * math.pi * freq * i / rate)))
        w.writeframes(bytes(frames))
    return buf.getvalue()


# A tiny MP4 header (ftyp + free + empty mdat): enough to be recognised as video/mp4.
TINY_MP4 = base64.b64decode("AAAAIGZ0eXBpc29tAAACAGlzb21pc28yYXZjMW1wNDEAAAAIZnJlZQAAAAhtZGF0")

PLAN_MD = """# Session timeout fix

## Root cause

The session cookie's `maxAge` was set in **seconds** while `express-session` expects
**milliseconds**, so `30 * 60` produced a 1.8 second cookie that the refresh middleware
kept extending to its 5 minute floor.

## Changes

| File | Change | Risk |
|------|--------|------|
| `src/auth/session.ts` | `maxAge` in ms, rolling sessions | low |
| `src/auth/config.ts` | `SESSION_TTL_MINUTES` env override | low |
| `src/auth/__tests__/session.test.ts` | regression tests | none |

## Snippet

```ts
export const SESSION_TTL_MS = minutes(config.sessionTtlMinutes ?? 30);

app.use(session({ cookie: { maxAge: SESSION_TTL_MS }, rolling: true }));
```

## Follow-ups

- [x] Fix the unit mismatch
- [x] Add regression tests
- [ ] Audit other `maxAge` call sites
"""

COVERAGE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Coverage: src/auth</title>
<style>body{font:14px system-ui;margin:2rem}td,th{padding:.3rem .8rem;text-align:left}
.hi{color:#15803d}.lo{color:#b91c1c}</style></head>
<body><h1>Coverage for <code>src/auth</code></h1>
<table><thead><tr><th>File</th><th>Lines</th><th>Branches</th></tr></thead><tbody>
<tr><td>session.ts</td><td class="hi">96.4%</td><td class="hi">91.7%</td></tr>
<tr><td>config.ts</td><td class="hi">100%</td><td class="hi">100%</td></tr>
<tr><td>refresh.ts</td><td class="lo">58.2%</td><td class="lo">40.0%</td></tr>
</tbody></table></body></html>
"""

ARCH_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="360" height="120" viewBox="0 0 360 120">
<rect width="360" height="120" fill="#f8fafc"/>
<g font-family="sans-serif" font-size="13" text-anchor="middle">
<rect x="10" y="40" width="90" height="40" rx="6" fill="#dbeafe"/><text x="55" y="65">Browser</text>
<rect x="135" y="40" width="90" height="40" rx="6" fill="#dcfce7"/><text x="180" y="65">web</text>
<rect x="260" y="40" width="90" height="40" rx="6" fill="#fef9c3"/><text x="305" y="65">Redis</text>
</g><path d="M100 60h35M225 60h35" stroke="#334155" stroke-width="2"/></svg>
"""

METRICS_CSV = "minute,active_sessions,expired_sessions,refreshes\n" + "".join(
    f"{m},{1200 - m * 3},{0 if m > 5 else 40 - m * 7},{300 + m}\n" for m in range(0, 30, 5)
)

# --- hand-written diffs (realistic TypeScript changes) ---------------------------------------

SESSION_OLD = """import session from 'express-session';
import RedisStore from 'connect-redis';
import { redis } from '../lib/redis';
import { config } from './config';

export function sessionMiddleware() {
  return session({
    store: new RedisStore({ client: redis, prefix: 'sess:' }),
    secret: config.sessionSecret,
    resave: false,
    saveUninitialized: false,
    cookie: {
      httpOnly: true,
      secure: config.secureCookies,
      sameSite: 'lax',
      maxAge: 30 * 60, // 30 minutes
    },
  });
}
"""
SESSION_NEW = """import session from 'express-session';
import RedisStore from 'connect-redis';
import { redis } from '../lib/redis';
import { config } from './config';

const MINUTE_MS = 60 * 1000;

/** Session lifetime; express-session wants milliseconds, not seconds. */
export const SESSION_TTL_MS = (config.sessionTtlMinutes ?? 30) * MINUTE_MS;

export function sessionMiddleware() {
  return session({
    store: new RedisStore({ client: redis, prefix: 'sess:', ttl: SESSION_TTL_MS / 1000 }),
    secret: config.sessionSecret,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: {
      httpOnly: true,
      secure: config.secureCookies,
      sameSite: 'lax',
      maxAge: SESSION_TTL_MS,
    },
  });
}
"""
CONFIG_OLD = """export const config = {
  sessionSecret: required('SESSION_SECRET'),
  secureCookies: process.env.NODE_ENV === 'production',
};

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
"""
CONFIG_NEW = """export const config = {
  sessionSecret: required('SESSION_SECRET'),
  secureCookies: process.env.NODE_ENV === 'production',
  sessionTtlMinutes: optionalInt('SESSION_TTL_MINUTES'),
};

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function optionalInt(name: string): number | undefined {
  const value = process.env[name];
  return value ? Number.parseInt(value, 10) : undefined;
}
"""
SESSION_TEST = """import { describe, expect, it } from 'vitest';
import { SESSION_TTL_MS } from '../session';

describe('session lifetime', () => {
  it('defaults to 30 minutes in milliseconds', () => {
    expect(SESSION_TTL_MS).toBe(30 * 60 * 1000);
  });
});
"""


def _add_diffs(replica: Replica) -> None:
    repo = replica.repos[0]
    for path, old, new in (
        ("src/auth/session.ts", SESSION_OLD, SESSION_NEW),
        ("src/auth/config.ts", CONFIG_OLD, CONFIG_NEW),
        ("src/auth/__tests__/session.test.ts", None, SESSION_TEST),
    ):
        repo.files[path] = agent.unified_diff(path, old, new)


def _hook_logs(replica: Replica, at: datetime) -> None:
    global_out = "Installing global tooling\n\nadded 1 package in 2s\nGlobal tooling ready\n"
    long_lines = "".join(
        f"Progress: resolved {i * 37}, reused {i * 35}, downloaded {i * 2}, added {i * 30}\n"
        for i in range(1, 80)
    )
    web_out = (
        "Installing dependencies\nLockfile is up to date, resolution step is skipped\n"
        + long_lines
        + "… (output truncated: showing the first part of the log)\n"
    )
    replica.warm_logs = [
        {
            "hookType": "global",
            "hookName": "global",
            "hookScript": '#!/usr/bin/env bash\nset -euo pipefail\necho "Installing global tooling"\nnpm install -g pnpm\necho "Global tooling ready"\n',
            "output": global_out,
            "outputTruncated": False,
            "outputTotalChars": len(global_out),
            "exitCode": 0,
            "timedOut": False,
            "executedAt": iso(at - timedelta(minutes=3)),
        },
        {
            "hookType": "repository",
            "hookName": "acme/web",
            "hookScript": "#!/usr/bin/env bash\nset -euo pipefail\npnpm install --frozen-lockfile\nnpx playwright install --with-deps chromium\n",
            "output": web_out,
            "outputTruncated": True,
            "outputTotalChars": 184_233,
            "exitCode": 0,
            "timedOut": False,
            "executedAt": iso(at - timedelta(minutes=2)),
        },
    ]
    env_out = "Dev server starting on :3000\n"
    seed_out = (
        "$ pnpm db:migrate && pnpm db:seed\nApplying migration 0042_sessions_ttl … done\n"
        "Seeding 50,000 demo users …\n[start hook] timed out after 300s; the process was killed\n"
    )
    replica.start_logs = [
        {
            "hookType": "environment",
            "hookName": "environment",
            "repoName": "environment",
            "hookCommands": [
                "pnpm dev > /tmp/dev.log 2>&1 &",
                'echo "Dev server starting on :3000"',
            ],
            "output": env_out,
            "outputTruncated": False,
            "outputTotalChars": len(env_out),
            "exitCode": 0,
            "timedOut": False,
            "executedAt": iso(at - timedelta(minutes=1)),
        },
        {
            "hookType": "repository",
            "hookName": "acme/web",
            "repoName": "acme/web",
            "hookCommands": ["pnpm db:migrate", "pnpm db:seed"],
            "output": seed_out,
            "outputTruncated": False,
            "outputTotalChars": len(seed_out),
            "exitCode": 124,
            "timedOut": True,
            "executedAt": iso(at - timedelta(seconds=30)),
        },
    ]


def _canvas(replica: Replica, files: dict[str, bytes | int]) -> None:
    for filename, data in files.items():
        if isinstance(data, int):
            replica.canvas[filename] = {"filename": filename, "data": None, "size": data}
        else:
            replica.canvas[filename] = {"filename": filename, "data": data, "size": len(data)}


def _preview(replica: Replica, port: int, at: datetime) -> None:
    replica.previews[port] = {
        "port": port,
        "publicUrl": f"https://{port}-{replica.short}.preview.replicas.dev",
        "createdAt": iso(at),
    }


def _ready(replica: Replica) -> None:
    for repo in replica.repos:
        repo.start_hooks_completed = True


def seed(store: Store) -> None:
    t = now()
    day = timedelta(days=1)

    # 1. Ada's active dashboard replica: the showcase.
    r = build_replica(
        store,
        replica_id=replica_uuid("fix-session-timeout"),
        name="fix-session-timeout",
        source="dashboard",
        user_id=ADA,
        env=_env(store, "web"),
        repositories=_repos(store, "acme/web"),
        coding_agent="claude",
        model="sonnet",
        status="active",
        created_at=t - timedelta(hours=5),
    )
    _ready(r)
    start = r.created_at + timedelta(minutes=2)
    claude = _chat(r, "claude", "Fix session timeout", start, model="sonnet")
    end = _turns(
        r,
        claude,
        start,
        [
            (
                "Users get logged out after about 5 minutes instead of 30. Find the cause in the "
                "session middleware and fix it.",
                ADA,
                {},
            ),
            (
                "/plan Also cover the refresh token flow with regression tests",
                ADA,
                {"plan_mode": True},
            ),
        ],
    )
    codex = _chat(r, "codex", "Write regression tests", end, model="gpt-5.4")
    _turns(
        r,
        codex,
        end + timedelta(minutes=3),
        [("Write regression tests for the cookie expiry", GRACE, {})],
    )
    _add_diffs(r)
    _hook_logs(r, r.created_at + timedelta(minutes=1))
    _canvas(
        r,
        {
            "session-timeout-plan.md": PLAN_MD.encode(),
            "coverage-report.html": COVERAGE_HTML.encode(),
            "login-screenshot.png": make_png(),
            "architecture.svg": ARCH_SVG.encode(),
            "repro-recording.mp4": TINY_MP4,
            "session-expired.wav": make_wav(),
            "session-metrics.csv": METRICS_CSV.encode(),
            "full-trace.har": 7 * 1024 * 1024 + 123_457,
        },
    )
    _preview(r, 3000, r.created_at + timedelta(minutes=3))
    _preview(r, 6006, r.created_at + timedelta(minutes=40))

    # 2. Grace's API replica on the platform repository set: a busy chat with a queue.
    r = build_replica(
        store,
        replica_id=replica_uuid("billing-csv-export"),
        name="billing-csv-export",
        source="api",
        user_id=GRACE,
        env=_env(store, "platform"),
        repositories=_repos(store, "acme/api", "acme/infra"),
        coding_agent="cursor",
        model="composer-2",
        status="active",
        created_at=t - timedelta(hours=2),
    )
    _ready(r)
    start = r.created_at + timedelta(minutes=1)
    cursor = _chat(r, "cursor", "CSV export endpoint", start, model="composer-2")
    end = _turns(
        r,
        cursor,
        start,
        [("Add a CSV export endpoint for invoices at /invoices/export", GRACE, {})],
    )
    cursor.busy_forever = True
    cursor.current = _msg(r.name, 90, "Stream the CSV instead of building it in memory", end, GRACE)
    agent.record_sender(cursor, cursor.current, end)
    cursor.queue = [
        _msg(r.name, 91, "Add a `from`/`to` date filter", end + timedelta(minutes=1), GRACE),
        _msg(
            r.name, 92, "Include the customer's VAT number column", end + timedelta(minutes=2), ADA
        ),
        _msg(r.name, 93, "Then open a PR against main", end + timedelta(minutes=3), GRACE),
    ]
    cursor.last_message_text = cursor.queue[-1].message
    cursor.last_message_at = cursor.queue[-1].queued_at
    opencode = _chat(r, "opencode", "Terraform for the export bucket", end, model="z-ai/glm-5.2")
    _turns(r, opencode, end, [("Create an S3 bucket for the exports in the infra repo", GRACE, {})])
    _canvas(
        r,
        {
            "export-sample.csv": b"invoice_id,customer,total,currency\nINV-1001,Acme Ltd,1200.00,EUR\nINV-1002,Globex,89.90,USD\n",
            "api-design.md": b"# Invoice export API\n\n`GET /invoices/export?from=2026-01-01&to=2026-01-31`\n\nReturns `text/csv`.\n",
        },
    )
    _hook_logs(r, r.created_at)

    # 3. Alan's Linear replica on the mobile app.
    r = build_replica(
        store,
        replica_id=replica_uuid("mobile-push-notifications"),
        name="mobile-push-notifications",
        source="linear",
        user_id=ALAN,
        env=_env(store, "global"),
        repositories=_repos(store, "acme/mobile"),
        coding_agent="opencode",
        status="active",
        created_at=t - 2 * day,
    )
    _ready(r)
    start = r.created_at + timedelta(minutes=4)
    oc = _chat(r, "opencode", "Push notification opt-in", start, model="minimax/minimax-m3")
    end = _turns(
        r, oc, start, [("ENG-482: ask for notification permission after onboarding", ALAN, {})]
    )
    cl = _chat(r, "claude", "Review the opt-in copy", end, model="opus[1m]")
    _turns(
        r,
        cl,
        end,
        [("/fast Review the permission prompt copy for tone", ALAN, {"fast_mode": True})],
    )

    # 4. Alan's Slack replica, asleep: a Pi chat.
    r = build_replica(
        store,
        replica_id=replica_uuid("docs-refresh"),
        name="docs-refresh",
        source="slack",
        user_id=ALAN,
        env=_env(store, "global"),
        repositories=_repos(store, "acme/docs"),
        coding_agent="claude",
        status="active",
        created_at=t - 3 * day,
    )
    _ready(r)
    start = r.created_at + timedelta(minutes=2)
    pi = _chat(r, "pi", "Refresh the API docs", start, model="moonshotai/kimi-k2.6")
    _turns(
        r,
        pi,
        start,
        [("Update the authentication page of the docs for personal API keys", ALAN, {})],
    )
    r.set_status("sleeping")
    r.compute_seconds = 41 * 60

    # 5. An automation's replica, archived after its PR merged (created by the org bot).
    r = build_replica(
        store,
        replica_id=replica_uuid("dependency-upgrades-may"),
        name="dependency-upgrades-may",
        source="automation",
        user_id=None,
        env=_env(store, "web"),
        repositories=_repos(store, "acme/web"),
        coding_agent="claude",
        lifecycle_policy="delete_after_inactivity",
        status="active",
        created_at=t - 9 * day,
    )
    _ready(r)
    start = r.created_at + timedelta(minutes=1)
    ch = _chat(r, "claude", "Weekly dependency upgrades", start)
    _turns(r, ch, start, [("Upgrade minor and patch dependencies and open one PR", None, {})])
    for pr in r.pull_requests:
        pr["state"] = "merged"
        pr["merged_at"] = r.created_at + timedelta(hours=20)
    r.set_status("archived")
    r.compute_seconds = 18 * 60
    r.last_activity_at = r.created_at + timedelta(hours=21)

    # 6. Ada's GitHub-triggered replica that died (OOM).
    r = build_replica(
        store,
        replica_id=replica_uuid("flaky-e2e-investigation"),
        name="flaky-e2e-investigation",
        source="github",
        user_id=ADA,
        env=_env(store, "web"),
        repositories=_repos(store, "acme/web"),
        coding_agent="codex",
        status="active",
        created_at=t - day,
    )
    _ready(r)
    start = r.created_at + timedelta(minutes=1)
    cx = _chat(r, "codex", "Flaky checkout e2e", start, model="gpt-5.3-codex")
    _turns(
        r,
        cx,
        start,
        [("The checkout e2e spec fails 1 in 5 runs on CI. Investigate the flakiness.", ADA, {})],
    )
    r.set_status("error")
    r.error_message = "Sandbox terminated: out of memory (OOM) while running `pnpm test:e2e`."
    r.config["provisioning_error"] = {"message": r.error_message}
    r.compute_seconds = 12 * 60

    # 7. The bot's fresh API replica, still preparing (held there until forced).
    r = build_replica(
        store,
        replica_id=replica_uuid("gitlab-ci-migration"),
        name="gitlab-ci-migration",
        source="api",
        user_id=None,
        env=_env(store, "platform"),
        repositories=_repos(store, "acme/api", "acme/infra"),
        coding_agent="codex",
        status="preparing",
        created_at=t - timedelta(minutes=1),
    )
    ch = _chat(r, "codex", "Migrate CI to GitLab", r.created_at)
    r.deferred.append(
        (
            ch.id,
            _msg(
                r.name, 0, "Port the GitHub Actions workflows to .gitlab-ci.yml", r.created_at, None
            ),
        )
    )
