"""Masking of registered secrets and credential-shaped text in strings and log records."""

from __future__ import annotations

import logging

import pytest

from connector import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-ghi", "Authorization: ***"),
        ("authorization=SSWS 00abcdef", "authorization=***"),
        (
            "{'Authorization': 'SSWS 00abc', 'Accept': 'x'}",
            "{'Authorization': '***', 'Accept': 'x'}",
        ),
        (
            "ServiceBusAuthorization: SharedAccessSignature sr=a&sig=b%3D&se=1&skn=send",
            "ServiceBusAuthorization: ***",
        ),
        ("sent SSWS 00tok3n-value to okta", "sent SSWS *** to okta"),
        ("got Bearer eyJ.x.y, then", "got Bearer ***, then"),
        ("token=SharedAccessSignature sr=x&sig=y done", "token=SharedAccessSignature *** done"),
        (
            "wss://ns/$hc/x?sb-hc-action=connect&sb-hc-token=SharedAccess%20sig&x=1",
            "wss://ns/$hc/x?sb-hc-action=connect&sb-hc-token=***&x=1",
        ),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_credential_shapes_are_masked(text: str, expected: str) -> None:
    assert redact.redact(text) == expected


def test_registered_values_are_masked_anywhere() -> None:
    redact.register_secret("registered-secret-value-42")
    assert redact.redact("x=registered-secret-value-42;") == "x=***;"
    assert redact.redact("prefix registered-secret-value-42suffix") == "prefix ***suffix"


def test_short_values_are_not_registered() -> None:
    redact.register_secret("abc")
    assert redact.redact("abc abcdef") == "abc abcdef"


def _record(msg: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise RuntimeError("failure with registered-secret-value-43 inside")
        except RuntimeError:
            import sys

            exc_info = sys.exc_info()
    return logging.LogRecord("connector.x", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_filter_masks_message_arguments_and_tracebacks() -> None:
    redact.register_secret("registered-secret-value-43")
    handler = logging.StreamHandler()
    handler.addFilter(redact.RedactingFilter())
    handler.setFormatter(logging.Formatter("%(message)s"))
    record = _record("sending %s with %s", "registered-secret-value-43", "Bearer abcdef", exc=True)
    assert handler.filter(record)
    text = handler.format(record)
    assert "registered-secret-value-43" not in text
    assert "abcdef" not in text
    assert "sending *** with Bearer ***" in text
    assert "RuntimeError: failure with *** inside" in text


def test_install_adds_the_filter_once() -> None:
    logger = logging.getLogger("connector.test.install")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        redact.install(logger)
        redact.install(logger)
        assert sum(isinstance(f, redact.RedactingFilter) for f in handler.filters) == 1
    finally:
        logger.removeHandler(handler)
