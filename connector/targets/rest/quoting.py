"""A searched value written inside the application's own filter language, kept inside its quotes.

A find may put `{value}` into an expression of the application's (`filter: 'email eq
"{value}"'`). Passed as a query parameter the expression is percent-encoded by httpx, but the
application decodes it and then parses it: a value holding the expression's quote (a legal
`o"brien@example.com`) or a backslash would end the literal early, and the application would
refuse the call or match more than asked. So each `{value}` between quotes is escaped by the
find's `escape` rule before it is placed:

- `backslash`: a backslash before the quote and before a backslash (`\\"`, `\\\\`), as SCIM
  filters, Okta's search and most JSON-minded languages write them;
- `double`: the quote written twice (`''`), as OData and SQL do; a backslash is then ordinary;
- `refuse` (the default, when the description does not say): a value holding the quote or a
  backslash is not sent at all: which escape the application reads cannot be guessed, and a
  wrong guess is the very break-out this prevents.

A `{value}` that is not between quotes (the whole parameter, `{username: "{value}"}`) is the
value itself, sent as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

Escape = Literal["backslash", "double", "refuse"]

PLACEHOLDER = "{value}"
_QUOTES = "\"'"


def _split(template: str) -> tuple[list[str], list[str | None]]:
    """The template's literal texts around its `{value}`s (one more text than values), and the
    quote each `{value}` is between (None: not between quotes), read left to right."""
    texts: list[str] = []
    around: list[str | None] = []
    quote: str | None = None
    start = i = 0
    while i < len(template):
        if template.startswith(PLACEHOLDER, i):
            texts.append(template[start:i])
            around.append(quote)
            i = start = i + len(PLACEHOLDER)
            continue
        char = template[i]
        if quote is None and char in _QUOTES:
            quote = char
        elif char == quote:
            quote = None
        i += 1
    texts.append(template[start:])
    return texts, around


def quotes(template: str) -> list[str | None]:
    """The quote around each `{value}` of the template, in order (None: not between quotes)."""
    return _split(template)[1]


def refused(template: str, value: str, escape: Escape) -> str | None:
    """What in `value` the template cannot carry under `escape` (for a message: `the quote "`,
    `a backslash`), or None when every `{value}` can be filled."""
    if escape != "refuse":
        return None
    for quote in quotes(template):
        if quote is None:
            continue
        held = [c for c in (quote, "\\") if c in value]
        if held:
            return " and ".join("a backslash" if c == "\\" else f"the quote {c}" for c in held)
    return None


def _escaped(value: str, quote: str, escape: Escape) -> str:
    if escape == "backslash":
        return value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    if escape == "double":
        return value.replace(quote, quote + quote)
    # refuse: `refused` turned such a value away before any call was made.
    if quote in value or "\\" in value:
        raise ValueError("a value that cannot be quoted was not refused first")
    return value


def fill(template: str, value: str, escape: Escape, encode: Callable[[str], str] = str) -> str:
    """The template with each `{value}` escaped for the quotes it is between, then `encode`d
    (for a path: percent-encoded as one segment); the caller has asked `refused` first."""
    texts, around = _split(template)
    out = [texts[0]]
    for quote, text in zip(around, texts[1:], strict=True):
        placed = value if quote is None else _escaped(value, quote, escape)
        out += [encode(placed), text]
    return "".join(out)
