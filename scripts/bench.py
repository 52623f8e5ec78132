"""`make bench`: the portal's speed and memory, measured (never asserted in tests).

Starts the emulator and the portal under gunicorn (uvicorn worker, one worker: fan-out is per
process, and "per worker" numbers are what scale), with `SERVER_TIMING` on: every answer says
how long the portal took to start it and how much of that it spent waiting for the Replica
API (wall-clock time with at least one call in flight, measured in the transport). The
emulator's latency is changed live between sections. Then prints:

1. ttfb: the detail page's time to first byte next to the slowest single upstream call it
   makes, at the injected latency (default 50 ms): with the chat named in the URL, and on a
   first visit (a user who never opened the replica: nothing remembered);
2. pages: the list page and each panel next to the direct calls they make, same latency;
3. own: the portal's own time per page at 0 ms (page time minus upstream time, per request,
   one kept-alive client);
4. throughput: pages/s for one worker under concurrent clients (default 20), at 0 ms;
5. connections: new upstream TCP connections over 100 page loads after warm-up (the emulator
   counts the distinct client ports it sees);
6. board: mission control (/board/) with N replicas (default 200) next to one listReplicas
   call (limit 100) at the injected latency, and its own time at 0 ms;
7. fanout: SSE fan-out with N viewers on one replica: upstream streams opened, the delivery
   latency the portal adds (median, p99, per event against a direct upstream subscriber), and
   the worker's peak memory (VmHWM).

`--profile` instead samples the worker with py-spy while one client loads the list page, then
the detail page, at 0 ms, and prints where the time goes (top functions, by package).

    .venv/bin/python scripts/bench.py [--latency-ms 50] [--requests 60] [--concurrency 20]
        [--duration 10] [--viewers 1,10,100,1000] [--sections ttfb,pages,own,...] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.emulator.config import DEMO_PERSONAL_KEYS  # noqa: E402

KEY = DEMO_PERSONAL_KEYS[0]
SECTIONS = ("ttfb", "pages", "own", "throughput", "connections", "board", "fanout")
# The seeded replica the page sections read: canvas items, diffs, hook logs and two chats.
PAGE_REPLICA = "fix-session-timeout"
HISTORY_PAGE = 30  # the chat panel's history page (portal/replicas/views/chat.py)
LIST_PAGE = 20  # the list page's page size (portal/replicas/views/list.py)


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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


# --- pure helpers (tests/test_bench_helpers.py) -------------------------------------------


def parse_server_timing(value: str) -> dict[str, float]:
    """`app;dur=3.2, upstream;dur=1.1;desc="2 calls"` -> {"app": 0.0032, "upstream": 0.0011}
    (seconds); a metric with a `desc` of "N calls" also gives "<name>-calls": N."""
    out: dict[str, float] = {}
    for metric in value.split(","):
        parts = [p.strip() for p in metric.split(";")]
        name = parts[0]
        if not name:
            continue
        for param in parts[1:]:
            key, _, raw = param.partition("=")
            raw = raw.strip('"')
            if key == "dur":
                out[name] = float(raw) / 1000
            elif key == "desc" and raw.endswith(" calls"):
                out[f"{name}-calls"] = float(raw.split()[0])
    return out


def summary(values: list[float]) -> str:
    return f"median {ms(statistics.median(values))}, p95 {ms(pct(values, 0.95))}"


def frame_package(frame: str) -> str:
    """A py-spy frame `function (path/to/module.py:12)` -> the package it belongs to:
    `django.template`, `django.contrib.sessions`, `portal.replicas`, `asyncio`, `pydantic`..."""
    match = re.search(r"\(([^()]*?)(?::\d+)?\)\s*$", frame)
    path = (match.group(1) if match else "").replace("\\", "/")
    for prefix in ("site-packages/", "/lib/python3.12/", "/work/main/"):
        path = path.split(prefix, 1)[-1]
    if "/portal/" in path:
        path = "portal/" + path.split("/portal/", 1)[1]
    parts = [p.removesuffix(".py") for p in path.split("/") if p] or ["?"]
    if parts[:2] == ["django", "contrib"]:
        depth = 3
    elif parts[0] in ("django", "portal"):
        depth = 2
    else:
        depth = 1
    return ".".join(parts[:depth])


# Frames that wrap everything (the server, the event loop, thread hand-offs, the middleware
# chain): left out of the "total" list, which is about where the work is.
SCAFFOLDING = frozenset(
    {"<frozen runpy>", "gunicorn", "uvicorn", "uvicorn_worker", "asyncio", "threading",
     "concurrent", "asgiref", "django.core", "django.utils", "whitenoise", "contextlib"}
)  # fmt: skip


def _wrapper(frame: str) -> bool:
    """Scaffolding (the server, the loop, threads) and the layers every request goes through
    (ASGI wrappers, middleware, view decorators): left out of the "total" list."""
    name = frame.split(" (", 1)[0]
    return frame_package(frame) in SCAFFOLDING or bool(WRAPPERS.search(name))


WRAPPERS = re.compile(
    r"(__a?call__|_view_wrapper|\.wrapper|\.inner|^ServerTiming|^PortalASGIHandler|Middleware)"
)


# Libraries whose total share of a page says something: templates, forms, URL reversing,
# the database, the HTTP client, response parsing, Markdown and highlighting.
AREAS = ("django.template", "django.forms", "django.urls", "django.db", "httpx", "pydantic",
         "markdown_it", "pygments")  # fmt: skip


def inclusive_packages(lines: list[str]) -> Counter:
    """Samples with at least one frame of each package (its total, inclusive share)."""
    within: Counter = Counter()
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if stack and count.isdigit():
            for package in {frame_package(f) for f in stack.split(";")}:
                within[package] += int(count)
    return within


def aggregate_stacks(lines: list[str]) -> tuple[int, Counter, Counter, Counter]:
    """py-spy's raw (collapsed) output -> (samples, self by function, total by function,
    self by package). A function counts once per stack in `total` (recursion)."""
    samples = 0
    self_time: Counter = Counter()
    total: Counter = Counter()
    packages: Counter = Counter()
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        samples += n
        frames = [f for f in stack.split(";") if f and not f.startswith("process ")]
        frames = [f for f in frames if not f.startswith("thread ")]
        if not frames:
            continue
        self_time[frames[-1]] += n
        packages[frame_package(frames[-1])] += n
        for frame in set(frames):
            total[frame] += n
    return samples, self_time, total, packages


# --- the servers --------------------------------------------------------------------------


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
            "SERVER_TIMING": "true",
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

    def set_latency(self, latency_ms: float) -> None:
        httpx.post(
            f"{self.emulator_url}/_emulator/config", json={"latency_ms": latency_ms}
        ).raise_for_status()
        self.latency_ms = latency_ms

    def connections(self) -> dict:
        return httpx.get(f"{self.emulator_url}/_emulator/connections").json()

    def sessions(self, names: list[str]) -> list[str]:
        """A signed-in session for each bench user, each with the demo key (made straight in
        the DB)."""
        code = (
            "import sys, django; django.setup();"
            "from django.contrib.auth import get_user_model;"
            "from django.contrib.sessions.backends.db import SessionStore;"
            "from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY;"
            "from portal.accounts.models import ApiKey, KeyKind;"
            "U=get_user_model()\n"
            "for name in sys.argv[1:]:\n"
            "    u,_=U.objects.get_or_create(username=name)\n"
            "    u.set_password('bench-password-123'); u.save()\n"
            f"    k=ApiKey(kind=KeyKind.PERSONAL,user=u,added_by=u); k.set_secret({KEY!r}); k.save()\n"
            "    s=SessionStore(); s[SESSION_KEY]=str(u.pk)\n"
            "    s[BACKEND_SESSION_KEY]='django.contrib.auth.backends.ModelBackend'\n"
            "    s[HASH_SESSION_KEY]=u.get_session_auth_hash(); s.create(); print(s.session_key)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, *names],
            cwd=ROOT, env=self.env, capture_output=True, text=True,
        )  # fmt: skip
        if out.returncode:
            raise SystemExit(out.stderr)
        return out.stdout.split()[-len(names) :]

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def make_replica(servers: Servers) -> tuple[str, str]:
    """A fresh replica for the fan-out (its agent is made to talk), with an idle chat."""
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


# --- a lean HTTP client: the numbers should measure the portal, not an HTTP library -------


class RawClient:
    """One kept-alive HTTP/1.1 connection, sending GETs with a session cookie."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port = port
        self.cookie = cookie
        self.sock: socket.socket | None = None

    def _connect(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")

    def get(self, path: str) -> Answer:
        if self.sock is None:
            self._connect()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Cookie: sessionid={self.cookie}\r\nConnection: keep-alive\r\n\r\n"
        ).encode()
        started = time.perf_counter()
        try:
            self.sock.sendall(request)
            status_line = self.file.readline()
        except OSError:
            status_line = b""
        if not status_line:
            # The server closed the idle connection (gunicorn's keep-alive is 2 s): again.
            self.close()
            self._connect()
            started = time.perf_counter()
            self.sock.sendall(request)
            status_line = self.file.readline()
        first_byte = time.perf_counter()
        headers = {}
        while True:
            line = self.file.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = read_body(self.file, headers)
        done = time.perf_counter()
        if headers.get("connection", "").lower() == "close":
            self.close()
        status = int(status_line.split()[1])
        timing = parse_server_timing(headers.get("server-timing", ""))
        return Answer(status, first_byte - started, done - started, timing, len(body))

    def close(self) -> None:
        if self.sock is not None:
            self.file.close()
            self.sock.close()
            self.sock = None


