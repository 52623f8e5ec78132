"""Logging filters: one keeps credentials out of every log record, one keeps a 403 to a line.

The service module never logs a key on purpose; RedactSecretsFilter is the net under it, for
a key that reaches a log through an exception message, a repr of request headers, or a
third-party library. It rewrites the record's message (after %-formatting) and drops the args.
"""

from __future__ import annotations

import logging
import re

from django.core.exceptions import PermissionDenied

REDACTED = "[redacted]"

_PATTERNS = [
    # "Authorization: Bearer abc", "'authorization': 'Bearer abc'", "Bearer abc"
    re.compile(r"(?i)(bearer\s+)[^\s'\",;}]+"),
    re.compile(r"(?i)(['\"]?authorization['\"]?\s*[:=]\s*['\"]?)(?!bearer\s)[^\s'\",;}]+"),
    # "api_key=...", "apiKey: ...", "x-api-key: ..."
    re.compile(r"(?i)((?:api[_-]?key|secret|token|password)['\"]?\s*[:=]\s*['\"]?)[^\s'\",;}&]+"),
    # Replica API key shapes (and the emulator's demo keys): rk_..., rpl_..., sk-...
    re.compile(r"()\b(?:rk|rpl|sk)[_-][A-Za-z0-9_\-]{12,}"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix here
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, redacted, so handlers don't format the raw one.
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(formatted)
            record.exc_info = None
        return True


class PermissionDeniedOneLineFilter(logging.Filter):
    """On `django.request`: a 403 (PermissionDenied) logs as one line, with the refusal's
    reason and without Django's traceback. A refusal is the portal working as meant, not an
    error; every other record keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, PermissionDenied):
            reason = str(exc)
            if reason and isinstance(record.args, tuple):
                # Escaped like Django escapes the path: one line, whatever the reason holds.
                record.msg = f"{record.msg} (%s)"
                record.args = (*record.args, reason.encode("unicode_escape").decode())
            record.exc_info = None
            record.exc_text = None
        return True
