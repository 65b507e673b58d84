"""Error reasons fit for a log: the words an admin acts on, without the values they quote.

SCIM error details name what to fix and often quote the offending value (`login 'a@b.c' is
already taken`, `must be one of A, B, got 'x'`). The record keeps the words and drops the
quoted values and anything shaped like an email address, then masks secrets as every log does.
"""

from __future__ import annotations

import re

from .. import redact

_QUOTED = re.compile(r"'[^'\n]{0,200}'|\"[^\"\n]{0,200}\"")
_EMAIL = re.compile(r"[^\s@'\"<>(),;:]+@[^\s@'\"<>(),;:]+")
_LIMIT = 500


def scrub(text: str) -> str:
    """`text` with quoted values and email addresses replaced, secrets masked, at most 500
    characters."""
    text = _QUOTED.sub("'…'", text)
    text = _EMAIL.sub("<email>", text)
    text = redact.redact(text)
    return text if len(text) <= _LIMIT else text[: _LIMIT - 1] + "…"
