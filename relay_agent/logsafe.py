"""What the agent logs of relayed requests is text its senders chose: printed escaped, bounded.

A line break in a request target must not start a forged line in the agent's log, and a control
character or a lone surrogate must not reach a terminal or break a log handler. The filter on the
agent's logger applies the same to every message, whatever a call site passed.
"""

from __future__ import annotations

import logging

# Long enough for any real request target; a flood of bytes is cut.
MAX_SHOWN = 300


def printable(text: str, limit: int = MAX_SHOWN) -> str:
    """`text` with every non-printable character (control, format, line or paragraph separator,
    surrogate) escaped as \\xNN, \\uNNNN or \\UNNNNNNNN, cut after `limit` characters."""
    shown = text if len(text) <= limit else text[:limit]
    out = []
    for char in shown:
        if char.isprintable() or char == " ":
            out.append(char)
            continue
        code = ord(char)
        out.append(
            f"\\x{code:02x}"
            if code < 0x100
            else f"\\u{code:04x}"
            if code < 0x10000
            else f"\\U{code:08x}"
        )
    if len(text) > limit:
        out.append(f"…({len(text) - limit} more)")
    return "".join(out)


class PrintableFilter(logging.Filter):
    """Escapes the formatted message of every record (tracebacks, added by the formatter after
    the message, are the agent's own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        safe = printable(message, limit=4 * MAX_SHOWN)
        if safe != message:
            record.msg, record.args = safe, None
        return True


def agent_logger() -> logging.Logger:
    """The agent's logger, with the filter installed once."""
    logger = logging.getLogger("relay_agent")
    if not any(isinstance(f, PrintableFilter) for f in logger.filters):
        logger.addFilter(PrintableFilter())
    return logger
