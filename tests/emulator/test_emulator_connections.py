"""GET /_emulator/connections: the distinct client connections that sent API requests (what
`make bench` reads to see that the portal reuses its connections)."""

from __future__ import annotations

import httpx


def test_requests_on_one_connection_count_once_and_a_new_connection_counts(emulator, ada):
    before = httpx.get(f"{emulator.url}/_emulator/connections").json()
    for _ in range(3):
        ada.get("/v1/replica").raise_for_status()  # one kept-alive connection
    with httpx.Client(base_url=emulator.url, headers=ada.headers) as other:
        other.get("/v1/replica").raise_for_status()
    after = httpx.get(f"{emulator.url}/_emulator/connections").json()
    assert after["requests"] - before["requests"] == 4
    assert after["connections"] - before["connections"] == 2
