"""`make bench`: the portal's speed and memory, measured (never asserted in tests).

Starts the emulator with injected latency and the portal under gunicorn (uvicorn worker,
one worker: fan-out is per process), then prints:

1. detail-page latency (median, p95) next to the emulator's own per-call latency;
2. SSE fan-out with N viewers on one replica: upstream streams opened, the delivery latency
   the portal adds (median, p99, measured per event against a direct upstream subscriber),
   and the portal worker's peak memory (VmHWM).

    .venv/bin/python scripts/bench.py [--latency-ms 50] [--requests 60] [--viewers 1,10,100,1000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.emulator.config import DEMO_PERSONAL_KEYS  # noqa: E402

KEY = DEMO_PERSONAL_KEYS[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


class Servers:
    def __init__(self, latency_ms: float) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="portal-bench-"))
        self.emulator_port = free_port()
        self.portal_port = free_port()
        self.emulator_url = f"http://127.0.0.1:{self.emulator_port}"
        self.portal_url = f"http://127.0.0.1:{self.portal_port}"
        fernet = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        self.env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": fernet,
            "DATABASE_URL": f"sqlite:///{self.tmp / 'bench.sqlite3'}",
            "REPLICAS_API_URL": self.emulator_url,
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_MANIFEST": "false",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
        }
        self.procs: list[subprocess.Popen] = []
        self.latency_ms = latency_ms

    def start(self) -> None:
        log = open(self.tmp / "servers.log", "w")  # noqa: SIM115
        self.procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "portal.emulator",
                    "--port",
                    str(self.emulator_port),
                    "--latency-ms",
                    str(self.latency_ms),
                    "--agent-step-s",
                    "0.02",
                    "--prepare-s",
                    "0.2",
                    "--heartbeat-s",
                    "15",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=self.env, check=True
        )
        self.procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "portal.asgi:application",
                    "-k",
                    "uvicorn_worker.UvicornWorker",
                    "--workers",
                    "1",
                    "--bind",
                    f"127.0.0.1:{self.portal_port}",
                    "--log-level",
                    "warning",
                    "--timeout",
                    "120",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )
        wait_http(f"{self.emulator_url}/_emulator/health")
        wait_http(f"{self.portal_url}/healthz")

    @property
    def portal_worker(self) -> int:
        pids = worker_pids(self.procs[1].pid)
        return pids[0] if pids else self.procs[1].pid

    def session_cookie(self) -> str:
        """A signed-in session for a bench user with the demo key (made straight in the DB)."""
        code = (
            "import django; django.setup();"
            "from django.contrib.auth import get_user_model;"
            "from django.contrib.sessions.backends.db import SessionStore;"
            "from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY;"
            "from portal.accounts.models import ApiKey, KeyKind;"
            "U=get_user_model(); u,_=U.objects.get_or_create(username='bench');"
            "u.set_password('bench-password-123'); u.save();"
            f"k=ApiKey(kind=KeyKind.PERSONAL,user=u,added_by=u); k.set_secret({KEY!r}); k.save();"
            "s=SessionStore(); s[SESSION_KEY]=str(u.pk);"
            "s[BACKEND_SESSION_KEY]='django.contrib.auth.backends.ModelBackend';"
            "s[HASH_SESSION_KEY]=u.get_session_auth_hash(); s.create(); print(s.session_key)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if out.returncode:
            raise SystemExit(out.stderr)
        return out.stdout.strip().splitlines()[-1]

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def make_replica(servers: Servers) -> tuple[str, str]:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=servers.emulator_url, headers=headers, timeout=30) as api:
        created = api.post(
            "/v1/replica",
            json={"name": "bench-replica", "message": "warm up"},
            headers={"X-Replicas-Api-Version": "2026-05-17"},
        ).json()
        rid = created["replica"]["id"]
        while api.get(f"/v1/replica/{rid}").json()["replica"]["status"] != "active":
            time.sleep(0.1)
        chat_id = api.get(f"/v1/replica/{rid}/chats").json()["chats"][0]["id"]
        # Let the initial message finish so the chat is idle.
        while api.get(f"/v1/replica/{rid}/chats/{chat_id}/queue").json()["processing"]:
            time.sleep(0.1)
    return rid, chat_id


def bench_detail(servers: Servers, cookie: str, rid: str, requests: int) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    upstream = []
    with httpx.Client(base_url=servers.emulator_url, headers=headers, timeout=30) as api:
        for _ in range(requests):
            t = time.perf_counter()
            api.get(f"/v1/replica/{rid}").raise_for_status()
            upstream.append(time.perf_counter() - t)
    page = []
    with httpx.Client(
        base_url=servers.portal_url, cookies={"sessionid": cookie}, timeout=60
    ) as client:
        client.get(f"/replicas/{rid}/").raise_for_status()  # warm-up
        for _ in range(requests):
            t = time.perf_counter()
            response = client.get(f"/replicas/{rid}/")
            page.append(time.perf_counter() - t)
            if response.status_code != 200:
                raise SystemExit(f"detail page answered {response.status_code}")
    print(
        "\n## Detail page (GET /replicas/<id>/: getReplica + listChats concurrently, then history)"
    )
    print(f"emulator latency injected: {servers.latency_ms:g} ms per call")
    print(
        f"emulator per call (direct):  median {ms(statistics.median(upstream))}, p95 {ms(pct(upstream, 0.95))}"
    )
    print(
        f"portal detail page:          median {ms(statistics.median(page))}, p95 {ms(pct(page, 0.95))}  ({requests} requests)"
    )


ID_RE = re.compile(rb"id: ([^\r\n]+)\r?\nevent: message")


async def _viewer(
    host: str,
    port: int,
    path: str,
    cookie: str,
    ready: asyncio.Event,
    counter: list,
    arrivals: dict,
    stop: asyncio.Event,
) -> None:
    """One browser, as cheaply as possible: a raw socket, scanning for event ids (so the
    numbers measure the portal, not an HTTP client's parsing)."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
        f"Cookie: sessionid={cookie}\r\nConnection: keep-alive\r\n\r\n".encode()
    )
    await writer.drain()
    seen_live = False
    try:
        while not stop.is_set():
            data = await reader.read(65536)
            if not data:
                return
            now = time.perf_counter()
            if not seen_live and b"stream-live" in data:
                seen_live = True
                counter[0] += 1
                if counter[0] >= counter[1]:
                    ready.set()
            for match in ID_RE.finditer(data):
                arrivals.setdefault(match.group(1).decode(), []).append(now)
    finally:
        writer.close()


