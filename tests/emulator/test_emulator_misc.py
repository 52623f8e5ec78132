"""The emulator's misc area: repositories and sets, profile (JSON and multipart), analytics,
previews (workspace route and the agent-mode route with an engine secret)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from portal.replica_api import errors, models
from tests.conftest import MEMBER_KEY, ORG_KEY, PERSONAL_KEY
from tests.emulator.test_emulator_replicas import client, create, repository_id, set_state

pytestmark = pytest.mark.emulator
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_repositories_and_sets(emulator, api):
    repos = api.list_repositories().repositories
    by_name = {r.name: r for r in repos}
    assert {"acme/web", "acme/api", "acme/infra"} <= set(by_name)
    assert str(by_name["acme/web"].id) == repository_id("acme/web")
    hosts = {str(r.url).split("/")[2] for r in repos}
    assert hosts == {"github.com", "gitlab.com"}
    sets = {s.name: s for s in api.list_repository_sets().repository_sets}
    platform = sets["acme/platform"]
    assert str(platform.id) == repository_id("acme/platform")
    assert {r.name for r in platform.repositories} == {"acme/api", "acme/infra"}
    assert any(s.description is None for s in sets.values())


def test_profile_get_and_update_json(emulator):
    ada = client(emulator, PERSONAL_KEY)
    grace = client(emulator, MEMBER_KEY)
    before = ada.get("/v1/user/profile").json()["profile"]
    assert before["email"] == "ada@example.com"
    assert grace.get("/v1/user/profile").json()["profile"]["email"] == "grace@example.com"
    assert client(emulator, ORG_KEY).get("/v1/user/profile").status_code == 404
    try:
        r = ada.put(
            "/v1/user/profile",
            json={"displayName": "Countess Ada", "avatarUrl": "https://example.com/a.png"},
        )
        assert r.status_code == 200
        assert r.json()["profile"] == {
            **before,
            "displayName": "Countess Ada",
            "avatarUrl": "https://example.com/a.png",
        }
        assert ada.get("/v1/user/profile").json()["profile"]["displayName"] == "Countess Ada"
        for bad in (
            {"displayName": "Ada"},  # avatarUrl is required (nullable) in the JSON form
            {"displayName": "", "avatarUrl": None},
            {"displayName": "x" * 81, "avatarUrl": None},
            {"displayName": "Ada", "avatarUrl": "not a url"},
            {"avatarUrl": None},
        ):
            assert ada.put("/v1/user/profile", json=bad).status_code == 400, bad
    finally:
        ada.put(
            "/v1/user/profile",
            json={"displayName": before["displayName"], "avatarUrl": before["avatarUrl"]},
        )


def test_profile_multipart_avatar_upload_and_removal(emulator, personal_api):
    ada = client(emulator, PERSONAL_KEY)
    before = ada.get("/v1/user/profile").json()["profile"]
    try:
        updated = personal_api.update_user_profile(
            "Ada (avatar)", avatar=("me.png", PNG, "image/png")
        )
        assert isinstance(updated, models.GetUserProfileResponse)
        url = str(updated.profile.avatarUrl)
        assert updated.profile.displayName == "Ada (avatar)" and url.startswith(emulator.url)
        served = httpx.get(url)
        assert served.status_code == 200 and served.content == PNG
        assert served.headers["content-type"] == "image/png"
        removed = personal_api.update_user_profile("Ada (no avatar)", remove_avatar=True)
        assert removed.profile.avatarUrl is None
        with pytest.raises(errors.BadRequest):
            personal_api.update_user_profile("Ada", avatar=("me.txt", b"hello", "text/plain"))
        r = ada.put("/v1/user/profile", files={"avatar": ("a.png", PNG, "image/png")})
        assert r.status_code == 400  # displayName is required
        r = ada.put(
            "/v1/user/profile",
            data={"displayName": "Ada", "removeAvatar": "yes"},
            files={"x": ("x", b"x")},
        )
        assert r.status_code == 400
    finally:
        ada.put(
            "/v1/user/profile",
            json={"displayName": before["displayName"], "avatarUrl": before["avatarUrl"]},
        )


def test_analytics_overview_for_admins(emulator, api):
    overview = api.get_analytics_overview()
    assert overview.bucket.value == "day" and len(overview.points) in (30, 31)
    summary = overview.summary
    assert summary.workspacesCreated == sum(p.workspacesCreated for p in overview.points) > 0
    assert summary.prsOpened == sum(p.prsOpened for p in overview.points)
    assert summary.prsMerged == sum(p.prsMerged for p in overview.points)
    assert sum(s.count for s in overview.sources) == summary.workspacesCreated
    total_minutes = sum(sum(u.bySource.values()) for u in overview.usage)
    assert abs(total_minutes - summary.computeMinutes) < 0.1
    ada = client(emulator, PERSONAL_KEY)
    assert ada.get("/v1/analytics/overview").status_code == 200  # Ada is the org admin
    assert client(emulator, MEMBER_KEY).get("/v1/analytics/overview").status_code == 403
    end = datetime(2026, 6, 30, tzinfo=UTC)
    weekly = ada.get(
        "/v1/analytics/overview",
        params={
            "bucket": "week",
            "start": (end - timedelta(days=70)).isoformat(),
            "end": end.isoformat(),
        },
    ).json()
    buckets = [p["bucket"] for p in weekly["points"]]
    assert all(datetime.fromisoformat(b).weekday() == 0 for b in buckets)  # weeks start on Monday
    monthly = ada.get(
        "/v1/analytics/overview",
        params={"bucket": "month", "start": "2026-01-15T00:00:00Z", "end": "2026-04-01T00:00:00Z"},
    ).json()
    assert [p["bucket"] for p in monthly["points"]] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    for params in (
        {"bucket": "hour"},
        {"start": "yesterday"},
        {"start": "2026-02-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"},
        {"bucket": "day", "start": "2020-01-01T00:00:00Z"},  # too many day buckets
    ):
        assert ada.get("/v1/analytics/overview", params=params).status_code == 400, params


def test_new_replicas_count_in_analytics(emulator):
    c = client(emulator)
    before = c.get("/v1/analytics/overview").json()["summary"]["workspacesCreated"]
    create(c, wait=False)
    after = c.get("/v1/analytics/overview").json()["summary"]["workspacesCreated"]
    assert after == before + 1


def test_workspace_and_agent_previews(emulator):
    c = client(emulator)
    rid = create(c)["id"]  # a workspace with repositories gets previews on 3000 and 3001
    r = c.delete(f"/v1/workspaces/{rid}/previews/3000")
    assert r.status_code == 200 and r.json() == {"success": True, "port": 3000}
    assert c.delete(f"/v1/workspaces/{rid}/previews/3000").status_code == 404
    assert c.delete(f"/v1/workspaces/{rid}/previews/70000").status_code == 400
    assert c.delete(f"/v1/workspaces/{rid}/previews/http").status_code == 400
    assert c.delete("/v1/workspaces/nope/previews/3000").status_code == 400
    assert c.delete(f"/v1/workspaces/{uuid.uuid4()}/previews/3000").status_code == 404

    secret = emulator.control(f"replicas/{rid}")["engine_secret"]
    agent = httpx.Client(base_url=emulator.url, timeout=10)
    assert (
        agent.delete("/v1/previews/3001", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )
    wrong = {"Authorization": "Bearer rse_wrong", "X-Workspace-Id": rid}
    assert agent.delete("/v1/previews/3001", headers=wrong).status_code == 401
    assert agent.delete("/v1/previews/3001", headers={"X-Workspace-Id": rid}).status_code == 401
    ok = agent.delete(
        "/v1/previews/3001", headers={"Authorization": f"Bearer {secret}", "X-Workspace-Id": rid}
    )
    assert ok.status_code == 200 and ok.json() == {"success": True, "port": 3001}
    assert c.get(f"/_emulator/replicas/{rid}").status_code == 200

    set_state(emulator, rid, "sleeping")
    r = c.delete(f"/v1/workspaces/{rid}/previews/3001")
    assert r.status_code == 409 and "sleeping" in r.json()["error"].lower()
