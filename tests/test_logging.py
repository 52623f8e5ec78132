"""API keys and Authorization headers never reach a log record; a 403 logs one line."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from portal.lib.logging import RedactSecretsFilter, redact
from tests.accounts.personas import *  # noqa: F403

KEY = "rk_personal_demo_ada_0123456789"


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {KEY}",
        f"{{'authorization': 'Bearer {KEY}'}}",
        f"headers={{'Authorization': '{KEY}'}}",
        f"api_key={KEY}&x=1",
        f"the key {KEY} was rejected",
        f'{{"apiKey": "{KEY}"}}',
    ],
)
def test_redact_removes_keys(text):
    assert KEY not in redact(text)


def test_filter_redacts_args_and_tracebacks(caplog):
    logger = logging.getLogger("portal.test.redaction")
    logger.addFilter(RedactSecretsFilter())
    caplog.set_level(logging.INFO, logger="portal.test.redaction")
    logger.info("calling with %s", f"Bearer {KEY}")
    try:
        raise RuntimeError(f"upstream said Authorization: Bearer {KEY}")
    except RuntimeError:
        logger.exception("boom")
    assert KEY not in caplog.text
    for record in caplog.records:
        assert KEY not in logging.Formatter().format(record)


def test_plain_messages_untouched():
    assert redact("replica r-123 became active") == "replica r-123 became active"


def _request_records(caplog):
    return [record for record in caplog.records if record.name == "django.request"]


def test_a_403_logs_one_line_without_a_traceback(as_member, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    assert as_member.get(reverse("accounts:team")).status_code == 403
    [record] = _request_records(caplog)
    assert record.exc_info is None and not record.exc_text
    assert record.getMessage() == (
        "Forbidden (Permission denied): /team/ (This page is for org admins.)"
    )
    assert "Traceback" not in caplog.text
    assert "\n" not in logging.Formatter().format(record)


def test_other_request_errors_keep_their_traceback(caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        logging.getLogger("django.request").error("Internal Server Error: %s", "/x", exc_info=exc)
    [record] = _request_records(caplog)
    # The console handler's redaction filter may have rendered it into exc_text already.
    assert record.exc_info or record.exc_text
    assert "Traceback" in caplog.text
