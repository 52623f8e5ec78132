"""Every operation the service module covers, called once against the emulator over real HTTP.

The emulator runs with the contract checker, so each request the service module sends and
each response the emulator gives is validated against openapi.json (a violation fails the
test). At the end, every covered operationId must have been answered with a 2xx.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time

import pytest

from portal.replica_api import AsyncReplicaAPI, ReplicaAPI, StreamEvent, errors, models, types
from portal.replica_api.operations import Operations, StreamOperations
from tests.conftest import ORG_KEY, SPEC_PATH

IN_SCOPE_TAGS = {
    "Replica",
    "Repository",
    "Environments",
    "Automation",
    "Preview",
    "Profile",
    "Analytics",
}
GUIDE_ONLY = {
    "wakeReplica",
    "saveAndTestEnvironmentWarmHookStream",
    "getEnvironmentRepositoryWarmHooks",
    "getEnvironmentRepositoryStartHooks",
}


def spec_operation_ids() -> set[str]:
    spec = json.loads(SPEC_PATH.read_text())
    ids = set()
    for item in spec["paths"].values():
        for method, op in item.items():
            if method in {"get", "post", "put", "patch", "delete"} and IN_SCOPE_TAGS & set(
                op.get("tags", [])
            ):
                ids.add(op["operationId"])
    return ids


def covered_operation_ids() -> set[str]:
    """operationIds named in the service module's source, one method per operation."""
    found = set()
    for cls in (Operations, StreamOperations):
        for name, fn in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_"):
                continue
            source = inspect.getsource(fn)
            start = source.index("Call(") + len("Call(")
            found.add(source[start:].split(",")[0].strip().strip('"'))
    return found


def test_service_module_has_one_method_per_operation():
    assert covered_operation_ids() == spec_operation_ids() | GUIDE_ONLY