def read_body(file, headers: dict[str, str]) -> bytes:
    if "content-length" in headers:
        return file.read(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(file.readline().split(b";")[0], 16)
            if size == 0:
                file.readline()
                return b"".join(chunks)
            chunks.append(file.read(size))
            file.readline()
    return b""


@dataclass
class Answer:
    status: int
    ttfb: float
    total: float
    timing: dict[str, float] = field(default_factory=dict)
    size: int = 0

    @property
    def upstream(self) -> float:
        return self.timing.get("upstream", 0.0)

    @property
    def own(self) -> float:
        """The portal's own time: the whole page minus the time spent waiting upstream."""
        return self.total - self.upstream


def load(client: RawClient, path: str, times: int, warm_up: int = 3) -> list[Answer]:
    for _ in range(warm_up):
        client.get(path)
    answers = []
    for _ in range(times):
        answer = client.get(path)
        if answer.status != 200:
            raise SystemExit(f"{path} answered {answer.status}")
        answers.append(answer)
    return answers


# --- what each page calls upstream ---------------------------------------------------------


@dataclass
class Page:
    name: str
    path: str
    calls: list[tuple[str, str, dict]]  # (operationId, path, params)


def find_page_replica(servers: Servers) -> tuple[str, str]:
    """The seeded replica with everything (canvas, diffs, hooks, two chats) and its most
    recently active chat: the one a first visit opens, so both visits show the same."""
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=servers.emulator_url, headers=headers, timeout=30) as api:
        replicas = api.get("/v1/replica", params={"limit": 100}).json()["replicas"]
        rid = next(r["id"] for r in replicas if r["name"] == PAGE_REPLICA)
        chats = api.get(f"/v1/replica/{rid}").json()["replica"]["chats"]
    return rid, max(chats, key=lambda c: c["updated_at"])["id"]


