"""Simulated hook runs: warm and start hook tests, and the warm-up of pool workspaces.

The submitted script is NEVER executed. It is read line by line and a plausible run is
derived from it, deterministically (the same script always gives the same result):

- `echo ...` / `printf ...` lines print their text (`>&2` goes to the same captured output);
- `exit N` stops the run with exit code N; a line that is just `false` fails with 1;
- `sleep N` with N >= 600 (e.g. `sleep 9999`) or a `# timeout` comment times the run out
  (`timed_out: true`, exit code 124);
- a `# emulate: sandbox-error` comment makes the sandbox itself fail (an `error` event);
- common installers (`npm install`, `pip install`, `apt-get`, ...) print a line or two;
- with `set -x` each command is traced as `+ command`.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import shlex
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

TIMEOUT_SECONDS = 600
TIMEOUT_EXIT_CODE = 124
MAX_SCRIPT_BYTES = 256 * 1024

_TIMEOUT_COMMENT = re.compile(r"^#\s*timeout\b", re.IGNORECASE)
_SANDBOX_ERROR = re.compile(r"^#\s*emulate:\s*sandbox-error\b", re.IGNORECASE)
_EXIT = re.compile(r"^exit(?:\s+(\S+))?\s*;?$")
_SLEEP = re.compile(r"^sleep\s+(\d+(?:\.\d+)?)[smhd]?\s*;?$")
_REDIRECT = re.compile(r"\s*(?:[12]?>&[12]|&>\s*/dev/null|[12]?>\s*/dev/null)\s*")
_FILE_REDIRECT = re.compile(r"\s[12]?>>?\s*(?!&)\S+\s*$")


@dataclass
class HookRun:
    """The simulated outcome of one script."""

    lines: list[str] = field(default_factory=list)
    exit_code: int = 0
    timed_out: bool = False
    sandbox_error: str | None = None
    commands: int = 0

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and self.sandbox_error is None

    @property
    def output(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    def result(self) -> dict[str, Any]:
        """The spec's WarmHookTestResult / StartHookTestResult."""
        return {"exit_code": self.exit_code, "output": self.output, "timed_out": self.timed_out}


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def _unquote(text: str) -> str:
    try:
        return " ".join(shlex.split(text, posix=True))
    except ValueError:
        return text.strip().strip("'\"")


def _echo(rest: str) -> str:
    rest = _REDIRECT.sub(" ", rest).strip()
    words = rest.split(" ", 1)
    while words and words[0] in {"-n", "-e", "-E", "-ne", "-en"}:
        rest = words[1] if len(words) > 1 else ""
        words = rest.split(" ", 1)
    return _unquote(rest).replace("\\n", "\n").replace("\\t", "\t")


def _printf(rest: str) -> str:
    rest = _REDIRECT.sub(" ", rest).strip()
    try:
        parts = shlex.split(rest, posix=True)
    except ValueError:
        parts = [rest]
    if not parts:
        return ""
    fmt, args = parts[0], parts[1:]
    text = fmt.replace("\\n", "\n").replace("\\t", "\t")
    for arg in args:
        text = re.sub(r"%[sd]", arg.replace("\\", "\\\\"), text, count=1)
    return text.rstrip("\n")


def _installer_output(command: str) -> list[str]:
    words = command.split()
    if not words:
        return []
    tool, sub = words[0], (words[1] if len(words) > 1 else "")
    n = _digest(command)
    if tool in {"npm", "pnpm", "yarn", "bun"} and sub in {"install", "ci", "i", "add", ""}:
        count = 120 + n % 900
        if tool == "bun":
            return [
                f"bun install v1.2.{n % 20}",
                f"{count} packages installed [{1 + n % 9}.{n % 10}s]",
            ]
        if tool == "pnpm":
            return [f"Packages: +{count}", f"Done in {1 + n % 9}.{n % 10}s"]
        if tool == "yarn":
            return ["[1/4] Resolving packages...", f"Done in {1 + n % 9}.{n % 10}s."]
        return [f"added {count} packages, and audited {count + 1} packages in {1 + n % 9}s"]
    if tool in {"pip", "pip3", "uv"} and "install" in words:
        pkgs = [w for w in words[2:] if not w.startswith("-")] or ["requirements"]
        return [f"Successfully installed {' '.join(pkgs[:4])}"]
    if tool in {"apt-get", "apt"}:
        return ["Reading package lists... Done", "Building dependency tree... Done"]
    if tool == "git" and sub in {"clone", "fetch", "pull"}:
        target = words[-1].rstrip("/").split("/")[-1].removesuffix(".git")
        return [f"Cloning into '{target}'..."] if sub == "clone" else ["Already up to date."]
    if tool in {"make", "cargo", "go"} and sub in {"build", "deps", "fetch", ""}:
        return [f"{tool}: build finished in {1 + n % 30}s"]
    if tool == "docker" and sub in {"pull", "build"}:
        return [f"Status: Downloaded newer image ({n % 900 + 100} MB)"]
    return []


