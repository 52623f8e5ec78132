"""The guide-only `GET .../warm-hooks/repository-hooks` and `.../start-hooks/repository-hooks`:
the service module's two methods against the emulator over real HTTP (the contract checker
counts them as the guide's operations, not as unknown paths)."""

from __future__ import annotations

import pytest

from portal.emulator.environments import environment_uuid
from portal.replica_api import errors, types

pytestmark = pytest.mark.emulator

WEB = environment_uuid("web")  # bound to acme/web
PLATFORM = environment_uuid("platform")  # bound to the set acme/platform (acme/api, acme/infra)
SCRATCH = environment_uuid("scratch")  # unbound


def test_warm_repository_hooks_of_a_bound_repository(api):
    got = api.get_environment_repository_warm_hooks(WEB)
    assert isinstance(got, types.RepositoryWarmHooksResponse)
    [web] = got.repository_hooks
    assert web.repository_name == "acme/web"
    assert web.file == "replicas.json"
    assert "pnpm install" in web.script


def test_repository_hooks_of_a_repository_set_list_each_member(api):
    warm = {h.repository_name: h for h in api.get_environment_repository_warm_hooks(PLATFORM)
            .repository_hooks}  # fmt: skip
    assert set(warm) == {"acme/api", "acme/infra"}
    assert warm["acme/api"].file == "replicas.yaml" and "go mod download" in warm["acme/api"].script
    assert warm["acme/infra"].file is None and warm["acme/infra"].script is None  # defines none
    start = {h.repository_name: h for h in api.get_environment_repository_start_hooks(PLATFORM)
             .repository_hooks}  # fmt: skip
    assert start["acme/infra"].commands == ["terraform -chdir=infra init -backend=false"]
    assert start["acme/api"].commands == ["go run ./cmd/api &"]


def test_an_unbound_environment_has_no_repository_hooks(api):
    assert api.get_environment_repository_warm_hooks(SCRATCH).repository_hooks == []
    assert api.get_environment_repository_start_hooks("global").repository_hooks == []


def test_unknown_environment_is_refused(api):
    with pytest.raises(errors.BadRequest):
        api.get_environment_repository_start_hooks("not-a-uuid")
    with pytest.raises(errors.ReplicaAPIError) as caught:
        api.get_environment_repository_warm_hooks("00000000-0000-4000-8000-00000000dead")
    assert caught.value.status == 400


def test_the_contract_checker_knows_them(api, emulator):
    before = emulator.control("contract")["seen"]
    api.get_environment_repository_warm_hooks(WEB)
    api.get_environment_repository_start_hooks(WEB)
    report = emulator.control("contract")
    assert report["violations"] == []
    for op in ("getEnvironmentRepositoryWarmHooks", "getEnvironmentRepositoryStartHooks"):
        assert report["seen"].get(op, 0) == before.get(op, 0) + 1