async def _direct(servers: Servers, rid: str, arrivals: dict, stop: asyncio.Event) -> None:
    headers = {"Authorization": f"Bearer {KEY}", "Accept": "text/event-stream"}
    async with (
        httpx.AsyncClient(timeout=None) as client,
        client.stream(
            "GET", f"{servers.emulator_url}/v1/replica/{rid}/events", headers=headers
        ) as response,
    ):
        event_id = None
        async for line in response.aiter_lines():
            if line.startswith("id: "):
                event_id = line[4:]
            elif line == "" and event_id:
                arrivals[event_id] = time.perf_counter()
                event_id = None
            if stop.is_set():
                return


async def fan_out(servers: Servers, cookie: str, rid: str, chat_id: str, viewers: int) -> dict:
    path = f"/replicas/{rid}/events/"
    direct: dict[str, float] = {}
    arrivals: dict[str, list[float]] = {}
    stop = asyncio.Event()
    ready = asyncio.Event()
    counter = [0, viewers]
    direct_task = asyncio.create_task(_direct(servers, rid, direct, stop))
    tasks = []
    for _ in range(viewers):
        tasks.append(
            asyncio.create_task(
                _viewer(
                    "127.0.0.1",
                    servers.portal_port,
                    path,
                    cookie,
                    ready,
                    counter,
                    arrivals,
                    stop,
                )
            )
        )
        if len(tasks) % 50 == 0:
            await asyncio.sleep(0.05)  # don't overflow the listen backlog
    await asyncio.wait_for(ready.wait(), 300)
    await asyncio.sleep(0.5)
    async with httpx.AsyncClient(base_url=servers.emulator_url, timeout=30) as ctl:
        upstream_streams = (await ctl.get(f"/_emulator/replicas/{rid}")).json()["streams"] - 1
        await ctl.post(
            f"/v1/replica/{rid}/messages",
            json={"message": "benchmark turn: explain the plan", "chat_id": chat_id},
            headers={"Authorization": f"Bearer {KEY}"},
        )
        # Wait for the turn to end everywhere.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            queue = (
                await ctl.get(
                    f"/v1/replica/{rid}/chats/{chat_id}/queue",
                    headers={"Authorization": f"Bearer {KEY}"},
                )
            ).json()
            if not queue["processing"]:
                break
        await asyncio.sleep(1.0)
    stop.set()
    for task in [*tasks, direct_task]:
        task.cancel()
    await asyncio.gather(*tasks, direct_task, return_exceptions=True)
    added = []
    for event_id, times in arrivals.items():
        if event_id in direct:
            added.extend(t - direct[event_id] for t in times)
    return {
        "viewers": viewers,
        "upstream_streams": upstream_streams,
        "events": len(direct),
        "deliveries": len(added),
        "added_median": statistics.median(added) if added else float("nan"),
        "added_p99": pct(added, 0.99) if added else float("nan"),
        "peak_mb": peak_rss_mb(servers.portal_worker),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--viewers", default="1,10,100,1000")
    args = parser.parse_args()
    servers = Servers(args.latency_ms)
    try:
        servers.start()
        cookie = servers.session_cookie()
        rid, chat_id = make_replica(servers)
        bench_detail(servers, cookie, rid, args.requests)
        print("\n## SSE fan-out on one replica (one portal worker)")
        print(
            f"{'viewers':>8} {'upstream streams':>17} {'events':>7} {'deliveries':>11} {'added median':>13} {'added p99':>10} {'peak RSS':>9}"
        )
        for n in [int(v) for v in args.viewers.split(",") if v]:
            r = asyncio.run(fan_out(servers, cookie, rid, chat_id, n))
            print(
                f"{r['viewers']:>8} {r['upstream_streams']:>17} {r['events']:>7} {r['deliveries']:>11}"
                f" {ms(r['added_median']):>13} {ms(r['added_p99']):>10} {r['peak_mb'] or 0:>6.0f} MB"
            )
            time.sleep(6)  # the shared upstream closes after its grace period
    finally:
        servers.stop()


if __name__ == "__main__":
    main()
