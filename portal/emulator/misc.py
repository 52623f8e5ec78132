"""Emulator area: repositories and repository sets, profile, analytics, previews.

`store.misc` (a `MiscStore`) holds the demo org's repositories and repository sets (created
in `init()` when the emulator is seeded, so the environments area can bind to them during
its own seed), the users' profiles and uploaded avatars, and a synthetic history of past
workspaces that, with the live replicas, feeds the analytics overview.

Repository ids are uuid5 of their names, shared with the environments area:
`repository_uuid("acme/web")`.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .http import ApiError, json_body, json_object, now, ok
from .state import DEMO_USERS, Store
from .validation import UPDATE_PROFILE_JSON, check, is_uuid, parse_datetime

ADMIN_USER_IDS = {DEMO_USERS[0]["id"]}  # Ada is the demo org's admin; Grace and Alan members
AVATAR_MAX_BYTES = 5 * 1024 * 1024
# The demo engine secret every emulated workspace accepts (besides its own, which
# GET /_emulator/replicas/{id} shows) for the agent-mode `DELETE /v1/previews/{port}`.
DEMO_ENGINE_SECRET = "engine-secret-demo"
AVATAR_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def repository_uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"replica-emulator/repository/{name}"))


# name, host, default branch
REPOSITORIES = (
    ("acme/web", "github.com", "main"),
    ("acme/api", "github.com", "main"),
    ("acme/infra", "gitlab.com", "main"),
    ("acme/mobile", "github.com", "develop"),
    ("acme/data-pipeline", "gitlab.com", "master"),
    ("acme/docs", "github.com", "main"),
)
# name, description, member repositories
REPOSITORY_SETS = (
    ("acme/platform", "Backend API and infrastructure", ("acme/api", "acme/infra")),
    ("acme/data", None, ("acme/data-pipeline", "acme/api")),
    (
        "acme/product",
        "Web and mobile clients with their docs",
        ("acme/web", "acme/mobile", "acme/docs"),
    ),
)


class MiscStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.repositories: list[dict] = []
        self.repository_sets: list[dict] = []
        self.profiles: dict[str, dict] = {
            u["id"]: {
                "userId": u["id"],
                "email": u["email"],
                "displayName": u["name"],
                "avatarUrl": None,
            }
            for u in DEMO_USERS
        }
        self.avatars: dict[str, tuple[bytes, str]] = {}
        self.history: list[dict] = []  # past workspaces: created_at, source, minutes, prs

    def repository(self, repo_id: str) -> dict | None:
        return next((r for r in self.repositories if r["id"] == repo_id), None)

    def repository_set(self, set_id: str) -> dict | None:
        return next((s for s in self.repository_sets if s["id"] == set_id), None)


def _seed_repositories(misc: MiscStore) -> None:
    by_name = {}
    for name, host, branch in REPOSITORIES:
        repo = {
            "id": repository_uuid(name),
            "name": name,
            "url": f"https://{host}/{name}",
            "default_branch": branch,
        }
        misc.repositories.append(repo)
        by_name[name] = repo
    for name, description, members in REPOSITORY_SETS:
        misc.repository_sets.append(
            {
                "id": repository_uuid(name),
                "name": name,
                "description": description,
                "repositories": [dict(by_name[m]) for m in members],
            }
        )


SOURCE_WEIGHTS = (
    ("dashboard", 40),
    ("api", 20),
    ("automation", 18),
    ("slack", 10),
    ("github", 6),
    ("linear", 4),
    ("gitlab", 2),
)


def _seed_history(misc: MiscStore, days: int = 400) -> None:
    """Deterministic past workspaces (gone now) so the analytics charts have a shape: weekdays
    busier than weekends, and a team growing into the product (about half as many a
    year ago), over 13 months so a year per month is full."""
    rng = random.Random(20260517)
    today = now().replace(hour=0, minute=0, second=0, microsecond=0)
    sources = [s for s, _ in SOURCE_WEIGHTS]
    weights = [w for _, w in SOURCE_WEIGHTS]
    for day in range(days, 0, -1):
        date = today - timedelta(days=day)
        weekday = date.weekday() < 5
        growth = 0.5 + 0.5 * (1 - day / days)
        for _ in range(round((rng.randint(2, 9) if weekday else rng.randint(0, 3)) * growth)):
            created = date + timedelta(seconds=rng.randint(7 * 3600, 20 * 3600))
            prs = []
            if rng.random() < 0.55:
                opened = created + timedelta(minutes=rng.randint(10, 240))
                roll = rng.random()
                merged = opened + timedelta(hours=rng.randint(2, 60)) if roll < 0.7 else None
                closed = opened + timedelta(hours=rng.randint(4, 96)) if 0.7 <= roll < 0.8 else None
                prs.append({"opened_at": opened, "merged_at": merged, "closed_at": closed})
            misc.history.append(
                {
                    "created_at": created,
                    "source": rng.choices(sources, weights)[0],
                    "compute_minutes": round(rng.uniform(4, 95), 1),
                    "prs": prs,
                }
            )


# --- repositories --------------------------------------------------------------------------


def _misc(request: Request) -> MiscStore:
    return request.app.state.store.misc


async def list_repositories(request: Request) -> JSONResponse:
    return ok({"repositories": [dict(r) for r in _misc(request).repositories]})


async def list_repository_sets(request: Request) -> JSONResponse:
    sets = [
        {**s, "repositories": [dict(r) for r in s["repositories"]]}
        for s in _misc(request).repository_sets
    ]
    return ok({"repository_sets": sets})


# --- profile -------------------------------------------------------------------------------


def _profile_for(request: Request) -> dict:
    principal = request.state.principal
    profile = _misc(request).profiles.get(principal.user_id or "")
    if profile is None:
        raise ApiError(
            404,
            "Profile not found",
            "The organization API key acts as the Replicas bot, which has no user profile; "
            "use a personal API key.",
        )
    return profile


async def get_profile(request: Request) -> JSONResponse:
    return ok({"profile": dict(_profile_for(request))})


def parse_multipart(content_type: str, body: bytes) -> dict[str, dict]:
    """multipart/form-data -> {name: {"filename", "content_type", "data"}} (stdlib only)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("not a multipart body")
    fields: dict[str, dict] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        fields[str(name)] = {
            "filename": part.get_filename(),
            "content_type": part.get_content_type() if part.get("content-type") else None,
            "data": data,
        }
    return fields


