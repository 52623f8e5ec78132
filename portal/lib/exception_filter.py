"""The exception reporter filter: secrets stay out of error pages and error reports.

Django's default filter only cleanses when DEBUG is off, and only variables a
`@sensitive_variables` decorator names. This one is always on (the DEBUG error page is an
exception page too), hides every frame variable whose name says it holds a secret (the
service module's `api_key`, our `plaintext`, headers...), and redacts key-shaped strings.
"""

from __future__ import annotations

import re

from django.views.debug import SafeExceptionReporterFilter

from portal.lib.logging import redact

SENSITIVE_NAMES = re.compile(
    r"(?i)api_?key|plaintext|secret|token|passw|authorization|ciphertext|cookie|^key$|headers"
)


class PortalExceptionReporterFilter(SafeExceptionReporterFilter):
    def is_active(self, request) -> bool:
        return True

    def get_traceback_frame_variables(self, request, tb_frame):
        cleansed = []
        for name, value in super().get_traceback_frame_variables(request, tb_frame):
            if SENSITIVE_NAMES.search(name):
                value = self.cleansed_substitute
            elif isinstance(value, str):
                value = redact(value)
            cleansed.append((name, value))
        return cleansed
