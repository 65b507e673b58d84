"""The writable fields of accounts and teams, their validation rules, and RFC 7396 merge patch.

Validation never stops at the first problem: a 422 lists every bad field, in the order the
client sent them, then every missing required field in the schema's order."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from legacyapp.errors import FieldError

MAX_TEXT = 255
MAX_INTEGER = 2**31 - 1  # the HR database's INT column


@dataclass(frozen=True)
class Text:
    min_length: int = 0
    max_length: int = MAX_TEXT
    required: bool = False
    trimmed: bool = False  # no leading or trailing whitespace
    email: bool = False


@dataclass(frozen=True)
class Integer:
    minimum: int = 0
    maximum: int = MAX_INTEGER


@dataclass(frozen=True)
class Group:
    """A nested object with a fixed set of optional text keys."""

    keys: tuple[str, ...]


Rule = Text | Integer | Group


@dataclass(frozen=True)
class Schema:
    fields: Mapping[str, Rule]  # in the order answers show them
    read_only: Mapping[str, str]  # name -> the 422 message

    def blank(self) -> dict[str, Any]:
        """Every field null; nested objects present with every key null."""
        return {
            name: dict.fromkeys(rule.keys) if isinstance(rule, Group) else None
            for name, rule in self.fields.items()
        }

    def complete(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """Fills the keys a merge patch removed (cleared) back in as null, in schema order."""
        result = self.blank()
        for name, rule in self.fields.items():
            value = document.get(name)
            if isinstance(rule, Group):
                nested = value if isinstance(value, Mapping) else {}
                result[name] = {key: nested.get(key) for key in rule.keys}
            else:
                result[name] = value
        return result

    def check_create(self, document: Mapping[str, Any]) -> list[FieldError]:
        problems = self._check_sent(document, patch=False)
        for name, rule in self.fields.items():
            if _is_required(rule) and name not in document:  # sent as null: reported above
                problems.append(FieldError(name, "is required"))
        return problems

    def check_patch(self, patch: Mapping[str, Any]) -> list[FieldError]:
        return self._check_sent(patch, patch=True)

    def _check_sent(self, document: Mapping[str, Any], *, patch: bool) -> list[FieldError]:
        problems: list[FieldError] = []
        for name, value in document.items():
            if name in self.read_only:
                problems.append(FieldError(name, self.read_only[name]))
                continue
            rule = self.fields.get(name)
            if rule is None:
                problems.append(FieldError(name, "unknown field"))
                continue
            if value is None:
                if _is_required(rule):
                    required = "is required and cannot be cleared" if patch else "is required"
                    problems.append(FieldError(name, required))
                continue
            if isinstance(rule, Group):
                problems.extend(_check_group(name, rule, value))
                continue
            problem = _check_value(rule, value)
            if problem is not None:
                problems.append(FieldError(name, problem))
        return problems


def _is_required(rule: Rule) -> bool:
    return isinstance(rule, Text) and rule.required


def _check_group(name: str, rule: Group, value: Any) -> list[FieldError]:
    if not isinstance(value, dict):
        return [FieldError(name, "must be an object")]
    problems: list[FieldError] = []
    for key, nested in value.items():
        dotted = f"{name}.{key}"
        if key not in rule.keys:
            problems.append(FieldError(dotted, "unknown field"))
        elif nested is not None:
            message = _check_value(Text(), nested)
            if message is not None:
                problems.append(FieldError(dotted, message))
    return problems


def _check_value(rule: Text | Integer, value: Any) -> str | None:
    if isinstance(rule, Integer):
        # bool is an int to Python, not to a JSON client; 10.0 is not an integer either.
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be an integer"
        if not rule.minimum <= value <= rule.maximum:
            return f"must be between {rule.minimum} and {rule.maximum}"
        return None
    if not isinstance(value, str):
        return "must be a string"
    if not rule.min_length <= len(value) <= rule.max_length:
        if rule.min_length > 0:
            return f"must be between {rule.min_length} and {rule.max_length} characters"
        return f"must be at most {rule.max_length} characters"
    if rule.trimmed and value != value.strip():
        return "must not start or end with whitespace"
    if rule.email and not looks_like_email(value):
        return "must be an email address"
    return None


def looks_like_email(value: str) -> bool:
    """One `@` with text on both sides and no whitespace anywhere; nothing more is checked."""
    local, at, domain = value.partition("@")
    return bool(at and local and domain and "@" not in domain) and not any(
        character.isspace() for character in value
    )


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge key by key, null removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


_READ_ONLY = "read-only field"

ACCOUNT = Schema(
    fields={
        "username": Text(1, 100, required=True, trimmed=True),
        "first_name": Text(1, 50, required=True),
        "last_name": Text(1, 50, required=True),
        "display_name": Text(),
        "nickname": Text(),
        "email": Text(1, MAX_TEXT, required=True, email=True),
        "secondary_email": Text(email=True),
        "title": Text(),
        "user_type": Text(),
        "language": Text(),
        "profile_url": Text(),
        "employee_number": Integer(),
        "org": Group(("organization", "division", "department", "cost_center")),
        "phones": Group(("mobile", "work")),
        "address": Group(("street", "city", "state", "postal_code", "country")),
        "manager_id": Text(),
        "external_ref": Text(),
    },
    read_only={
        "id": _READ_ONLY,
        "status": f"{_READ_ONLY}; use the enable/disable actions",
        "created_at": _READ_ONLY,
        "updated_at": _READ_ONLY,
    },
)

TEAM = Schema(
    fields={
        "name": Text(1, 100, required=True),
        "description": Text(),
        "external_ref": Text(),
    },
    read_only={
        "id": _READ_ONLY,
        "member_count": _READ_ONLY,
        "created_at": _READ_ONLY,
        "updated_at": _READ_ONLY,
    },
)