def _check_display_name(value: Any) -> str:
    if not isinstance(value, str):
        raise ApiError(400, "Invalid request body", "displayName must be a string.")
    name = value.strip()
    if not 1 <= len(name) <= 80:
        raise ApiError(400, "Invalid request body", "displayName must be 1 to 80 characters.")
    return name


async def update_profile(request: Request) -> JSONResponse:
    misc = _misc(request)
    profile = _profile_for(request)
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("multipart/form-data"):
        raw = await request.body()
        try:
            fields = parse_multipart(content_type, raw)
        except ValueError:
            raise ApiError(400, "Invalid request body", "Malformed multipart body.") from None
        if "displayName" not in fields:
            raise ApiError(400, "Invalid request body", "displayName is required.")
        name = _check_display_name(fields["displayName"]["data"].decode("utf-8", "replace"))
        remove = fields.get("removeAvatar")
        if remove is not None and remove["data"].decode() != "true":
            raise ApiError(400, "Invalid request body", "removeAvatar must be 'true'.")
        avatar = fields.get("avatar")
        if avatar is not None and avatar["data"]:
            kind = (avatar["content_type"] or "").lower()
            if kind not in AVATAR_TYPES:
                raise ApiError(
                    400, "Invalid avatar", "The avatar must be a PNG, JPEG, GIF or WebP image."
                )
            if len(avatar["data"]) > AVATAR_MAX_BYTES:
                raise ApiError(400, "Invalid avatar", "The avatar must be at most 5 MB.")
            digest = hashlib.sha256(avatar["data"]).hexdigest()[:16]
            key = f"{profile['userId']}-{digest}.{AVATAR_TYPES[kind]}"
            misc.avatars[key] = (avatar["data"], kind)
            profile["avatarUrl"] = str(request.base_url).rstrip("/") + f"/_emulator/avatars/{key}"
        elif remove is not None:
            profile["avatarUrl"] = None
        profile["displayName"] = name
        return ok({"profile": dict(profile)})
    body = json_object(await json_body(request))
    check(body, UPDATE_PROFILE_JSON)
    profile["displayName"] = _check_display_name(body["displayName"])
    profile["avatarUrl"] = body["avatarUrl"]
    return ok({"profile": dict(profile)})


