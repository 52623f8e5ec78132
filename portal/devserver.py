"""`make run`: the emulator and the portal together, with demo data; Ctrl-C stops both.

1. Writes `.env` with fresh secrets on the first run (DEBUG on, local use only).
2. Migrates the database.
3. Starts the emulator on 127.0.0.1:8765 (unless REPLICAS_API_URL points elsewhere).
4. In emulator mode only: creates the demo admin and member and stores the emulator's
   demo keys for them (`manage.py demo_accounts`), and sets PORTAL_PUBLIC_URL (unless set) to
   the local portal, so the emulator's replica webhooks reach it.
5. Serves the portal as ASGI with uvicorn on 127.0.0.1:8000 and prints the URL.

Each step says what it is doing. If the emulator stops, the portal keeps serving (its pages
say the API is unreachable) and this says how to get it back; only the portal stopping (or
Ctrl-C) ends `make run`.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / ".env"
PORTAL_HOST = os.environ.get("PORTAL_HOST", "127.0.0.1")
PORTAL_PORT = os.environ.get("PORTAL_PORT", "8000")
EMULATOR_URL = "http://127.0.0.1:8765"


def ensure_env_file() -> None:
    if ENV_FILE.exists():
        return
    fernet_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    ENV_FILE.write_text(
        "# Written by `make run` for local use. See .env.example for every variable.\n"
        "DEBUG=true\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"FIELD_ENCRYPTION_KEYS={fernet_key}\n"
    )
    print(f"Wrote {ENV_FILE.name} with fresh local secrets.", flush=True)


def default_public_url(api_url: str, public_url: str) -> str | None:
    """PORTAL_PUBLIC_URL for the portal `make run` starts: the local portal, when the API is
    the emulator beside it (which can reach it) and nothing else was set."""
    if api_url != EMULATOR_URL or public_url:
        return None
    host = "127.0.0.1" if PORTAL_HOST in ("0.0.0.0", "::") else PORTAL_HOST
    return f"http://{host}:{PORTAL_PORT}"


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def wait_for(url: str, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=0.5)
            return True
        except httpx.HTTPError:
            time.sleep(0.2)
    return False


def say(text: str) -> None:
    print(f"make run: {text}", flush=True)


def watch(portal: subprocess.Popen, emulator: subprocess.Popen | None) -> int:
    """Wait for the portal to stop; report (once) if the emulator stops first."""
    reported = False
    while portal.poll() is None:
        if emulator is not None and not reported and emulator.poll() is not None:
            reported = True
            say(
                f"the emulator stopped (exit code {emulator.returncode}). The portal keeps "
                "serving and its pages say the Replica API is unreachable. Restart `make run` "
                "to start the emulator again (its demo data starts afresh)."
            )
        time.sleep(0.5)
    say(f"the portal stopped (exit code {portal.returncode}).")
    return portal.returncode or 1


def main() -> int:
    ensure_env_file()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.conf import settings

    say("migrating the database…")
    manage("migrate", "--no-input", "-v", "0")
    children: list[subprocess.Popen] = []
    emulator = None
    try:
        if settings.REPLICAS_API_URL == EMULATOR_URL:
            say("starting the Replica API emulator on 127.0.0.1:8765…")
            emulator = subprocess.Popen(
                [sys.executable, "-m", "portal.emulator", "--host", "127.0.0.1", "--port", "8765"],
                cwd=ROOT,
            )
            children.append(emulator)
            if not wait_for(f"{EMULATOR_URL}/_emulator/health"):
                print("The emulator did not start.", file=sys.stderr)
                return 1
            say("creating the demo accounts and storing their keys…")
            manage("demo_accounts")
        else:
            say(f"using the Replica API at {settings.REPLICAS_API_URL}")
        public_url = default_public_url(settings.REPLICAS_API_URL, settings.PORTAL_PUBLIC_URL)
        if public_url:
            os.environ["PORTAL_PUBLIC_URL"] = public_url
            say(f"replica webhooks from the emulator go to {public_url}")
        say(f"starting the portal on {PORTAL_HOST}:{PORTAL_PORT}…")
        children.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "portal.asgi:application",
                    "--host",
                    PORTAL_HOST,
                    "--port",
                    PORTAL_PORT,
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
            )  # fmt: skip
        )
        portal = children[-1]
        if wait_for(f"http://{PORTAL_HOST}:{PORTAL_PORT}/healthz"):
            print(
                f"\n  Replicas Portal: http://{PORTAL_HOST}:{PORTAL_PORT}/   (Ctrl-C stops)\n",
                flush=True,
            )
        return watch(portal, emulator)
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(5)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    sys.exit(main())
