"""API keys and Authorization headers never reach a log record."""

from __future__ import annotations

import logging

import pytest

from portal.lib.logging import RedactSecretsFilter, redact

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