def wait_for_status(api: ReplicaAPI, replica_id: str, status: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api.get_replica(replica_id).replica.status.value == status:
            return
        time.sleep(0.1)
    raise AssertionError(f"replica {replica_id} never became {status}")


def test_every_operation_against_the_emulator(emulator, api, personal_api, api_settings):
    before = dict(emulator.control("contract")["seen"])

    # --- Repository, Profile, Analytics ---
    repos = api.list_repositories()
    assert isinstance(repos, types.ListRepositoriesResponse) and repos.repositories
    assert api.list_repository_sets().repository_sets
    profile = personal_api.get_user_profile()
    assert isinstance(profile, models.GetUserProfileResponse)
    personal_api.update_user_profile("Ada L.")
    personal_api.update_user_profile("Ada L.", avatar_url=None)
    personal_api.update_user_profile("Ada L.", avatar=("a.png", b"\x89PNG\r\n\x1a\n", "image/png"))
    assert isinstance(api.get_analytics_overview(), models.AnalyticsOverview)

    # --- Environments ---
    envs = api.list_environments()
    assert any(e.name for e in envs.environments)
    env = api.create_environment(
        {"name": "walk-env", "repository_id": str(repos.repositories[0].id)}
    )
    env_id = str(env.environment.id)
    api.get_environment(env_id)
    api.get_environment("global")
    api.update_environment(env_id, {"description": "walked"})
    var = api.create_environment_variable(env_id, {"key": "WALK_VAR", "value": "1"})
    api.list_environment_variables(env_id)
    api.update_environment_variable(env_id, str(var.environment_variable.id), {"value": "2"})
    api.delete_environment_variable(env_id, str(var.environment_variable.id))
    file = api.create_environment_file(
        env_id, {"name": "walk", "path": "~/.walkrc", "content": "x=1\n"}
    )
    api.list_environment_files(env_id)
    api.update_environment_file(env_id, str(file.environment_file.id), {"content": "x=2\n"})
    api.delete_environment_file(env_id, str(file.environment_file.id))
    found = api.search_environment_skills(q="test")
    skill = api.create_environment_skill(
        env_id,
        {"name": "Walk skill", "slug": "walk-skill", "source": "https://github.com/acme/skills"},
    )
    assert found is not None
    api.list_environment_skills(env_id)
    api.delete_environment_skill(env_id, str(skill.environment_skill.id))
    registry = api.create_environment_skills_registry(
        env_id, {"url": "https://github.com/acme/walk-skills"}
    )
    api.list_environment_skills_registries(env_id)
    api.delete_environment_skills_registry(env_id, str(registry.registry.id))
    api.list_repo_skills(env_id)
    mcp = api.create_environment_mcp(
        env_id,
        {
            "name": "walk-mcp",
            "transport": "http",
            "config": {"url": "https://mcp.example.com/mcp", "headers": {}},
        },
    )
    api.list_environment_mcps(env_id)
    api.update_environment_mcp(env_id, str(mcp.environment_mcp.id), {"name": "walk-mcp-2"})
    api.delete_environment_mcp(env_id, str(mcp.environment_mcp.id))
    api.get_environment_warm_hooks(env_id)
    api.save_environment_warm_hook(env_id, {"content": "#!/bin/sh\necho warm\n"})
    api.test_environment_warm_hook(env_id, {"content": "#!/bin/sh\necho test\n"})
    api.save_and_test_environment_warm_hook(env_id, {"content": "#!/bin/sh\necho saved\n"})
    api.get_environment_repository_warm_hooks(env_id)
    api.get_environment_start_hooks(env_id)
    api.get_environment_repository_start_hooks(env_id)
    api.save_environment_start_hook(env_id, {"content": "#!/bin/sh\necho start\n"})
    api.test_environment_start_hook(env_id, {"content": "#!/bin/sh\necho start-test\n"})
    pool = api.upsert_environment_warm_pool(env_id, {"enabled": True})
    assert pool is not None
    workspaces = None
    for candidate in envs.environments:  # a seeded environment with a warm pool and workspaces
        pool_config = api.get_environment_warm_hooks(str(candidate.id)).warm_pool
        if pool_config is not None:
            workspaces = api.list_warm_pool_workspaces(str(pool_config.id))
            if workspaces.workspaces:
                break
    assert workspaces and workspaces.workspaces, (
        "the seeded org should have a warm pool with workspaces"
    )

    async def streams() -> None:
        aapi = AsyncReplicaAPI(ORG_KEY, settings=api_settings)
        got = [
            e async for e in aapi.stream_test_environment_start_hook(env_id, {"content": "echo hi"})
        ]
        assert got and got[-1].type in {"complete", "error"}
        got = [
            e
            async for e in aapi.stream_save_and_test_environment_warm_hook(
                env_id, {"content": "echo hi"}, mode="test_only"
            )
        ]
        assert got and got[-1].type == "complete"
        if workspaces and workspaces.workspaces:
            ws_id = str(workspaces.workspaces[0].id)
            async for item in aapi.stream_warm_pool_workspace(ws_id, reconnect=False):
                assert isinstance(item, StreamEvent)
                break

    asyncio.run(streams())

    # --- Replicas ---
    created = api.create_replica(
        {"name": "walk-replica", "message": "Say hello", "environment_id": env_id}
    )
    rid = str(created.replica.id)
    assert created.replica.status.value == "preparing"
    listed = api.list_replicas(page=1, limit=50)
    assert any(str(r.id) == rid for r in listed.replicas)
    wait_for_status(api, rid, "active")
    api.get_replica(rid, include="environment")
    chats = api.list_replica_chats(rid)
    chat = api.create_replica_chat(rid, {"provider": "codex", "title": "Walk chat"})
    chat_id = str(chat.id)
    api.list_replica_slash_commands(rid, chat_id)
    sent = api.send_replica_message(rid, {"message": "first", "chat_id": chat_id})
    assert sent.status.value == "sent"
    for text in ("second", "third", "fourth", "fifth"):
        queued = api.send_replica_message(rid, {"message": text, "chat_id": chat_id})
        assert queued.status.value == "queued" and queued.position
    queue = api.get_replica_chat_queue(rid, chat_id)
    assert queue.processing and len(queue.queue) >= 3
    api.reorder_replica_chat_queue(rid, chat_id, {"messageId": queue.queue[-1].id, "position": 0})
    queue = api.get_replica_chat_queue(rid, chat_id)
    api.remove_replica_chat_queue_message(rid, chat_id, queue.queue[-1].id)
    api.clear_replica_chat_queue(rid, chat_id)
    api.read_replica_history(rid, chat_id=chat_id, limit=20)
    api.get_replica_hooks(rid)
    canvas = api.list_replica_canvas_items(rid)
    # The seeded replicas are the oldest; those made outside the API (the dashboard) are only
    # seeded ones, however many replicas earlier tests created.
    seeded = api.list_replicas(status="active", source="dashboard", limit=50).replicas
    canvas_rid = rid
    for candidate in seeded:
        items = api.list_replica_canvas_items(str(candidate.id))
        if items.items:
            canvas_rid, canvas = str(candidate.id), items
            break
    assert canvas.items, "the seeded org should have canvas items"
    api.get_replica_canvas_item(canvas_rid, canvas.items[0].filename)

    async def events() -> None:
        aapi = AsyncReplicaAPI(ORG_KEY, settings=api_settings)
        async for item in aapi.stream_replica_events(rid):
            assert isinstance(item, StreamEvent)
            break

    asyncio.run(events())
    api.delete_replica_chat(rid, str(chats.chats[0].id) if len(chats.chats) > 1 else chat_id)

    # Workspace routes (a replica is a workspace).
    api.list_workspace_chats(rid)
    ws_chat = api.create_workspace_chat(rid, {"provider": "claude", "title": "WS chat"})
    ws_chat_id = str(ws_chat.chat.id)
    api.send_workspace_chat_message(rid, ws_chat_id, {"message": "hello from the workspace API"})
    api.send_deferred_workspace_message(rid, {"message": "later", "provider": "claude"})
    previews = api.get_replica(rid).replica
    assert previews is not None
    try:
        api.delete_workspace_preview(rid, 3000)
    except errors.NotFound:
        pytest.fail("the emulator should let a preview on port 3000 be deleted")
    try:
        ReplicaAPI("engine-secret-demo", settings=api_settings).delete_agent_preview(
            3001, workspace_id=rid
        )
    except errors.NotFound:
        pytest.fail("the emulator should let an agent delete its preview on port 3001")
    api.sleep_workspace(rid)
    wait_for_status(api, rid, "sleeping")
    with pytest.raises(errors.WorkspaceSleeping):
        api.read_replica_history(rid)
    api.wake_replica(rid)
    wait_for_status(api, rid, "active")
    api.archive_workspace(rid)

    # --- Automations ---
    automation = api.create_automation(
        {
            "name": "walk-automation",
            "prompt": "Check the build",
            "environment_id": env_id,
            "triggers": [
                {"type": "cron", "config": {"schedule": "0 9 * * 1-5", "timezone": "UTC"}},
                {"type": "custom", "config": {}},
            ],
        }
    )
    aid = str(automation.automation.id)
    api.list_automations(page=1, limit=10)
    api.get_automation(aid)
    api.update_automation(aid, {"description": "walked"})
    api.trigger_automation(aid, {})
    api.list_automation_executions(aid)
    token = automation.automation.webhook_token
    assert token
    ReplicaAPI(None, settings=api_settings).fire_custom_webhook_automation(token, {"any": ["json"]})
    api.delete_automation(aid)

    api.delete_replica(rid)
    api.delete_environment(env_id)

    after = emulator.control("contract")["seen"]
    missing = sorted(op for op in covered_operation_ids() if after.get(op, 0) <= before.get(op, 0))
    assert missing == [], f"operations never answered with a 2xx: {missing}"
