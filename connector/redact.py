"""Keep secrets out of log lines and error text.

Two layers: every secret value the stores read is registered and masked wherever it appears,
and credentials that were never registered (a token Entra or a caller sent, a SAS signature)
are masked by their shape: whatever follows an ``Authorization`` header name or an
``SSWS``/``Bearer``/``SharedAccessSignature`` scheme.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"

# Shorter values would mask ordinary words; every real secret here is far longer.
_MIN_REGISTERED_LENGTH = 8

_SHAPES = re.compile(
    r"""
    (?P<header>\b\w*authorization["']?\s*[:=]\s*["']?)[^"'\r\n]+  # Authorization: <all of it>
  | (?P<scheme>\b(?:SSWS|Bearer|SharedAccessSignature)\s+)[^\s"',]+
  | (?P<query>\bsb-hc-token=)[^\s"'&]+  # Relay's query-string form of the token
    """,
    re.IGNORECASE | re.VERBOSE,
)


def _mask(match: re.Match[str]) -> str:
    prefix = match.group("header") or match.group("scheme") or match.group("query")
    return prefix + MASK


_lock = threading.Lock()
_registered: frozenset[str] = frozenset()


def register_secret(value: str) -> None:
    """Mask ``value`` in every later :func:`redact` call and log record."""
    global _registered
    if len(value) < _MIN_REGISTERED_LENGTH or value in _registered:
        return
    with _lock:
        _registered = _registered | {value}


def redact(text: str) -> str:
    """``text`` with registered secrets and credential-shaped substrings masked."""
    # Longest first, so a secret that contains another is masked whole.
    for value in sorted(_registered, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    return _SHAPES.sub(_mask, text)


class RedactingFilter(logging.Filter):
    """A handler filter that rewrites each record's message and traceback through :func:`redact`.

    Attach it to handlers, not loggers: a logger's filters do not see records propagated from
    its children.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add a :class:`RedactingFilter` to every handler of ``logger`` (default: the root logger)."""
    target = logger if logger is not None else logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
