"""Exit 0 when the PostgreSQL server at PG_TEST_URL (default: postgres@127.0.0.1:5432, the
`postgres` maintenance database; the tests create and drop their own `test_…` database)
accepts a connection; otherwise say why on stderr and exit 1, so `make test` skips the
PostgreSQL run visibly, never silently."""

import os
import socket
import sys
from urllib.parse import urlsplit

URL = os.environ.get("PG_TEST_URL", "postgres://postgres@127.0.0.1:5432/postgres")

parts = urlsplit(URL)
host, port = parts.hostname or "127.0.0.1", parts.port or 5432
try:
    socket.create_connection((host, port), timeout=2).close()
except OSError:
    print(f"No PostgreSQL server on {host}:{port}: the PostgreSQL run is skipped.", file=sys.stderr)
    sys.exit(1)
try:
    import psycopg

    psycopg.connect(URL.replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
except Exception as exc:  # noqa: BLE001 - any refusal means: skip, and say why
    print(
        f"PostgreSQL answers on {host}:{port} but refused the test connection ({exc}). "
        "Set PG_TEST_URL to a URL a superuser can use; the PostgreSQL run is skipped.",
        file=sys.stderr,
    )
    sys.exit(1)
print(URL)
