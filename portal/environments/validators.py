"""The API's rules for what an environment holds, checked before sending (and as you type):
the same function serves the live check and the save.

Each `check_*` raises `django.forms.ValidationError` with words that say what to change.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# Variable keys: what the API accepts (letters, digits, underscores; not a digit first).
VARIABLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# MCP server names, as the spec gives them; and the reserved prefix.
MCP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MCP_RESERVED_PREFIX = "replicas-"
# Files: 64 KB of content (65,536 bytes, UTF-8).
MAX_FILE_BYTES = 65_536
MAX_VALUE_BYTES = 65_536
SYSTEM_DIRS = ("/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/proc", "/sys", "/dev", "/boot")

PATH_RULE = (
    "A file path starting with ~/ (the workspace user's home, e.g. ~/AGENTS.md or "
    "~/.config/tool.json) or an absolute path such as /workspace/notes.md. System "
    "directories (/etc, /usr, /bin, /proc, …) and .. segments are refused."
)
MCP_NAME_RULE = (
    "1–64 letters, digits, _ or -, starting with a letter or digit (no spaces); "
    "names starting with replicas- are reserved."
)
FILE_TOO_LARGE = (
    "The content is {size} bytes; a file can hold at most 64 KB (65,536 bytes). "
    "Shorten it and save again: your text is kept here."
)


def check_variable_key(key: str) -> str:
    if not VARIABLE_KEY.match(key or ""):
        raise ValidationError(
            "Use letters, digits and underscores, not starting with a digit (e.g. DATABASE_URL).",
            code="key",
        )
    return key


def check_value_size(value: str) -> str:
    size = len((value or "").encode())
    if size > MAX_VALUE_BYTES:
        raise ValidationError(
            f"The value is {size:,} bytes; the API takes at most {MAX_VALUE_BYTES:,}.",
            code="size",
        )
    return value


def check_mcp_name(name: str) -> str:
    """The spec's MCP name rule (the API answers 400 otherwise)."""
    name = name or ""
    if not name:
        raise ValidationError("Give the server a name.", code="required")
    if any(c.isspace() for c in name):
        raise ValidationError("No spaces: " + MCP_NAME_RULE, code="name")
    if len(name) > 64:
        raise ValidationError(
            f"That is {len(name)} characters; at most 64. " + MCP_NAME_RULE, code="name"
        )
    if not MCP_NAME.match(name):
        raise ValidationError(MCP_NAME_RULE[:1].upper() + MCP_NAME_RULE[1:], code="name")
    if name.lower().startswith(MCP_RESERVED_PREFIX):
        raise ValidationError(
            "Names starting with replicas- are reserved for Replicas' own servers.",
            code="reserved",
        )
    return name


def check_file_path(path: str) -> str:
    path = (path or "").strip()
    if not (path.startswith("~/") or path.startswith("/")):
        raise ValidationError("The path must start with ~/ or /. " + PATH_RULE, code="path")
    if path.endswith("/"):
        raise ValidationError("That is a directory: end the path with a file name.", code="path")
    if ".." in path.split("/") or "\x00" in path:
        raise ValidationError("The path must not contain .. segments.", code="path")
    if len(path) > 1024:
        raise ValidationError("The path is too long (1,024 characters at most).", code="path")
    if any(path == d or path.startswith(d + "/") for d in SYSTEM_DIRS):
        raise ValidationError(
            f"{path} is in a system directory, which the API refuses. " + PATH_RULE, code="path"
        )
    return path


def check_file_size(content: str) -> str:
    size = len((content or "").encode())
    if size > MAX_FILE_BYTES:
        raise ValidationError(FILE_TOO_LARGE.format(size=f"{size:,}"), code="size")
    return content
