"""The emulator's flags and REPLICA_EMULATOR_* variables: bad values are usage errors that name
the flag, never tracebacks."""

from __future__ import annotations

import logging
import sys

import pytest

from portal.emulator.__main__ import _QuietDrops
from portal.emulator.config import parse_args


def test_flags_and_variables(monkeypatch):
    monkeypatch.setenv("REPLICA_EMULATOR_LATENCY_MS", "25")
    config, host, port = parse_args(["--port", "9999", "--fault-rate", "0.2", "--no-seed"])
    assert (host, port) == ("127.0.0.1", 9999)
    assert config.latency_ms == 25 and config.fault_rate == 0.2 and config.seed is False


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        ([], {"REPLICA_EMULATOR_LATENCY_MS": "abc"}, "--latency-ms: 'abc' is not a number"),
        (["--heartbeat-s", "-1"], {}, "--heartbeat-s: '-1' must be 0 or more"),
        (["--heartbeat-s", "0"], {}, "--heartbeat-s must be more than 0"),
        (["--fault-rate", "1.5"], {}, "--fault-rate must be between 0 and 1"),
        ([], {"REPLICA_EMULATOR_PORT": "http"}, "--port: invalid int value"),
    ],
)
def test_bad_values_are_usage_errors(monkeypatch, capsys, argv, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_dropped_connections_are_not_logged_as_tracebacks():
    def record(exc: BaseException) -> logging.LogRecord:
        try:
            raise exc
        except BaseException:
            info = sys.exc_info()
        return logging.LogRecord("uvicorn.error", logging.ERROR, "", 0, "boom", None, info)

    quiet = _QuietDrops()
    assert not quiet.filter(record(ConnectionAbortedError("fault injection")))
    assert quiet.filter(record(RuntimeError("a real bug")))