def other_replica(servers: Servers, rid: str) -> str:
    """Another active seeded replica than `rid`."""
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=servers.emulator_url, headers=headers, timeout=30) as api:
        replicas = api.get("/v1/replica", params={"limit": 100, "status": "active"}).json()
    return next(r["id"] for r in replicas["replicas"] if r["id"] != rid)


def pages(rid: str, chat: str) -> dict[str, Page]:
    get_replica = ("getReplica", f"/v1/replica/{rid}", {})
    return {
        page.name: page
        for page in [
            Page("list", "/replicas/", [("listReplicas", "/v1/replica", {"page": 1, "limit": LIST_PAGE})]),
            Page("detail", f"/replicas/{rid}/?chat={chat}", [get_replica, (
                "readReplicaHistory", f"/v1/replica/{rid}/history",
                {"chat_id": chat, "limit": HISTORY_PAGE})]),
            Page("queue", f"/replicas/{rid}/queue/?chat={chat}", [get_replica, (
                "getReplicaChatQueue", f"/v1/replica/{rid}/chats/{chat}/queue", {})]),
            Page("canvas", f"/replicas/{rid}/canvas/", [get_replica, (
                "listReplicaCanvasItems", f"/v1/replica/{rid}/canvas", {})]),
            Page("diffs", f"/replicas/{rid}/diffs/", [
                ("getReplica?include=diffs", f"/v1/replica/{rid}", {"include": "diffs"})]),
            Page("hooks", f"/replicas/{rid}/hooks/", [get_replica, (
                "getReplicaHooks", f"/v1/replica/{rid}/hooks", {})]),
        ]
    }  # fmt: skip