async def get_avatar(request: Request) -> Response:
    found = _misc(request).avatars.get(request.path_params["key"])
    if found is None:
        return JSONResponse({"error": "Not found", "details": None}, status_code=404)
    data, kind = found
    return Response(data, media_type=kind, headers={"Cache-Control": "public, max-age=3600"})


# --- analytics -----------------------------------------------------------------------------

MAX_BUCKETS = {"day": 400, "week": 270, "month": 120}


def _floor(dt: datetime, bucket: str) -> datetime:
    day = dt.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _next(dt: datetime, bucket: str) -> datetime:
    if bucket == "day":
        return dt + timedelta(days=1)
    if bucket == "week":
        return dt + timedelta(days=7)
    return (dt.replace(day=28) + timedelta(days=4)).replace(day=1)


def _time_param(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    parsed = parse_datetime(raw)
    if parsed is None:
        raise ApiError(400, "Invalid query parameter", f"{name} must be an ISO 8601 timestamp.")
    return parsed.astimezone(UTC)


def _records(store: Store) -> list[dict]:
    """Every workspace ever created: the synthetic past plus the replicas (deleted too)."""
    records = list(store.misc.history)
    replicas = getattr(store.replicas, "items", {}) or {}
    for replica in replicas.values():
        records.append(
            {
                "created_at": replica.created_at,
                "source": replica.source,
                "compute_minutes": replica.compute_minutes(),
                "prs": [
                    {
                        "opened_at": pr.get("opened_at"),
                        "merged_at": pr.get("merged_at"),
                        "closed_at": pr.get("closed_at"),
                    }
                    for pr in replica.pull_requests
                ],
            }
        )
    return records


async def analytics_overview(request: Request) -> JSONResponse:
    store: Store = request.app.state.store
    principal = request.state.principal
    if not principal.is_org and principal.user_id not in ADMIN_USER_IDS:
        raise ApiError(403, "Forbidden", "Analytics are available to organization admins only.")
    bucket = request.query_params.get("bucket") or "day"
    if bucket not in MAX_BUCKETS:
        raise ApiError(400, "Invalid query parameter", "bucket must be one of: day, week, month.")
    end = _time_param(request, "end") or now()
    start = _time_param(request, "start") or end - timedelta(days=30)
    if start >= end:
        raise ApiError(400, "Invalid query parameter", "start must be before end.")
    keys: list[datetime] = []
    cursor = _floor(start, bucket)
    while cursor < end:
        keys.append(cursor)
        if len(keys) > MAX_BUCKETS[bucket]:
            raise ApiError(
                400,
                "Invalid query parameter",
                f"The range is too long for {bucket} buckets (max {MAX_BUCKETS[bucket]}).",
            )
        cursor = _next(cursor, bucket)
    points = {
        k: {"workspacesCreated": 0, "prsOpened": 0, "prsMerged": 0, "prsClosed": 0} for k in keys
    }
    usage: dict[datetime, dict[str, float]] = {k: {} for k in keys}
    sources: dict[str, int] = {}

    def slot(at: datetime | None) -> datetime | None:
        if at is None or not start <= at < end:
            return None
        key = _floor(at, bucket)
        return key if key in points else None

    for record in _records(store):
        key = slot(record["created_at"])
        if key is not None:
            points[key]["workspacesCreated"] += 1
            sources[record["source"]] = sources.get(record["source"], 0) + 1
            by_source = usage[key]
            by_source[record["source"]] = round(
                by_source.get(record["source"], 0.0) + record["compute_minutes"], 2
            )
        for pr in record["prs"]:
            for field_name, counter in (
                ("opened_at", "prsOpened"),
                ("merged_at", "prsMerged"),
                ("closed_at", "prsClosed"),
            ):
                pr_key = slot(pr.get(field_name))
                if pr_key is not None:
                    points[pr_key][counter] += 1
    summary = {
        name: sum(p[name] for p in points.values())
        for name in ("workspacesCreated", "prsOpened", "prsMerged", "prsClosed")
    }
    summary["computeMinutes"] = round(sum(sum(u.values()) for u in usage.values()), 2)
    return ok(
        {
            "bucket": bucket,
            "start": _iso(start),
            "end": _iso(end),
            "points": [{"bucket": k.date().isoformat(), **points[k]} for k in keys],
            "summary": summary,
            "sources": [
                {"source": s, "count": c}
                for s, c in sorted(sources.items(), key=lambda item: (-item[1], item[0]))
            ],
            "usage": [{"bucket": k.date().isoformat(), "bySource": usage[k]} for k in keys],
        }
    )


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- previews ------------------------------------------------------------------------------


def _port(request: Request) -> int:
    raw = request.path_params["port"]
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ApiError(400, "Invalid port", "port must be an integer between 1 and 65535.")
    return int(raw)


def _remove_preview(replica: Any, port: int) -> JSONResponse:
    if replica.status == "sleeping":
        raise ApiError(409, "Workspace is sleeping", "Wake it before changing previews.")
    if replica.status == "error":
        raise ApiError(409, "Workspace is in error state", replica.error_message)
    if port not in replica.previews:
        raise ApiError(404, "Preview not found", f"Port {port} has no preview.")
    del replica.previews[port]
    replica.emit("preview.changed", {"previews": list(replica.previews.values())})
    return ok({"success": True, "port": port})


async def delete_workspace_preview(request: Request) -> JSONResponse:
    store: Store = request.app.state.store
    workspace_id = request.path_params["workspaceId"]
    if not is_uuid(workspace_id):
        raise ApiError(400, "Invalid workspace ID", f"{workspace_id!r} is not a UUID.")
    port = _port(request)
    replica = store.replicas.find(workspace_id.lower())
    if replica is None:
        raise ApiError(404, "Workspace not found", None)
    return _remove_preview(replica, port)


async def delete_agent_preview(request: Request) -> JSONResponse:
    """Agent mode: `Authorization: Bearer <engine secret>` plus `X-Workspace-Id`.

    The path is public in the auth middleware; this handler authenticates: the bearer must
    be the workspace's engine secret (GET /_emulator/replicas/{id} shows it), the demo
    engine secret `engine-secret-demo`, or, leniently, an API key of the organization.
    """
    store: Store = request.app.state.store
    auth = request.headers.get("authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    workspace_id = request.headers.get("x-workspace-id", "").strip()
    if not token:
        raise ApiError(401, "Unauthorized", "Missing Authorization header.")
    if not workspace_id:
        raise ApiError(401, "Unauthorized", "Missing X-Workspace-Id header.")
    replica = store.replicas.find(workspace_id.lower()) if is_uuid(workspace_id) else None
    secrets = {DEMO_ENGINE_SECRET, getattr(replica, "engine_secret", None)}
    if token not in secrets and store.principal_for(token) is None:
        raise ApiError(401, "Unauthorized", "Invalid engine secret for this workspace.")
    port = _port(request)
    if replica is None:
        raise ApiError(404, "Workspace not found", None)
    return _remove_preview(replica, port)


routes = [
    Route("/v1/replica/repositories", list_repositories, methods=["GET"]),
    Route("/v1/replica/repository-sets", list_repository_sets, methods=["GET"]),
    Route("/v1/user/profile", get_profile, methods=["GET"]),
    Route("/v1/user/profile", update_profile, methods=["PUT"]),
    Route("/v1/analytics/overview", analytics_overview, methods=["GET"]),
    Route("/v1/previews/{port}", delete_agent_preview, methods=["DELETE"]),
    Route(
        "/v1/workspaces/{workspaceId}/previews/{port}", delete_workspace_preview, methods=["DELETE"]
    ),
]

control_routes = [Route("/_emulator/avatars/{key}", get_avatar, methods=["GET"])]


def init(store: Store) -> None:
    store.misc = MiscStore(store)
    if store.config.seed:
        _seed_repositories(store.misc)
        _seed_history(store.misc)


def seed(store: Store) -> None:
    pass  # repositories and history are created in init(), before the other areas seed
