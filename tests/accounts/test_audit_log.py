"""The audit log: recorded once, in the audited clients, for every mutating call."""

from __future__ import annotations

import uuid

import httpx
import pytest
import respx
from django.utils import timezone

from portal.accounts.audit import created_id, target_from_call
from portal.accounts.clients import AuditedAsyncReplicaAPI, AuditedReplicaAPI
from portal.accounts.models import AuditEntry, KeyKind
from portal.replica_api import Settings, errors
from portal.replica_api.transport import Call
from tests.accounts.personas import store_key
from tests.conftest import MEMBER_KEY, ORG_KEY, PERSONAL_KEY


@pytest.fixture
def member_key(member):
    return store_key(member, KeyKind.PERSONAL, MEMBER_KEY)


def _client(member, key, emulator, cls=AuditedReplicaAPI):
    return cls(key.secret(), user=member, key=key, settings=Settings(base_url=emulator.url))


def test_reads_are_not_recorded(member, member_key, emulator):
    api = _client(member, member_key, emulator)
    api.list_environments()
    api.get_user_profile()
    assert not AuditEntry.objects.exists()


def test_a_create_is_recorded_with_who_key_operation_and_the_new_id(member, member_key, emulator):
    api = _client(member, member_key, emulator)
    created = api.create_environment({"name": f"audit-{uuid.uuid4().hex[:8]}"})
    entry = AuditEntry.objects.get()
    assert entry.user == member and entry.username == "grace"
    assert entry.key_kind == "personal"
    assert entry.operation == "createEnvironment"
    assert entry.target_id == str(created.environment.id)
    assert entry.result == "ok"
    assert entry.status_code == 201 and entry.status_label == "201"
    assert abs((timezone.now() - entry.at).total_seconds()) < 30


def test_a_failed_mutation_is_recorded_with_the_upstream_status(member, member_key, emulator):
    api = _client(member, member_key, emulator)
    missing = str(uuid.uuid4())
    with pytest.raises(errors.NotFound):
        api.delete_environment(missing)
    entry = AuditEntry.objects.get()
    assert (entry.operation, entry.target_id, entry.result, entry.status_code) == (
        "deleteEnvironment",
        missing,
        "error",
        404,
    )


def test_an_unreachable_api_is_recorded_as_unreachable(member, member_key):
    api = AuditedReplicaAPI(
        MEMBER_KEY,
        user=member,
        key=member_key,
        settings=Settings(base_url="http://127.0.0.1:9", max_retries=0),
    )
    with pytest.raises(errors.Unreachable):
        api.delete_environment("env-1")
    entry = AuditEntry.objects.get()
    assert entry.result == "unreachable" and entry.status_code is None
    assert entry.status_label == "unreachable"


def test_nested_ids_are_all_in_the_target(member, member_key):
    with respx.mock(base_url="http://api.test") as mock:
        mock.delete("/v1/environments/env-1/variables/var-9").respond(200, json={"success": True})
        api = AuditedReplicaAPI(
            MEMBER_KEY, user=member, key=member_key, settings=Settings(base_url="http://api.test")
        )
        api.delete_environment_variable("env-1", "var-9")
    assert AuditEntry.objects.get().target_id == "env-1/var-9"


def test_org_key_calls_are_recorded_as_org(admin, emulator):
    org = store_key(admin, KeyKind.ORG, ORG_KEY)
    api = AuditedReplicaAPI(ORG_KEY, user=admin, key=org, settings=Settings(base_url=emulator.url))
    api.create_environment({"name": f"audit-{uuid.uuid4().hex[:8]}"})
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.key_kind) == (admin, "org")


def test_a_401_marks_the_key_rejected_and_is_recorded(member, emulator):
    key = store_key(member, KeyKind.PERSONAL, "rk_personal_revoked_0000000000")
    api = _client(member, key, emulator)
    with pytest.raises(errors.Unauthorized):
        api.create_environment({"name": "never"})
    key.refresh_from_db()
    assert key.rejected_at is not None
    entry = AuditEntry.objects.get()
    assert (entry.result, entry.status_code) == ("error", 401)