def direct_calls(servers: Servers, calls, times: int) -> dict[str, list[float]]:
    """Each call straight to the emulator, on a kept-alive connection."""
    out: dict[str, list[float]] = {}
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=servers.emulator_url, headers=headers, timeout=30) as api:
        for operation, path, params in calls:
            api.get(path, params=params).raise_for_status()  # connect
            samples = out.setdefault(operation, [])
            for _ in range(times):
                started = time.perf_counter()
                api.get(path, params=params).raise_for_status()
                samples.append(time.perf_counter() - started)
    return out


# --- the sections --------------------------------------------------------------------------


def bench_ttfb(servers: Servers, rid: str, chat: str, requests: int) -> None:
    page = pages(rid, chat)["detail"]
    direct = direct_calls(servers, page.calls, requests)
    slowest_direct = max(statistics.median(v) for v in direct.values())
    [cookie] = servers.sessions(["bench-ttfb"])
    named = load(RawClient(servers.portal_port, cookie), page.path, requests)
    # First visits: one new user per request, so nothing is remembered for the replica. Each
    # has opened another replica first, so what the portal learns once per user and key (the
    # key's API user, for "whose replica") is known: this measures the first visit to a
    # replica, not a user's first page.
    first = []
    other = other_replica(servers, rid)
    users = [f"bench-first-{i}" for i in range(requests)]
    for user_cookie in servers.sessions(users):
        client = RawClient(servers.portal_port, user_cookie)
        client.get(f"/replicas/{other}/")
        first.append(client.get(f"/replicas/{rid}/"))
        client.close()
    print(f"\n## Detail page, time to first byte ({servers.latency_ms:g} ms injected per call)")
    print("goal: within 1.2x the slowest single upstream call the page makes")
    for operation, samples in direct.items():
        print(f"  direct {operation + ':':<30} {summary(samples)}")
    for label, answers in (
        ("chat named in the URL (?chat=)", named),
        ("first visit (nothing remembered)", first),
    ):
        ttfb = [a.ttfb for a in answers]
        # Per request: TTFB over the slowest call that request made (measured in the portal).
        ratio = [a.ttfb / a.timing["upstream-slowest"] for a in answers]
        calls = statistics.median(a.timing.get("upstream-calls", 0) for a in answers)
        print(f"  {label}:")
        print(f"    TTFB {summary(ttfb)};  {calls:g} upstream calls")
        print(
            f"    TTFB / slowest call of the same request: median {statistics.median(ratio):.2f}x;"
            f"  median TTFB / slowest direct call: {statistics.median(ttfb) / slowest_direct:.2f}x"
        )


def bench_pages(servers: Servers, rid: str, chat: str, requests: int) -> None:
    [cookie] = servers.sessions(["bench-pages"])
    client = RawClient(servers.portal_port, cookie)
    print(
        f"\n## Pages next to the direct calls they make ({servers.latency_ms:g} ms injected per call)"
    )
    print(
        f"{'page':<8} {'page median':>12} {'page p95':>9} {'slowest direct':>15} {'ratio':>6}  calls (direct median)"
    )
    for page in pages(rid, chat).values():
        answers = load(client, page.path, requests)
        direct = direct_calls(servers, page.calls, requests)
        medians = {op: statistics.median(v) for op, v in direct.items()}
        page_median = statistics.median(a.total for a in answers)
        slowest = max(medians.values())
        calls = ", ".join(f"{op} {ms(v)}" for op, v in medians.items())
        print(
            f"{page.name:<8} {ms(page_median):>12} {ms(pct([a.total for a in answers], 0.95)):>9}"
            f" {ms(slowest):>15} {page_median / slowest:>5.2f}x  {calls}"
        )  # fmt: skip
    client.close()


