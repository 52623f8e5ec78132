"""Shared fixtures: the emulator (a real server on a free port, one per test session),
API clients pointed at it, and the environment the test settings need."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from portal.emulator.config import DEMO_ORG_KEY, DEMO_PERSONAL_KEYS
from portal.replica_api import AsyncReplicaAPI, ReplicaAPI, Settings

ROOT = Path(__file__).resolve().parent.parent
# The official spec sits beside the checkout (../shared/replica-api/openapi.json).
SPEC_PATH = Path(
    os.environ.get("REPLICA_API_SPEC", ROOT.parent / "shared/replica-api/openapi.json")
)
ORG_KEY = DEMO_ORG_KEY
PERSONAL_KEY = DEMO_PERSONAL_KEYS[0]
MEMBER_KEY = DEMO_PERSONAL_KEYS[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EmulatorProcess:
    def __init__(self, *extra_args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Fast timings so lifecycle and agent streaming finish within a test.
        args = [
            sys.executable, "-m", "portal.emulator", "--port", str(self.port),
            "--prepare-s", "0.5", "--agent-step-s", "0.05", "--heartbeat-s", "1",
            "--contract", str(SPEC_PATH),
            *extra_args,
        ]  # fmt: skip
        self.log = open(ROOT / "var" / f"emulator-test-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(args, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        # The contract checker loads the spec (~4 s alone; longer with parallel workers).
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"emulator exited with {self.process.returncode}; see {self.log.name}"
                )
            try:
                if httpx.get(f"{self.url}/_emulator/health", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("emulator did not start in 120 s")

    def control(self, path: str, json: dict | None = None) -> dict:
        if json is None:
            return httpx.get(f"{self.url}/_emulator/{path}", timeout=5).json()
        return httpx.post(f"{self.url}/_emulator/{path}", json=json, timeout=5).json()

    def reset(self) -> None:
        self.control("reset", {})

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


(ROOT / "var").mkdir(exist_ok=True)


@pytest.fixture(scope="session")
def emulator():
    if not SPEC_PATH.exists():
        raise RuntimeError(
            f"The Replica API spec is missing at {SPEC_PATH} (set REPLICA_API_SPEC)."
        )
    proc = EmulatorProcess()
    yield proc
    proc.stop()


@pytest.fixture(autouse=True)
def _emulator_contract(request):
    """Fail any test during which the emulator broke the spec (or accepted a bad request)."""
    if "emulator" not in request.fixturenames:
        yield
        return
    emulator = request.getfixturevalue("emulator")
    yield
    report = emulator.control("contract")
    if report["violations"]:
        emulator.control("contract/clear", {})
        lines = [json.dumps(v, indent=1)[:3000] for v in report["violations"][:5]]
        pytest.fail(
            f"{len(report['violations'])} contract violation(s) against openapi.json:\n"
            + "\n".join(lines),
            pytrace=False,
        )


@pytest.fixture
def faults(emulator):
    """Targeted emulator faults for one test, cleared after it:

    faults("GET", r"/v1/replica/[^/]+/hooks$", 500)       # every matching call fails
    faults("POST", r"/sleep$", "drop-after", times=1)     # the API acts, the answer is lost
    """

    def add(method: str, path: str, fault: int | str, times: int | None = None) -> None:
        rule = {"method": method, "path": path, "fault": fault, "times": times}
        response = httpx.post(f"{emulator.url}/_emulator/faults", json=rule, timeout=5)
        response.raise_for_status()

    yield add
    httpx.delete(f"{emulator.url}/_emulator/faults", timeout=5)


@pytest.fixture
def agent_pace(emulator):
    """Set the simulated agent's pace (seconds per step) for one test."""
    before = emulator.control("config")["agent_step_s"]
    yield lambda seconds: emulator.control("config", {"agent_step_s": seconds})
    emulator.control("config", {"agent_step_s": before})


@pytest.fixture
def api_settings(emulator) -> Settings:
    return Settings(base_url=emulator.url, max_retries=2, backoff_base=0.01)


@pytest.fixture
def api(api_settings) -> ReplicaAPI:
    """Sync client with the org key."""
    return ReplicaAPI(ORG_KEY, settings=api_settings)


@pytest.fixture
def personal_api(api_settings) -> ReplicaAPI:
    return ReplicaAPI(PERSONAL_KEY, settings=api_settings)


@pytest.fixture
def aapi(api_settings) -> AsyncReplicaAPI:
    return AsyncReplicaAPI(ORG_KEY, settings=api_settings)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness costs seconds per sign-in; the tests don't need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _portal_points_at_test_emulator(request, settings):
    """Portal code under test talks to the session emulator when a test uses it."""
    if "emulator" in request.fixturenames:
        settings.REPLICAS_API_URL = request.getfixturevalue("emulator").url


os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