def simulate(content: str) -> HookRun:
    """Derive the run of `content` without ever executing it."""
    run = HookRun()
    trace = False
    for raw in content.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if _TIMEOUT_COMMENT.match(line):
                run.timed_out = True
                break
            if _SANDBOX_ERROR.match(line):
                run.sandbox_error = "Sandbox provisioning failed: the sandbox exited unexpectedly."
                break
            continue
        words = line.split()
        if words[0] == "set":
            if len(words) > 1 and words[1].startswith("-") and "x" in words[1]:
                trace = True
            elif len(words) > 1 and words[1] == "+x":
                trace = False
            continue
        run.commands += 1
        if trace:
            run.lines.append(f"+ {line}")
        exit_match = _EXIT.match(line)
        if exit_match:
            code = exit_match.group(1) or "0"
            run.exit_code = int(code) % 256 if code.isdigit() else 1
            break
        if line in {"false", "false;"}:
            run.exit_code = 1
            break
        sleep_match = _SLEEP.match(line)
        if sleep_match:
            if float(sleep_match.group(1)) >= TIMEOUT_SECONDS:
                run.timed_out = True
                break
            continue
        if line.startswith("echo") and (len(line) == 4 or line[4] in " \t"):
            if _FILE_REDIRECT.search(line):
                continue
            run.lines.extend(_echo(line[4:]).split("\n"))
            continue
        if line.startswith("printf "):
            if _FILE_REDIRECT.search(line):
                continue
            run.lines.extend(_printf(line[7:]).split("\n"))
            continue
        run.lines.extend(_installer_output(line))
    if run.timed_out:
        run.exit_code = TIMEOUT_EXIT_CODE
        run.lines.append(f"Hook timed out after {TIMEOUT_SECONDS} seconds and was killed.")
    return run


def pacing(step_s: float, run: HookRun) -> tuple[float, float]:
    """(delay between output lines, total simulated duration) for a run, kept short."""
    per_line = min(max(step_s, 0.01), 0.25)
    steps = len(run.lines) + 3
    return per_line, min(per_line * steps, 2.0)


async def stream_run(
    run: HookRun,
    *,
    label: str,
    step_s: float,
    sandbox_id: str,
    on_finish: Any = None,
) -> AsyncIterator[dict[str, Any]]:
    """The SSE events of one simulated test run: progress, output, then complete or error.

    `on_finish(run)` is called just before `complete` and returns extra fields for it
    (e.g. the saved `warm_hook` record).
    """
    per_line, _ = pacing(step_s, run)
    yield {"type": "progress", "message": "Provisioning isolated sandbox..."}
    await asyncio.sleep(per_line)
    if run.sandbox_error:
        yield {"type": "error", "message": run.sandbox_error}
        return
    yield {"type": "progress", "message": f"Sandbox {sandbox_id} ready"}
    await asyncio.sleep(per_line)
    yield {"type": "progress", "message": f"Running {label}..."}
    for line in run.lines:
        await asyncio.sleep(per_line)
        yield {"type": "output", "output": line + "\n"}
    await asyncio.sleep(per_line)
    if run.timed_out:
        yield {"type": "progress", "message": f"{label.capitalize()} exceeded the time limit"}
    else:
        yield {"type": "progress", "message": f"{label.capitalize()} exited with {run.exit_code}"}
    extra = on_finish(run) if on_finish is not None else {}
    yield {
        "type": "complete",
        "exit_code": run.exit_code,
        "timed_out": run.timed_out,
        "output": run.output,
        **extra,
    }


async def run_sync(run: HookRun, step_s: float) -> None:
    """Wait as long as a synchronous test endpoint would (briefly)."""
    _, total = pacing(step_s, run)
    await asyncio.sleep(total)
