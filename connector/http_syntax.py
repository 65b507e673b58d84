"""What HTTP/1.1 allows in a header line (RFC 9110 section 5): the connector's own transport and
its local server check what they write with it, so no value can end a line early."""

from __future__ import annotations

import re

_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
_LINE_BREAK = re.compile(rb"[\r\n\0]")


def valid_name(name: bytes) -> bool:
    return _TOKEN.match(name) is not None


def valid_value(value: bytes) -> bool:
    return _LINE_BREAK.search(value) is None


def valid_header(name: bytes, value: bytes) -> bool:
    return valid_name(name) and valid_value(value)