def test_webhook_tokens_never_reach_the_log(member, member_key):
    call = Call("fireCustomWebhookAutomation", "POST", "/v1/automations/webhook/s3cret-token")
    call.authenticated = False
    assert target_from_call(call) == "(webhook token)"


def test_created_id_finds_the_wrapped_object():
    assert created_id({"replica": {"id": "r-1"}}) == "r-1"
    assert created_id({"id": "x"}) == "x"
    assert created_id({"success": True}) is None
    assert created_id(None) is None


@pytest.mark.django_db(transaction=True)
async def test_async_client_records_with_the_async_orm(emulator):
    from django.contrib.auth import get_user_model

    user = await get_user_model().objects.acreate_user("asyncuser", password="x")
    key = await _astore(user)
    aapi = AuditedAsyncReplicaAPI(
        PERSONAL_KEY, user=user, key=key, settings=Settings(base_url=emulator.url)
    )
    await aapi.list_environments()
    created = await aapi.create_environment({"name": f"audit-{uuid.uuid4().hex[:8]}"})
    with pytest.raises(errors.NotFound):
        await aapi.delete_environment(str(uuid.uuid4()))
    entries = [e async for e in AuditEntry.objects.order_by("id")]
    assert [(e.operation, e.result, e.status_code) for e in entries] == [
        ("createEnvironment", "ok", 201),
        ("deleteEnvironment", "error", 404),
    ]
    assert entries[0].target_id == str(created.environment.id)
    await key.arefresh_from_db()
    assert key.last_used_at is not None


@pytest.mark.django_db(transaction=True)
async def test_async_post_stream_is_recorded_once(emulator):
    from django.contrib.auth import get_user_model

    user = await get_user_model().objects.acreate_user("streamer", password="x")
    key = await _astore(user)
    aapi = AuditedAsyncReplicaAPI(
        PERSONAL_KEY, user=user, key=key, settings=Settings(base_url=emulator.url)
    )
    environment = await aapi.create_environment({"name": f"audit-{uuid.uuid4().hex[:8]}"})
    env_id = str(environment.environment.id)
    events = [
        event
        async for event in aapi.stream_test_environment_start_hook(env_id, {"content": "echo hi"})
    ]
    assert events
    entries = [e async for e in AuditEntry.objects.order_by("id")]
    assert [(e.operation, e.target_id, e.result) for e in entries] == [
        ("createEnvironment", env_id, "ok"),
        ("streamTestEnvironmentStartHook", env_id, "ok"),
    ]


@pytest.mark.django_db(transaction=True)
async def test_async_401_marks_the_key_rejected(emulator):
    from django.contrib.auth import get_user_model

    user = await get_user_model().objects.acreate_user("revoked", password="x")
    key = await _astore(user, "rk_personal_revoked_0000000000")
    aapi = AuditedAsyncReplicaAPI(
        "rk_personal_revoked_0000000000",
        user=user,
        key=key,
        settings=Settings(base_url=emulator.url),
    )
    with pytest.raises(errors.Unauthorized):
        await aapi.list_environments()
    await key.arefresh_from_db()
    assert key.rejected_at is not None
    assert not await AuditEntry.objects.aexists()  # a read: not recorded


async def _astore(user, plaintext: str = PERSONAL_KEY):
    from portal.accounts.models import ApiKey

    key = ApiKey(kind=KeyKind.PERSONAL, user=user)
    key.set_secret(plaintext)
    await key.asave()
    return key


def test_respx_unreachable_on_post_is_not_retried_and_recorded_once(member, member_key):
    with respx.mock(base_url="http://api.test") as mock:
        route = mock.post("/v1/environments").mock(side_effect=httpx.ConnectError("refused"))
        api = AuditedReplicaAPI(
            MEMBER_KEY, user=member, key=member_key, settings=Settings(base_url="http://api.test")
        )
        with pytest.raises(errors.Unreachable):
            api.create_environment({"name": "x"})
    assert route.call_count == 1
    assert AuditEntry.objects.get().result == "unreachable"
