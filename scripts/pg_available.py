"""Exit 0 when a PostgreSQL server accepts connections on 127.0.0.1:5432 (database `test`)."""

import sys

try:
    import psycopg

    psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", connect_timeout=2).close()
except Exception:
    sys.exit(1)
sys.exit(0)
