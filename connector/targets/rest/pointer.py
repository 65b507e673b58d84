"""JSON Pointers (RFC 6901): where a value lives in an application's JSON."""

from __future__ import annotations

import re
from typing import Any

_MISSING = object()
# RFC 6901 §4: "0", or ASCII digits without a leading zero.
_INDEX = re.compile(r"0|[1-9][0-9]*")
_BAD_ESCAPE = re.compile(r"~(?![01])")


def parse(pointer: str) -> tuple[str, ...]:
    """The reference tokens of a pointer; "" is the whole document. Raises ValueError."""
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise ValueError(f"a JSON Pointer starts with '/', got {pointer!r}")
    tokens = pointer[1:].split("/")
    for token in tokens:
        if _BAD_ESCAPE.search(token):
            raise ValueError(f"'~' must be written ~0 in a JSON Pointer, got {pointer!r}")
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in tokens)


def resolve(document: Any, tokens: tuple[str, ...], default: Any = None) -> Any:
    """The value at the pointer, or `default` when the document has nothing there."""
    current = document
    for token in tokens:
        if isinstance(current, dict):
            current = current.get(token, _MISSING)
        elif isinstance(current, list) and _INDEX.fullmatch(token):
            index = int(token)
            current = current[index] if index < len(current) else _MISSING
        else:
            return default
        if current is _MISSING:
            return default
    return current


def exists(document: Any, tokens: tuple[str, ...]) -> bool:
    return resolve(document, tokens, _MISSING) is not _MISSING


def place(document: dict[str, Any], tokens: tuple[str, ...], value: Any) -> None:
    """Set the value at the pointer, creating the objects on the way."""
    if not tokens:
        raise ValueError("cannot place a value at the whole document")
    current = document
    for token in tokens[:-1]:
        child = current.get(token)
        if not isinstance(child, dict):
            child = current[token] = {}
        current = child
    current[tokens[-1]] = value


def remove(document: dict[str, Any], tokens: tuple[str, ...]) -> None:
    """Delete the value at the pointer, if there is one."""
    current: Any = document
    for token in tokens[:-1]:
        current = current.get(token) if isinstance(current, dict) else None
    if isinstance(current, dict):
        current.pop(tokens[-1], None)


def render(tokens: tuple[str, ...]) -> str:
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)