def bench_own(servers: Servers, rid: str, chat: str, requests: int) -> None:
    [cookie] = servers.sessions(["bench-own"])
    client = RawClient(servers.portal_port, cookie)
    print(
        f"\n## The portal's own time per page (upstream at {servers.latency_ms:g} ms, one kept-alive client)"
    )
    print("own = the page's time at the client minus the portal's wait for upstream calls, per")
    print("request (the wait is measured in the portal's transport and sent in Server-Timing);")
    print("cpu = the worker's CPU time per page (all its threads; steadier on a busy machine).")
    print(f"{'page':<8} {'own median':>11} {'own p95':>9} {'cpu/page':>9} {'page median':>12} {'upstream':>9} {'calls':>6} {'bytes':>7}")  # fmt: skip
    worker = servers.portal_worker
    # The home page calls no API: the portal's cost of any signed-in page.
    for page in [Page("home", "/", []), *pages(rid, chat).values()]:
        load(client, page.path, 5, warm_up=0)
        cpu = cpu_seconds(worker)
        answers = load(client, page.path, requests, warm_up=0)
        cpu = (cpu_seconds(worker) - cpu) / len(answers)
        own = [a.own for a in answers]
        print(
            f"{page.name:<8} {ms(statistics.median(own)):>11} {ms(pct(own, 0.95)):>9} {ms(cpu):>9}"
            f" {ms(statistics.median(a.total for a in answers)):>12}"
            f" {ms(statistics.median(a.upstream for a in answers)):>9}"
            f" {statistics.median(a.timing.get('upstream-calls', 0) for a in answers):>6g}"
            f" {answers[-1].size:>7}"
        )  # fmt: skip
    client.close()


def fill_fleet(servers: Servers, total: int) -> dict[str, int]:
    """Replicas until the org has `total`: most active and idle (the board reads each one's
    chats), some sleeping, a few in error. Made at 0 ms, states forced through the emulator's
    control endpoint (no agent turns)."""
    headers = {"Authorization": f"Bearer {KEY}", "X-Replicas-Api-Version": "2026-05-17"}
    with httpx.Client(base_url=servers.emulator_url, headers=headers, timeout=30) as api:
        have = api.get("/v1/replica", params={"limit": 1}).json()["total"]
        for i in range(max(0, total - have)):
            rid = api.post("/v1/replica", json={"name": f"fleet-{i}", "message": "hi"}).json()[
                "replica"
            ]["id"]
            status = "sleeping" if i % 10 in (7, 8) else "error" if i % 10 == 9 else "active"
            api.post(f"/_emulator/replicas/{rid}/state", json={"status": "active"})
            if status != "active":
                api.post(f"/_emulator/replicas/{rid}/state", json={"status": status})
        counts: Counter = Counter()
        pages = api.get("/v1/replica", params={"limit": 100}).json()["total_pages"]
        for page in range(1, pages + 1):
            for r in api.get("/v1/replica", params={"limit": 100, "page": page}).json()["replicas"]:
                counts[r["status"]] += 1
    return dict(counts)


