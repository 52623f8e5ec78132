"""A logging filter that keeps credentials out of every log record.

The service module never logs a key on purpose; this is the net under it, for a key that
reaches a log through an exception message, a repr of request headers, or a third-party
library. It rewrites the record's message (after %-formatting) and drops the args.
"""

from __future__ import annotations

import logging
import re

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
