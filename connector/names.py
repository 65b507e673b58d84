"""SCIM names (attributes, parameters, message keys) match case-insensitively (RFC 7643 §2.1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def key_of(mapping: Mapping[str, Any], name: str) -> str | None:
    """The key of `mapping` that spells `name` in any case, or None."""
    lowered = name.lower()
    for key in mapping:  # a loop, not next() over a generator: this runs per attribute
        if isinstance(key, str) and key.lower() == lowered:
            return key
    return None


def value_of(mapping: Mapping[str, Any], name: str) -> Any:
    """The value under `name` spelled in any case, or None."""
    key = key_of(mapping, name)
    return None if key is None else mapping[key]


def folded(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """The values of `mapping` by lower-case name, the first spelling's where a name is spelled
    twice (as `value_of` finds it): one pass for an object whose names are all looked up."""
    values: dict[str, Any] = {}
    for key, value in mapping.items():
        if isinstance(key, str):
            values.setdefault(key.lower(), value)
    return values