def bench_board(servers: Servers, replicas: int, requests: int, latency_ms: float) -> None:
    servers.set_latency(0)
    counts = fill_fleet(servers, replicas)
    [cookie] = servers.sessions(["bench-board"])
    client = RawClient(servers.portal_port, cookie)
    print(f"\n## Board (/board/) with {sum(counts.values())} replicas: {counts}")
    print("calls: listReplicas per 100 replicas (pages 2+ concurrently), then getReplica for each")
    print("active or preparing one not remembered (32 at a time; an idle one's answer is reused")
    print("for 20 s while its activity is unchanged); ratio = board median / one listReplicas call")
    print(f"{'latency':>8} {'board median':>13} {'p95':>8} {'own median':>11} {'calls':>6} {'listReplicas':>13} {'ratio':>6}")  # fmt: skip
    servers.set_latency(latency_ms)
    first = client.get("/board/")  # nothing remembered: every active replica's getReplica
    print(
        f"first load at {latency_ms:g} ms: {ms(first.total)}, "
        f"{first.timing.get('upstream-calls', 0):g} upstream calls"
    )
    for latency in (latency_ms, 0):
        servers.set_latency(latency)
        answers = load(client, "/board/", requests)
        direct = direct_calls(
            servers, [("listReplicas", "/v1/replica", {"page": 1, "limit": 100})], requests
        )
        one = statistics.median(direct["listReplicas"])
        median = statistics.median(a.total for a in answers)
        print(
            f"{latency:>6g}ms {ms(median):>13} {ms(pct([a.total for a in answers], 0.95)):>8}"
            f" {ms(statistics.median(a.own for a in answers)):>11}"
            f" {statistics.median(a.timing.get('upstream-calls', 0) for a in answers):>6g}"
            f" {ms(one):>13} {median / one:>5.1f}x"
        )  # fmt: skip
    client.close()


