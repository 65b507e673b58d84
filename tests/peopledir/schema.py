"""The person record's field rules, for POST (create) and PUT (full replace).

A body is checked in one pass: every problem is reported, first those in the keys sent (in the
order sent, nested keys where they stand), then every missing required field in schema order.
A valid body becomes the complete writable record: what PUT leaves out is cleared to null."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .problems import FieldProblem, validation_error

_LOGIN = re.compile(r"[A-Za-z0-9._@+-]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
READ_ONLY = ("id", "createdAt", "updatedAt")


def _login_rule(value: str) -> str | None:
    if not _LOGIN.fullmatch(value):
        return "may contain only letters, digits and . _ - @ +"
    return None


def _email_rule(value: str) -> str | None:
    return None if _EMAIL.fullmatch(value) else "must be an email address"


@dataclass(frozen=True)
class Text:
    """A string field; optional ones read null when absent, and "" is stored as null."""

    max_length: int
    required: bool = False
    rule: Callable[[str], str | None] | None = None

    def check(self, value: Any) -> str | None:
        if not isinstance(value, str):
            return "must be a string"
        if self.required and not value:
            return "must not be empty"
        if len(value) > self.max_length:
            return f"must be at most {self.max_length} characters"
        if value and self.rule is not None:
            return self.rule(value)
        return None


# Writable top-level fields in record order; a dict is a nested object of texts.
FIELDS: dict[str, Text | dict[str, Text] | type[bool]] = {
    "login": Text(100, required=True, rule=_login_rule),
    "email": Text(254, required=True, rule=_email_rule),
    "name": {"given": Text(100, required=True), "family": Text(100, required=True)},
    "displayName": Text(200),
    "phone": Text(50),
    "work": {"title": Text(100), "department": Text(100), "employeeId": Text(50)},
    "active": bool,
}
REQUIRED_OBJECTS = ("name",)


def _pointer(*keys: str) -> str:
    """An RFC 6901 JSON Pointer to the key path."""
    return "".join("/" + key.replace("~", "~0").replace("/", "~1") for key in keys)


def check_person(body: dict[str, Any], *, path_id: str | None) -> dict[str, Any]:
    """The complete writable record from a POST (`path_id` None) or PUT body; raises a
    validation problem listing every fault."""
    problems: list[FieldProblem] = []
    record: dict[str, Any] = {}
    for key, value in body.items():
        spec = FIELDS.get(key)
        if key == "id":
            if path_id is None:
                problems.append(FieldProblem("/id", "is assigned by the server"))
            elif value != path_id:
                problems.append(FieldProblem("/id", "must equal the id in the URL"))
        elif key in READ_ONLY:
            pass  # timestamps are the server's; a GET body can be sent back as it is
        elif spec is None:
            problems.append(FieldProblem(_pointer(key), "unknown field"))
        elif spec is bool:
            if isinstance(value, bool):
                record[key] = value
            else:
                problems.append(FieldProblem(_pointer(key), "must be a boolean"))
        elif isinstance(spec, dict):
            record[key] = _check_object(key, value, spec, problems)
        elif isinstance(spec, Text):
            message = None if value is None and not spec.required else spec.check(value)
            if message is None:
                record[key] = value or None
            else:
                problems.append(FieldProblem(_pointer(key), message))
    problems.extend(_missing(body, creating=path_id is None))
    if problems:
        raise validation_error(problems)
    return _complete(record, creating=path_id is None)


def _check_object(
    key: str, value: Any, spec: dict[str, Text], problems: list[FieldProblem]
) -> dict[str, Any] | None:
    if value is None and key not in REQUIRED_OBJECTS:
        return None
    if not isinstance(value, dict):
        problems.append(FieldProblem(_pointer(key), "must be an object"))
        return None
    nested: dict[str, Any] = {}
    for inner, item in value.items():
        text = spec.get(inner)
        if text is None:
            problems.append(FieldProblem(_pointer(key, inner), "unknown field"))
            continue
        message = None if item is None and not text.required else text.check(item)
        if message is None:
            nested[inner] = item or None
        else:
            problems.append(FieldProblem(_pointer(key, inner), message))
    return nested


def _missing(body: dict[str, Any], *, creating: bool) -> list[FieldProblem]:
    missing: list[FieldProblem] = []
    for key, spec in FIELDS.items():
        if key not in body:
            required = (
                (isinstance(spec, Text) and spec.required)
                or key in REQUIRED_OBJECTS
                or (spec is bool and not creating)  # PUT must say whether the person is active
            )
            if required:
                missing.append(FieldProblem(_pointer(key), "is required"))
        elif isinstance(spec, dict) and isinstance(body[key], dict):
            for inner, text in spec.items():
                if text.required and inner not in body[key]:
                    missing.append(FieldProblem(_pointer(key, inner), "is required"))
    return missing


def _complete(record: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Every writable key, with null for what was left out; new people are active."""
    complete: dict[str, Any] = {}
    for key, spec in FIELDS.items():
        if isinstance(spec, dict):
            nested = record.get(key) or {}
            complete[key] = {inner: nested.get(inner) for inner in spec}
        elif spec is bool:
            complete[key] = record.get(key, True) if creating else record[key]
        else:
            complete[key] = record.get(key)
    return complete
