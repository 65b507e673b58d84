"""The items of a JSON array body, decoded one at a time.

A page of 1,000 Okta group members is ~1.3 MB of JSON; decoding it whole builds every user
object at once (~10 MB) to keep one field of each, and holds the event loop while it does.
Decoded item by item, only one object exists at a time, and the caller can let the loop run
between slices. The items are those decoding the whole body gives, and a body that is not JSON
fails with the same JSONDecodeError.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def array_items(body: bytes) -> Iterator[Any] | None:
    """The items of the JSON array `body`, decoded as the iterator is read (a fault further on
    raises JSONDecodeError when it is reached); None when `body` is JSON but not an array."""
    # Decoded as json.loads decodes bytes: UTF-8, or UTF-16/32 told by the first bytes.
    text = body.decode(json.detect_encoding(body), "surrogatepass")
    start = _skip(text, 0)
    if text.startswith("[", start):
        return _each(text, _skip(text, start + 1))
    json.loads(text)  # raises for what is not JSON at all
    return None


def _each(text: str, index: int) -> Iterator[Any]:
    if not text.startswith("]", index):
        while True:
            item, index = _DECODER.raw_decode(text, index)
            yield item
            index = _skip(text, index)
            if text.startswith(",", index):
                index = _skip(text, index + 1)
            elif text.startswith("]", index):
                break
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, index)
    end = _skip(text, index + 1)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)


def _skip(text: str, index: int) -> int:
    """The position of the first character from `index` on that is not JSON whitespace."""
    found = _SPACE.match(text, index)
    return found.end() if found is not None else index
