"""Emulator settings: command-line flags, each also readable from an environment variable."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field

# Documented demo keys (README, printed at start). Never valid anywhere but the emulator.
DEMO_ORG_KEY = "rk_org_demo_0123456789abcdef"
DEMO_PERSONAL_KEYS = (
    "rk_personal_demo_ada_0123456789",  # Ada Lovelace, the demo org's admin
    "rk_personal_demo_grace_012345678",  # Grace Hopper, a member
)


@dataclass
class EmulatorConfig:
    org_key: str = DEMO_ORG_KEY
    personal_keys: tuple[str, ...] = DEMO_PERSONAL_KEYS
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    heartbeat_s: float = 15.0
    seed: bool = True
    # How long a new replica stays `preparing`, and the idle time after which an active
    # replica falls asleep (0 = never). Waking takes `wake_s`.
    prepare_s: float = 3.0
    sleep_after_s: float = 0.0
    wake_s: float = 2.0
    # Pace of the simulated agent: seconds between streamed text pieces.
    agent_step_s: float = 0.25
    # Webhook delivery retry backoff base (seconds); 3 retries as documented.
    webhook_backoff_s: float = 1.0
    fault_statuses: tuple[int, ...] = field(default=(429, 500, 502, 503))
    # The demo org's plan includes mobile testing (Team/Enterprise); off: enabling it is
    # refused with PLAN_UPGRADE_REQUIRED, as the spec documents. Live: /_emulator/config.
    mobile_testing_plan: bool = True
    # Path to openapi.json: validate every exchange against it (tests); empty = off.
    contract: str = ""


def _env(name: str, default: str) -> str:
    return os.environ.get(f"REPLICA_EMULATOR_{name}", default)


def _seconds(value: str) -> float:
    """An argparse type: a number >= 0 (flags and REPLICA_EMULATOR_* variables alike)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if number < 0 or number != number:
        raise argparse.ArgumentTypeError(f"{value!r} must be 0 or more")
    return number


def parse_args(argv: list[str] | None = None) -> tuple[EmulatorConfig, str, int]:
    """Flags, each defaulting to its REPLICA_EMULATOR_<FLAG> variable; a bad value from
    either is a usage error naming the flag, not a traceback."""
    d = EmulatorConfig()
    p = argparse.ArgumentParser(prog="python -m portal.emulator", description=__doc__)
    p.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=_env("PORT", "8765"))
    p.add_argument("--org-key", default=_env("ORG_KEY", d.org_key), help="accepted org API key")
    p.add_argument(
        "--personal-key",
        default=_env("PERSONAL_KEY", ",".join(d.personal_keys)),
        help="accepted personal API keys, comma-separated (one demo user each)",
    )
    p.add_argument("--latency-ms", type=_seconds, default=_env("LATENCY_MS", "0"))
    p.add_argument(
        "--fault-rate",
        type=_seconds,
        default=_env("FAULT_RATE", "0"),
        help="fraction of requests answered with 429/500/502/503 or a dropped connection",
    )
    p.add_argument("--heartbeat-s", type=_seconds, default=_env("HEARTBEAT_S", "15"))
    p.add_argument("--prepare-s", type=_seconds, default=_env("PREPARE_S", str(d.prepare_s)))
    p.add_argument(
        "--sleep-after-s",
        type=_seconds,
        default=_env("SLEEP_AFTER_S", str(d.sleep_after_s)),
        help="idle seconds before an active replica falls asleep (0: never)",
    )
    p.add_argument(
        "--agent-step-s", type=_seconds, default=_env("AGENT_STEP_S", str(d.agent_step_s))
    )
    p.add_argument(
        "--seed",
        action=argparse.BooleanOptionalAction,
        default=_env("SEED", "1").lower() not in {"0", "false", "no"},
        help="load the demo organisation (default: on)",
    )
    p.add_argument(
        "--contract",
        default=_env("CONTRACT", ""),
        metavar="OPENAPI_JSON",
        help="validate every request/response against this spec (report at /_emulator/contract)",
    )
    a = p.parse_args(argv)
    if not 0.0 <= a.fault_rate <= 1.0:
        p.error("--fault-rate must be between 0 and 1")
    if a.heartbeat_s == 0:
        p.error("--heartbeat-s must be more than 0")
    config = EmulatorConfig(
        org_key=a.org_key,
        personal_keys=tuple(k.strip() for k in a.personal_key.split(",") if k.strip()),
        latency_ms=a.latency_ms,
        fault_rate=a.fault_rate,
        heartbeat_s=a.heartbeat_s,
        seed=a.seed,
        prepare_s=a.prepare_s,
        sleep_after_s=a.sleep_after_s,
        agent_step_s=a.agent_step_s,
        contract=a.contract,
    )
    return config, a.host, a.port
