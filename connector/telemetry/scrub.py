"""Error reasons fit for a log: the words an admin acts on, without the values they quote.

SCIM error details name what to fix and often quote the offending value (`login 'a@b.c' is
already taken`, `must be one of A, B, got 'x'`). The record keeps the words and drops the
quoted values and anything shaped like an email address, then masks secrets as every log does.
"""

from __future__ import annotations

import re

from .. import redact

# A quoted value, however long and over any number of lines: a target's error can echo a whole
# displayName or filter, and one cut short (no closing quote) is masked to the end. A single quote
# opens only where no letter or digit is before it, so the apostrophe of "can't" does not pair
# with the quote of the value after it; inside, an apostrophe followed by a letter (O'Brien) or a
# backslash-escaped quote (Python's repr) does not close the value. Every opening quote matches
# (a closing quote or the end), so the scan stays linear whatever the text.
_QUOTED = re.compile(
    r"(?<!\w)'(?:[^'\\]|\\[\s\S]?|'(?=\w))*(?:'|\Z)|\"(?:[^\"\\]|\\[\s\S]?)*(?:\"|\Z)"
)
_EMAIL = re.compile(r"[^\s@'\"<>(),;:]+@[^\s@'\"<>(),;:]+")
_LIMIT = 500


def scrub(text: str) -> str:
    """`text` with quoted values and email addresses replaced, secrets masked, at most 500
    characters."""
    text = _QUOTED.sub("'…'", text)
    text = _EMAIL.sub("<email>", text)
    text = redact.redact(text)
    return text if len(text) <= _LIMIT else text[: _LIMIT - 1] + "…"
