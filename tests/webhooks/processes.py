"""Two portal processes (uvicorn subprocesses, as gunicorn's workers or two instances would
be) sharing one database and one Redis, for the cross-process delivery tests."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import ROOT, free_port

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# The cache's database number (pub/sub channels are server-wide, named per deployment).
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/13"
PASSWORD = "correct-horse-battery-staple-41"

SETUP = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from portal.accounts.models import ApiKey
user = get_user_model().objects.create_user("grace", password={password!r}, first_name="Grace")
key = ApiKey(kind="personal", user=user, added_by=user)
key.set_secret({key!r})
key.save()
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


def redis_answers() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class TwoPortals:
    """Portal processes A and B; replicas' webhooks go to A (its PORTAL_PUBLIC_URL)."""

    def __init__(self, workdir: Path, api_url: str, api_key: str, *, redis: bool = True) -> None:
        self.a_port, self.b_port = free_port(), free_port()
        self.a_url = f"http://127.0.0.1:{self.a_port}"
        self.b_url = f"http://127.0.0.1:{self.b_port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{workdir / 'shared.sqlite3'}",
            "REPLICAS_API_URL": api_url,
            "REPLICAS_API_IS_EMULATOR": "true",
            "PORTAL_PUBLIC_URL": self.a_url,
            "SECRET_KEY": "two-portals-" + secrets.token_hex(24),
            "DEBUG": "true",  # plain-HTTP cookies for the test's clients
            "REDIS_URL": REDIS_URL if redis else "",
            "LOG_LEVEL": "WARNING",
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        # As deployed: a database call from async code fails loudly (the test process allows it).
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.logs = [open(workdir / f"portal-{n}.log", "w") for n in "ab"]  # noqa: SIM115
        self._run("manage.py", "migrate", "--no-input", "-v", "0")
        self.session = (
            self._run("manage.py", "shell", "-c", SETUP.format(password=PASSWORD, key=api_key))
            .strip()
            .splitlines()[-1]
        )
        self.processes = [
            self._serve(self.a_port, self.logs[0]),
            self._serve(self.b_port, self.logs[1]),
        ]
        for url in (self.a_url, self.b_url):
            self._wait(url)

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr[-2000:]}")
        return done.stdout

    def _serve(self, port: int, log) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "portal.asgi:application", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def _wait(self, url: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"the portal at {url} did not start")

    @property
    def cookies(self) -> dict[str, str]:
        return {"sessionid": self.session}

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in self.logs:
            log.close()


def create_replica(portal_url: str, cookies: dict[str, str], environment_id: str, name: str) -> str:
    """Create a replica with the create form of the portal at `portal_url`; returns its id."""
    import re

    with httpx.Client(base_url=portal_url, cookies=cookies, timeout=30) as client:
        page = client.get("/replicas/new/").text
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)
        response = client.post(
            "/replicas/new/",
            data={
                "csrfmiddlewaretoken": csrf, "token": token, "name": name,
                "environment": environment_id, "message": "Fix the login timeout",
                "coding_agent": "claude", "size": "small", "lifecycle_policy": "default",
                "pr_followups": "on",
            },
        )  # fmt: skip
    assert response.status_code == 302, response.text[:2000]
    return response.headers["Location"].strip("/").split("/")[-1]
