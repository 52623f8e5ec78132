"""A test's Server-Sent Events reader: listens on a URL in a thread, keeps every event."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

import httpx


@dataclass
class SSEEvent:
    event: str
    data: str
    id: str | None

    @property
    def json(self):
        return json.loads(self.data)


class SSEReader(threading.Thread):
    def __init__(self, url: str, cookies: dict[str, str] | None = None) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.cookies = cookies or {}
        self.events: list[SSEEvent] = []
        self.status: int | None = None
        self.connected = threading.Event()
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        # The stream pings every 15 s; a read that raised ends the line iterator for good.
        timeout = httpx.Timeout(5, read=30)
        with (
            httpx.Client(cookies=self.cookies, timeout=timeout) as client,
            client.stream("GET", self.url) as response,
        ):
            self.status = response.status_code
            self.connected.set()
            event, data, event_id = "message", [], None
            lines = response.iter_lines()
            while not self._halt.is_set():
                try:
                    line = next(lines)
                except (StopIteration, httpx.HTTPError):
                    return
                if line == "":
                    if data or event_id:
                        with self._lock:
                            self.events.append(SSEEvent(event, "\n".join(data), event_id))
                    event, data, event_id = "message", [], None
                elif line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip(" "))
                elif line.startswith("id:"):
                    event_id = line[3:].strip()

    def stop(self) -> None:
        self._halt.set()

    def of(self, event: str) -> list[SSEEvent]:
        with self._lock:
            return [e for e in self.events if e.event == event]

    def wait_for(self, predicate, timeout: float = 15.0, what: str = "an event"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for e in self.events:
                    if predicate(e):
                        return e
            time.sleep(0.05)
        raise AssertionError(f"no {what} within {timeout} s; got {[e.event for e in self.events]}")
