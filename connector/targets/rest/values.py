"""Attribute values between the connector (strings, as SCIM carries them) and the application's
JSON (its types, value maps, case), both ways.

Writing checks a value before anything is sent, so a value the application cannot take is a
clear 400 naming the attribute, and nothing changes.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from ..errors import RejectedError
from . import pointer
from .description import Attribute, Scalar


@dataclass(frozen=True)
class Codec:
    name: str
    spec: Attribute
    tokens: tuple[str, ...]

    def encode(self, value: str | None, *, creating: bool = False) -> Any:
        """The application's JSON for a connector value; None stays None (clears)."""
        if value is None and creating and self.spec.default is not None:
            return self.spec.default
        if value is None:
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            # JSON may escape a lone surrogate ("\ud800"): no request can carry it.
            raise RejectedError(f"{self.name} is not valid Unicode text") from None
        if self.spec.map is not None:
            if value not in self.spec.map:
                allowed = ", ".join(self.spec.map)
                raise RejectedError(f"{self.name} must be one of {allowed}, got {value!r}")
            return self.spec.map[value]
        if self.spec.case == "lower":
            value = value.lower()
        elif self.spec.case == "upper":
            value = value.upper()
        return _typed(self.name, self.spec.type, value)

    def decode(self, raw: Any) -> str | None:
        """The connector value for what the application stores (None when nothing is there)."""
        if raw is None or raw == "":
            return None
        if self.spec.map is not None:
            for ours, theirs in self.spec.map.items():
                if _same(theirs, raw):
                    return ours
        return text(raw)

    def read(self, record: Any) -> str | None:
        return self.decode(pointer.resolve(record, self.tokens))


def codecs(attributes: dict[str, Attribute]) -> dict[str, Codec]:
    return {
        name: Codec(name, spec, pointer.parse(spec.pointer)) for name, spec in attributes.items()
    }


def text(raw: Any) -> str:
    """A JSON scalar as the string SCIM carries (numbers become strings, `true`/`false`)."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float) or not isinstance(raw, str):
        return json.dumps(raw)
    return raw


def same_value(expected: Scalar, raw: Any) -> bool:
    return _same(expected, raw)


def _same(expected: Scalar, raw: Any) -> bool:
    if isinstance(expected, bool) or isinstance(raw, bool):
        return expected is raw
    if isinstance(expected, str) and isinstance(raw, str):
        return expected.lower() == raw.lower()
    return bool(expected == raw)


def _typed(name: str, kind: str, value: str) -> Any:
    if kind == "string":
        return value
    if kind == "boolean":
        lowered = value.strip().lower()
        if lowered in {"true", "false"}:
            return lowered == "true"
        raise RejectedError(f"{name} must be true or false, got {value!r}")
    try:
        if "_" in value or not value.isascii():
            raise ValueError(value)  # Python reads 1_000 and other scripts' digits; JSON does not
        number = int(value.strip()) if kind == "integer" else float(value.strip())
    except ValueError:
        word = "a whole number" if kind == "integer" else "a number"
        raise RejectedError(f"{name} must be {word}, got {value!r}") from None
    if isinstance(number, float) and not math.isfinite(number):
        raise RejectedError(f"{name} must be a finite number, got {value!r}")
    return number
