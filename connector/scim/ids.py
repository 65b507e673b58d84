"""SCIM ids are opaque, but not anything: what can never be a target's id is refused once, here,
for every target (a `.` or `..` in a URL path would address the collection, not a resource)."""

from __future__ import annotations

import re

MAX_ID_LENGTH = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def valid_id(value: str) -> bool:
    return (
        0 < len(value) <= MAX_ID_LENGTH
        and value.strip() == value
        and value not in {".", ".."}
        and _CONTROL.search(value) is None
    )