async def _hammer(port: int, cookie: str, path: str, until: float, times: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Cookie: sessionid={cookie}\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
            await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200"):
                raise SystemExit(f"{path}: {head.splitlines()[0]!r}")
            times.append(time.perf_counter() - started)
    finally:
        writer.close()


async def _throughput(port: int, cookie: str, path: str, clients: int, seconds: float):
    times: list[float] = []
    await asyncio.gather(
        *(_hammer(port, cookie, path, time.perf_counter() + 1, []) for _ in range(clients))
    )
    started = time.perf_counter()
    await asyncio.gather(
        *(_hammer(port, cookie, path, started + seconds, times) for _ in range(clients))
    )  # fmt: skip
    return len(times) / (time.perf_counter() - started), times


def bench_throughput(servers: Servers, rid: str, chat: str, clients: int, seconds: float) -> None:
    [cookie] = servers.sessions(["bench-throughput"])
    print(
        f"\n## Throughput, one worker, {clients} concurrent clients (upstream at {servers.latency_ms:g} ms)"
    )
    for page in list(pages(rid, chat).values())[:2]:
        rate, times = asyncio.run(
            _throughput(servers.portal_port, cookie, page.path, clients, seconds)
        )
        print(f"{page.name:<8} {rate:6.1f} pages/s   latency {summary(times)}  ({len(times)} pages in {seconds:g} s)")  # fmt: skip


def bench_connections(servers: Servers, rid: str, chat: str, loads: int = 100) -> None:
    [cookie] = servers.sessions(["bench-connections"])
    client = RawClient(servers.portal_port, cookie)
    all_pages = list(pages(rid, chat).values())
    for page in all_pages:  # warm-up: every page once, so both pools have their connections
        load(client, page.path, 2, warm_up=0)
    before = servers.connections()
    for i in range(loads):
        client.get(all_pages[i % len(all_pages)].path)
    after = servers.connections()
    client.close()
    print(f"\n## Upstream connections ({servers.latency_ms:g} ms injected per call)")
    print(
        f"{loads} page loads after warm-up ({', '.join(p.name for p in all_pages)} in turn):"
        f" {after['requests'] - before['requests']} upstream requests over"
        f" {after['connections'] - before['connections']} new TCP connections"
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


def profile(servers: Servers, rid: str, chat: str, seconds: float, top: int = 15) -> None:
    """Sample the worker with py-spy while one client loads a page again and again; print the
    top functions (self and total) and the self time by package. Only samples of the thread
    holding the GIL count (`--gil`): Python work, in the event loop or any thread, not waits."""
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("py-spy is missing: `make install` installs the dev dependencies")
    [cookie] = servers.sessions(["bench-profile"])
    for page in list(pages(rid, chat).values())[:2]:
        client = RawClient(servers.portal_port, cookie)
        load(client, page.path, 20)
        out = servers.tmp / f"profile-{page.name}.txt"
        recorder = subprocess.Popen(
            [spy, "record", "--pid", str(servers.portal_worker), "--rate", "1000", "--format",
             "raw", "--nolineno", "--gil", "--output", str(out), "--duration", str(int(seconds))],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        time.sleep(1.0)  # py-spy attaches
        answers = []
        deadline = time.perf_counter() + seconds - 1.5
        while time.perf_counter() < deadline:
            answers.append(client.get(page.path))
        client.close()
        recorder.wait()
        samples, self_time, total, packages = aggregate_stacks(out.read_text().splitlines())
        if not samples:
            raise SystemExit(f"py-spy recorded nothing: {recorder.stderr.read().decode()}")
        per_page = samples / max(1, len(answers))  # 1 kHz: a sample is 1 ms on a CPU
        print(
            f"\n## Profile: {page.name} page ({page.path}), upstream at {servers.latency_ms:g} ms"
        )
        print(
            f"{len(answers)} pages, own time median {ms(statistics.median(a.own for a in answers))};"
            f" {samples} samples holding the GIL at 1 kHz = {per_page:.1f} ms of Python per page"
        )
        print("self time by package:")
        for name, n in packages.most_common(top):
            print(f"  {100 * n / samples:5.1f}%  {name}")
        print("total (inclusive) time in:")
        within = inclusive_packages(out.read_text().splitlines())
        for name in AREAS:
            print(f"  {100 * within[name] / samples:5.1f}%  {name}")
        print("the portal's functions, total (inclusive) time, below middleware and decorators:")
        # Frames in (nearly) every sample are the server's scaffolding (the event loop, ...).
        inner = [(f, n) for f, n in total.most_common() if frame_package(f).startswith("portal.")]
        inner = [(f, n) for f, n in inner if not _wrapper(f)][:top]
        for frame, n in inner:
            print(f"  {100 * n / samples:5.1f}%  {frame}")
        print("top functions, self time:")
        for frame, n in self_time.most_common(top):
            print(f"  {100 * n / samples:5.1f}%  {frame}")
        print(f"(raw stacks: {out})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--duration", type=float, default=10, help="seconds per throughput run")
    parser.add_argument("--viewers", default="1,10,100,1000")
    parser.add_argument("--board-replicas", type=int, default=200)
    parser.add_argument("--sections", default=",".join(SECTIONS))
    parser.add_argument("--profile", action="store_true", help="only profile list and detail")
    args = parser.parse_args()
    sections = [s for s in args.sections.split(",") if s]
    if unknown := set(sections) - set(SECTIONS):
        parser.error(f"unknown sections {sorted(unknown)}: choose from {SECTIONS}")
    servers = Servers(args.latency_ms)
    try:
        servers.start()
        rid, chat = find_page_replica(servers)
        if args.profile:
            servers.set_latency(0)
            profile(servers, rid, chat, seconds=12)
            return
        if "ttfb" in sections:
            bench_ttfb(servers, rid, chat, args.requests)
        if "pages" in sections:
            bench_pages(servers, rid, chat, args.requests)
        if "connections" in sections:
            bench_connections(servers, rid, chat)
        servers.set_latency(0)
        if "own" in sections:
            bench_own(servers, rid, chat, args.requests * 2)
        if "throughput" in sections:
            bench_throughput(servers, rid, chat, args.concurrency, args.duration)
        if "board" in sections:
            bench_board(servers, args.board_replicas, max(10, args.requests // 3), args.latency_ms)
        if "fanout" in sections:
            servers.set_latency(args.latency_ms)
            fan_rid, fan_chat = make_replica(servers)
            [cookie] = servers.sessions(["bench-fanout"])
            print("\n## SSE fan-out on one replica (one portal worker)")
            print(
                f"{'viewers':>8} {'upstream streams':>17} {'events':>7} {'deliveries':>11} {'added median':>13} {'added p99':>10} {'peak RSS':>9}"
            )
            for n in [int(v) for v in args.viewers.split(",") if v]:
                r = asyncio.run(fan_out(servers, cookie, fan_rid, fan_chat, n))
                print(
                    f"{r['viewers']:>8} {r['upstream_streams']:>17} {r['events']:>7} {r['deliveries']:>11}"
                    f" {ms(r['added_median']):>13} {ms(r['added_p99']):>10} {r['peak_mb'] or 0:>6.0f} MB"
                )
                time.sleep(6)  # the shared upstream closes after its grace period
    finally:
        servers.stop()


if __name__ == "__main__":
    main()
