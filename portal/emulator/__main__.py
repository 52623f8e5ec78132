"""`python -m portal.emulator [--host H] [--port P] [--org-key K] ...`; see config.py."""

from __future__ import annotations

import logging

import uvicorn

from .app import create_app
from .config import parse_args


class _QuietDrops(logging.Filter):
    """Dropped connections are what `--fault-rate` and the drop-streams control are for:
    not worth an "Exception in ASGI application" traceback each."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionAbortedError)


def main(argv: list[str] | None = None) -> None:
    config, host, port = parse_args(argv)
    app = create_app(config)
    print(f"Replica API emulator on http://{host}:{port}", flush=True)
    print(f"  org key:       {config.org_key}", flush=True)
    for key in config.personal_keys:
        print(f"  personal key:  {key}", flush=True)
    print(
        f"  latency {config.latency_ms:g} ms, fault rate {config.fault_rate:g},"
        f" heartbeat {config.heartbeat_s:g} s, seed {'on' if config.seed else 'off'}",
        flush=True,
    )
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    uvicorn.run(
        app, host=host, port=port, log_level="warning", lifespan="on", timeout_graceful_shutdown=2
    )


if __name__ == "__main__":
    main()
